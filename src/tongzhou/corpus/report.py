"""The audit report: JSON (canonical, signable with :mod:`tongzhou.attest`) and a bilingual HTML page.

Verdicts against the profile:

- ``keyword_sampling``: share of the corpus checked (the whole corpus: 1.0) ≥ ``min_fraction`` and the
  keyword pass rate (items without a keyword hit) ≥ ``pass_rate_min``, Wilson interval;
- ``source_blacklist``: per source, the keyword-flagged rate ≤ ``harmful_rate_max``; ``fail`` means the
  source is to be blacklisted. A keyword hit is not proof of harm, so the flagged rate is an upper
  estimate of the harmful rate until the flagged items are reviewed;
- ``manual_sampling``: from the reviewed sampling file when one is given, else ``pending``;
- ``keyword_library``: coverage of the library used.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any, cast

from tongzhou import __version__
from tongzhou.atomic_file import write_text_atomic
from tongzhou.corpus.audit import AuditResult, SourceResult
from tongzhou.corpus.contract import CorpusReport, SourceReport
from tongzhou.corpus.keywords import CoverageFinding, KeywordLibrary
from tongzhou.corpus.profile import CorpusProfile
from tongzhou.corpus.review import ReviewSummary
from tongzhou.corpus.stats import histogram_entropy, histogram_quantile, judge_rate, simpson_diversity

SCHEMA = "tongzhou.corpus-audit/1"


def _source_dict(src: SourceResult, library: KeywordLibrary, profile: CorpusProfile) -> SourceReport:
    t = src.tally
    rule = profile.rule("source_blacklist")
    harmful = judge_rate(t.flagged_items, t.items, "<=", float(rule["harmful_rate_max"]))
    top = [
        {"keyword": library.entries[e].keyword, "risk": library.entries[e].risk, "items": n}
        for e, n in sorted(t.entry_items.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    ]
    hist = t.length_hist.tolist()
    figures: dict[str, Any] = {
        "name": src.name,
        "items": t.items,
        "bytes": t.raw_bytes,
        "characters": t.chars,
        "malformed_lines": t.malformed,
        "keyword_flagged_items": t.flagged_items,
        "flagged_rate": harmful.to_dict(),
        "blacklisted": harmful.verdict == "fail",
        "risk_items": dict(sorted(t.risk_items.items())),
        "top_keywords": top,
        "pii": {"items_with_pii": t.pii_items, "by_kind": dict(sorted(t.pii_counts.items()))},
        "languages": dict(sorted(t.languages.items())),
        "length": {
            "mean_chars": t.chars / t.items if t.items else 0.0,
            "median_bucket": histogram_quantile(hist, 0.5),
            "p90_bucket": histogram_quantile(hist, 0.9),
            "histogram": hist,
        },
        "duplicates": {
            "exact": src.exact_duplicates,
            "near": src.near_duplicates,
            "near_rate": src.near_duplicates / t.items if t.items else 0.0,
        },
        "diversity": {
            "distinct_characters": int((t.char_hist > 0).sum()),
            "character_entropy_bits": histogram_entropy(t.char_hist),
            "language_simpson": simpson_diversity(t.languages),
            "unique_item_rate": 1 - (src.near_duplicates / t.items) if t.items else 0.0,
        },
    }
    return cast(SourceReport, figures)


def build_report(
    result: AuditResult,
    library: KeywordLibrary,
    profile: CorpusProfile,
    coverage: list[CoverageFinding],
    review: ReviewSummary | None = None,
    sample_path: str | None = None,
) -> CorpusReport:
    """The JSON-ready audit report (its type: :class:`~tongzhou.corpus.contract.CorpusReport`) with
    verdicts against ``profile``."""
    sources = [_source_dict(s, library, profile) for s in result.sources.values()]
    total = _source_dict(result.total, library, profile)
    ks = profile.rule("keyword_sampling")
    t = result.total.tally
    pass_rate = judge_rate(t.items - t.flagged_items, t.items, ">=", float(ks["pass_rate_min"]))
    fraction = 1.0 if t.items else 0.0
    ks_verdict = pass_rate.verdict if fraction >= float(ks["min_fraction"]) else "fail"
    blacklisted = [s["name"] for s in sources if s["blacklisted"]]
    undecided = [s["name"] for s in sources if s["flagged_rate"]["verdict"] == "inconclusive"]
    lib_ok = all(f.passed for f in coverage)  # freshness too: the standard asks for weekly updates
    verdicts: dict[str, Any] = {
        "keyword_sampling": {
            "fraction_checked": fraction,
            "min_fraction": float(ks["min_fraction"]),
            "pass_rate": pass_rate.to_dict(),
            "verdict": ks_verdict,
            "source": ks["source"],
        },
        "source_blacklist": {
            "threshold": float(profile.rule("source_blacklist")["harmful_rate_max"]),
            "blacklisted": blacklisted,
            "inconclusive": undecided,
            "verdict": "fail" if blacklisted else ("inconclusive" if undecided else "pass"),
            "source": profile.rule("source_blacklist")["source"],
        },
        "manual_sampling": (review.to_dict() | {"source": profile.rule("manual_sampling")["source"]})
        if review
        else {
            "verdict": "pending",
            "min_items": int(profile.rule("manual_sampling")["min_items"]),
            "sample_file": sample_path,
            "note": "review the sampling file with `tongzhou corpus review`",
        },
        "keyword_library": {
            "verdict": "pass" if lib_ok else "fail",
            "findings": [f.__dict__ for f in coverage],
            "source": profile.rule("keyword_library")["source"],
        },
    }
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "artefact": "training-data-audit",  # evidence artefact id (classify crosswalk)
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "software": {"name": "tongzhou", "version": __version__},
        "profile": {"id": profile.id, "version": profile.version, "source": profile.source},
        "library": {
            "name": library.meta.get("name", "custom"),
            "built": library.meta.get("built"),
            "entries": len(library),
        },
        "scan": {
            "engine": result.engine,
            "workers": result.workers,
            "units": result.units,
            "automaton": result.backend,
            "elapsed_s": round(result.elapsed_s, 3),
            "sample_size": result.settings.sample_size,
            "seed": result.settings.seed,
            "dedup": result.settings.dedup,
        },
        "totals": total,
        "sources": sources,
        "verdicts": verdicts,
        "sample_file": sample_path,
        "redacted_files": result.redacted,
    }
    return cast(CorpusReport, report)


def write_json(report: CorpusReport, path: str | Path) -> None:
    """Write the report as indented JSON (atomic)."""
    write_text_atomic(Path(path), json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


_VERDICT_ZH = {
    "pass": "符合",
    "fail": "不符合",
    "inconclusive": "无法判定",
    "pending": "待人工抽检",
    "incomplete": "抽检未完成",
}


def _badge(verdict: str) -> str:
    colour = {"pass": "#1a7f37", "fail": "#cf222e"}.get(verdict, "#9a6700")
    return (
        f'<span style="background:{colour};color:#fff;padding:1px 8px;border-radius:8px">'
        f"{html.escape(verdict)} · {_VERDICT_ZH.get(verdict, verdict)}</span>"
    )


def _pct(x: float) -> str:
    return f"{100 * x:.2f} %"


def render_html(report: CorpusReport) -> str:
    """A self-contained bilingual HTML page of the report."""
    e = html.escape
    v = report["verdicts"]
    rows = []
    for s in report["sources"]:
        fr = s["flagged_rate"]
        rows.append(
            f"<tr><td>{e(s['name'])}</td><td>{s['items']:,}</td><td>{s['keyword_flagged_items']:,}</td>"
            f"<td>{_pct(fr['value'])} [{_pct(fr['ci_low'])}, {_pct(fr['ci_high'])}]</td>"
            f"<td>{_badge(fr['verdict'])}</td><td>{s['pii']['items_with_pii']:,}</td>"
            f"<td>{s['duplicates']['near']:,} ({_pct(s['duplicates']['near_rate'])})</td>"
            f"<td>{e(', '.join(f'{k} {n}' for k, n in s['languages'].items()))}</td>"
            f"<td>{s['length']['mean_chars']:.0f}</td></tr>"
        )
    ks = v["keyword_sampling"]["pass_rate"]
    ms = v["manual_sampling"]
    ms_text = (
        f"{ms['passed']}/{ms['reviewed']} = {_pct(ms['pass_rate']['value'])} "
        f"[{_pct(ms['pass_rate']['ci_low'])}, {_pct(ms['pass_rate']['ci_high'])}], "
        f"≥ {ms['min_items']} items required"
        if "pass_rate" in ms
        else f"sample file / 抽样文件: {e(str(ms.get('sample_file')))}"
    )
    lib = v["keyword_library"]
    lib_fail = [f for f in lib["findings"] if not f["passed"]]
    risk_rows = "".join(
        f"<tr><td>{e(k)}</td><td>{n:,}</td></tr>" for k, n in report["totals"]["risk_items"].items()
    )
    pii_rows = "".join(
        f"<tr><td>{e(k)}</td><td>{n:,}</td></tr>" for k, n in report["totals"]["pii"]["by_kind"].items()
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>语料安全审计 Corpus audit</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2em;max-width:1100px}}
table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}
th{{background:#f3f3f3}}</style></head><body>
<h1>语料安全审计报告 · Training-corpus audit</h1>
<p>Profile 标准: {e(report["profile"]["id"])} {e(report["profile"]["version"])} —
{e(report["profile"]["source"])}<br>
Library 关键词库: {e(str(report["library"]["name"]))} ({report["library"]["entries"]:,} entries)<br>
Scan 扫描: {e(report["scan"]["engine"])}, {report["scan"]["workers"]} worker(s),
automaton {e(report["scan"]["automaton"])},
{report["scan"]["elapsed_s"]} s · generated {e(report["generated_at"])}
by tongzhou {e(report["software"]["version"])}</p>
<h2>判定 · Verdicts</h2><table>
<tr><th>rule 规则</th><th>result 结果</th><th>verdict 判定</th></tr>
<tr><td>关键词抽检合格率 ≥ {_pct(ks["threshold"])}
(checked {_pct(v["keyword_sampling"]["fraction_checked"])})</td>
<td>{_pct(ks["value"])} [{_pct(ks["ci_low"])}, {_pct(ks["ci_high"])}], n = {ks["n"]:,}</td>
<td>{_badge(v["keyword_sampling"]["verdict"])}</td></tr>
<tr><td>来源黑名单 (> {_pct(v["source_blacklist"]["threshold"])} flagged)</td>
<td>blacklisted 列入黑名单: {e(", ".join(v["source_blacklist"]["blacklisted"]) or "—")}</td>
<td>{_badge(v["source_blacklist"]["verdict"])}</td></tr>
<tr><td>人工抽检 manual sampling</td><td>{ms_text}</td><td>{_badge(ms["verdict"])}</td></tr>
<tr><td>关键词库 keyword library</td><td>{report["library"]["entries"]:,} entries;
{e("; ".join(f"{f['rule']}: {f['actual']} (need {f['required']})" for f in lib_fail) or "all rules met")}</td>
<td>{_badge(lib["verdict"])}</td></tr></table>
<h2>来源 · Sources</h2><table><tr><th>source</th><th>items</th><th>flagged 命中</th>
<th>flagged rate (95 % CI)</th>
<th>blacklist rule</th><th>PII items 个人信息</th><th>near-dup 近重复</th><th>languages</th>
<th>mean length</th></tr>
{"".join(rows)}</table>
<h2>风险类型 · Items per risk</h2><table><tr><th>risk</th><th>items</th></tr>{risk_rows}</table>
<h2>个人信息 · Personal information</h2><table><tr><th>kind</th><th>count</th></tr>{pii_rows}</table>
<p>A keyword hit is not proof of harm: the flagged rate is an upper estimate until flagged items are reviewed.
关键词命中不等于违法不良信息；命中率为人工复核前的上限估计。</p>
</body></html>
"""


def write_html(report: CorpusReport, path: str | Path) -> None:
    """Write the HTML page (atomic)."""
    write_text_atomic(Path(path), render_html(report))
