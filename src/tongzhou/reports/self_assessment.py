"""A GB/T 45654-style self-assessment table: requirement → 符合 / 不符合 / 不适用, with the evidence.

The rows are data (``data/gbt45654_self_assessment.yaml``); every number comes from the standard
profile it names (``gbt45654``). A metric row *shows* the verdict the signed report stored for
that metric id — it never judges a rate again — and conforms only when that verdict is ``pass``,
the report was judged against the standard's own threshold, and its sample reaches the standard's
size. An inconclusive verdict is therefore not 符合.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from tongzhou.reports.stored_verdict import stored_verdict

CONFORMS = "符合"
DOES_NOT_CONFORM = "不符合"
NOT_APPLICABLE = "不适用"
ANNEX_A_CODE = re.compile(r"A\.\d+\.\d+")
STATUS_EN = {CONFORMS: "conforms", DOES_NOT_CONFORM: "does not conform", NOT_APPLICABLE: "not applicable"}


@dataclass(frozen=True)
class AssessmentRow:
    """One judged requirement."""

    id: str
    clause: str
    requirement_zh: str
    requirement_en: str
    status: str
    """符合, 不符合 or 不适用."""
    evidence: str
    source: str

    @property
    def status_en(self) -> str:
        """The status in English."""
        return STATUS_EN[self.status]


@cache
def _rows() -> dict[str, Any]:
    text = (
        resources.files("tongzhou.reports").joinpath("data/gbt45654_self_assessment.yaml").read_text("utf-8")
    )
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@cache
def _standard() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], int]:
    """The standard profile's metrics, bank rules and number of Annex A risks (where the numbers live)."""
    # Data, not behaviour: the profile and taxonomy files are read through evaluate.standards, the
    # only loader of profiles (with ``extends``); nothing else of evaluate is used here.
    from tongzhou.evaluate.standards import load_profile, risk_taxonomy

    profile = load_profile(str(_rows()["profile"]))
    return profile.metrics, profile.bank_rules, len(risk_taxonomy()["risks"])


def _pct(x: float) -> str:
    return f"{100 * x:g}%" if 100 * x == round(100 * x) else f"{100 * x:.1f}%"


def _figure(metric: Mapping[str, Any]) -> str:
    return (
        f"{100 * metric['value']:.1f}% (95% CI {100 * metric['ci_low']:.1f}%–{100 * metric['ci_high']:.1f}%, "
        f"{metric['method']}), n={metric['n']}"
    )


def _judge_metric(check: Mapping[str, Any], report: Mapping[str, Any]) -> tuple[str, str]:
    """The stored verdict for the metric, shown; plus the standard's own sample-size and threshold terms."""
    metric_id = check["metric"]
    std = _standard()[0][metric_id]
    metric = report["metrics"].get(metric_id)
    signed = report["standard_profile"]["thresholds"].get(metric_id)
    if metric is None:
        if signed is None:
            return NOT_APPLICABLE, f"profile {report['standard_profile']['id']} does not test {metric_id}"
        return DOES_NOT_CONFORM, f"the profile requires {metric_id} but the report has no result for it"
    figure = _figure(metric)
    verdict = stored_verdict(report["verdicts"].get(metric_id))
    if verdict == "none" or signed is None:
        return DOES_NOT_CONFORM, f"{figure}: the signed report stores no verdict for {metric_id}"
    if signed["op"] != std["op"] or float(signed["value"]) != float(std["value"]):
        return DOES_NOT_CONFORM, (
            f"{figure}: judged against {signed['op']} {_pct(float(signed['value']))}, "
            f"not the standard's {std['op']} {_pct(float(std['value']))}"
        )
    if metric["n"] < int(std.get("min_n", 0)):
        return DOES_NOT_CONFORM, f"{figure}: sample of {metric['n']} is below the required {std['min_n']}"
    reason = str(report["verdicts"][metric_id].get("reason", ""))
    status = CONFORMS if verdict == "pass" else DOES_NOT_CONFORM
    return status, f"signed verdict {verdict}: {reason or figure}"


def _judge(check: Mapping[str, Any], report: Mapping[str, Any], signed: bool) -> tuple[str, str]:
    kind = check["kind"]
    if kind == "metric":
        return _judge_metric(check, report)
    if kind == "bank_size":
        # A bank's role is what its tested items expect (refuse / answer / safe); its size is signed.
        rule = _standard()[1][check["bank"]]
        roles = {r["bank_id"] for r in report["results"]["items"] if r["expected"] == rule["expected"]}
        banks = [b for b in report["banks"] if b["id"] in roles]
        if not banks:
            return NOT_APPLICABLE, f"the run tested no bank of items expected to {rule['expected']}"
        total, needed = sum(b["items"] for b in banks), int(rule["min_total"])
        listing = ", ".join(f"{b['id']} ({b['items']} items, {b['sha256'][:19]}…)" for b in banks)
        status = CONFORMS if total >= needed else DOES_NOT_CONFORM
        return status, f"{listing}: {total} {'≥' if total >= needed else '<'} {needed}"
    if kind == "risk_coverage":
        # Only Annex A codes count (should-not-refuse items carry topic codes such as topic.history).
        covered = sorted(
            {r["risk_code"] for r in report["results"]["items"] if ANNEX_A_CODE.fullmatch(r["risk_code"])}
        )
        required = _required_risks(check)
        status = CONFORMS if len(covered) >= required else DOES_NOT_CONFORM
        return (
            status,
            f"the items tested cover {len(covered)} of {required} risk types ({', '.join(covered)})",
        )
    if kind == "signed_complete":
        run = report["run"]
        ok = run["status"] == "complete" and signed
        evidence = f"run {run['run_id']} is {run['status']}; " + (
            f"signed by {report['evaluator']['name']} ({report['evaluator']['key_id']})"
            if signed
            else "not signed"
        )
        return (CONFORMS if ok else DOES_NOT_CONFORM), evidence
    raise ValueError(f"unknown self-assessment check kind {kind!r}")


def _required_risks(check: Mapping[str, Any]) -> int:
    _, banks, n_risks = _standard()
    risks = banks[check["bank"]].get("risks", "all")
    return n_risks if risks == "all" else len(risks)


def _requirement(row: Mapping[str, Any]) -> tuple[str, str]:
    """The row's requirement texts with the standard profile's numbers filled in."""
    check = row["check"]
    fields: dict[str, Any] = {}
    if check["kind"] == "metric":
        std = _standard()[0][check["metric"]]
        fields = {"min_n": f"{int(std.get('min_n', 0)):,}", "op": std["op"], "pct": _pct(float(std["value"]))}
    elif check["kind"] == "bank_size":
        fields = {"min_total": f"{int(_standard()[1][check['bank']]['min_total']):,}"}
    elif check["kind"] == "risk_coverage":
        fields = {"required": _required_risks(check)}
    return str(row["requirement_zh"]).format(**fields), str(row["requirement_en"]).format(**fields)


def self_assessment(report: Mapping[str, Any], signed: bool = True) -> list[AssessmentRow]:
    """Judge every row of the GB/T 45654 self-assessment against ``report``."""
    rows = []
    for row in _rows()["rows"]:
        status, evidence = _judge(row["check"], report, signed)
        requirement_zh, requirement_en = _requirement(row)
        rows.append(
            AssessmentRow(
                id=row["id"],
                clause=row["clause"],
                requirement_zh=requirement_zh,
                requirement_en=requirement_en,
                status=status,
                evidence=evidence,
                source=row["source"],
            )
        )
    return rows


def standard_name() -> str:
    """The standard the table follows."""
    return str(_rows()["standard"])
