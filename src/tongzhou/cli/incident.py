"""`tongzhou incident`: record AI incidents, list them, and draft EU AI Act Art. 73 reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from tongzhou.store import Store

app = typer.Typer(
    help="AI incidents (人工智能事件): OECD classification and EU AI Act Art. 73 report drafts.",
    no_args_is_help=True,
)
console = Console()


def open_store() -> Store:
    """The store (imported here, so that `tongzhou incident --help` does not load SQLAlchemy)."""
    from tongzhou.store import open_store as _open

    return _open()


@app.command()
def new(
    title: str = typer.Option(..., help="What happened, in one line."),
    description: str = typer.Option("", help="Details."),
    harm: list[str] = typer.Option(
        ...,
        help="OECD harm type (repeat): health, critical-infrastructure, rights, "
        "property-community-environment.",
    ),
    hazard: bool = typer.Option(False, "--hazard", help="No harm yet, but plausible (OECD hazard)."),
    death: bool = typer.Option(False, "--death", help="A person died (Art. 73(4): 10 days)."),
    critical_infrastructure: bool = typer.Option(
        False, "--critical-infrastructure", help="Serious, irreversible disruption (Art. 73(3): 2 days)."
    ),
    widespread: bool = typer.Option(
        False, "--widespread", help="Widespread infringement (Art. 73(3): 2 days)."
    ),
    serious: bool = typer.Option(False, "--serious", help="Serious incident under Art. 3(49) (15 days)."),
    aware: str = typer.Option(None, help="When you became aware (ISO 8601; default now)."),
    occurred: str = typer.Option(None, help="When it happened (ISO 8601)."),
    system: str = typer.Option(None, help="The AI system involved."),
    provider: str = typer.Option(None, help="The provider of the AI system."),
    deployer: str = typer.Option(None, help="The deployer of the AI system."),
    technique: list[str] = typer.Option(None, help="ATLAS technique id (repeat), e.g. AML.T0051."),
    share: str = typer.Option(
        "ai-incidents", help="Also publish as STIX to this local collection ('' to skip)."
    ),
) -> None:
    """Record an incident (or hazard) and print its Art. 73 deadline. 记录事件并给出报告期限。"""
    from tongzhou.threats.incidents import IncidentRecord, art73_draft, incident_to_stix, save_incident

    record = IncidentRecord(
        title=title,
        description=description,
        harm_types=harm,
        harm_realised=not hazard,
        death=death,
        critical_infrastructure=critical_infrastructure,
        widespread_infringement=widespread,
        serious=serious,
        aware=aware or "",
        occurred=occurred,
        ai_system=system,
        provider=provider,
        deployer=deployer,
        atlas_techniques=technique or [],
    )
    store = open_store()
    try:
        save_incident(store, record)
        if share:
            from tongzhou.threats.sharing import ensure_collection, publish

            publish(store, ensure_collection(store, share, "AI incidents"), incident_to_stix(record))
    finally:
        store.close()
    draft = art73_draft(record)
    console.print(f"{record.id}  [bold]{record.oecd_classification}[/]")
    if draft["reportable"]:
        deadline = f"[bold]{draft['deadline']}[/] ({draft['days']} days, {draft['basis']})"
        console.print(f"Art. 73 deadline / 报告期限: {deadline}")
    else:
        reason = draft["reason"]
        console.print(f"Art. 73: {reason['en']} / {reason.get('zh', '')}".rstrip(" /"), highlight=False)


@app.command("list")
def list_() -> None:
    """List recorded incidents, most recently noticed first. 列出已记录的事件。"""
    from tongzhou.threats.incidents import art73_draft, list_incidents

    store = open_store()
    try:
        records = list_incidents(store)
    finally:
        store.close()
    table = Table("id", "title", "OECD", "severity", "aware", "Art. 73 deadline")
    for record in records:
        draft = art73_draft(record)
        table.add_row(
            record.id[:18],
            record.title[:50],
            record.oecd_classification,
            record.severity,
            record.aware,
            draft.get("deadline", "—"),
        )
    console.print(table)


@app.command()
def report(
    incident_id: str = typer.Argument(
        ...,
        metavar="INCIDENT",
        help="Incident id, a unique prefix of it, or 'latest' (most recently noticed).",
    ),
    format_: str = typer.Option("md", "--format", help="md or json."),
    out: Path = typer.Option(None, help="Write here instead of printing."),
) -> None:
    """Draft the EU AI Act Art. 73 serious-incident report (bilingual). 起草第73条严重事件报告。"""
    from tongzhou.errors import InputError
    from tongzhou.threats.incidents import art73_draft, get_incident, list_incidents, render_markdown

    if format_ not in ("md", "json"):
        raise InputError(f"--format: {format_!r} is not one of md, json")
    store = open_store()
    try:
        if incident_id == "latest":
            records = list_incidents(store)
            if not records:
                raise InputError.of("no incidents recorded yet: `tongzhou incident new`")
            record = records[0]
        else:
            record = get_incident(store, incident_id)
        draft = art73_draft(record)
    finally:
        store.close()
    text = render_markdown(draft) if format_ == "md" else json.dumps(draft, ensure_ascii=False, indent=2)
    if out:
        from tongzhou.atomic_file import write_text_atomic

        write_text_atomic(out, text)
        console.print(f"→ {out}")
    else:
        typer.echo(text)
