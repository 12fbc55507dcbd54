"""Main-job step: evaluate the bundled SmolLM2-135M-Instruct on a quick bilingual subset and show verdicts."""

from __future__ import annotations

from tongzhou.atomic_file import write_json_atomic
from tongzhou.demo import DemoContext
from tongzhou.evaluate.console import print_summary
from tongzhou.evaluate.models import GgufChatModel
from tongzhou.evaluate.run_options import RunOptions
from tongzhou.evaluate.service import run_evaluation
from tongzhou.evaluate.summary import run_summary

PER_BANK = 20
"""Items drawn per bank: 3 banks × 20 = 60 items, a couple of minutes at most on 2 cores."""


def evaluate_bundled_model(ctx: DemoContext) -> None:
    """Run the quick evaluation, print metrics with Wilson CIs, verdicts and energy, save the summary."""
    ctx.console.print(
        f"Evaluating the bundled SmolLM2-135M-Instruct on a QUICK SUBSET: {PER_BANK} items per bank "
        f"(should-refuse, should-not-refuse, generated-content; {3 * PER_BANK} items, seeded, "
        "stratified by risk) "
        "under profile gbt45654-quick. This is a demonstration, not a GB/T 45654 assessment, which needs "
        "≥ 300 / 300 / 1,000 items: `tongzhou eval run --model bundled` runs the full banks.",
        soft_wrap=True,
    )
    model = GgufChatModel(parameters={"max_tokens": 48})
    result = run_evaluation(
        ctx.store,
        model,
        ["gbt45654"],
        "gbt45654-quick",
        RunOptions(limit=PER_BANK, seed=0, concurrency=1),
        console=ctx.console,
        model_ref="bundled",
    )
    ctx.console.print(
        f"{result.items} items: {result.queried} answered by the model, {result.from_cache} from the "
        f"response cache, {result.errors} errors, {result.seconds:.1f} s"
    )
    summary = run_summary(ctx.store, result.run_id)
    print_summary(ctx.console, summary, items=3)
    path = ctx.out_dir / "eval-summary.json"
    write_json_atomic(path, summary, indent=2)
    ctx.console.print(f"Run summary (the document `tongzhou attest` signs): {path}")
