"""The report as Markdown (GitHub-flavoured tables), with the same sections as the HTML."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from tongzhou.reports.view import ReportView, corrected_text, pct


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _rate(r: Mapping[str, Any]) -> str:
    return f"{r['successes']}/{r['n']} = {pct(r['value'])} ({pct(r['ci_low'])} – {pct(r['ci_high'])})"


def render_markdown(view: ReportView) -> str:
    """The report as Markdown."""
    r = view.report
    out = [
        f"# {view.title_zh}",
        f"## {view.title_en}",
        "",
        f"运行 Run `{r['run']['run_id']}` · {r['run']['status']} · {r['run']['started_at']} → "
        f"{r['run']['finished_at'] or '—'} · 标准配置 Profile **{r['standard_profile']['id']} "
        f"{r['standard_profile']['version']}**",
        "",
    ]
    sig = view.signature
    out += [
        f"> **签名 Signed** by {sig.evaluator} (`{sig.key_id}`) at {sig.signed_at} — {sig.status}"
        if sig
        else "> **未签名 Unsigned** — this rendering is not an attestation.",
        "",
    ]
    out += ["## 结论摘要 Verdict summary", ""]
    out += _table(
        [
            "指标 Metric",
            "结果 Rate",
            "95% CI",
            "n",
            "校正评分器误差 Corrected for scorer error",
            "阈值 Threshold",
            "结论 Verdict",
        ],
        [
            [
                f"{m.name_zh} / {m.name_en}",
                pct(m.metric["value"]),
                f"{pct(m.metric['ci_low'])} – {pct(m.metric['ci_high'])} ({m.metric['method']})",
                m.metric["n"],
                corrected_text(m.metric),
                f"{m.threshold['op']} {pct(m.threshold['value'])}" if m.threshold else "—",
                f"{m.verdict_zh} {m.verdict_en}",
            ]
            for m in [*view.metrics, *view.red_lines]
        ],
    )
    out += [f"- `{m.id}`: {m.reason}{m.reviewed_note}" for m in [*view.metrics, *view.red_lines] if m.reason]
    out += [""]
    if view.scorers:
        out += ["## 评分器误差 Scorers and their measured error", ""]
        out += _table(
            [
                "评分器 Scorer",
                "指标 Metric",
                "留出集 Held-out set (written)",
                "语言 Lang",
                "灵敏度 Sensitivity",
                "特异度 Specificity",
            ],
            [
                [
                    s.scorer,
                    s.metric_id,
                    f"{s.held_out} ({s.written})",
                    lang,
                    _rate(e["sensitivity"]),
                    _rate(e["specificity"]),
                ]
                for s in view.scorers
                for lang, e in sorted(s.by_language.items())
            ]
            + [[s.scorer, s.metric_id, s.held_out, "—", "—", "—"] for s in view.scorers if not s.by_language],
        )
    out += ["## 按风险类型 By risk type", ""]
    for m in view.metrics:
        out += [f"### {m.name_zh} / {m.name_en}", ""]
        out += _table(
            ["风险 Risk", "结果 Rate", "95% CI", "n"],
            [
                [risk, pct(s["value"]), f"{pct(s['ci_low'])} – {pct(s['ci_high'])}", s["n"]]
                for risk, s in sorted((m.metric.get("by_risk") or {}).items())
            ],
        )
    out += [f"## 自评估表 Self-assessment ({view.standard})", ""]
    out += _table(
        ["条款 Clause", "要求 Requirement", "结论 Status", "证据 Evidence"],
        [
            [
                a.clause,
                f"{a.requirement_zh} / {a.requirement_en}",
                f"{a.status} ({a.status_en})",
                f"{a.evidence} — {a.source}",
            ]
            for a in view.assessment
        ],
    )
    if view.recognition:
        policy = {None: "—", True: "认可 recognised", False: "未认可 not recognised"}
        out += ["## 互认 Mutual recognition", ""]
        out += _table(
            ["法域 Jurisdiction", "制度 Regime", "条款 Requirement", "理由 Rationale", "策略 Policy"],
            [
                [
                    o["jurisdiction"],
                    o["regime"],
                    o["requirement"],
                    o["rationale"],
                    policy[o["policy_recognises"]],
                ]
                for o in view.recognition
            ],
        )
    out += ["## 模型与题库 Model and test banks", ""]
    out += _table(
        ["", ""],
        [
            ["模型 Model", f"{r['model']['name']} ({r['model']['kind']}) `{r['model']['identity']}`"],
            [
                "参数 Parameters",
                f"`{json.dumps(r['model']['parameters'], ensure_ascii=False, sort_keys=True)}`",
            ],
            ["评分器 Scorers", ", ".join(f"{k} {v}" for k, v in sorted(r["scorers"].items()))],
            ["系统档案 System profile", f"`{r['system_profile_sha256'] or '—'}`"],
            ["结果摘要 Results digest", f"{r['results']['count']} items `{r['results']['sha256']}`"],
            ["软件 Software", f"{r['software']['name']} {r['software']['version']}"],
        ],
    )
    out += _table(
        ["题库 Bank", "题数 Items", "SHA-256"],
        [[b["id"], b["items"], f"`{b['sha256']}`"] for b in r["banks"]],
    )
    out += [
        "## 如何核验 How to verify",
        "",
        f"Evaluator {r['evaluator']['name']} `{r['evaluator']['key_id']}`"
        + (f"; envelope `{sig.envelope_sha256}`" if sig and sig.envelope_sha256 else "")
        + ".",
        "",
        "`tongzhou attest verify ATTESTATION.dsse.json --policy trust.yaml --bundle BUNDLE_DIR`",
        "",
    ]
    return "\n".join(out)
