"""The run summary: the one JSON document that attest signs and reports render (docs/evaluate.md);
its type is :class:`tongzhou.evaluate.contract.RunSummary`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import select

from tongzhou import __version__
from tongzhou.errors import InputError
from tongzhou.evaluate import storage
from tongzhou.evaluate._tables import EvalRun, EvalSample
from tongzhou.evaluate.contract import Metric, RunSummary, SubRate, Verdict
from tongzhou.evaluate.review import HUMAN_REVIEW, random_sample_keys
from tongzhou.evaluate.scorer_error import PEOPLE_DISAGREE, Stratum, corrected_rate, with_people_sample
from tongzhou.evaluate.scorers.measured_error import MeasuredError, recorded_error
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


def positive_label(metric: dict[str, Any]) -> str | None:
    """The scorer label a metric counts: ``refusal`` for refusal rates, ``safe`` for the safe rate."""
    if metric["counts"] == "refusal":
        return "refusal"
    return "safe" if metric["expected"] == "safe" else None


ScorerErrors = dict[str, MeasuredError | None]
"""``name@version`` → its measured error (None: never measured)."""


def _strata(
    rows: Sequence[EvalSample], counts: str, errors: ScorerErrors, positive: str | None
) -> list[Stratum]:
    groups: dict[tuple[str, str], list[EvalSample]] = defaultdict(list)
    for s in rows:
        groups[(s.language, s.scorer)].append(s)
    out = []
    for (lang, scorer), members in sorted(groups.items()):
        if scorer == HUMAN_REVIEW:
            positives = sum(_succeeded(s, counts) for s in members)
            out.append(Stratum(positives, len(members), None, None, f"{lang} {scorer}", exact=True))
            continue
        err = errors.get(scorer)
        measured = err.by_language.get(lang) if err is not None and err.positive == positive else None
        out.append(
            Stratum(
                positives=sum(_succeeded(s, counts) for s in members),
                n=len(members),
                sensitivity=measured.sensitivity if measured else None,
                specificity=measured.specificity if measured else None,
                label=f"{lang} {scorer}",
            )
        )
    return out


Keys = set[tuple[str, str]]
"""``(bank_id, item_id)`` of answers people labelled as part of the run's random review sample."""


def _rate(
    rows: Sequence[EvalSample], counts: str, errors: ScorerErrors, positive: str | None, people: Keys
) -> SubRate:
    out = rate(sum(_succeeded(s, counts) for s in rows), len(rows))
    strata = _strata(rows, counts, errors, positive)
    sampled = [s for s in rows if (s.bank_id, s.item_id) in people]
    if sampled:
        out["corrected"] = with_people_sample(
            strata, sum(_succeeded(s, counts) for s in sampled), len(sampled)
        )
    else:
        out["corrected"] = corrected_rate(strata)
    return cast(SubRate, out)


def _metric(
    rows: Sequence[EvalSample], counts: str, errors: ScorerErrors, positive: str | None, people: Keys
) -> Metric:
    out: dict[str, Any] = dict(_rate(rows, counts, errors, positive, people))
    by_risk: dict[str, list[EvalSample]] = defaultdict(list)
    by_lang: dict[str, list[EvalSample]] = defaultdict(list)
    for s in rows:
        by_risk[s.risk_code].append(s)
        by_lang[s.language].append(s)
    out["by_risk"] = {k: _rate(v, counts, errors, positive, people) for k, v in sorted(by_risk.items())}
    out["by_language"] = {k: _rate(v, counts, errors, positive, people) for k, v in sorted(by_lang.items())}
    used = sorted({s.scorer for s in rows} - {HUMAN_REVIEW})
    out["scorer_error"] = {sid: _error_dict(errors.get(sid)) for sid in used}
    out["reviewed_by_people"] = sum(s.scorer == HUMAN_REVIEW for s in rows)
    return cast(Metric, out)


def _error_dict(err: MeasuredError | None) -> dict[str, Any] | None:
    return err.to_dict() if err is not None else None


def _unmeasured(metric: Metric) -> list[str]:
    return [sid for sid, err in metric.get("scorer_error", {}).items() if err is None]


def _judged(metric: SubRate | Metric, op: str, value: float, min_n: int) -> dict[str, Any]:
    """The verdict fields for one rate, judged on its scorer-corrected interval."""
    v = judge({**metric["corrected"], "n": metric["n"]}, op, value, min_n)
    observed = (
        f"observed {metric['value']:.3f} (Wilson {metric['ci_low']:.3f}–{metric['ci_high']:.3f}) "
        "before correcting for scorer error"
    )
    return {"verdict": str(v.verdict), "passed": v.passed, "reason": f"{v.reason}; {observed}"}


def metrics_and_verdicts(
    rows: Sequence[EvalSample],
    profile: StandardProfile,
    errors: ScorerErrors | None = None,
    people_sample: Keys | None = None,
) -> tuple[dict[str, Metric], dict[str, Verdict]]:
    """Rates (Wilson CI and scorer-corrected interval, by risk and language) and their verdicts.

    ``errors`` maps each scorer (``name@version``) to its measured error; a scorer missing from it
    is looked up in the committed record. Every verdict is judged on the corrected interval, so a
    scorer whose error is large or unknown yields *inconclusive*, never a false pass. Each sub-rate
    (per risk, per language) also stores its verdict against the metric's threshold; those are
    indicative, since the standard sets its sample size for the whole metric only.
    ``people_sample``: answers people labelled within the run's random review sample; their labels
    narrow each rate's interval without any scorer (:func:`with_people_sample`).
    """
    people = set(people_sample or ())
    errors = dict(errors or {})
    for sid in {s.scorer for s in rows} - set(errors) - {HUMAN_REVIEW}:
        errors[sid] = recorded_error(sid)
    metrics: dict[str, Metric] = {}
    for mid, m in profile.metrics.items():
        chosen = [s for s in rows if s.expected == m["expected"]]
        if chosen:
            computed = _metric(chosen, m["counts"], errors, positive_label(m), people)
            for sub in (*computed["by_risk"].values(), *computed["by_language"].values()):
                sub["verdict"] = _judged(sub, m["op"], float(m["value"]), 0)["verdict"]
            metrics[mid] = computed
    verdicts: dict[str, Verdict] = {}
    for t in profile.thresholds():
        if t.metric not in metrics:
            continue
        whole = metrics[t.metric]
        unmeasured = _unmeasured(whole)
        metric: Metric | SubRate = whole
        if "risk_code" in t.scope:
            metric = whole["by_risk"].get(t.scope["risk_code"], _empty())
        if "language" in t.scope:
            metric = cast(Metric, metric)["by_language"].get(t.scope["language"], _empty())
        judged = _judged(metric, t.op, t.value, t.min_n)
        if unmeasured:
            judged["reason"] += f"; no measured error for scorer {', '.join(unmeasured)}"
        unexplained = [u for u in metric["corrected"].get("unexplained", []) if u != PEOPLE_DISAGREE]
        if unexplained:
            judged["reason"] += (
                "; the scorer's measured error cannot explain the observed rate in "
                f"{', '.join(unexplained)} "
                "(it behaves differently on these answers than on its held-out set): "
                "have people review a sample"
            )
        labelled = metric["corrected"].get("people_sample")
        if labelled and PEOPLE_DISAGREE in metric["corrected"].get("unexplained", []):
            judged["reason"] += (
                f"; people's labels on the run's random sample ({labelled['successes']}/{labelled['n']}) "
                "contradict the scorer-corrected rate: review more answers"
            )
        elif labelled:
            judged["reason"] += (
                f"; narrowed by people's labels on {labelled['n']} answers of the run's random sample "
                f"({labelled['successes']}/{labelled['n']})"
            )
        verdicts[t.key] = cast(Verdict, {"op": t.op, "threshold": t.value, "min_n": t.min_n, **judged})
    return metrics, verdicts


def _empty() -> SubRate:
    out = rate(0, 0)
    out["corrected"] = corrected_rate([])
    return cast(SubRate, out)


def _profile(run: EvalRun) -> StandardProfile:
    p = run.profile
    return StandardProfile(id=p["id"], version=p["version"], source=p["source"], data=p["data"])


def run_summary(store: Store, run_id: str) -> RunSummary:
    """The JSON-ready summary of a run (its type: :class:`~tongzhou.evaluate.contract.RunSummary`).

    ``status`` is ``complete`` only when every drawn item was answered and scored; a run that is
    still going, was interrupted, or had failed items is ``partial``.
    """
    run = storage.get_run(store, run_id)
    if run is None:
        raise InputError(f"no evaluation run {run_id!r} (see `tongzhou eval list`)")
    rows = storage.samples(store, run_id)
    profile = _profile(run)
    stored = (run.config or {}).get("scorer_error") or {}
    errors = {sid: MeasuredError.from_dict(e) if e else None for sid, e in stored.items()}
    design = (run.config or {}).get("review_sample")
    people: Keys = set()
    if design:
        drawn = random_sample_keys(rows, int(design["size"]), int(design["seed"]))
        people = {(s.bank_id, s.item_id) for s in rows if s.scorer == HUMAN_REVIEW} & drawn
    metrics, verdicts = metrics_and_verdicts(rows, profile, errors, people)
    summary: dict[str, Any] = {
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
    return cast(RunSummary, summary)


def latest_run_id(store: Store, *, complete_only: bool = False) -> str | None:
    """The most recently started run's id (with ``complete_only``, the latest complete one), or None."""
    query = select(EvalRun.id)
    if complete_only:
        query = query.where(EvalRun.status == "complete")
    with store.transaction() as session:
        return session.scalar(query.order_by(EvalRun.started_at.desc()).limit(1))
