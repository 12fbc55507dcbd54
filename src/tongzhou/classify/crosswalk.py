"""The evidence crosswalk: which evidence artefact satisfies which requirement in each regime, and why.

Artefact ids are shared across Tongzhou (docs/classify.md, notes in contracts): other modules
produce artefacts (an adversarial test report, an energy document) and ask
:func:`recognition_for` where that artefact counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from tongzhou.classify.findings import EvidenceRef
from tongzhou.errors import InputError


@dataclass(frozen=True, slots=True)
class Recognition:
    """One requirement an artefact serves."""

    jurisdiction: str
    regime: str
    requirement: str
    """The legal basis, e.g. ``"Art. 55(1)(a)"``."""
    obligation_id: str
    """The obligation id in the rules (e.g. ``eu.art55_1a``)."""
    rationale: str
    source: str


@dataclass(frozen=True, slots=True)
class Artefact:
    """An evidence artefact and every requirement it serves."""

    id: str
    title: str
    title_zh: str
    description: str
    recognitions: tuple[Recognition, ...]


class Crosswalk:
    """The crosswalk, indexed by artefact and by obligation."""

    def __init__(self, artefacts: list[Artefact]) -> None:
        self.artefacts = {a.id: a for a in artefacts}
        index: dict[str, list[EvidenceRef]] = {}
        for a in artefacts:
            for r in a.recognitions:
                elsewhere = [f"{o.regime}: {o.requirement}" for o in a.recognitions if o is not r]
                index.setdefault(r.obligation_id, []).append(
                    EvidenceRef(a.id, a.title, r.rationale, elsewhere)
                )
        self.evidence_index = index
        """obligation id → the artefacts that satisfy it (shared, read-only lists)."""

    def recognition_for(self, artefact_id: str) -> list[Recognition]:
        """Every requirement ``artefact_id`` serves; unknown ids raise :class:`InputError`."""
        artefact = self.artefacts.get(artefact_id)
        if artefact is None:
            raise InputError(
                f"unknown evidence artefact {artefact_id!r}; known: {', '.join(sorted(self.artefacts))}"
            )
        return list(artefact.recognitions)

    def evidence_for(self, obligation_id: str) -> list[EvidenceRef]:
        """The artefacts that would satisfy one obligation."""
        return list(self.evidence_index.get(obligation_id, []))


def parse_crosswalk(data: dict[str, Any], source_name: str = "crosswalk.yaml") -> Crosswalk:
    """Build a :class:`Crosswalk` from parsed YAML."""
    artefacts = []
    for aid, a in (data.get("artefacts") or {}).items():
        recs = []
        for i, r in enumerate(a.get("recognitions") or []):
            try:
                recs.append(
                    Recognition(
                        r["jurisdiction"],
                        r["regime"],
                        r["requirement"],
                        r["obligation_id"],
                        r["rationale"],
                        r["source"],
                    )
                )
            except KeyError as exc:
                raise InputError(f"{source_name}: artefacts.{aid}.recognitions[{i}]: missing {exc}") from None
        artefacts.append(
            Artefact(aid, a["title"], a.get("title_zh", a["title"]), a.get("description", ""), tuple(recs))
        )
    return Crosswalk(artefacts)


@cache
def default_crosswalk() -> Crosswalk:
    """The bundled crosswalk (``classify/crosswalk.yaml``)."""
    text = resources.files("tongzhou.classify").joinpath("crosswalk.yaml").read_text(encoding="utf-8")
    return parse_crosswalk(yaml.safe_load(text))


def recognition_for(artefact_id: str) -> list[Recognition]:
    """Where an evidence artefact is recognised: one :class:`Recognition` per requirement it serves."""
    return default_crosswalk().recognition_for(artefact_id)
