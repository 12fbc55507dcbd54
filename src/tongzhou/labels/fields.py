"""The GB 45438-2025 implicit label: seven string fields, their character set, their JSON forms.

Source: GB 45438-2025 §6.1 and normative Appendix E (summarised in
docs/standards/aigc-labeling.md): the metadata key contains ``AIGC``; the value is a JSON
object with the fields below, in this order; each value uses printable single-byte characters
except ``"`` and ``\\`` (0x21, 0x23-0x5B, 0x5D-0x7E). Readers meet both the bare object and
the wrapped ``{"AIGC": {...}}`` form, so :func:`parse_label_json` accepts both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields, replace
from typing import Any

from tongzhou.errors import InputError

FIELD_ORDER: tuple[str, ...] = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
"""Appendix E field order."""

LABEL_VALUES: dict[str, str] = {
    "1": "AI-generated (confirmed)",
    "2": "possibly AI-generated",
    "3": "suspected AI-generated",
}
"""Values of the ``Label`` field (GB 45438 Appendix E)."""

_ALLOWED = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]*$")
# TC260-PG-20252A provider code: "00" + 20-character subject ID + 5-character service extension.
_PROVIDER_CODE = re.compile(r"^00[0-9A-Z]{20}[12][0-9A-Z]{4}$")

MAX_FIELD_CHARS = 4096
"""Our own bound on one field (not from the standard): keeps hostile labels from growing unbounded."""


class LabelFormatError(InputError):
    """A label value that is not GB 45438 Appendix E JSON, or a field outside the character set."""


def check_field_value(name: str, value: str) -> None:
    """Raise :class:`LabelFormatError` unless ``value`` is a valid Appendix E field value."""
    if not isinstance(value, str):
        raise LabelFormatError(f"AIGC field {name!r} must be a string, got {type(value).__name__}")
    if len(value) > MAX_FIELD_CHARS:
        raise LabelFormatError(f"AIGC field {name!r} is longer than {MAX_FIELD_CHARS} characters")
    if not _ALLOWED.match(value):
        bad = next(c for c in value if not _ALLOWED.match(c))
        raise LabelFormatError(
            f"AIGC field {name!r} contains {bad!r}: only printable single-byte characters except "
            "'\"' and '\\' and space are allowed (GB 45438 Appendix E); use codes, not names"
        )


def is_provider_code(value: str) -> bool:
    """Whether ``value`` has the 27-character shape of a TC260-PG-20252A provider code."""
    return bool(_PROVIDER_CODE.match(value))


@dataclass(frozen=True)
class AigcLabel:
    """One implicit label (GB 45438 Appendix E). Every field is a string, as the standard says."""

    Label: str = "1"  # noqa: N815 — field names are the standard's JSON keys
    """"1" AI-generated, "2" possibly, "3" suspected."""
    ContentProducer: str = ""  # noqa: N815
    """The generating service provider's name or code (TC260-PG-20252A code preferred)."""
    ProduceID: str = ""  # noqa: N815
    """The provider's unique ID for this content."""
    ReservedCode1: str = ""  # noqa: N815
    """Producer's integrity protection: base64url SecurityData (see :mod:`tongzhou.labels.binding`)."""
    ContentPropagator: str = ""  # noqa: N815
    """The distributing platform's name or code (may equal the producer on first write)."""
    PropagateID: str = ""  # noqa: N815
    """The platform's unique ID for this content."""
    ReservedCode2: str = ""  # noqa: N815
    """Propagator's integrity protection."""

    def validate(self) -> AigcLabel:
        """Check every field; return self so calls chain."""
        for name in FIELD_ORDER:
            check_field_value(name, getattr(self, name))
        if self.Label not in LABEL_VALUES:
            raise LabelFormatError(
                f"AIGC field 'Label' must be one of {sorted(LABEL_VALUES)}, got {self.Label!r}"
            )
        if not self.ContentProducer:
            raise LabelFormatError("AIGC field 'ContentProducer' is empty")
        return self

    def to_dict(self) -> dict[str, str]:
        """The fields in Appendix E order."""
        return {name: getattr(self, name) for name in FIELD_ORDER}

    def to_json(self, wrapped: bool = False) -> str:
        """Compact JSON in Appendix E order; ``wrapped`` gives ``{"AIGC": {...}}``."""
        value: dict[str, Any] = {"AIGC": self.to_dict()} if wrapped else self.to_dict()
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"))

    def with_fields(self, **changes: str) -> AigcLabel:
        """A copy with some fields changed."""
        return replace(self, **changes)


def parse_label_json(text: str | bytes) -> AigcLabel:
    """Parse either accepted form (bare object or ``{"AIGC": {...}}``) and validate it.

    Unknown keys are refused (Appendix E defines exactly seven); missing optional fields read as "".
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LabelFormatError(f"AIGC value is not UTF-8: {exc}") from exc
    if len(text) > 8 * MAX_FIELD_CHARS:
        raise LabelFormatError("AIGC value is too long")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LabelFormatError(f"AIGC value is not JSON: {exc}") from exc
    if isinstance(value, dict) and set(value) == {"AIGC"} and isinstance(value["AIGC"], dict):
        value = value["AIGC"]
    if not isinstance(value, dict):
        raise LabelFormatError("AIGC value is not a JSON object")
    unknown = set(value) - set(FIELD_ORDER)
    if unknown:
        raise LabelFormatError(f"AIGC value has unknown fields {sorted(unknown)} (Appendix E defines seven)")
    known = {f.name for f in fields(AigcLabel)}
    label = AigcLabel(**{k: v for k, v in value.items() if k in known})
    return label.validate()
