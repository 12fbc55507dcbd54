"""A licence check's verdict as the BOM records it: ``tongzhou oss bom --licence-check``.

The check is the one ``tongzhou oss licence`` runs (:func:`tongzhou.oss.licences.check_lineage` over the
model, the datasets given with ``--dataset``, and the intended use); the BOM keeps its overall verdict,
the use it was checked against, and each check's verdict, code, subject and reason. CycloneDX writes
them as ``tongzhou:licence-check*`` properties of the model, SPDX as ``review`` annotations on it. The
BOM records the verdict; gating on it (exit 1) is ``oss licence``'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tongzhou.oss.licences import IntendedUse, build_lineage, check_lineage


@dataclass(frozen=True)
class CheckLine:
    """One check as the BOM states it."""

    verdict: str
    """compatible, incompatible or undetermined."""
    code: str
    """``licence.non-commercial``, ``duty.notice-file``…"""
    subject: str
    """The model or dataset whose licence raised it."""
    message: str
    """The reason, in English."""

    def text(self) -> str:
        """``incompatible licence.non-commercial (support-chats): …``."""
        return f"{self.verdict} {self.code} ({self.subject}): {self.message}"


@dataclass(frozen=True)
class LicenceCheckFacts:
    """The verdict of one licence check and what it was checked against."""

    verdict: str
    """The worst verdict of the checks."""
    use: str
    """The intended use, in one line (``commercial, MAU 5,000, redistributed``)."""
    checks: tuple[CheckLine, ...]
    """Every check, in the order the licence check made them."""


def licence_check_facts(model: Path, datasets: Sequence[Path], use: IntendedUse) -> LicenceCheckFacts:
    """Run the licence check of ``model`` and ``datasets`` for ``use``; InputError on bad input."""
    report = check_lineage(build_lineage(model, (), datasets), use)
    checks = tuple(CheckLine(c.verdict.value, c.code, c.subject, c.message) for c in report.checks)
    return LicenceCheckFacts(report.verdict.value, use.describe(), checks)
