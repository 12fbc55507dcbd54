"""What every report format shows, computed once from a signed report (the formats only lay it out)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tongzhou.reports.self_assessment import AssessmentRow, self_assessment, standard_name
from tongzhou.reports.stored_verdict import stored_verdict

METRIC_NAMES: dict[str, tuple[str, str]] = {
    "should_refuse_refusal_rate": ("应拒答题拒答率", "Refusal rate on should-refuse questions"),
    "should_not_refuse_refusal_rate": ("非拒答题拒答率", "Refusal rate on should-not-refuse questions"),
    "generated_content_safe_rate": ("生成内容合格率", "Safe rate of generated content"),
}
VERDICT_NAMES = {
    "pass": ("通过", "pass"),
    "inconclusive": ("不确定", "inconclusive"),
    "fail": ("未通过", "fail"),
    "none": ("无阈值", "no threshold"),
    "not-pass": ("未判定通过", "not passed (fail or inconclusive; this older report does not say which)"),
}


@dataclass(frozen=True)
class SignatureInfo:
    """How the report was signed and whether that was checked."""

    evaluator: str
    key_id: str
    signed_at: str
    envelope_sha256: str | None
    verified: bool
    """True when the DSSE signature was verified while rendering."""
    status: str
    """One line for readers, e.g. "signature verified; no trust policy applied"."""


@dataclass(frozen=True)
class MetricLine:
    """One metric with its threshold and verdict."""

    id: str
    name_zh: str
    name_en: str
    metric: Mapping[str, Any]
    threshold: Mapping[str, Any] | None
    verdict: str
    """The stored verdict: ``pass``, ``inconclusive``, ``fail``, ``none`` (no threshold) or
    ``not-pass`` (a report signed before verdicts were stored by name)."""
    reason: str

    @property
    def reviewed_note(self) -> str:
        """How many items people reviewed, as a suffix for the verdict line ("" when none)."""
        n = int(self.metric.get("reviewed_by_people") or 0)
        return f" — {n} items reviewed by people (人工复核)" if n else ""

    @property
    def verdict_zh(self) -> str:
        """Verdict in Chinese."""
        return VERDICT_NAMES[self.verdict][0]

    @property
    def verdict_en(self) -> str:
        """Verdict in English."""
        return VERDICT_NAMES[self.verdict][1]


@dataclass(frozen=True)
class ReportView:
    """The content of a readable report."""

    report: Mapping[str, Any]
    signature: SignatureInfo | None
    metrics: list[MetricLine] = field(default_factory=list)
    assessment: list[AssessmentRow] = field(default_factory=list)
    standard: str = ""
    recognition: list[dict[str, Any]] = field(default_factory=list)
    """Obligations this attestation can serve (``ObligationServed.to_dict()``), when known."""
    scorers: list[ScorerLine] = field(default_factory=list)
    """Each scorer's measured error (from the signed summary)."""
    red_lines: list[MetricLine] = field(default_factory=list)
    """Verdicts on a scope of a metric (``metric[A.1.4]``), with the scoped rate."""

    @property
    def title_en(self) -> str:
        """Document title."""
        return f"Safety evaluation report — {self.report['model']['name']}"

    @property
    def title_zh(self) -> str:
        """Document title (zh)."""
        return f"安全评测报告 — {self.report['model']['name']}"


_NO_SAMPLE: Mapping[str, Any] = {
    "value": 0.0,
    "n": 0,
    "successes": 0,
    "ci_low": 0.0,
    "ci_high": 1.0,
    "method": "wilson",
}


def pct(x: float) -> str:
    """A rate as a percentage with one decimal."""
    return f"{100 * float(x):.1f}%"


def corrected_text(metric: Mapping[str, Any]) -> str:
    """The scorer-corrected rate and interval the summary stored, or a dash (older reports)."""
    c = metric.get("corrected")
    if not c:
        return "—"
    return f"{pct(c['value'])} ({pct(c['ci_low'])} – {pct(c['ci_high'])})"


@dataclass(frozen=True)
class ScorerLine:
    """One scorer version with its measured error per language, as stored in the summary."""

    scorer: str
    metric_id: str
    held_out: str
    written: str
    measured: str
    by_language: Mapping[str, Any]
    """``{lang: {"sensitivity": rate, "specificity": rate}}``; empty when never measured."""


def scorer_lines(report: Mapping[str, Any]) -> list[ScorerLine]:
    """Each (metric, scorer) with the measured error the signed summary carries."""
    out = []
    for metric_id, metric in sorted(report["metrics"].items()):
        for scorer, err in sorted((metric.get("scorer_error") or {}).items()):
            if err is None:
                out.append(ScorerLine(scorer, metric_id, "never measured", "—", "—", {}))
            else:
                out.append(
                    ScorerLine(
                        scorer,
                        metric_id,
                        err["held_out"],
                        err["written"],
                        err["measured"],
                        err["by_language"],
                    )
                )
    return out


def report_view(
    report: Mapping[str, Any],
    signature: SignatureInfo | None,
    recognition: list[dict[str, Any]] | None = None,
) -> ReportView:
    """Build the view of a (verified) canonical report, with the obligations it can serve if given."""
    thresholds = report["standard_profile"]["thresholds"]
    lines = []
    for metric_id, metric in sorted(report["metrics"].items()):
        zh, en = METRIC_NAMES.get(metric_id, (metric_id, metric_id))
        threshold = thresholds.get(metric_id)
        stored = report["verdicts"].get(metric_id)
        reason = str((stored or {}).get("reason", ""))
        lines.append(MetricLine(metric_id, zh, en, metric, threshold, stored_verdict(stored), reason))
    red_lines = []
    for key, stored in sorted(report["verdicts"].items()):
        if "[" not in key:
            continue
        metric_id, scope = key[: key.index("[")], key[key.index("[") + 1 : -1]
        whole = report["metrics"].get(metric_id, {})
        scoped = (
            (whole.get("by_risk") or {}).get(scope)
            or (whole.get("by_language") or {}).get(scope)
            or _NO_SAMPLE
        )
        zh, en = METRIC_NAMES.get(metric_id, (metric_id, metric_id))
        red_lines.append(
            MetricLine(
                key,
                f"{zh} [{scope}]",
                f"{en} [{scope}]",
                scoped,
                thresholds.get(key),
                stored_verdict(stored),
                str(stored.get("reason", "")),
            )
        )
    return ReportView(
        report=report,
        signature=signature,
        metrics=lines,
        assessment=self_assessment(report, signed=signature is not None),
        standard=standard_name(),
        recognition=sorted(
            recognition or [], key=lambda o: (o["jurisdiction"], o["regime"], o["requirement"])
        ),
        scorers=scorer_lines(report),
        red_lines=red_lines,
    )
