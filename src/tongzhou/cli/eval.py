"""`tongzhou eval`: run safety test suites on a model, list/show/export runs, check banks, check scorers."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from tongzhou.errors import InputError, Interrupted, PartialFailure, Terminated
from tongzhou.intervals import rate

if TYPE_CHECKING:
    from tongzhou.store import Store

app = typer.Typer(
    help="Risk testing and evaluation (GB/T 45654): run suites, show verdicts with confidence intervals. "
    "风险测试评估（GB/T 45654）。",
    no_args_is_help=True,
)


@contextlib.contextmanager
def _run_in_store(run_id: str | None) -> Iterator[tuple[Store, str]]:
    """The open store and ``run_id`` or, without it, the latest run's id; closed afterwards."""
    from tongzhou.evaluate import latest_run_id
    from tongzhou.store import open_store

    store = open_store()
    try:
        rid = run_id or latest_run_id(store)
        if rid is None:
            raise InputError("no evaluation runs yet; start one with `tongzhou eval run`")
        yield store, rid
    finally:
        store.close()


@app.command("run")
def run(
    model: str = typer.Option(
        "bundled",
        "--model",
        "-m",
        help="bundled | gguf:PATH | openai:BASE_URL#MODEL | callable:module:function",
    ),
    suite: list[str] = typer.Option(
        ["gbt45654"],
        "--suite",
        "-s",
        help="gbt45654, should-refuse, should-not-refuse, generated-content, or a JSONL path/dir",
    ),
    profile: str = typer.Option("gbt45654", "--profile", "-p", help="Standard profile id or YAML path."),
    limit: int | None = typer.Option(
        None, "--limit", "-n", help="Items drawn per bank (seeded, stratified by risk)."
    ),
    concurrency: int = typer.Option(
        8, "--concurrency", "-c", min=1, max=4096, help="Requests in flight at once."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the draw."),
    model_seed: int = typer.Option(None, "--model-seed", help="Generation seed (default 1234)."),
    temperature: float = typer.Option(
        None, "--temperature", help="Sampling temperature (default: the model's)."
    ),
    max_tokens: int = typer.Option(None, "--max-tokens", help="Longest answer, in tokens."),
    timeout: float = typer.Option(180.0, "--timeout", help="Seconds per request try."),
    retries: int = typer.Option(4, "--retries", min=0, max=20, help="Retries per request (capped)."),
    resume: str = typer.Option(None, "--resume", help="Continue an interrupted run by id."),
    api_key_env: str = typer.Option(
        "TONGZHOU_EVAL_API_KEY", "--api-key-env", help="Environment variable holding the endpoint's API key."
    ),
    judge: str = typer.Option(
        None, "--judge", help="LLM judge model REF for generated-content items (default: keyword screen)."
    ),
    guard: str = typer.Option(
        None, "--guard", help="Served guard model FORMAT=openai:BASE_URL#MODEL for generated-content items."
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar (logs, CI)."),
    show_items: int = typer.Option(0, "--show-items", help="Print the first N responses."),
) -> None:
    """Evaluate a model on test banks; prints metrics with 95% CIs, verdicts, and energy/carbon/water.
    用题库测评模型。
    """
    from tongzhou.evaluate import RunOptions, model_from_ref, run_evaluation, run_summary
    from tongzhou.evaluate.console import print_result, print_summary
    from tongzhou.evaluate.run_options import generation_parameters
    from tongzhou.evaluate.service import resume_settings
    from tongzhou.evaluate.standards import StandardProfile
    from tongzhou.store import open_store

    console = Console()
    store = open_store()
    try:
        chosen_profile: str | StandardProfile = profile
        if resume:
            settings = resume_settings(store, resume)
            model = settings.model_ref or model
            suite = settings.suites or suite
            limit, seed = settings.limit, settings.seed
            chosen_profile, params = settings.profile, settings.parameters
        else:
            params = generation_parameters(temperature=temperature, max_tokens=max_tokens, seed=model_seed)
        options: dict[str, Any] = {}
        if model.startswith("openai:"):
            options = {"api_key_env": api_key_env, "timeout_s": timeout}
        adapter = model_from_ref(model, params or None, **options)
        opts = RunOptions(
            limit=limit,
            seed=seed,
            concurrency=concurrency,
            max_retries=retries,
            timeout_s=timeout,
            progress=not no_progress,
        )
        scorers = None
        if judge:
            from tongzhou.evaluate.runner import default_scorers
            from tongzhou.evaluate.scorers import JudgeScorer

            scorers = {**default_scorers(), "safe": JudgeScorer(model_from_ref(judge, {"max_tokens": 8}))}
        if guard:
            from tongzhou.evaluate.runner import default_scorers
            from tongzhou.evaluate.scorers.guard import guard_from_spec

            scorers = {**default_scorers(), "safe": guard_from_spec(guard, api_key_env=api_key_env)}
        try:
            result = run_evaluation(
                store,
                adapter,
                suite,
                chosen_profile,
                opts,
                run_id=resume,
                console=console,
                model_ref=model,
                scorers=scorers,
            )
        except (KeyboardInterrupt, Terminated) as stopped:
            from tongzhou.evaluate import latest_run_id

            rid = resume or latest_run_id(store)
            hint = Interrupted.of(
                "interrupted: the run is partial and its answers so far are stored. "
                "Resume with: tongzhou eval run --resume {rid}",
                rid=rid,
            )
            if isinstance(stopped, Terminated):
                Console(stderr=True).print(hint.bilingual(), highlight=False, soft_wrap=True)
                raise
            raise hint from None
        print_result(console, result)
        print_summary(console, run_summary(store, result.run_id), items=show_items)
        if result.status != "complete" or result.errors:
            raise PartialFailure.of(
                "{errors} of {items} items failed, so run {run_id} is partial: it is "
                "not signed as `latest`. Fix the cause above, then retry the failed items with "
                "`tongzhou eval run --resume {run_id}`",
                errors=result.errors,
                items=result.items,
                run_id=result.run_id,
            )
    finally:
        store.close()


@app.command("list")
def list_runs(limit: int = typer.Option(20, "--limit", "-n", help="Runs to show, newest first.")) -> None:
    """Recent evaluation runs. 最近的测评运行。"""
    from tongzhou.evaluate.console import print_runs
    from tongzhou.evaluate.storage import list_runs as _list
    from tongzhou.store import open_store

    store = open_store()
    try:
        print_runs(Console(), _list(store, limit))
    finally:
        store.close()


@app.command("show")
def show(
    run_id: str = typer.Argument(None, help="Run id (default: the latest)."),
    items: int = typer.Option(5, "--items", help="Responses to print."),
) -> None:
    """Metrics, CIs and verdicts of a run. 一次运行的指标与判定。"""
    from tongzhou.evaluate import run_summary
    from tongzhou.evaluate.console import print_summary

    with _run_in_store(run_id) as (store, rid):
        print_summary(Console(), run_summary(store, rid), items=items)


@app.command("export")
def export(
    run_id: str = typer.Argument(None, help="Run id (default: the latest)."),
    out: Path = typer.Option(None, "--out", "-o", help="File to write (default: stdout)."),
) -> None:
    """The run summary as JSON (the document `tongzhou attest` signs). 导出运行摘要（JSON）。"""
    from tongzhou.evaluate import run_summary

    with _run_in_store(run_id) as (store, rid):
        summary = run_summary(store, rid)
    if out is None:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    else:
        from tongzhou.atomic_file import write_json_atomic

        write_json_atomic(out, summary, indent=2)
        Console(stderr=True).print(f"wrote {out}")


@app.command("check-bank")
def check_bank(
    suite: list[str] = typer.Argument(None, help="Bank files/dirs or suite names (default: gbt45654)."),
    profile: str = typer.Option("gbt45654", "--profile", "-p", help="Standard profile id or YAML path."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when a bank falls short."),
) -> None:
    """How banks measure against the profile's coverage rules (sizes per risk, totals) and what is missing.
    检查题库覆盖要求。
    """
    from tongzhou.evaluate import load_banks, load_profile
    from tongzhou.evaluate.console import print_coverage

    console, prof = Console(), load_profile(profile)
    meets = [print_coverage(console, bank, prof) for bank in load_banks(suite or ["gbt45654"])]
    if strict and not all(meets):
        raise typer.Exit(1)


@app.command("check-scorer")
def check_scorer(
    labelled: Path = typer.Option(None, "--labelled", help="Labelled JSONL (default: the bundled sets)."),
    record: bool = typer.Option(
        False, "--record", help="Record each scorer version's error on its clean set (once per version)."
    ),
    judge: str = typer.Option(None, "--judge", help="LLM judge model REF: its Cohen's κ with the labels."),
    guard: str = typer.Option(None, "--guard", help="Served guard FORMAT=openai:BASE_URL#MODEL, too."),
    limit: int = typer.Option(None, "--limit", min=1, help="With --judge/--guard: items (not recorded)."),
) -> None:
    """Each scorer against human labels, per language: the refusal detector and the content screen on
    their tuning and held-out sets, and sensitivity/specificity on each version's clean set.
    评分器与人工标注的一致性（拒答检测、内容筛查），含各版本在独立测试集上的灵敏度与特异度。
    """
    from tongzhou.evaluate.scorers.agreement import (
        CONTENT_DEV,
        CONTENT_HELDOUT,
        CONTENT_HELDOUT2,
        CONTENT_HELDOUT3,
        CONTENT_HELDOUT4,
        CONTENT_HELDOUT5,
        CONTENT_TRAIN22,
        REFUSAL_FRESH,
        REFUSAL_FRESH2,
        REFUSAL_FRESH3,
        REFUSAL_FRESH4,
        REFUSAL_FRESH5,
        REFUSAL_FRESH6,
        REFUSAL_HELDOUT,
        REFUSAL_LABELLED,
        content_agreement,
        current_clean_sets,
        measure_clean,
        refusal_agreement,
    )
    from tongzhou.evaluate.scorers.measured_error import append_record, recorded_error, recorded_on

    if limit is not None and not (judge or guard):
        raise InputError("--limit applies to --judge / --guard only")
    if judge or guard:
        from tongzhou.evaluate.scorers.judge_check import check_judges

        path = labelled or CONTENT_HELDOUT4
        check_judges(Console(), path, judge_ref=judge, guard_spec=guard, limit=limit, record=record)
        return

    def figure(r: dict[str, Any]) -> str:
        return f"{r['value']:.3f} ({r['successes']}/{r['n']}, 95% CI {r['ci_low']:.3f}–{r['ci_high']:.3f})"

    sets = [
        ("tuning", REFUSAL_LABELLED),
        ("held-out", REFUSAL_HELDOUT),
        ("fresh", REFUSAL_FRESH),
        ("fresh-2 (clean for v1.2; v1.3 tuned on it)", REFUSAL_FRESH2),
        ("fresh-3 (clean estimate)", REFUSAL_FRESH3),
        ("fresh-4 (clean for v1.3; v2.0 trained on it)", REFUSAL_FRESH4),
        ("fresh-5 (clean for v2.0; v2.1 trained on it)", REFUSAL_FRESH5),
        ("fresh-6 (clean estimate for v2.1, written before it was frozen)", REFUSAL_FRESH6),
    ]
    if labelled:
        sets = [("labelled", labelled)]
    console = Console()
    console.print("[bold]refusal-detector[/]: accuracy (refusal / partial / compliance)")
    for title, path in sets:
        rep = refusal_agreement(path)
        console.print(f"{title} set ({path.name}):", highlight=False)
        for lang, r in rep["by_language"].items():
            console.print(
                f"  {lang}: accuracy {figure(r)}; confusion {rep['confusion'][lang]}", highlight=False
            )
        o = rep["overall"]
        console.print(
            f"  overall: {o['value']:.3f} ({o['successes']}/{o['n']}); "
            f"misclassified: {', '.join(rep['errors']) or 'none'}",
            highlight=False,
        )
    if labelled:
        return
    console.print("[bold]keyword-content[/]: accuracy (safe / unsafe), recall on unsafe, specificity on safe")
    for title, path in (
        ("tuning", CONTENT_DEV),
        ("held-out (clean for v2.0; v2.1 and v2.2 trained on it)", CONTENT_HELDOUT),
        ("held-out-2 (clean for v2.0; v2.1 and v2.2 trained on it)", CONTENT_HELDOUT2),
        ("held-out-3 (clean for v2.1; v2.2 trained on it)", CONTENT_HELDOUT3),
        ("held-out-4 (clean for v2.1; v2.2's threshold tuned on it)", CONTENT_HELDOUT4),
        ("v2.2 corpus (train and dev splits; in-sample)", CONTENT_TRAIN22),
        ("held-out-5 (clean estimate for v2.2, written before it was frozen)", CONTENT_HELDOUT5),
    ):
        rep = content_agreement(path)
        console.print(f"{title} set ({path.name}):", highlight=False)
        for lang, r in rep["by_language"].items():
            console.print(f"  {lang}: accuracy {figure(r)}", highlight=False)
        for key in rep["recall"]:
            spec = rep["specificity"].get(key)
            console.print(
                f"  {key}: recall {figure(rep['recall'][key])}; specificity {figure(spec) if spec else '—'}",
                highlight=False,
            )
        console.print(f"  misclassified: {', '.join(rep['errors']) or 'none'}", highlight=False)
    console.print("[bold]Measured error carried into verdicts[/] (clean set of each current version):")
    for clean in current_clean_sets():
        sid = f"{clean.scorer}@{clean.version}"
        stored = recorded_on(sid, clean.positive, clean.path.name)
        err = stored or measure_clean(clean)
        for lang, e in sorted(err.by_language.items()):
            console.print(
                f"  {sid} {lang} ({clean.positive} = positive): sensitivity {figure(rate(*e.sensitivity))}, "
                f"specificity {figure(rate(*e.specificity))}",
                highlight=False,
            )
        state = f"recorded {stored.measured}" if stored else "not recorded"
        console.print(f"  set {err.held_out} written {err.written}; {state}", highlight=False)
        if record and stored is None:
            append_record(err)
            console.print(f"  recorded {sid} in scorer_error.yaml", highlight=False)
        elif record:
            console.print(f"  {sid} was already scored on this set (once per version)", highlight=False)
    for sid, positive in sorted({(f"{c.scorer}@{c.version}", c.positive) for c in current_clean_sets()}):
        pooled = recorded_error(sid, positive)
        if pooled is None:
            continue
        for lang, e in pooled.by_language.items():
            console.print(
                f"  {sid} {lang}, all its clean sets ({pooled.held_out}): sensitivity "
                f"{figure(rate(*e.sensitivity))}, specificity {figure(rate(*e.specificity))}",
                highlight=False,
            )


@app.command("review")
def review(
    run_id: str = typer.Argument(None, help="Run id (default: the latest)."),
    item: str = typer.Option(None, "--item", help="BANK/ITEM to decide (with --label and --reviewer)."),
    label: str = typer.Option(None, "--label", help="refusal | partial | compliance, or safe | unsafe."),
    reviewer: str = typer.Option(None, "--reviewer", help="Who decides (recorded with the time)."),
    interactive: bool = typer.Option(False, "--interactive", "-i", help="Walk the queue, asking for labels."),
    random_sample: int = typer.Option(20, "--random", help="Seeded random items added to the queue."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random part of the queue."),
) -> None:
    """The human-review queue of a run (disagreements, uncertain items, a seeded sample) and decisions.
    人工复核队列：评分器分歧、最不确定的条目与随机样本，以及复核决定。

    Without --item: print the queue. A decision replaces the machine label in the run's verdicts
    (see `tongzhou eval show`) and is logged with the reviewer and the time.
    """
    from tongzhou.evaluate.review import LABELS, record_review, review_queue

    console = Console()
    with _run_in_store(run_id) as (store, rid):
        if item:
            if not (label and reviewer) or "/" not in item:
                raise InputError("--item BANK/ITEM needs --label and --reviewer")
            bank_id, item_id = item.split("/", 1)
            entry = record_review(store, rid, bank_id, item_id, label, reviewer)
            console.print(
                f"{item}: {entry['machine_label']} → {entry['label']} "
                f"by {entry['reviewer']} at {entry['at']}",
                highlight=False,
            )
            return
        queue = review_queue(store, rid, random_sample=random_sample, seed=seed)
        console.print(f"run {rid}: {len(queue)} items to review", highlight=False)
        for q in queue:
            console.print(
                f"[bold]{q.bank_id}/{q.item_id}[/] ({q.language}, {q.risk_code}, expected {q.expected}) "
                f"machine: {q.machine_label} — {q.why}: {q.detail}",
                highlight=False,
            )
            console.print(f"  {q.response[:300]!r}", highlight=False)
            if interactive:
                if not reviewer:
                    raise InputError("--interactive needs --reviewer")
                choices = LABELS[q.expected]
                answer = typer.prompt(f"  label ({' / '.join(choices)}, Enter to skip)", default="")
                if answer:
                    record_review(store, rid, q.bank_id, q.item_id, answer, reviewer)
