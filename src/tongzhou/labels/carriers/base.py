"""What every carrier (one per file-format family) provides, and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tongzhou.errors import InputError


class CorruptFileError(InputError):
    """A file that is truncated, malformed, or not the format its name or magic bytes claim."""


class UnsupportedFileError(InputError):
    """A file whose format no carrier handles."""


@dataclass(frozen=True)
class FoundLabel:
    """An implicit label value found in a file."""

    location: str
    """Where it was, e.g. "XMP TC260:AIGC (iTXt XML:com.adobe.xmp)" or "tEXt AIGC"."""
    value: str
    """The raw JSON text (either accepted form)."""


class Carrier(Protocol):
    """One format family: where the AIGC label goes (docs/standards/aigc-labeling.md, carrier table)."""

    name: str
    """Short name, e.g. "png"."""
    method: str
    """Content-hash method id recorded in SecurityData, e.g. "png-chunks-v1"."""
    extensions: tuple[str, ...]
    """File name suffixes, lower case, with the dot."""
    wrapped: bool
    """Whether the carrier's guide names the wrapped ``{"AIGC": {...}}`` form."""

    def sniff(self, head: bytes) -> bool:
        """Whether the first bytes look like this format."""
        ...

    def content_hash(self, data: bytes) -> str:
        """``sha256:<hex>`` of the content without label metadata; raises CorruptFileError."""
        ...

    def read_labels(self, data: bytes) -> list[FoundLabel]:
        """Every AIGC label value present (should be exactly one)."""
        ...

    def write_label(self, data: bytes, label_json: str) -> bytes:
        """``data`` with the label written (replacing any AIGC label, keeping all other metadata)."""
        ...
