"""`tongzhou workspace`: the compliance workspace — each dated obligation of a system as tracked work."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from tongzhou.errors import InputError

if TYPE_CHECKING:
    from tongzhou.workspace.service import ComplianceWorkspace

app = typer.Typer(
    help="Compliance workspace: obligations as tracked items with owners, dates and evidence. / 合规工作台。",
    no_args_is_help=True,
)

_AS_OF = "Plan as of this date (YYYY-MM-DD; default today)."
_JURISDICTION = "Comma-separated codes: eu,cn,kr,us-co,nist,iso (default: every one)."


def _date(value: str | None, option: str = "--as-of") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError.of(
            "{option}: {value!r} is not a date (YYYY-MM-DD)", option=option, value=value
        ) from None


def _format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(f"--format: {value!r} is not one of {', '.join(allowed)}")
    return value


@contextmanager
def _workspace() -> Iterator[ComplianceWorkspace]:
    from tongzhou.store import open_store
    from tongzhou.workspace.service import ComplianceWorkspace

    store = open_store()
    try:
        yield ComplianceWorkspace(store)
    finally:
        store.close()


def _print_change(change: Any, fmt: str) -> None:
    if fmt == "json":
        typer.echo(json.dumps(change.to_dict(), indent=2, ensure_ascii=False))
    else:
        for line in change.lines():
            typer.echo(line)


@app.command("plan")
def plan(
    system: str = typer.Argument(..., help="A registered system id (see `tongzhou systems list`)."),
    as_of: str = typer.Option(None, "--as-of", help=_AS_OF),
    jurisdiction: str = typer.Option(None, "--jurisdiction", help=_JURISDICTION),
    rules: Path = typer.Option(None, "--rules", help="Directory of your own regime YAML files (overlay)."),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Make a system's plan: one tracked item per dated obligation of its classification.
    由分类结果生成合规计划。
    """
    _format(fmt, ("text", "json"))
    day = _date(as_of)
    with _workspace() as ws:
        change = ws.plan(system, as_of=day, jurisdictions=jurisdiction, rules_dir=rules)
    _print_change(change, fmt)


@app.command("replan")
def replan(
    system: str = typer.Argument(None, help="A system that has a plan (or --all)."),
    every: bool = typer.Option(False, "--all", help="Re-plan every planned system (all or nothing)."),
    as_of: str = typer.Option(None, "--as-of", help=_AS_OF),
    jurisdiction: str = typer.Option(None, "--jurisdiction", help=_JURISDICTION + " Default: the plan's."),
    rules: Path = typer.Option(None, "--rules", help="Use this rules overlay directory from now on."),
    bundled_rules: bool = typer.Option(False, "--bundled-rules", help="Drop the plan's rules overlay."),
    fmt: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Re-derive the items and say what changed (added, removed, re-dated); owners and evidence stay.
    重新规划并列出变化。
    """
    _format(fmt, ("text", "json"))
    day = _date(as_of)
    if rules is not None and bundled_rules:
        raise InputError.of("give --rules or --bundled-rules, not both")
    if (system is None) == (not every):
        raise InputError.of("give a SYSTEM or --all, not both")
    if every and jurisdiction is not None:
        raise InputError.of("--jurisdiction applies to one system; --all keeps each plan's")
    with _workspace() as ws:
        if every:
            changes = ws.replan_all(as_of=day, rules_dir=rules, bundled_rules=bundled_rules)
        else:
            changes = [
                ws.replan(
                    system,
                    as_of=day,
                    jurisdictions=jurisdiction,
                    rules_dir=rules,
                    bundled_rules=bundled_rules,
                )
            ]
    if fmt == "json":
        payload = [c.to_dict() for c in changes]
        typer.echo(json.dumps(payload if every else payload[0], indent=2, ensure_ascii=False))
        return
    for change in changes:
        _print_change(change, fmt)
    if every and not changes:
        typer.echo("no planned system / 暂无计划")


@app.command("list")
def list_(
    system: str = typer.Argument(None, help="A system id (default: every planned system)."),
    all_items: bool = typer.Option(False, "--all", help="Also list items a re-plan set aside."),
    today: str = typer.Option(None, "--today", help="Count overdue items as of this date (default today)."),
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """List tracked items: due date, status, owner, evidence on file.
    列出合规事项。
    """
    _format(fmt, ("table", "json"))
    day = _date(today, "--today") or dt.datetime.now(dt.UTC).date()
    from tongzhou.reassess.reviews import open_flags
    from tongzhou.workspace.coverage import item_coverage

    with _workspace() as ws:
        items = ws.items(system, include_inactive=True)
        # Items a periodic review found need looking at again (tongzhou reassess; docs/reassess.md).
        flags = {
            (f.system_id, f.jurisdiction, f.obligation_id): f.reason for f in open_flags(ws.store, system)
        }
    shown = [i for i in items if all_items or i.active]
    if fmt == "json":
        payload = [
            i.to_dict()
            | {
                "overdue": i.overdue(day),
                "coverage": item_coverage(i, items).to_dict(),
                "needs_review": flags.get((i.system_id, i.jurisdiction, i.obligation_id)),
            }
            for i in shown
        ]
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    columns = ["#", "system", "juris.", "obligation", "legal basis", "due", "status", "owner", "evidence"]
    if system is not None:
        columns.remove("system")  # one system: its id is in the command line
    table = Table(*columns)
    for i in shown:
        cov = item_coverage(i, items)
        due = "—" if i.due_date is None else i.due_date.isoformat()
        if i.overdue(day):
            due = f"[red]{due} overdue[/]"
        evidence = f"{len(cov.on_file)} on file" if cov.covered else "[red]missing[/]"
        status = i.status if i.active else f"{i.status} (set aside)"
        if (i.system_id, i.jurisdiction, i.obligation_id) in flags:
            status += " [yellow]· needs review[/]"
        cells = [str(i.id), i.system_id, i.jurisdiction, i.obligation_id, i.legal_basis, due, status]
        cells += [i.owner or "—", evidence]
        if system is not None:
            del cells[1]
        table.add_row(*cells)
    Console().print(table)
    if not shown:
        typer.echo("no items: make a plan with `tongzhou workspace plan SYSTEM` / 暂无事项")


def _item_id(value: str) -> int:
    text = value.lstrip("#")
    if not text.isdigit() or len(text) > 18:
        raise InputError.of(
            "ITEM: {value!r} is not an item number (see `tongzhou workspace list`)", value=value
        )
    return int(text)


def _show_item(action: Callable[[ComplianceWorkspace], Any]) -> None:
    with _workspace() as ws:
        item = action(ws)
    typer.echo(
        f"#{item.id} {item.system_id} {item.jurisdiction} {item.obligation_id}: status {item.status}, "
        f"owner {item.owner or '—'}, {len(item.evidence)} evidence file(s)"
    )


@app.command("assign")
def assign(
    item: str = typer.Argument(..., help="The item number (from `tongzhou workspace list`)."),
    owner: str = typer.Argument(..., help='Who owns it (a name or e-mail; "" for nobody).'),
) -> None:
    """Give an item an owner. 指定负责人。"""
    number = _item_id(item)
    _show_item(lambda ws: ws.assign(number, owner))


@app.command("status")
def status(
    item: str = typer.Argument(..., help="The item number."),
    new_status: str = typer.Argument(..., help="todo, in-progress, done (needs evidence) or not-applicable."),
) -> None:
    """Set an item's status; done needs evidence on file. 设置事项状态。"""
    number = _item_id(item)
    _show_item(lambda ws: ws.set_status(number, new_status))


@app.command("attach")
def attach(
    item: str = typer.Argument(..., help="The item number."),
    path: Path = typer.Argument(
        ..., help="The evidence file (inside the current directory or TONGZHOU_HOME)."
    ),
    kind: str = typer.Option(
        "file",
        "--kind",
        help="attestation, label-report, energy-report or file (checked before it is attached).",
    ),
    artefact: str = typer.Option(
        None,
        "--artefact",
        help="Which crosswalk artefact it is, e.g. risk-management-file (needed for a file).",
    ),
    policy: Path = typer.Option(None, "--policy", help="A trust policy the attestation must verify under."),
    by: str = typer.Option(None, "--by", help="Who attaches it (recorded)."),
) -> None:
    """Check a piece of evidence and attach it to an item (nothing is written if a check fails).
    核验并附加证据。
    """
    number = _item_id(item)
    trust = None
    if policy is not None:
        from tongzhou.attest.policy import load_policy

        trust = load_policy(policy)
    with _workspace() as ws:
        record = ws.attach(number, path, kind, artefact=artefact, policy=trust, attached_by=by)
    verified = record.details.get("verified")
    note = f", verified under {verified['policy']}" if isinstance(verified, dict) else ""
    typer.echo(
        f"attached to #{number}: {record.name} as {record.artefact} ({record.kind}, {record.sha256}){note}"
    )


@app.command("coverage")
def coverage(
    system: str = typer.Argument(..., help="A system that has a plan."),
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Evidence required vs on file, per jurisdiction (from the crosswalk). 所需证据与已备证据。"""
    _format(fmt, ("table", "json"))
    from tongzhou.workspace.coverage import coverage_by_jurisdiction

    with _workspace() as ws:
        rows = coverage_by_jurisdiction(ws.items(system, include_inactive=True))
    if fmt == "json":
        typer.echo(json.dumps([r.to_dict() for r in rows], indent=2, ensure_ascii=False))
        return
    table = Table("juris.", "items", "with evidence", "missing (item: accepted artefacts)")
    for r in rows:
        missing = "; ".join(f"#{c.item.id}: {', '.join(c.accepted) or 'any file'}" for c in r.missing)
        table.add_row(r.jurisdiction, str(len(r.items)), str(r.covered), missing or "—")
    Console().print(table)


@app.command("export")
def export(
    system: str = typer.Argument(..., help="A system that has a plan."),
    fmt: str = typer.Option("md", "--format", help="md, json, html or pdf (pdf needs --out)."),
    out: Path = typer.Option(None, "--out", help="Write to this file (atomically) instead of printing."),
    today: str = typer.Option(None, "--today", help="Count overdue items as of this date (default today)."),
) -> None:
    """Export the whole compliance file for a filing or a conformity assessment.
    导出合规档案。
    """
    from tongzhou.workspace.export import FORMATS, compliance_file, write_export

    _format(fmt, FORMATS)
    day = _date(today, "--today")
    if fmt == "pdf" and out is None:
        raise InputError.of("--format pdf needs --out FILE.pdf")
    with _workspace() as ws:
        doc = compliance_file(ws, system, day)
    text = write_export(doc, fmt, out)
    if text is not None:
        typer.echo(text, nl=False)
    else:
        typer.echo(f"wrote {out}")
