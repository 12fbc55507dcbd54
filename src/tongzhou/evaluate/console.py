"""Printing a run summary for people (CLI and demo), and writing it to a file atomically."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _corrected(metric: dict[str, Any]) -> str:
    c = metric.get("corrected")
    return f"{c['value']:.3f} ({c['ci_low']:.3f}–{c['ci_high']:.3f})" if c else "—"


def print_summary(console: Console, summary: dict[str, Any], *, items: int = 0) -> None:
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
        m = summary["metrics"][metric_id]
        if "[" in key:
            scope = key[key.index("[") + 1 : -1]
            m = m["by_risk"].get(scope) or m["by_language"].get(scope) or m
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
