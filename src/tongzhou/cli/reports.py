"""`tongzhou reports`: moderate the incident reports the public sent through the portal.

The same decisions as the portal's moderation pages (accept, merge, ask, reject), recorded under the
moderator's name (``--as``, default ``cli:$USER``), for a regulator working on the server itself.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from tongzhou.participation import Report
    from tongzhou.store import Store

app = typer.Typer(
    help="Moderate public AI incident reports (accept, merge, ask, reject). 审核公众事件报告。",
    no_args_is_help=True,
)
console = Console(highlight=False)
T = TypeVar("T")
STATES = "received, needs-info, accepted, rejected"
AS_HELP = "The moderator's name recorded in the history (default cli:$USER)."


def _moderator(name: str | None) -> str:
    if name:
        return name[:128]
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextmanager
def _store() -> Iterator[Store]:
    from tongzhou.store import open_store

    store = open_store()
    try:
        yield store
    finally:
        store.close()


def _run(action: Callable[[Store], T]) -> T:
    """Run ``action`` on the store; a refusal (a ReportProblem) is the one-line bilingual error (exit 2)."""
    with _store() as store:
        return action(store)


def _print(report: Report, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    console.print(f"[bold]{report.id}[/]  {report.state.value}  {report.submitted}")
    console.print(f"system / 系统: {report.system_text} ({report.system_id or '—'})")
    console.print(f"occurred / 发生: {report.occurred_on}   harm / 损害: {', '.join(report.harm_types)}")
    console.print(f"contact / 联系: {report.contact or '—'}")
    console.print(report.what_happened, markup=False)
    for link in report.links:
        console.print(f"link: {link}", markup=False)
    for e in report.evidence:
        console.print(
            f"file {e.id}: {e.filename} ({e.media_type}, {e.size} B, sha256 {e.sha256})", markup=False
        )
    for d in report.history:
        ids = f" {' '.join(d.incident_ids)}" if d.incident_ids else ""
        console.print(f"{d.at}  {d.action.value:9} {d.actor}{ids}  {d.text}", markup=False)


@app.command("list")
def list_(
    state: str = typer.Option("received", help=f"Which reports: {STATES}, or 'all'."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List reports, oldest first (the moderation queue). 列出报告。"""
    from tongzhou.errors import InputError
    from tongzhou.participation import ReportBook, ReportState

    if state != "all" and state not in {s.value for s in ReportState}:
        raise InputError.of("--state: {state!r} is not one of {states}, all", state=state, states=STATES)
    chosen = None if state == "all" else ReportState(state)
    reports = _run(lambda store: ReportBook(store).list(chosen, limit=1000))
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
        return
    table = Table("id", "state", "received", "system", "harm")
    for r in reports:
        table.add_row(r.id, r.state.value, r.submitted, r.system_text[:40], ", ".join(r.harm_types))
    console.print(table)


@app.command()
def show(
    report_id: str = typer.Argument(..., metavar="REPORT", help="The report's id (rpt-…)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one report with its files and history. 查看报告。"""
    from tongzhou.participation import ReportBook

    _print(_run(lambda store: ReportBook(store).get(report_id)), as_json)


@app.command()
def accept(
    report_id: str = typer.Argument(..., metavar="REPORT", help="The report's id (rpt-…)."),
    title: str = typer.Option(..., help="Title of the new incident (published)."),
    hazard: bool = typer.Option(False, "--hazard", help="No harm yet, but plausible (OECD hazard)."),
    serious: bool = typer.Option(False, "--serious", help="Serious incident under Art. 3(49) (15 days)."),
    death: bool = typer.Option(False, "--death", help="A person died (Art. 73(4): 10 days)."),
    critical_infrastructure: bool = typer.Option(
        False, "--critical-infrastructure", help="Serious, irreversible disruption (Art. 73(3): 2 days)."
    ),
    widespread: bool = typer.Option(
        False, "--widespread", help="Widespread infringement (Art. 73(3): 2 days)."
    ),
    note: str = typer.Option("", help="Note to the reporter."),
    moderator: str = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Accept as a new incident: recorded, published over TAXII, provider notified. 接受为新事件。"""
    from tongzhou.participation import Moderation, Seriousness

    seriousness = Seriousness(not hazard, serious, death, critical_infrastructure, widespread)
    report, record = _run(
        lambda store: Moderation(store).accept(
            report_id, _moderator(moderator), title=title, seriousness=seriousness, note=note
        )
    )
    console.print(f"{report.id}: accepted / 已接受 → {record.id}", markup=False)


@app.command()
def merge(
    report_id: str = typer.Argument(..., metavar="REPORT", help="The report's id (rpt-…)."),
    incident_ids: list[str] = typer.Argument(
        ..., metavar="INCIDENT...", help="Recorded incidents' full ids."
    ),
    note: str = typer.Option("", help="Note to the reporter."),
    moderator: str = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Merge into incidents already recorded. 合并到已记录的事件。"""
    from tongzhou.participation import Moderation

    report = _run(
        lambda store: Moderation(store).merge(report_id, _moderator(moderator), incident_ids, note=note)
    )
    console.print(f"{report.id}: merged / 已合并 → {' '.join(report.incident_ids)}", markup=False)


@app.command()
def ask(
    report_id: str = typer.Argument(..., metavar="REPORT", help="The report's id (rpt-…)."),
    question: str = typer.Option(..., help="The question the reporter reads on the status page."),
    moderator: str = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Ask the reporter for more information. 请求补充信息。"""
    from tongzhou.participation import Moderation

    report = _run(lambda store: Moderation(store).ask(report_id, _moderator(moderator), question))
    console.print(f"{report.id}: {report.state.value}", markup=False)


@app.command()
def reject(
    report_id: str = typer.Argument(..., metavar="REPORT", help="The report's id (rpt-…)."),
    reason: str = typer.Option(..., help="The reason the reporter reads."),
    moderator: str = typer.Option(None, "--as", help=AS_HELP),
) -> None:
    """Reject, with the reason the reporter sees. 驳回并说明理由。"""
    from tongzhou.participation import Moderation

    report = _run(lambda store: Moderation(store).reject(report_id, _moderator(moderator), reason))
    console.print(f"{report.id}: rejected / 已驳回", markup=False)
