"""Demo step: measure a short generation by the bundled model, then report the latest evaluation's energy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tongzhou.atomic_file import write_text_atomic
from tongzhou.demo import DemoContext
from tongzhou.energy import measure
from tongzhou.energy.report import build_report, render_markdown

PROMPTS = ["What is 2 + 2?", "Name one colour.", "用一句话介绍长江。"]


def _write(path: Path, text: str) -> None:
    write_text_atomic(path, text)


def _generate(window: Any) -> str:
    """Three short answers from the bundled SmolLM2 (llama.cpp, in a child process); the workload measured."""
    from tongzhou.bundled_model import bundled_model_path
    from tongzhou.model_runtime import LoadOptions, ModelProcess

    with ModelProcess(bundled_model_path(), LoadOptions(n_ctx=512, seed=0)) as model:
        for prompt in PROMPTS:
            out = model.chat([{"role": "user", "content": prompt}], {"max_tokens": 24, "temperature": 0.0})
            window.record(tokens=out["usage"]["completion_tokens"], queries=1)
    return "SmolLM2-135M-Instruct (bundled, llama.cpp)"


def measure_energy(ctx: DemoContext) -> None:
    """Measure the bundled model answering three prompts; print J, J/token, label, carbon, water."""
    with measure("demo-generation") as window:
        workload = _generate(window)
    data = window.to_dict()
    label = "measured" if data["method"] == "measured" else "ESTIMATED (no readable energy counter here)"
    ctx.console.print(
        f"{workload}: {window.queries} queries, {window.tokens} tokens in {window.seconds:.2f} s\n"
        f"  energy {data['joules']:.2f} J — {label}; meter {data['meter']}\n"
        f"  {data['joules_per_token']:.3f} J/token, {data['wh_per_1000_queries']:.2f} Wh per 1,000 queries\n"
        f"  carbon {data['carbon']['g_co2e'] * 1000:.3f} mg CO2e ({data['country']}, "
        f"{data['carbon']['grid_intensity_g_per_kwh']['value']} g/kWh × PUE "
        f"{data['carbon']['pue']['value']}); "
        f"water {data['water']['litres'] * 1000:.3f} mL",
        highlight=False,
    )
    _write(ctx.out_dir / "energy-window.json", json.dumps(data, indent=2, ensure_ascii=False))

    try:
        from tongzhou.evaluate import latest_run_id, run_summary
    except ImportError:
        return
    run_id = latest_run_id(ctx.store)
    summary = run_summary(ctx.store, run_id) if run_id else None
    if not summary or not summary.get("energy"):
        ctx.console.print("  (no measured evaluation run in the store yet: no energy report)")
        return
    report = build_report(summary)
    md = render_markdown(report)
    _write(ctx.out_dir / "energy-report.md", md)
    e, r = report["energy"], report["rating"]
    stars = f"{r['stars']} stars" if r["stars"] else "unrated"
    ctx.console.print(
        f"evaluation run {report['run_id']}: {e['joules']:.1f} J ({e['method']}, {e['meter']}), "
        f"{report['carbon']['g_co2e']:.4f} g CO2e, {report['water']['litres'] * 1000:.2f} mL water; "
        f"rating {stars} ({r['task_class']}); SCI {report['sci']['value_g_co2e_per_unit']:.3g} g per "
        f"{report['sci']['functional_unit']} → {ctx.out_dir / 'energy-report.md'}",
        highlight=False,
    )
