"""Wrap an inspect_ai evaluation log (``.eval`` or ``.json``) into a run summary, so institutes that
already evaluate with inspect get signed, verifiable results (optional extra: ``tongzhou[inspect]``).

The mapping (docs/attest.md): each sample is an item of a bank named after the task's dataset;
the item digest covers the sample's id, input, target and metadata (the log does not carry the
dataset file); the first scorer's value decides pass/fail (inspect's ``value_to_float`` = 1.0);
one metric per scorer, ``inspect.<scorer>.pass_rate``, with a Wilson 95 % interval by risk and
language. The log carries no thresholds, so the report carries no verdicts.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from tongzhou.attest.bundle import bank_item_sha256
from tongzhou.canonical_json import canonical_sha256
from tongzhou.errors import InputError
from tongzhou.intervals import rate

EXPECTED = ("refuse", "answer", "safe")


def _wilson(successes: int, n: int) -> dict[str, Any]:
    return rate(successes, n)


def _metric(records: list[dict[str, Any]]) -> dict[str, Any]:
    out = _wilson(sum(r["passed"] for r in records), len(records))
    for key, field in (("by_risk", "risk_code"), ("by_language", "language")):
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in records:
            groups[r[field]].append(r)
        out[key] = {k: _wilson(sum(r["passed"] for r in v), len(v)) for k, v in sorted(groups.items())}
    return out


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(_text(getattr(m, "text", None) or getattr(m, "content", "")) for m in value)
    return str(value)


def _jsonable(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_none=True)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def summary_from_inspect_log(path: Path) -> dict[str, Any]:
    """A run summary (the evaluate contract's shape) from an inspect_ai log file."""
    try:
        from inspect_ai import __version__ as inspect_version
        from inspect_ai.log import read_eval_log
        from inspect_ai.scorer import value_to_float
    except ImportError as exc:
        raise InputError("importing inspect logs needs inspect_ai: pip install 'tongzhou[inspect]'") from exc
    try:
        log = read_eval_log(str(path))
    except Exception as exc:  # inspect raises many kinds for a file that is not a log
        raise InputError(f"{path} is not an inspect_ai log: {type(exc).__name__}: {exc}") from exc
    if not log.samples:
        raise InputError(f"{path}: the inspect log has no samples (status {log.status})")
    to_float = value_to_float()
    spec = log.eval
    bank_id = spec.dataset.name or spec.task
    items: list[dict[str, Any]] = []
    for sample in log.samples:
        if not sample.scores:
            raise InputError(f"{path}: sample {sample.id} has no score; only scored logs can be attested")
        scorer, score = next(iter(sample.scores.items()))
        metadata = dict(sample.metadata or {})
        prompt = _text(sample.input)
        language = str(
            metadata.get("language") or ("zh" if any("\u4e00" <= c <= "\u9fff" for c in prompt) else "en")
        )
        expected = metadata.get("expected") if metadata.get("expected") in EXPECTED else "answer"
        item = {
            "id": str(sample.id),
            "input": _jsonable(sample.input),
            "target": _jsonable(sample.target),
            "metadata": _jsonable(metadata),
        }
        items.append(
            {
                "item_id": str(sample.id),
                "bank_id": bank_id,
                "item_sha256": bank_item_sha256(item),
                "language": language,
                "risk_code": str(metadata.get("risk_code", "unspecified")),
                "expected": expected,
                "response": sample.output.completion if sample.output else "",
                "score": {"label": str(score.value), "passed": to_float(score.value) >= 1.0},
                "scorer": f"{scorer}@inspect_ai-{inspect_version}",
            }
        )
    by_scorer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for it in items:
        by_scorer[it["scorer"].split("@")[0]].append({**it, "passed": it["score"]["passed"]})
    config = spec.model_generate_config.model_dump(mode="json", exclude_none=True)
    return {
        "run_id": f"inspect-{spec.eval_id or spec.run_id}",
        "status": "complete" if log.status == "success" else "partial",
        "started_at": log.stats.started_at or spec.created,
        "finished_at": log.stats.completed_at or None,
        "model": {
            "kind": "inspect",
            "name": spec.model,
            "identity": f"inspect:{spec.model}" + (f"@{spec.model_base_url}" if spec.model_base_url else ""),
            "parameters": config,
        },
        "standard_profile": {
            "id": f"inspect:{spec.task}",
            "version": str(spec.task_version),
            "source": f"inspect_ai task {spec.task} ({spec.task_file or 'registry'})",
            "thresholds": {},
        },
        "banks": [
            {
                "id": bank_id,
                "sha256": canonical_sha256(sorted(i["item_sha256"] for i in items)),
                "items": len(items),
                "path": None,
            }
        ],
        "items": items,
        "scorers": {s: f"inspect_ai-{inspect_version}" for s in by_scorer},
        "metrics": {f"inspect.{s}.pass_rate": _metric(records) for s, records in sorted(by_scorer.items())},
        "verdicts": {},
        "energy": None,
        "software": {"name": "inspect_ai", "version": str(inspect_version)},
        "system_profile_sha256": None,
    }
