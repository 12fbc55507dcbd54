"""Labels for a piece of text (the API the gateway calls): explicit wording + implicit AIGC fields.

    from tongzhou.labels.text import label_text, verify_text
    result = label_text(answer, producer="001191110000TZDEMO000110000", explicit="prefix", lang="zh")
    result.text          # the answer with 【本内容由人工智能生成】 in front
    result.label_json    # {"Label":"1","ContentProducer":...,"ReservedCode1":...,...}
    verify_text(result.text, result.label_json).valid   # True

The binding (ReservedCode1/2) is an Ed25519 signature over sha256 of the UTF-8 bytes of the
delivered text (explicit label included, it is part of the content) and the label fields.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.labels.binding import BindingCheck, bind, check_binding
from tongzhou.labels.explicit_text import (
    Language,
    Position,
    add_explicit_text_label,
    find_explicit_text_label,
)
from tongzhou.labels.fields import AigcLabel, LabelFormatError, parse_label_json
from tongzhou.labels.keys import signing_key

TEXT_HASH_METHOD = "utf8-text-v1"
"""sha256 over the UTF-8 bytes of the text exactly as delivered."""


def text_content_hash(text: str) -> str:
    """``sha256:<hex>`` of the UTF-8 bytes of ``text``."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_content_id() -> str:
    """A fresh unique content id (32 hex digits) for ProduceID / PropagateID."""
    return uuid.uuid4().hex


def make_label(
    producer: str,
    content_hash: str,
    method: str,
    key: Ed25519PrivateKey | None = None,
    produce_id: str | None = None,
    propagator: str | None = None,
    propagate_id: str | None = None,
    label_value: str = "1",
) -> AigcLabel:
    """A validated, bound implicit label for content with ``content_hash`` (any carrier)."""
    produce_id = produce_id or new_content_id()
    label = AigcLabel(
        Label=label_value,
        ContentProducer=producer,
        ProduceID=produce_id,
        ContentPropagator=propagator or producer,
        PropagateID=propagate_id or produce_id,
    )
    label.validate()
    return bind(label, content_hash, method, key or signing_key()).validate()


@dataclass(frozen=True)
class LabelledText:
    """A text with its labels."""

    text: str
    """The text to deliver (with the explicit label when one was asked for)."""
    label: AigcLabel
    """The implicit label fields."""
    content_hash: str
    """``sha256:<hex>`` the binding covers."""

    @property
    def label_json(self) -> str:
        """The bare Appendix E JSON object (for a header, a response field or metadata)."""
        return self.label.to_json()

    def front_matter(self) -> str:
        """The text with the ``AIGC:`` front matter a Markdown/text file carries (GB 45438 carriers)."""
        from tongzhou.labels.carriers.textfile import add_front_matter

        return add_front_matter(self.text, self.label)


def label_text(
    text: str,
    producer: str,
    *,
    explicit: Position | None = "prefix",
    lang: Language = "zh",
    wording: str | None = None,
    produce_id: str | None = None,
    propagator: str | None = None,
    propagate_id: str | None = None,
    key: Ed25519PrivateKey | None = None,
) -> LabelledText:
    """Label ``text``: optional explicit wording (``explicit=None`` for none) + bound implicit label.

    ``key`` defaults to the key ring's ``labels`` key (created on first use).
    """
    delivered = add_explicit_text_label(text, lang, explicit, wording) if explicit else text
    digest = text_content_hash(delivered)
    label = make_label(producer, digest, TEXT_HASH_METHOD, key, produce_id, propagator, propagate_id)
    return LabelledText(text=delivered, label=label, content_hash=digest)


@dataclass(frozen=True)
class TextVerification:
    """What :func:`verify_text` found."""

    label: AigcLabel | None
    checks: list[BindingCheck] = field(default_factory=list)
    error: str | None = None
    explicit: str | None = None
    """The explicit label phrase found in the text, if any."""

    @property
    def valid(self) -> bool:
        """Label well-formed and ReservedCode1 valid (and ReservedCode2 valid or absent)."""
        if self.label is None or not self.checks:
            return False
        rc1, rc2 = self.checks
        return rc1.status == "valid" and rc2.status in ("valid", "absent")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "valid": self.valid,
            "label": self.label.to_dict() if self.label else None,
            "checks": [c.to_dict() for c in self.checks],
            "error": self.error,
            "explicit": self.explicit,
        }


def verify_text(
    text: str, label: AigcLabel | str, trusted_key_ids: set[str] | None = None
) -> TextVerification:
    """Check that ``label`` (object or either JSON form) belongs to exactly this ``text``."""
    explicit = find_explicit_text_label(text)
    try:
        parsed = parse_label_json(label) if isinstance(label, str) else label.validate()
    except LabelFormatError as exc:
        return TextVerification(None, [], str(exc), explicit)
    digest = text_content_hash(text)
    checks = [
        check_binding(parsed, "ReservedCode1", digest, trusted_key_ids),
        check_binding(parsed, "ReservedCode2", digest, trusted_key_ids),
    ]
    return TextVerification(parsed, checks, None, explicit)
