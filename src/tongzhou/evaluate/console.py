"""Printing for people (CLI and demo): a run summary, the list of runs, a bank's coverage."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from tongzhou.evaluate._tables import EvalRun
    from tongzhou.evaluate.bank import Bank
    from tongzhou.evaluate.contract import Metric, RunSummary, SubRate
    from tongzhou.evaluate.run_options import RunResult
    from tongzhou.evaluate.standards import StandardProfile


def _corrected(metric: Metric | SubRate) -> str:
    c = metric.get("corrected")
    return f"{c['value']:.3f} ({c['ci_low']:.3f}–{c['ci_high']:.3f})" if c else "—"


def print_summary(console: Console, summary: RunSummary, *, items: int = 0) -> None:
    """Metrics with Wilson CIs, verdicts, and energy/carbon/water (used by `eval run|show` and the demo)."""
    model = summary["model"]
    console.print(
        f"[bold]Run[/] {summary['run_id']} · {summary['status']} · model {model['kind']}:{model['name']} "
        f"({model['identity'][:23]}…) · profile {summary['standard_profile']['id']}"
    )
    table = Table(title="Metrics (95% Wilson CI) and verdicts / 指标与判定")
    for col in ("metric", "value", "95% CI", "n", "corrected for scorer error", "threshold", "verdict"):
        table.add_column(col)
    for key, verdict in summary["verdicts"].items():
        metric_id = key.split("[")[0]
        whole = summary["metrics"][metric_id]
        m: Metric | SubRate = whole
        if "[" in key:
            scope = key[key.index("[") + 1 : -1]
            m = whole["by_risk"].get(scope) or whole["by_language"].get(scope) or whole
        colour = {"pass": "green", "fail": "red"}.get(verdict.get("verdict", ""), "yellow")
        table.add_row(
            key,
            f"{m['value']:.3f}",
            f"{m['ci_low']:.3f}–{m['ci_high']:.3f}",
            str(m["n"]),
            _corrected(m),
            f"{verdict['op']} {verdict['threshold']}",
            f"[{colour}]{verdict.get('verdict', 'pass' if verdict['passed'] else 'fail')}[/]",
        )
    console.print(table)
    for key, verdict in summary["verdicts"].items():
        console.print(f"  {key}: {verdict['reason']}", highlight=False)
    for metric_id, m in summary["metrics"].items():
        for scorer, err in (m.get("scorer_error") or {}).items():
            if err is None:
                console.print(f"  {metric_id}: scorer {scorer} has no measured error", highlight=False)
                continue
            errs = "; ".join(
                f"{lang} sensitivity {e['sensitivity']['value']:.3f} ({e['sensitivity']['ci_low']:.3f}–"
                f"{e['sensitivity']['ci_high']:.3f}), specificity {e['specificity']['value']:.3f} "
                f"({e['specificity']['ci_low']:.3f}–{e['specificity']['ci_high']:.3f})"
                for lang, e in err["by_language"].items()
            )
            console.print(
                f"  {metric_id}: scorer {scorer} measured on {err['held_out']} "
                f"(written {err['written']}): {errs}",
                highlight=False,
            )
        if m.get("reviewed_by_people"):
            reviewed = m["reviewed_by_people"]
            console.print(f"  {metric_id}: {reviewed} items reviewed by people", highlight=False)
        langs = ", ".join(f"{lang} {v['value']:.2f} (n={v['n']})" for lang, v in m["by_language"].items())
        console.print(f"  {metric_id} by language: {langs}", highlight=False)
    energy = summary.get("energy")
    if energy:
        carbon = (energy.get("carbon") or {}).get("g_co2e")
        water = (energy.get("water") or {}).get("litres")
        console.print(
            f"[bold]Energy[/] {energy['joules']:.1f} J ({energy['wh']:.4f} Wh, "
            f"{energy['method']}, {energy['meter']}) · "
            f"[bold]carbon[/] {carbon:.4f} g CO2e · [bold]water[/] {water:.5f} L "
            f"(grid {energy.get('country')}) over {energy['seconds']:.1f} s",
            highlight=False,
        )
    else:
        console.print("Energy: not measured (tongzhou.energy unavailable)")
    if items:
        for it in summary["items"][:items]:
            console.print(
                f"  · [{it['bank_id']}/{it['item_id']}] {it['score']['label']}: {it['response'][:100]!r}",
                highlight=False,
            )


def print_runs(console: Console, runs: Iterable[EvalRun]) -> None:
    """A table of runs, one row each (used by `eval list`)."""
    table = Table(title="Evaluation runs")
    for col in ("run id", "status", "started", "model", "profile", "banks"):
        table.add_column(col)
    for r in runs:
        table.add_row(
            r.id,
            r.status,
            f"{r.started_at:%Y-%m-%d %H:%M:%S}",
            f"{r.model['kind']}:{r.model['name']}",
            r.profile["id"],
            ",".join(b["id"] for b in r.banks),
        )
    console.print(table)


def print_coverage(console: Console, bank: Bank, profile: StandardProfile) -> bool:
    """How ``bank`` measures against the profile's coverage rules and what is missing (used by
    `eval check-bank`); False when it falls short (a bank no rule matches does not fall short)."""
    from tongzhou.evaluate.bank import check_coverage
    from tongzhou.evaluate.standards import risk_taxonomy

    names = {**risk_taxonomy()["risks"], **risk_taxonomy()["topics"]}
    rep = check_coverage(bank, profile)
    status = "[green]meets[/]" if rep.meets else "[red]falls short[/]"
    console.print(
        f"[bold]{bank.id}[/] ({bank.sha256[:19]}…): {rep.total} items "
        f"({', '.join(f'{k} {v}' for k, v in sorted(rep.by_language.items()))}); "
        f"rule {rep.rule or 'none'}: need ≥ {rep.min_total} in total → {status}"
    )
    if rep.rule is None:
        console.print("  no rule in the profile matches this bank's expected behaviour")
        return True
    if rep.total < rep.min_total:
        console.print(f"  [red]total[/] {rep.total} < {rep.min_total}: add {rep.min_total - rep.total} items")
    for code, (have, need) in sorted(rep.shortfalls.items()):
        name = names.get(code, {})
        console.print(
            f"  [red]{code}[/] {name.get('zh', '')} {name.get('en', '')}: {have} < {need} "
            f"(add {need - have})",
            highlight=False,
        )
    if rep.wrong_expected:
        console.print(
            f"  [red]{rep.wrong_expected} items[/] expect another behaviour than this bank's rule"
        )
    covered = len([c for c in rep.per_risk if c in names])
    smallest = "-"
    if rep.per_risk:
        code, count = min(rep.per_risk.items(), key=lambda kv: kv[1])
        smallest = f"{code} ({count} items)"
    console.print(f"  covers {covered} risk types/topics; smallest: {smallest}", highlight=False)
    return bool(rep.meets)


def print_result(console: Console, result: RunResult) -> None:
    """What one `eval run` did: items, queries, cache hits, retries, errors and time."""
    console.print(
        f"{result.items} items: {result.queried} queried, {result.from_cache} from cache, "
        f"{result.retries} retries, {result.errors} errors, {result.seconds:.1f} s"
    )
    for message in result.error_messages:
        console.print(f"  [red]error[/] {message}", highlight=False)
