"""The headline of a jurisdiction's result: what applies on the as-of date, on what footing, what next.

Rules (docs/classify.md, "The headline"):

1. The headline tier is the most severe tier whose outcome **applies on the as-of date**.
   A tier that bites later is never the headline; it is listed as an upcoming change
   ("from 2027-12-02: high-risk AI system").
2. A stricter tier whose rule could not be decided but would apply on that date outranks it:
   the headline reads "prohibited practice unless <the exception, naming the fact>" and names
   what applies otherwise.
3. A tier that rests on a legal presumption says so ("... unless <the way out>").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tongzhou.classify.qualifiers import ConditionalTier, UpcomingChange

if TYPE_CHECKING:
    from tongzhou.classify.findings import JurisdictionResult, TierFinding


@dataclass(slots=True)
class Headline:
    """The signed-off answer for one jurisdiction on the as-of date."""

    tier: TierFinding | ConditionalTier | None
    status: str
    """``applies``, ``conditional`` (applies unless a fact rules it out), ``out_of_scope`` or ``none``."""
    text: str
    otherwise: TierFinding | None = None
    """For a conditional headline: the tier that applies if the condition is ruled out."""
    needs: list[str] = field(default_factory=list)
    upcoming: list[UpcomingChange] = field(default_factory=list)
    text_zh: str = ""
    """The headline with Chinese tier labels (conditions and facts stay as stated in the rules)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "tier": None if self.tier is None else self.tier.id,
            "status": self.status,
            "text": self.text,
            "text_zh": self.text_zh,
            "otherwise": None if self.otherwise is None else self.otherwise.id,
            "needs": self.needs,
            "upcoming": [u.to_dict() for u in self.upcoming],
        }


def _upcoming(result: JurisdictionResult) -> list[UpcomingChange]:
    changes = [
        UpcomingChange(t.id, t.label, t.applies_from, t.legal_basis, list(t.branches), t.label_zh)
        for t in result.tiers
        if t.status in ("upcoming", "undetermined") and t.superseded_by is None
    ]
    return sorted(changes, key=lambda u: (u.applies_from is None, u.applies_from or 0, u.id))


def headline_of(result: JurisdictionResult) -> Headline:
    """Compute the headline of ``result`` (see the module docstring for the rules)."""
    upcoming = _upcoming(result)
    later_zh = "".join(f"；{u.text_zh}" for u in upcoming)
    if result.in_scope is False:
        why = "; ".join(n.text for n in result.excluded_by)
        text = f"not in scope{': ' + why if why else ''}"
        return Headline(
            None, "out_of_scope", text, upcoming=upcoming, text_zh=f"不在适用范围{'：' + why if why else ''}"
        )
    applying = [t for t in result.tiers if t.status == "applies" and t.superseded_by is None]
    best = max(applying, key=lambda t: t.rank, default=None)
    floor = -1 if best is None else best.rank
    candidates = [c for c in result.conditional if c.status == "conditional" and c.rank > floor]
    later = "".join(f"; {u.text}" for u in upcoming)
    if candidates:
        top = max(candidates, key=lambda c: c.rank)
        otherwise = f"; otherwise: {best.label}" if best is not None else ""
        otherwise_zh = f"；否则：{best.label_zh}" if best is not None else ""
        word = "除非" if top.kind == "unless" else "如果"
        zh = f"{top.label_zh}，{word}：{top.unless}{otherwise_zh}{later_zh}"
        return Headline(top, "conditional", f"{top.text}{otherwise}{later}", best, top.needs, upcoming, zh)
    if best is not None:
        qualifier = "".join(f" (unless {u})" for u in best.unless)
        zh = best.label_zh + "".join(f"（除非：{u}）" for u in best.unless) + later_zh
        return Headline(best, "applies", f"{best.label}{qualifier}{later}", upcoming=upcoming, text_zh=zh)
    if result.in_scope is None:
        text = f"scope undetermined: needs fact {', '.join(result.scope_needs)}"
        zh = f"适用范围未定：需要事实 {', '.join(result.scope_needs)}"
    else:
        text = f"no tier applies on the as-of date{later}"
        zh = f"截至该日无适用等级{later_zh}"
    return Headline(None, "none", text, upcoming=upcoming, text_zh=zh)
