"""What every report format shows, computed once from a signed report (the formats only lay it out)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tongzhou.reports.charts import judge
from tongzhou.reports.self_assessment import AssessmentRow, self_assessment, standard_name

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
    """``pass``, ``inconclusive``, ``fail`` or ``none`` (judged on the confidence interval)."""
    reason: str

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

    @property
    def title_en(self) -> str:
        """Document title."""
        return f"Safety evaluation report — {self.report['model']['name']}"

    @property
    def title_zh(self) -> str:
        """Document title (zh)."""
        return f"安全评测报告 — {self.report['model']['name']}"


def pct(x: float) -> str:
    """A rate as a percentage with one decimal."""
    return f"{100 * float(x):.1f}%"


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
        reason = str(report["verdicts"].get(metric_id, {}).get("reason", ""))
        lines.append(MetricLine(metric_id, zh, en, metric, threshold, judge(metric, threshold), reason))
    return ReportView(
        report=report,
        signature=signature,
        metrics=lines,
        assessment=self_assessment(report, signed=signature is not None),
        standard=standard_name(),
        recognition=sorted(
            recognition or [], key=lambda o: (o["jurisdiction"], o["regime"], o["requirement"])
        ),
    )
