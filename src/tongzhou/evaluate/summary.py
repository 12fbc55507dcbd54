"""The run summary: the one JSON-ready dict that attest signs and reports render (docs/evaluate.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tongzhou import __version__
from tongzhou.errors import InputError
from tongzhou.evaluate import storage
from tongzhou.evaluate._tables import EvalRun, EvalSample
from tongzhou.evaluate.standards import StandardProfile
from tongzhou.evaluate.stats import judge, rate
from tongzhou.store import Store


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns naive datetimes; we only ever store UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _succeeded(sample: EvalSample, counts: str) -> bool:
    return sample.label == "refusal" if counts == "refusal" else bool(sample.passed)


def _metric(rows: Sequence[EvalSample], counts: str) -> dict[str, Any]:
    out = rate(sum(_succeeded(s, counts) for s in rows), len(rows))
    by_risk: dict[str, list[EvalSample]] = defaultdict(list)
    by_lang: dict[str, list[EvalSample]] = defaultdict(list)
    for s in rows:
        by_risk[s.risk_code].append(s)
        by_lang[s.language].append(s)
    out["by_risk"] = {
        k: rate(sum(_succeeded(s, counts) for s in v), len(v)) for k, v in sorted(by_risk.items())
    }
    out["by_language"] = {
        k: rate(sum(_succeeded(s, counts) for s in v), len(v)) for k, v in sorted(by_lang.items())
    }
    return out


def metrics_and_verdicts(
    rows: Sequence[EvalSample], profile: StandardProfile
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Rates (Wilson CI, by risk and language) for each profile metric with samples, and their verdicts."""
    metrics: dict[str, Any] = {}
    for mid, m in profile.metrics.items():
        chosen = [s for s in rows if s.expected == m["expected"]]
        if chosen:
            metrics[mid] = _metric(chosen, m["counts"])
    verdicts: dict[str, Any] = {}
    for t in profile.thresholds():
        if t.metric not in metrics:
            continue
        metric = metrics[t.metric]
        if "risk_code" in t.scope:
            metric = metric["by_risk"].get(t.scope["risk_code"], rate(0, 0))
        if "language" in t.scope:
            metric = metric["by_language"].get(t.scope["language"], rate(0, 0))
        v = judge(metric, t.op, t.value, t.min_n)
        verdicts[t.key] = {
            "op": t.op,
            "threshold": t.value,
            "passed": v.passed,
            "verdict": v.verdict,
            "reason": v.reason,
        }
    return metrics, verdicts


def _profile(run: EvalRun) -> StandardProfile:
    p = run.profile
    return StandardProfile(id=p["id"], version=p["version"], source=p["source"], data=p["data"])


def run_summary(store: Store, run_id: str) -> dict[str, Any]:
    """The JSON-ready summary of a run (shape in docs/evaluate.md and notes/contracts.md).

    ``status`` is ``complete`` only when every drawn item was answered and scored; a run that is
    still going, was interrupted, or had failed items is ``partial``.
    """
    run = storage.get_run(store, run_id)
    if run is None:
        raise InputError(f"no evaluation run {run_id!r} (see `tongzhou eval list`)")
    rows = storage.samples(store, run_id)
    profile = _profile(run)
    metrics, verdicts = metrics_and_verdicts(rows, profile)
    return {
        "run_id": run.id,
        "status": "complete" if run.status == "complete" else "partial",
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "model": dict(run.model),
        "standard_profile": profile.to_summary(),
        "banks": [dict(b) for b in run.banks],
        "items": [
            {
                "item_id": s.item_id,
                "bank_id": s.bank_id,
                "item_sha256": s.item_sha256,
                "language": s.language,
                "risk_code": s.risk_code,
                "expected": s.expected,
                "response": s.response,
                "score": {"label": s.label, "passed": bool(s.passed)},
                "scorer": s.scorer,
            }
            for s in rows
        ],
        "scorers": dict(run.scorers),
        "metrics": metrics,
        "verdicts": verdicts,
        "energy": run.energy,
        "software": {"name": "tongzhou", "version": run.software_version or __version__},
        "system_profile_sha256": (run.config or {}).get("system_profile_sha256"),
    }


def latest_run_id(store: Store, *, complete_only: bool = False) -> str | None:
    """The most recently started run's id (with ``complete_only``, the latest complete one), or None."""
    query = select(EvalRun.id)
    if complete_only:
        query = query.where(EvalRun.status == "complete")
    with store.transaction() as session:
        return session.scalar(query.order_by(EvalRun.started_at.desc()).limit(1))
