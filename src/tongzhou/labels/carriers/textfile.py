"""Markdown and plain text files: ``AIGC:`` in front matter at the top of the file.

Carrier per docs/standards/aigc-labeling.md ("Markdown / plain text files: front matter
``AIGC:`` at the top of the file"). An existing front matter block is kept and the ``AIGC:``
line is added to it. The content hash covers the file with the ``AIGC:`` line removed (and the
front matter block removed when nothing else is in it).
"""

from __future__ import annotations

import hashlib
import re

from tongzhou.labels.carriers.base import CorruptFileError, FoundLabel
from tongzhou.labels.fields import AigcLabel

_BOM = "\ufeff"
_AIGC_LINE = re.compile(r"^AIGC\s*:\s*(.*?)\s*$")


def _split(text: str) -> tuple[str, list[str] | None, str, str]:
    """(bom, front-matter lines or None, body, newline)."""
    bom = _BOM if text.startswith(_BOM) else ""
    rest = text[len(bom) :]
    newline = "\r\n" if rest.startswith("---\r\n") else "\n"
    if not rest.startswith("---" + newline):
        return bom, None, rest, "\n"
    lines = rest.split(newline)
    for i in range(1, len(lines)):
        if lines[i] in ("---", "..."):
            return bom, lines[1:i], newline.join(lines[i + 1 :]), newline
    return bom, None, rest, "\n"  # an opening '---' without a close is content, not front matter


def _without_label(text: str) -> str:
    bom, front, body, nl = _split(text)
    if front is None:
        return bom + body
    kept = [line for line in front if not _AIGC_LINE.match(line)]
    if not kept:
        return bom + body
    return bom + nl.join(["---", *kept, "---", body])


def split_front_matter(text: str) -> tuple[str, str]:
    """(the BOM and front matter block as written, the body after it)."""
    bom, front, body, nl = _split(text)
    if front is None:
        return bom, body
    return bom + nl.join(["---", *front, "---", ""]), body


def add_front_matter(text: str, label: AigcLabel | str) -> str:
    """``text`` with ``AIGC: {...}`` in its front matter (created, or added to the existing one)."""
    value = label if isinstance(label, str) else label.to_json()
    bom, front, body, nl = _split(text)
    line = f"AIGC: {value}"
    if front is None:
        return bom + nl.join(["---", line, "---", body])
    kept = [entry for entry in front if not _AIGC_LINE.match(entry)]
    return bom + nl.join(["---", line, *kept, "---", body])


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptFileError(
            f"not UTF-8 text (byte {exc.start}): labels are written to UTF-8 text only"
        ) from exc


class TextFileCarrier:
    """Markdown / plain text: ``AIGC:`` front matter."""

    name = "text"
    method = "text-front-matter-v1"
    extensions: tuple[str, ...] = (".md", ".markdown", ".txt", ".text")
    wrapped = False

    def sniff(self, head: bytes) -> bool:
        """Text has no magic: decided by extension only."""
        return False

    def content_hash(self, data: bytes) -> str:
        """sha256 of the UTF-8 text without the AIGC front-matter line."""
        text = _decode(data)
        if "\x00" in text:
            raise CorruptFileError("text file contains NUL bytes: not a text file")
        return "sha256:" + hashlib.sha256(_without_label(text).encode("utf-8")).hexdigest()

    def read_labels(self, data: bytes) -> list[FoundLabel]:
        """The ``AIGC:`` lines of the front matter."""
        _bom, front, _body, _nl = _split(_decode(data))
        found = []
        for line in front or []:
            match = _AIGC_LINE.match(line)
            if match:
                value = match.group(1)
                if len(value) >= 2 and value[0] == value[-1] == "'":
                    value = value[1:-1].replace("''", "'")
                found.append(FoundLabel("front matter AIGC", value))
        return found

    def write_label(self, data: bytes, label_json: str) -> bytes:
        """The file with the label in its front matter."""
        return add_front_matter(_decode(data), label_json).encode("utf-8")
