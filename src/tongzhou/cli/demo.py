"""`tongzhou demo`: the main job on the embedded default (what `make run` runs)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from tongzhou.home import tongzhou_home


def app(
    out: Path = typer.Option(None, "--out", help="Directory for artefacts (default: $TONGZHOU_HOME/demo)."),
    only: list[str] = typer.Option(None, "--only", help="Run only steps whose name contains this."),
) -> None:
    """Run the main job: register the example systems, classify them, and every feature's step. 运行演示。"""
    from tongzhou.demo import DEMO_STEPS, DemoContext, run_demo
    from tongzhou.store import open_store

    console = Console()
    out_dir = out or tongzhou_home() / "demo"
    out_dir.mkdir(parents=True, exist_ok=True)
    store = open_store()
    console.print(f"Store: {store.url}\nArtefacts: {out_dir}\nSteps: {len(DEMO_STEPS)}")
    try:
        failures = run_demo(DemoContext(store=store, console=console, out_dir=out_dir), only=only)
    finally:
        store.close()
    if failures:
        console.rule("[bold red]summary")
        console.print(
            f"[bold red]{len(failures)} step(s) failed / {len(failures)} 个步骤失败:[/] "
            + ", ".join(f.step for f in failures),
            highlight=False,
        )
        raise typer.Exit(1)
