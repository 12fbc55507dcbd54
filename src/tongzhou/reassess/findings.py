"""What a review finds: one :class:`Finding` per fact worth a person's attention, with a stable code."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SEVERITIES = ("info", "warning", "alert")
"""``alert`` findings are sent to the responsible people at once; the others wait for the review."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found.

    Codes (docs/reassess.md lists them): ``tier-moved``, ``new-obligation``, ``obligation-re-dated``,
    ``obligation-now-applies``, ``obligation-removed``, ``rules-changed``, ``attestation-failed``,
    ``attestation-recovered``, ``attestation-missing``, ``trust-policy-changed``, ``refusal-drop``,
    ``evaluation-failed``, ``evaluation-baseline``, ``overdue``.
    """

    check: str
    """The check that found it: ``classification``, ``attestations``, ``evaluation`` or ``overdue``."""
    code: str
    severity: str
    message: str
    message_zh: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Finding:
        return cls(raw["check"], raw["code"], raw["severity"], raw["message"], raw["message_zh"])
