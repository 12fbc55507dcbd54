"""Labels on proxied completions, through ``tongzhou.labels.text`` (GB 45438-2025 wording and fields).

Non-streaming: the explicit label goes into each choice's text; the implicit
label (Appendix E JSON) goes into the response field ``AIGC`` (one object per
choice under ``AIGC_choices`` when there are several) and the ``AIGC`` header.
Streaming: the explicit label travels as its own content delta (first or last),
and the implicit label, whose binding needs the whole text, arrives in the
``AIGC`` field of the last data event before ``[DONE]``.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.gateway.policy import LabelPolicy

LABEL_FIELD = "AIGC"
"""Response field and header that carry the implicit label (GB 45438: the key must contain AIGC)."""


def _utf8_safe(text: str) -> str:
    # Lone surrogates (valid in JSON escapes, invalid in UTF-8) cannot be hashed or delivered as text.
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


class ResponseLabeller:
    """Applies :class:`LabelPolicy` to completion texts."""

    def __init__(self, policy: LabelPolicy) -> None:
        self.policy = policy
        self.enabled = policy.explicit or policy.implicit
        self._key: Ed25519PrivateKey | None = None
        if self.enabled:
            from tongzhou.labels.keys import signing_key

            self._key = signing_key(policy.signing_key) if policy.signing_key else signing_key()

    def explicit_parts(self) -> tuple[str, str]:
        """``(prefix, suffix)`` strings that the explicit label adds around a text."""
        if not self.policy.explicit:
            return "", ""
        from tongzhou.labels.explicit_text import add_explicit_text_label

        marked = add_explicit_text_label("\0", self.policy.language, self.policy.position)
        prefix, _, suffix = marked.partition("\0")
        return prefix, suffix

    def label(self, text: str, produce_id: str) -> tuple[str, str | None]:
        """``(delivered text, implicit label JSON or None)`` for one generated text."""
        from tongzhou.labels.text import TEXT_HASH_METHOD, label_text, make_label, text_content_hash

        text = _utf8_safe(text)
        if self.policy.explicit:
            result = label_text(
                text,
                self.policy.producer,
                explicit=self.policy.position,
                lang=self.policy.language,
                produce_id=produce_id,
                key=self._key,
            )
            return result.text, result.label_json if self.policy.implicit else None
        if not self.policy.implicit:
            return text, None
        label = make_label(
            self.policy.producer, text_content_hash(text), TEXT_HASH_METHOD, self._key, produce_id=produce_id
        )
        return text, label.to_json()

    def implicit_for(self, delivered: str, produce_id: str) -> str | None:
        """The implicit label JSON for text already delivered (streaming), or None."""
        if not self.policy.implicit:
            return None
        from tongzhou.labels.text import TEXT_HASH_METHOD, make_label, text_content_hash

        return make_label(
            self.policy.producer,
            text_content_hash(_utf8_safe(delivered)),
            TEXT_HASH_METHOD,
            self._key,
            produce_id=produce_id,
        ).to_json()

    def label_completion(self, body: dict[str, Any], produce_id: str) -> str | None:
        """Label every choice of a chat / text completion in place; return the first label JSON."""
        import json

        labels: list[Any] = []
        for index, choice in enumerate(body.get("choices") or []):
            if not isinstance(choice, dict):
                continue
            message = choice.get("message")
            holder, key = (message, "content") if isinstance(message, dict) else (choice, "text")
            text = holder.get(key)
            if not isinstance(text, str):
                continue
            pid = produce_id if index == 0 else f"{produce_id}-{index}"
            holder[key], label_json = self.label(text, pid)
            if label_json:
                labels.append(json.loads(label_json))
        if not labels:
            return None
        body[LABEL_FIELD] = labels[0]
        if len(labels) > 1:
            body[f"{LABEL_FIELD}_choices"] = labels
        return json.dumps(labels[0], separators=(",", ":"))
