"""What the compatibility check returns: the intended use, the verdicts, and the obligations."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tongzhou.oss.licences.catalog import Duty
from tongzhou.oss.licences.evidence import Evidence


class Verdict(StrEnum):
    """The outcome of one check, and of the lineage (the worst of its checks)."""

    COMPATIBLE = "compatible"
    """The intended use meets the duty, shown by the evidence."""
    INCOMPATIBLE = "incompatible"
    """The intended use breaks the duty, or a file the duty requires is missing."""
    UNDETERMINED = "undetermined"
    """Not decidable from what was given (a licence not identified, --mau not given, a duty met elsewhere)."""


ORDER = {Verdict.COMPATIBLE: 0, Verdict.UNDETERMINED: 1, Verdict.INCOMPATIBLE: 2}
"""Verdicts from best to worst; a lineage takes the worst of its checks."""


@dataclass(frozen=True)
class IntendedUse:
    """How the model is to be used."""

    commercial: bool = True
    """Commercial use (the default, because it is the stricter reading)."""
    monthly_active_users: int | None = None
    """Monthly active users of your products or services, affiliates included; None: unknown."""
    redistribute: bool = False
    """Whether you distribute the model (or a derivative) to others, as files or a download."""
    name: str | None = None
    """The name the model is distributed under, when it differs from its card or folder."""

    def describe(self) -> str:
        """One line: what was checked."""
        parts = ["commercial" if self.commercial else "non-commercial"]
        parts.append(
            f"MAU {self.monthly_active_users:,}" if self.monthly_active_users is not None else "MAU not given"
        )
        parts.append("redistributed" if self.redistribute else "not redistributed")
        return ", ".join(parts)


@dataclass(frozen=True)
class Check:
    """One verdict with its reason."""

    verdict: Verdict
    """compatible, incompatible or undetermined."""
    code: str
    """Stable code (``licence.non-commercial``, ``duty.notice-file`` …)."""
    subject: str
    """The model or dataset whose licence raised it."""
    licence_id: str | None
    """That licence."""
    message: str
    """The reason, in English."""
    message_zh: str
    """The reason, in Chinese."""
    evidence: tuple[Evidence, ...] = ()
    """Where the facts were read."""
    source: str | None = None
    """The licence clause (URL §section)."""
    confidence: str | None = None
    """The catalogue's confidence in that clause."""

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "verdict": self.verdict.value,
            "code": self.code,
            "subject": self.subject,
            "licence": self.licence_id,
            "message": self.message,
            "message_zh": self.message_zh,
            "evidence": [e.as_dict() for e in self.evidence],
            "source": self.source,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Obligation:
    """A duty no file can show met; the user must keep it."""

    subject: str
    """The model or dataset whose licence carries it."""
    licence_id: str
    """That licence."""
    duty: Duty
    """The duty with its source."""

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "subject": self.subject,
            "licence": self.licence_id,
            "kind": self.duty.kind.value,
            "text": self.duty.text,
            "source": self.duty.source(),
            "confidence": self.duty.confidence,
            **({"policy": self.duty.params["policy"]} if "policy" in self.duty.params else {}),
        }
