"""Recognition view: for a verified attestation, the obligations in each jurisdiction it can serve.

Which artefacts a report stands for is data (``data/evidence.yaml``); which obligations an
artefact serves comes from the classify crosswalk,
``tongzhou.classify.crosswalk.recognition_for(artefact_id)`` (notes/contracts.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from tongzhou.attest.verify import Verification

CrosswalkLookup = Callable[[str], list[Any]]


@dataclass(frozen=True)
class EvidenceClaim:
    """An artefact this report can stand for, and why."""

    artefact: str
    rationale: str
    source: str


@dataclass(frozen=True)
class ObligationServed:
    """One obligation an attestation can serve as evidence for."""

    artefact: str
    jurisdiction: str
    regime: str
    requirement: str
    obligation_id: str
    rationale: str
    source: str
    policy_recognises: bool | None
    """Whether the trust policy recognises the evaluator in this jurisdiction (None: no policy)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


@dataclass
class RecognitionView:
    """What a verified attestation is evidence for, jurisdiction by jurisdiction."""

    verification: Verification
    claims: list[EvidenceClaim] = field(default_factory=list)
    obligations: list[ObligationServed] = field(default_factory=list)
    unavailable: str | None = None
    """Why the crosswalk could not be consulted (None when it was)."""

    def by_jurisdiction(self) -> dict[str, list[ObligationServed]]:
        """Obligations grouped by jurisdiction, in name order."""
        grouped: dict[str, list[ObligationServed]] = {}
        for ob in sorted(self.obligations, key=lambda o: (o.jurisdiction, o.regime, o.requirement)):
            grouped.setdefault(ob.jurisdiction, []).append(ob)
        return grouped

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "verification": self.verification.to_dict(),
            "claims": [c.__dict__ for c in self.claims],
            "obligations": [o.to_dict() for o in self.obligations],
            "unavailable": self.unavailable,
        }


@cache
def _evidence_map() -> dict[str, Any]:
    text = resources.files("tongzhou.attest").joinpath("data/evidence.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def evidence_claims(profile_id: str) -> list[EvidenceClaim]:
    """The artefacts a report under ``profile_id`` stands for (``data/evidence.yaml``)."""
    data = _evidence_map()
    entries = data.get("profiles", {}).get(profile_id) or data["default"]
    return [
        EvidenceClaim(e["artefact"], " ".join(str(e["rationale"]).split()), str(e.get("source", "")))
        for e in entries
    ]


def crosswalk_lookup() -> CrosswalkLookup | None:
    """``recognition_for`` from the classify crosswalk, or None when that module is not installed."""
    try:
        module = importlib.import_module("tongzhou.classify.crosswalk")
    except ImportError:
        return None
    lookup: CrosswalkLookup | None = getattr(module, "recognition_for", None)
    return lookup


def recognition_view(verification: Verification, lookup: CrosswalkLookup | None = None) -> RecognitionView:
    """The recognition view of a verified attestation (only the signed report is read).

    ``lookup`` defaults to the classify crosswalk; a failed verification yields no obligations.
    """
    view = RecognitionView(verification=verification)
    report: Mapping[str, Any] | None = verification.report
    if report is None or verification.failures:
        view.unavailable = "the attestation did not verify, so it is evidence for nothing"
        return view
    view.claims = evidence_claims(report["standard_profile"]["id"])
    lookup = lookup or crosswalk_lookup()
    if lookup is None:
        view.unavailable = "the classification crosswalk (tongzhou.classify.crosswalk) is not installed"
        return view
    # Policies and the crosswalk may spell codes differently (CN / cn): compare case-insensitively.
    recognised = {j.upper() for j in verification.jurisdictions}
    for claim in view.claims:
        for rec in lookup(claim.artefact):
            jurisdiction = str(rec.jurisdiction)
            view.obligations.append(
                ObligationServed(
                    artefact=claim.artefact,
                    jurisdiction=jurisdiction,
                    regime=str(rec.regime),
                    requirement=str(rec.requirement),
                    obligation_id=str(rec.obligation_id),
                    rationale=str(rec.rationale),
                    source=str(rec.source),
                    policy_recognises=(jurisdiction.upper() in recognised)
                    if verification.policy_name
                    else None,
                )
            )
    return view
