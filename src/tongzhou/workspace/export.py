"""The whole compliance file of a system, for a filing or a conformity assessment: JSON, Markdown,
HTML and PDF (printed from the HTML by Debian's Chromium through ``tongzhou.reports``).

All four carry the same content: the system and the plan it was derived from, per jurisdiction the
tier, each item (obligation, legal basis, due date, status, owner), the evidence it accepts and the
evidence on file (file name, SHA-256), the questions the classification left open, and the items a
re-plan set aside.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from tongzhou.errors import InputError
from tongzhou.workspace.coverage import coverage_by_jurisdiction
from tongzhou.workspace.service import ComplianceWorkspace

SCHEMA_ID = "https://tongzhou.dev/schemas/compliance-file/v1"
FORMATS = ("json", "md", "html", "pdf")


def compliance_file(
    workspace: ComplianceWorkspace, system_id: str, today: dt.date | None = None
) -> dict[str, Any]:
    """The compliance file of ``system_id`` as a JSON-ready document."""
    from tongzhou.systems.registry import SystemRegistry, profile_digest

    day = today or dt.datetime.now(dt.UTC).date()
    plan = workspace.plan_of(system_id)  # unknown system / no plan: InputError
    profile = SystemRegistry(workspace.store).get(system_id)
    items = workspace.items(system_id, include_inactive=True)
    coverage = {c.jurisdiction: c for c in coverage_by_jurisdiction(items)}
    jurisdictions = []
    for j in plan["jurisdictions"]:
        cov = coverage.get(j["jurisdiction"])
        rows = []
        for c in cov.items if cov else []:
            rows.append(
                c.item.to_dict()
                | {
                    "accepted_artefacts": c.accepted,
                    "covered": c.covered,
                    "evidence_on_file": [e.to_dict() for e in c.on_file],
                    "reused_from": c.reused_from,
                    "overdue": c.item.overdue(day),
                }
            )
        jurisdictions.append(
            {
                **{
                    k: j[k]
                    for k in (
                        "jurisdiction",
                        "name",
                        "binding",
                        "in_scope",
                        "headline_tier",
                        "tier_label",
                        "headline_status",
                        "headline_text",
                    )
                },
                "coverage": cov.to_dict()
                if cov
                else {
                    "jurisdiction": j["jurisdiction"],
                    "items": 0,
                    "covered": 0,
                    "missing": [],
                    "required_artefacts": [],
                    "artefacts_on_file": [],
                },
                "items": rows,
                "undetermined": j["undetermined"],
            }
        )
    active = [i for i in items if i.active]
    return {
        "schema": SCHEMA_ID,
        "exported_on": day.isoformat(),
        "system": {
            "id": profile.id,
            "name": profile.name,
            "version": profile.version,
            "registrant_role": profile.registrant.role.value,
            "profile_sha256": profile_digest(profile)[1],
            "plan_is_current": profile_digest(profile)[1] == plan["profile_sha256"],
        },
        "plan": {
            "as_of": plan["as_of"].isoformat(),
            "revision": plan["revision"],
            "ruleset_version": plan["ruleset_version"],
            "rules_dir": plan["rules_dir"],
            "jurisdictions_filter": plan["jurisdictions_filter"],
            "planned_at": plan["planned_at"].isoformat(),
            "profile_sha256": plan["profile_sha256"],
        },
        "summary": {
            "items": len(active),
            "covered": sum(c.covered for c in coverage.values()),
            "overdue": sum(1 for i in active if i.overdue(day)),
            "by_status": dict(sorted(Counter(i.status for i in active).items())),
        },
        "jurisdictions": jurisdictions,
        "inactive_items": [i.to_dict() for i in items if not i.active],
    }


def _cell(text: object) -> str:
    """A Markdown table cell: pipes escaped, one line."""
    return " ".join(str(text).split()).replace("|", "\\|")


def render_markdown(doc: dict[str, Any]) -> str:
    """The compliance file as bilingual Markdown."""
    s, p, t = doc["system"], doc["plan"], doc["summary"]
    out = [
        f"# Compliance file / 合规档案: {_cell(s['name'])} (`{s['id']}`)",
        "",
        f"- System version / 版本: {_cell(s['version'])}; registrant role / 登记角色: {s['registrant_role']}",
        f"- Profile / 档案: `{s['profile_sha256']}`"
        + ("" if s["plan_is_current"] else " — **changed since the plan: re-plan / 档案已变更，请重新规划**"),
        f"- Plan / 计划: revision {p['revision']}, as of {p['as_of']}, rules `{_cell(p['ruleset_version'])}`",
        f"- Exported on / 导出日期: {doc['exported_on']}",
        f"- Items / 事项: {t['items']}; with evidence on file / 已有证据: {t['covered']}; "
        f"overdue / 逾期: {t['overdue']}; by status / 状态: "
        + (", ".join(f"{k} {v}" for k, v in t["by_status"].items()) or "—"),
        "",
    ]
    for j in doc["jurisdictions"]:
        binding = "" if j["binding"] else " — NON-BINDING mapping / 非约束性映射"
        scope = {
            True: "in scope / 适用",
            False: "out of scope / 不适用",
            None: "scope undetermined / 适用性待定",
        }[j["in_scope"]]
        c = j["coverage"]
        out += [
            f"## {_cell(j['name'])} (`{j['jurisdiction']}`){binding}",
            "",
            f"{scope}; headline / 结论: {_cell(j['headline_text'] or '—')}; "
            f"evidence on file for {c['covered']} of {c['items']} item(s) "
            f"/ {c['items']} 项中 {c['covered']} 项已有证据",
            "",
        ]
        if j["items"]:
            out += [
                "| # | obligation / 义务 | legal basis / 依据 | due / 期限 | status / 状态 | owner / 负责人 "
                "| evidence required / 所需证据 | on file / 已备证据 |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for i in j["items"]:
                due = i["due_date"] or "—"
                if i["overdue"]:
                    due += " **overdue / 逾期**"
                files = "; ".join(
                    f"{_cell(e['name'])} ({e['artefact']}, `{e['sha256'][:19]}…`)"
                    for e in i["evidence_on_file"]
                )
                accepted = _cell(", ".join(i["accepted_artefacts"]) or "any file")
                out.append(
                    f"| {i['id']} | {_cell(i['title'])} / {_cell(i['title_zh'])} | {_cell(i['legal_basis'])} "
                    f"| {due} | {i['status']} | {_cell(i['owner'] or '—')} | {accepted} "
                    f"| {files or '**missing / 缺失**'} |"
                )
            out.append("")
        if j["undetermined"]:
            out.append("Open questions / 待定事项:")
            out += [
                f"- {_cell(u['title'])} ({_cell(u['legal_basis'])}): {_cell(u['message'])}"
                for u in j["undetermined"]
            ]
            out.append("")
    if doc["inactive_items"]:
        out += ["## Set aside by a re-plan / 重新规划后移除的事项", ""]
        out += [
            f"- #{i['id']} {i['jurisdiction']} {i['obligation_id']} ({_cell(i['legal_basis'])}): "
            f"status {i['status']}, owner {_cell(i['owner'] or '—')}, "
            f"{len(i['evidence'])} evidence file(s) kept"
            for i in doc["inactive_items"]
        ]
        out.append("")
    return "\n".join(out)


def render_html(doc: dict[str, Any]) -> str:
    """The compliance file as one self-contained HTML page (inline CSS, no script)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("tongzhou.workspace", "templates"),
        autoescape=select_autoescape(["j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("compliance_file.html.j2").render(d=doc)


def write_export(doc: dict[str, Any], fmt: str, out: Path | None) -> str | None:
    """Render ``doc`` as ``fmt``; write it atomically to ``out`` when given, else return the text."""
    import json

    from tongzhou.atomic_file import write_text_atomic

    if fmt not in FORMATS:
        raise InputError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    if fmt == "pdf":
        if out is None:
            raise InputError.of("--format pdf needs --out FILE.pdf")
        from tongzhou.reports.pdf import html_to_pdf

        html_to_pdf(render_html(doc), out)
        return None
    text = {
        "json": lambda: json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
        "md": lambda: render_markdown(doc),
        "html": lambda: render_html(doc),
    }[fmt]()
    if out is None:
        return text
    write_text_atomic(out, text)
    return None
