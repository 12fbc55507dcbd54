"""Printing a corpus audit report's verdicts for people (the `tongzhou corpus` commands and the demo)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from tongzhou.corpus.contract import CorpusReport

_COLOUR = {"pass": "green", "fail": "red"}


def verdict_markup(verdict: str) -> str:
    """A verdict coloured for a rich console: pass green, fail red, anything else (pending) yellow."""
    return f"[{_COLOUR.get(verdict, 'yellow')}]{verdict}[/]"


def print_verdicts(report: CorpusReport, console: Console) -> None:
    """The verdict table and the per-source table of a report."""
    v = report["verdicts"]
    table = Table("rule 规则", "result 结果", "verdict 判定", title="GB/T 45654 corpus rules / 语料安全要求")
    ks = v["keyword_sampling"]["pass_rate"]
    table.add_row(
        "keyword check pass rate 关键词抽检合格率",
        f"{ks['value']:.4f} [{ks['ci_low']:.4f}, {ks['ci_high']:.4f}] n={ks['n']} (≥ {ks['threshold']})",
        verdict_markup(v["keyword_sampling"]["verdict"]),
    )
    bl = v["source_blacklist"]
    table.add_row(
        "source blacklist 来源黑名单 (> 5 %)",
        ", ".join(bl["blacklisted"]) or "none",
        verdict_markup(bl["verdict"]),
    )
    ms = v["manual_sampling"]
    ms_text = (
        f"{ms['passed']}/{ms['reviewed']} reviewed of ≥ {ms['min_items']}"
        if "reviewed" in ms
        else f"pending: {ms.get('sample_file')}"
    )
    table.add_row("manual sampling 人工抽检 (≥ 96 %)", ms_text, verdict_markup(ms["verdict"]))
    table.add_row(
        "keyword library 关键词库",
        f"{report['library']['entries']} entries",
        verdict_markup(v["keyword_library"]["verdict"]),
    )
    console.print(table)
    src = Table(
        "source",
        "items",
        "flagged",
        "flagged rate [95 % CI]",
        "blacklist",
        "PII items",
        "near-dup",
        "languages",
    )
    for s in report["sources"]:
        fr = s["flagged_rate"]
        src.add_row(
            s["name"],
            str(s["items"]),
            str(s["keyword_flagged_items"]),
            f"{fr['value']:.4f} [{fr['ci_low']:.4f}, {fr['ci_high']:.4f}]",
            verdict_markup("fail" if s["blacklisted"] else fr["verdict"]),
            str(s["pii"]["items_with_pii"]),
            f"{s['duplicates']['near']} ({s['duplicates']['near_rate']:.2%})",
            ", ".join(f"{k}:{n}" for k, n in s["languages"].items()),
        )
    console.print(src)
