"""`tongzhou energy`: meters on this machine, conversion factors, and the energy report of a run."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from tongzhou.atomic_file import write_text_atomic
from tongzhou.errors import InputError

DEFAULT_TASK_CLASS = "text-generation/cpu-gguf"  # as tongzhou.energy.report.DEFAULT_TASK_CLASS (tested)

app = typer.Typer(
    help="Energy, carbon and water of model runs (measured where counters exist, else estimated). "
    "能耗、碳排放与用水。",
    no_args_is_help=True,
)


@app.command("meters")
def meters_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show which meters this machine offers and why the others are not used. 查看可用的计量方式。"""
    from tongzhou.energy import meter_report

    report = meter_report()
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    console = Console()
    table = Table("meter", "method", "covers")
    for m in report["meters"]:
        table.add_row(m["name"], m["method"], ", ".join(m["covers"]))
    console.print(table)
    for name, why in report["why"].items():
        console.print(f"{name}: {why}", highlight=False)
    for item in report["not_covered"]:
        console.print(f"not covered: {item}", highlight=False)


@app.command("factors")
def factors_cmd(
    country: str = typer.Option(
        None, "--country", help="ISO country code (default $TONGZHOU_GRID_COUNTRY or CN)."
    ),
    site: str = typer.Option("default", "--site", help="PUE/WUE profile: default, local-machine, cn-..."),
) -> None:
    """Show the carbon and water factors that apply, with their sources. 查看碳与水因子。"""
    from tongzhou.energy import FactorTable, country_code

    table = FactorTable.load()
    code = country_code(country)
    console = Console()
    for label, f in (
        ("grid carbon intensity (g CO2e/kWh)", table.carbon_intensity(code)),
        ("off-site water intensity EWIF (L/kWh)", table.water_intensity(code)),
        ("PUE", table.pue(site)),
        ("on-site WUE (L/kWh)", table.wue_onsite(site)),
    ):
        fallback = f" [yellow](no entry for {code}: {f.key} used)[/]" if f.fallback else ""
        console.print(f"{label}: [bold]{f.value}[/] — {f.source} ({f.year}){fallback}", highlight=False)
    console.print(f"files: {', '.join(table.origins)}", highlight=False)


@app.command("run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run_cmd(
    ctx: typer.Context,
    country: str = typer.Option(None, "--country", help="ISO country code for carbon and water."),
    as_json: bool = typer.Option(False, "--json", help="Print the window as JSON."),
) -> None:
    """Run a command (after --) inside an energy window and print its energy, carbon and water.
    测量一条命令的能耗。
    """
    from tongzhou.energy import measure

    if not ctx.args:
        raise InputError("give the command to measure after --, e.g. tongzhou energy run -- python job.py")
    with measure(" ".join(ctx.args)) as window:
        try:
            code = subprocess.call(ctx.args)
        except OSError as exc:
            raise InputError(f"cannot run {ctx.args[0]!r}: {exc}") from exc
    data = window.to_dict(country=country)
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print_window(Console(), data)
    raise typer.Exit(code)


def print_window(console: Console, data: dict[str, Any]) -> None:
    """Print a window's figures with their label (measured / estimated) and meter."""
    label = "measured" if data["method"] == "measured" else "ESTIMATED (no readable counter)"
    carbon, water = data["carbon"], data["water"]
    console.print(
        f"energy: [bold]{data['joules']:.3f} J[/] over {data['seconds']:.3f} s — {label}, "
        f"meter {data['meter']}\n"
        f"carbon: {carbon['g_co2e']:.6f} g CO2e ({data['country']}, "
        f"{carbon['grid_intensity_g_per_kwh']['value']} g/kWh × PUE {carbon['pue']['value']})\n"
        f"water:  {water['litres']:.6f} L (WUE {water['wue_onsite_l_per_kwh']['value']} + PUE × "
        f"EWIF {water['ewif_offsite_l_per_kwh']['value']} L/kWh)",
        highlight=False,
    )


def _load_summary(run: str, summary_file: Path | None) -> Mapping[str, Any]:
    if summary_file is not None:
        try:
            data = json.loads(summary_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read run summary {summary_file}: {exc}") from exc
        if not isinstance(data, dict):
            raise InputError(f"{summary_file}: a run summary is a JSON object")
        if run not in ("latest", data.get("run_id")):
            raise InputError(f"{summary_file} holds run {data.get('run_id')!r}, not {run!r}")
        return data
    from tongzhou.evaluate import latest_run_id, run_summary  # evaluate owns runs (contracts.md)
    from tongzhou.store import open_store

    store = open_store()
    try:
        run_id = latest_run_id(store) if run == "latest" else run
        if run_id is None:
            raise InputError("no evaluation run in the store yet: run `tongzhou eval` first")
        try:
            summary: Mapping[str, Any] = run_summary(store, run_id)
        except (KeyError, LookupError) as exc:
            raise InputError(f"no evaluation run {run_id!r} in the store") from exc
        return summary
    finally:
        store.close()


@app.command("report")
def report_cmd(
    run: str = typer.Argument(..., help="Evaluation run id, or 'latest'."),
    summary_file: Path = typer.Option(
        None, "--summary", help="Read the run summary from this JSON file instead."
    ),
    task_class: str = typer.Option(
        DEFAULT_TASK_CLASS, "--task-class", help="Reference task class for the rating."
    ),
    country: str = typer.Option(
        None, "--country", help="Grid country for carbon and water (default: the run's)."
    ),
    training_flop: float = typer.Option(None, "--training-flop", help="Annex XI: training compute (FLOP)."),
    training_hours: float = typer.Option(None, "--training-hours", help="Annex XI: training time (hours)."),
    training_kwh: float = typer.Option(None, "--training-kwh", help="Annex XI: training energy (kWh)."),
    training_energy_method: str = typer.Option(
        None, "--training-energy-method", help="measured or estimated."
    ),
    embodied_g: float = typer.Option(
        None, "--embodied-g", help="SCI: embodied emissions M (g CO2e) to include."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of Markdown."),
    out: Path = typer.Option(None, "--out", help="Write the report to this file (atomically)."),
) -> None:
    """Energy report of a run: J, J/token, Wh/1,000 queries, carbon, water, rating, SCI, Annex XI.
    运行的能耗报告。
    """
    from tongzhou.energy.report import TrainingFacts, build_report, render_markdown

    if training_energy_method not in (None, "measured", "estimated"):
        raise InputError("--training-energy-method must be 'measured' or 'estimated'")
    for name, value in (
        ("--training-flop", training_flop),
        ("--training-hours", training_hours),
        ("--training-kwh", training_kwh),
        ("--embodied-g", embodied_g),
    ):
        if value is not None and value < 0:
            raise InputError(f"{name} must be non-negative")
    summary = _load_summary(run, summary_file)
    report = build_report(
        summary,
        task_class=task_class,
        country=country,
        embodied_g=embodied_g,
        training=TrainingFacts(training_flop, training_hours, training_kwh, training_energy_method),
    )
    text = json.dumps(report, indent=2, ensure_ascii=False) if as_json else render_markdown(report)
    if out is None:
        typer.echo(text)
        return
    write_text_atomic(out, text)
    typer.echo(f"wrote {out}")
