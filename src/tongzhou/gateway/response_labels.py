"""Labels on proxied completions, through ``tongzhou.labels`` (GB 45438-2025 wording and fields).

Non-streaming: the explicit label goes into each choice's text; the implicit
label (Appendix E JSON) goes into the response field ``AIGC`` (one object per
choice under ``AIGC_choices`` when there are several) and the ``AIGC`` header.
Streaming: the explicit label travels as its own content delta (first or last),
and the implicit label, whose binding needs the whole text, arrives in the
``AIGC`` field of the last data event before ``[DONE]``.

Labels stay on in production only if they are cheap: the explicit wording is worked out once, and
the implicit label is bound by :class:`~tongzhou.labels.text_label_signer.TextLabelSigner` (the
same bytes as :func:`~tongzhou.labels.text.label_text`, both signatures, at about a third of its
cost; docs/gateway.md, "Labels on responses").
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tongzhou.gateway.policy import LabelPolicy

if TYPE_CHECKING:  # imported when labels are on: a gateway without them never loads tongzhou.labels
    from tongzhou.labels.text_label_signer import TextLabelSigner

LABEL_FIELD = "AIGC"
"""Response field and header that carry the implicit label (GB 45438: the key must contain AIGC)."""


def _utf8_safe(text: str) -> str:
    # Lone surrogates (valid in JSON escapes, invalid in UTF-8) cannot be hashed or delivered as text.
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _compact(label: dict[str, str]) -> str:
    """The label JSON as :meth:`AigcLabel.to_json` writes it (Appendix E order, compact, ASCII)."""
    return json.dumps(label, separators=(",", ":"))


class ResponseLabeller:
    """Applies :class:`LabelPolicy` to completion texts."""

    def __init__(self, policy: LabelPolicy) -> None:
        self.policy = policy
        self.enabled = policy.explicit or policy.implicit
        self._prefix, self._suffix = "", ""
        self._signer: TextLabelSigner | None = None
        if not self.enabled:
            return
        from tongzhou.labels.keys import signing_key
        from tongzhou.labels.text_label_signer import TextLabelSigner

        if policy.explicit:
            from tongzhou.labels.explicit_text import add_explicit_text_label

            marked = add_explicit_text_label("\0", policy.language, policy.position)
            self._prefix, _, self._suffix = marked.partition("\0")
        if policy.implicit:
            key = signing_key(policy.signing_key) if policy.signing_key else signing_key()
            self._signer = TextLabelSigner(key, policy.producer)

    def explicit_parts(self) -> tuple[str, str]:
        """``(prefix, suffix)`` strings that the explicit label adds around a text."""
        return self._prefix, self._suffix

    def _bound(self, text: str, produce_id: str) -> tuple[str, dict[str, str] | None]:
        delivered = f"{self._prefix}{_utf8_safe(text)}{self._suffix}"
        return delivered, self._signer.label(delivered, produce_id) if self._signer else None

    def label(self, text: str, produce_id: str) -> tuple[str, str | None]:
        """``(delivered text, implicit label JSON or None)`` for one generated text."""
        delivered, label = self._bound(text, produce_id)
        return delivered, _compact(label) if label else None

    def implicit_for(self, delivered: str, produce_id: str) -> str | None:
        """The implicit label JSON for text already delivered (streaming), or None."""
        if self._signer is None:
            return None
        return _compact(self._signer.label(_utf8_safe(delivered), produce_id))

    def label_completion(self, body: dict[str, Any], produce_id: str) -> str | None:
        """Label every choice of a chat / text completion in place; return the first label JSON."""
        labels: list[dict[str, str]] = []
        for index, choice in enumerate(body.get("choices") or []):
            if not isinstance(choice, dict):
                continue
            message = choice.get("message")
            holder, key = (message, "content") if isinstance(message, dict) else (choice, "text")
            text = holder.get(key)
            if not isinstance(text, str):
                continue
            pid = produce_id if index == 0 else f"{produce_id}-{index}"
            holder[key], label = self._bound(text, pid)
            if label:
                labels.append(label)
        if not labels:
            return None
        body[LABEL_FIELD] = labels[0]
        if len(labels) > 1:
            body[f"{LABEL_FIELD}_choices"] = labels
        return _compact(labels[0])
