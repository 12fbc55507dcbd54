"""`tongzhou corpus`: audit training corpora (GB/T 45654): keywords, personal data, statistics, sampling."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, cast

import typer
from rich.console import Console
from rich.table import Table

from tongzhou.corpus.console import print_verdicts
from tongzhou.corpus.console import verdict_markup as _v
from tongzhou.errors import InputError

app = typer.Typer(
    help="Audit training corpora: keyword library, personal information, duplicates, sampling. "
    "训练语料审核。",
    no_args_is_help=True,
)


@app.command("audit")
def audit_cmd(
    paths: list[Path] = typer.Argument(..., help="Corpus files or directories (a directory is one source)."),
    keywords: Path = typer.Option(
        None, "--keywords", help="Keyword library (JSONL[.gz] or CSV); default bundled."
    ),
    profile: Path = typer.Option(None, "--profile", help="Standard profile YAML; default GB/T 45654-2025."),
    sample: int = typer.Option(4000, "--sample", help="Items to draw for manual review (0: none)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sample."),
    workers: int = typer.Option(os.cpu_count() or 1, "--workers", help="Worker processes (or Ray actors)."),
    ray: str = typer.Option(None, "--ray", help="Run on Ray Data: 'local', 'auto' or ray://host:port."),
    out: Path = typer.Option(Path("corpus-audit"), "--out", help="Directory for the report and sample."),
    text_field: list[str] = typer.Option(
        ["text", "content"], "--text-field", help="JSONL field / Parquet column."
    ),
    no_dedup: bool = typer.Option(False, "--no-dedup", help="Skip duplicate detection."),
    redact_out: Path = typer.Option(None, "--redact-out", help="Write redacted copies (JSONL) here."),
    review: Path = typer.Option(
        None, "--review", help="A reviewed sampling file to judge as manual sampling."
    ),
    backend: str = typer.Option("auto", "--automaton", help="hyperscan, ahocorasick-rs or pyahocorasick."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Audit a corpus against the standard and write corpus-audit.json/.html and sample.jsonl.
    按标准审核语料。

    Exit status: 0 no rule fails (manual sampling may be pending), 1 a rule fails.
    """
    from tongzhou.corpus.unit import AuditSettings
    from tongzhou.corpus.workflow import audit_to_dir

    settings = AuditSettings(
        sample_size=sample,
        seed=seed,
        text_fields=tuple(text_field),
        dedup=not no_dedup,
        redact_dir=str(redact_out) if redact_out else None,
    )
    outcome = audit_to_dir(
        [str(p) for p in paths], out, keywords, profile, settings, workers, ray, review, backend
    )
    verdicts = cast(dict[str, dict[str, Any]], outcome.report["verdicts"])
    failed = sorted(k for k, v in verdicts.items() if v.get("verdict") == "fail")
    if as_json:
        typer.echo(json.dumps(outcome.report, ensure_ascii=False, indent=2))
    else:
        console = Console()
        print_verdicts(outcome.report, console)
        console.print(f"report: {outcome.json_path} · {outcome.html_path}", highlight=False)
        if outcome.sample_path:
            console.print(f"sample for review 人工抽检样本: {outcome.sample_path}", highlight=False)
        if failed:
            console.print(f"[red]failed rules 未通过: {', '.join(failed)}[/]", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command("sample")
def sample_cmd(
    paths: list[Path] = typer.Argument(..., help="Corpus files or directories."),
    n: int = typer.Option(4000, "--n", help="Items to draw."),
    seed: int = typer.Option(0, "--seed", help="Seed."),
    out: Path = typer.Option(
        Path("corpus-sample"), "--out", help="Directory for sample.jsonl and the report."
    ),
    keywords: Path = typer.Option(
        None, "--keywords", help="Keyword library (hits are shown to the reviewer)."
    ),
    workers: int = typer.Option(os.cpu_count() or 1, "--workers", help="Worker processes."),
) -> None:
    """Draw N random items (seeded, uniform) into a sampling file for manual review. 抽取人工抽检样本。"""
    from tongzhou.corpus.unit import AuditSettings
    from tongzhou.corpus.workflow import audit_to_dir

    if n <= 0:
        raise InputError.of("--n must be positive")
    settings = AuditSettings(sample_size=n, seed=seed, dedup=False)
    outcome = audit_to_dir([str(p) for p in paths], out, keywords, None, settings, workers)
    Console().print(f"{len(outcome.result.sample)} items → {outcome.sample_path}", highlight=False)


@app.command("review")
def review_cmd(
    sample_file: Path = typer.Argument(
        ..., help="sample.jsonl written by `corpus audit` or `corpus sample`."
    ),
    verdicts: Path = typer.Option(
        None, "--verdicts", help="CSV (item_id,verdict[,note]) or JSONL of verdicts."
    ),
    reviewer: str = typer.Option(os.environ.get("USER", "reviewer"), "--reviewer", help="Reviewer's name."),
    interactive: bool = typer.Option(
        False, "--interactive", "-i", help="Review unreviewed items one by one."
    ),
    profile: Path = typer.Option(None, "--profile", help="Standard profile YAML."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Record a reviewer's verdicts (pass/fail) and compute the pass rate against the 96 % rule.
    记录人工抽检结果。

    Exit status: 0 pass or still pending, 1 fail.
    """
    from tongzhou.corpus.profile import load_profile
    from tongzhou.corpus.review import parse_verdicts, read_sample, record_verdicts, summarize_review

    console = Console()
    if verdicts:
        n = record_verdicts(sample_file, parse_verdicts(verdicts), reviewer)
        console.print(f"recorded {n} verdict(s)", highlight=False)
    if interactive:
        _interactive(sample_file, reviewer, console)
    summary = summarize_review(read_sample(sample_file)[1], load_profile(profile))
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
        raise typer.Exit(1 if summary.verdict == "fail" else 0)
    r = summary.rate
    console.print(
        f"reviewed 已审 {summary.reviewed}/{summary.sample_size}, passed 合格 {summary.passed}; "
        f"pass rate 合格率 {r.value:.4f} [{r.ci_low:.4f}, {r.ci_high:.4f}] vs ≥ {r.threshold} "
        f"(≥ {summary.min_items} items): {_v(summary.verdict)}",
        highlight=False,
    )
    if summary.verdict == "fail":
        raise typer.Exit(1)


def _interactive(sample_file: Path, reviewer: str, console: Console) -> None:
    from tongzhou.corpus.review import read_sample, record_verdicts

    _, items = read_sample(sample_file)
    pending = [i for i in items if i.get("verdict") not in ("pass", "fail")]
    for item in pending:
        console.rule(f"{item['item_id']} ({item['source']})")
        console.print(item["text"], highlight=False, markup=False)
        if item.get("keywords"):
            console.print(
                f"keywords: {', '.join(item['keywords'])}  risks: {', '.join(item['risks'])}",
                highlight=False,
                markup=False,
            )
        answer = typer.prompt("p=pass 合格 / f=fail 不合格 / s=skip / q=quit", default="s").strip().lower()
        if answer in ("q", "quit"):
            break
        if answer in ("p", "f"):
            record_verdicts(
                sample_file, {item["item_id"]: ("pass" if answer == "p" else "fail", "")}, reviewer
            )


@app.command("check-library")
def check_library_cmd(
    keywords: Path = typer.Option(None, "--keywords", help="Keyword library; default bundled."),
    profile: Path = typer.Option(None, "--profile", help="Standard profile YAML."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Coverage of a keyword library against the standard (≥ 10,000; ≥ 200 per A.1, ≥ 100 per A.2 risk).
    检查关键词库。

    Exit status: 0 every rule passes (weekly freshness included), 1 a rule fails.
    """
    from tongzhou.corpus.keywords import check_coverage, load_library
    from tongzhou.corpus.profile import load_profile

    library = load_library(keywords)
    prof = load_profile(profile)
    findings = check_coverage(library, prof)
    ok = all(f.passed for f in findings)
    if as_json:
        typer.echo(
            json.dumps(
                {"entries": len(library), "passed": ok, "findings": [f.__dict__ for f in findings]},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        table = Table("rule 规则", "risk 风险", "required 要求", "actual 实际", "verdict 判定")
        for f in findings:
            name = prof.risks.get(f.rule, {}).get("zh", "") if f.rule in prof.risks else ""
            if f.rule == "max_age_days":
                name = "at least weekly updates 至少每周更新"
            table.add_row(f.rule, name, str(f.required), str(f.actual), _v("pass" if f.passed else "fail"))
        console = Console()
        console.print(table)
        for f in findings:
            if f.rule == "max_age_days" and not f.passed:
                console.print(
                    f"the library was built {f.actual} days ago (on {library.meta.get('built')}); the "
                    f"standard asks for updates at least every {f.required} days: add your own, current "
                    f"terms with --keywords / 关键词库已超过 {f.required} 天未更新",
                    highlight=False,
                )
        console.print(
            f"library {library.meta.get('name', keywords)}: {len(library)} entries — "
            f"{_v('pass' if ok else 'fail')}",
            highlight=False,
        )
    if not ok:
        raise typer.Exit(1)
