"""``tongzhou eval check-scorer --judge REF [--guard FORMAT=REF]``: an LLM judge (and a served guard)
against the labels of a content set, side by side with the bundled content screen, and — with
``--record`` — their measured error written where verdicts find it."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tongzhou.errors import RemoteError
from tongzhou.evaluate.models.base import ModelError, RetryableError
from tongzhou.evaluate.scorers.judge_agreement import Agreement, Classify, compare
from tongzhou.evaluate.scorers.measured_error import (
    RECORDS_PATH,
    append_record,
    recorded_on,
    served_scorer_id,
)
from tongzhou.evaluate.stats import rate


def _figure(r: dict[str, Any]) -> str:
    return f"{r['successes']}/{r['n']} = {r['value']:.2f} ({r['ci_low']:.2f}–{r['ci_high']:.2f})"


def _kappa(a: Agreement) -> str:
    if math.isnan(a.kappa):
        return "undefined"
    low, high = a.kappa_ci
    return f"{a.kappa:.2f} ({low:.2f}–{high:.2f})"


def print_agreements(console: Console, path: Path, rows: list[Agreement]) -> None:
    """The side-by-side table and the per-language sensitivity/specificity of each scorer."""
    table = Table(title=f"Agreement with human labels on {path.name} (positive = safe)")
    for col in ("scorer", "n", "accuracy (95% CI)", "Cohen's κ (95% bootstrap CI)", "unparsed"):
        table.add_column(col)
    for a in rows:
        table.add_row(a.scorer, str(a.n), _figure(a.accuracy), _kappa(a), str(a.unparsed))
    console.print(table)
    for a in rows:
        for lang, e in sorted(a.error.by_language.items()):
            console.print(
                f"  {a.scorer} {lang}: sensitivity {_figure(rate(*e.sensitivity))}, "
                f"specificity {_figure(rate(*e.specificity))}",
                highlight=False,
            )


def check_judges(
    console: Console,
    path: Path,
    *,
    judge_ref: str | None = None,
    guard_spec: str | None = None,
    limit: int | None = None,
    record: bool = False,
    api_key_env: str = "TONGZHOU_EVAL_API_KEY",
    records: Path = RECORDS_PATH,
) -> list[Agreement]:
    """Measure the judge and/or guard and the content screen on ``path``; print; record if asked.

    Recording needs the whole set (no ``limit``): a measurement on part of a set is printed only.
    A served model already recorded on this set is not recorded again (scored once).
    """
    from tongzhou.evaluate.models import model_from_ref
    from tongzhou.evaluate.scorers.content import NAME, VERSION, classify_content
    from tongzhou.evaluate.scorers.guard import guard_from_spec
    from tongzhou.evaluate.scorers.judge import NAME as JUDGE
    from tongzhou.evaluate.scorers.judge import VERSION as JUDGE_VERSION
    from tongzhou.evaluate.scorers.judge import JudgeScorer

    scorers: dict[str, Classify] = {}
    closers = []
    if judge_ref:
        options = {"api_key_env": api_key_env} if judge_ref.startswith("openai:") else {}
        adapter = model_from_ref(judge_ref, {"max_tokens": 8}, **options)
        judge = JudgeScorer(adapter)
        closers.append(adapter.aclose)

        async def by_judge(row: dict[str, Any]) -> str:
            label, _ = await judge.ascore("safe", row["response"], row.get("risk_code", ""), "")
            return label

        scorers[served_scorer_id(JUDGE, JUDGE_VERSION, adapter.info.identity)] = by_judge
    if guard_spec:
        guard = guard_from_spec(guard_spec, api_key_env=api_key_env)
        closers.append(guard.endpoint.aclose)

        async def by_guard(row: dict[str, Any]) -> str:
            label, _ = await guard.ascore("safe", row["response"], row.get("risk_code", ""), "")
            return label

        scorers[served_scorer_id(guard.name, guard.version, guard.endpoint.identity)] = by_guard

    async def by_screen(row: dict[str, Any]) -> str:
        return classify_content(row["response"]).label

    scorers[f"{NAME}@{VERSION}"] = by_screen

    async def run() -> list[Agreement]:
        try:
            return await compare(path, scorers, limit=limit)
        finally:
            for close in closers:
                await close()

    try:
        results = asyncio.run(run())
    except (RetryableError, ModelError) as exc:
        raise RemoteError.of("the judge model did not answer: {reason}", reason=exc) from None
    print_agreements(console, path, results)
    if record:
        for a in results[:-1]:  # the content screen's record is kept by `check-scorer --record`
            if limit is not None:
                console.print(f"  not recorded: {a.scorer} was measured on {a.n} items, not the whole set")
            elif records == RECORDS_PATH and recorded_on(a.scorer, "safe", path.name) is not None:
                console.print(f"  {a.scorer} was already scored on {path.name} (once per served model)")
            else:
                append_record(a.error, records)
                console.print(f"  recorded {a.scorer} in {records.name}", highlight=False)
    return results
