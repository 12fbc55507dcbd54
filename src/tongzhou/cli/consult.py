"""`tongzhou consult`: consultation on draft rules — publish a draft, read its comments, moderate,
export them and respond, on the store the portal serves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from tongzhou.errors import InputError

if TYPE_CHECKING:
    from tongzhou.consultation import ConsultationBook

app = typer.Typer(
    help="Consultation on draft rules: publish, moderate, export, respond. / 规则草案征求意见。",
    no_args_is_help=True,
)

_ID = "The consultation id (see `tongzhou consult list`)."
_BY = "Who does it, as recorded (a regulator's account name)."


@contextmanager
def _book() -> Iterator[ConsultationBook]:
    from tongzhou.consultation import ConsultationBook
    from tongzhou.store import open_store

    store = open_store()
    try:
        yield ConsultationBook(store)
    finally:
        store.close()


def _read(path: Path) -> str:
    from tongzhou.consultation import MAX_DRAFT_BYTES

    if not path.is_file():
        raise InputError.of("{path}: not a file", path=path)
    if path.stat().st_size > MAX_DRAFT_BYTES:
        raise InputError.of(
            "{path}: the draft is too large (at most {limit} bytes)", path=path, limit=MAX_DRAFT_BYTES
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError.of("{path}: the draft must be UTF-8 text", path=path) from None


def _format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(f"--format: {value!r} is not one of {', '.join(allowed)}")
    return value


@app.command("publish")
def publish(
    draft: Path = typer.Argument(..., help="The draft: a Markdown file, or a rule file with --rule-file."),
    draft_id: str = typer.Option(..., "--id", help="Its id: 3-64 lowercase letters, digits, hyphens."),
    title: str = typer.Option(..., "--title", help="Its title."),
    opens: str = typer.Option(
        ..., "--opens", help="Opens for comments: YYYY-MM-DD (00:00 UTC) or an ISO time."
    ),
    closes: str = typer.Option(
        ..., "--closes", help="Last day of comments: YYYY-MM-DD (to 24:00 UTC) or an ISO time."
    ),
    rule_file: str = typer.Option(
        None, "--rule-file", help="The bundled rule file the draft replaces (or adds), e.g. eu-ai-act.yaml."
    ),
    entry_into_force: str = typer.Option(
        None,
        "--entry-into-force",
        help="YYYY-MM-DD the draft rules would apply from (needed with --rule-file).",
    ),
    by: str = typer.Option("cli", "--by", help=_BY),
    note: str = typer.Option("", "--note", help="A note on this version."),
) -> None:
    """Publish a draft with its open and close dates. 发布草案。"""
    from tongzhou.consultation import DraftKind
    from tongzhou.consultation.schedule import closing, day, opening

    text = _read(draft)
    kind = DraftKind.rules if rule_file else DraftKind.text
    with _book() as book:
        made = book.publish(
            draft_id,
            title,
            text,
            opens_at=opening(opens, "--opens"),
            closes_at=closing(closes, "--closes"),
            by=by,
            kind=kind,
            rule_file=rule_file,
            entry_into_force=day(entry_into_force, "--entry-into-force"),
            note=note,
        )
        paragraphs = len(book.version(made.id).paragraphs)
    typer.echo(
        f"published {made.id}: {paragraphs} paragraphs,"
        f" open {made.opens_at:%Y-%m-%d %H:%M} to {made.closes_at:%Y-%m-%d %H:%M} UTC"
    )


@app.command("revise")
def revise(
    draft_id: str = typer.Argument(..., help=_ID),
    draft: Path = typer.Argument(..., help="The new text of the draft."),
    by: str = typer.Option("cli", "--by", help=_BY),
    note: str = typer.Option("", "--note", help="What changed."),
) -> None:
    """Publish a new version; paragraph ids carry over. 发布新版本。"""
    text = _read(draft)
    with _book() as book:
        version = book.revise(draft_id, text, by=by, note=note)
    typer.echo(f"{draft_id}: version {version.version}, {len(version.paragraphs)} paragraphs")


@app.command("list")
def list_(fmt: str = typer.Option("table", "--format", help="table or json")) -> None:
    """Every consultation with its phase. 列出征求意见。"""
    from tongzhou.consultation import utc_now

    _format(fmt, ("table", "json"))
    now = utc_now()
    with _book() as book:
        drafts = book.drafts()
    if fmt == "json":
        typer.echo(json.dumps([d.to_dict(now) for d in drafts], indent=2, ensure_ascii=False))
        return
    table = Table("id", "title", "kind", "phase", "opens (UTC)", "closes (UTC)", "version")
    for d in drafts:
        table.add_row(
            d.id,
            d.title,
            d.kind.value,
            d.phase(now).value,
            f"{d.opens_at:%Y-%m-%d %H:%M}",
            f"{d.closes_at:%Y-%m-%d %H:%M}",
            str(d.current_version),
        )
    Console().print(table)


@app.command("comments")
def comments(
    draft_id: str = typer.Argument(..., help=_ID),
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Every comment with its moderation state and response. 列出意见。"""
    _format(fmt, ("table", "json"))
    with _book() as book:
        book.draft(draft_id)
        found = book.comments(draft_id, public_only=False)
    if fmt == "json":
        typer.echo(json.dumps([c.to_dict(private=True) for c in found], indent=2, ensure_ascii=False))
        return
    table = Table("#", "paragraph", "author", "status", "comment", "response")
    for c in found:
        table.add_row(str(c.id), c.paragraph_id, c.shown_name, c.status.value, c.body, c.response or "")
    Console().print(table)


@app.command("moderate")
def moderate(
    draft_id: str = typer.Argument(..., help=_ID),
    comment_id: int = typer.Argument(..., help="The comment number (see `tongzhou consult comments`)."),
    decision: str = typer.Argument(..., help="approve or reject."),
    reason: str = typer.Option("", "--reason", help="Why (needed to reject)."),
    by: str = typer.Option("cli", "--by", help=_BY),
) -> None:
    """Approve a comment (it becomes public) or reject it with a reason. 审核意见。"""
    with _book() as book:
        made = book.moderate(draft_id, comment_id, decision, by=by, reason=reason)
    typer.echo(f"comment {made.id}: {made.status.value}")


@app.command("respond")
def respond(
    draft_id: str = typer.Argument(..., help=_ID),
    comment_id: int = typer.Argument(..., help="The comment number."),
    response: str = typer.Argument(..., help="The response to publish with the comment."),
    by: str = typer.Option("cli", "--by", help=_BY),
) -> None:
    """Publish the response to a comment, once the consultation has closed. 发布回应。"""
    with _book() as book:
        made = book.respond(draft_id, comment_id, response, by=by)
    typer.echo(f"comment {made.id}: response published")


@app.command("export")
def export(
    draft_id: str = typer.Argument(..., help=_ID),
    fmt: str = typer.Option("csv", "--format", help="csv or json"),
    out: Path = typer.Option(
        None, "--out", help="Write to this file (atomically) instead of standard output."
    ),
) -> None:
    """Every comment, its paragraph, moderation and response, as CSV or JSON. 导出意见。"""
    from tongzhou.atomic_file import write_text_atomic
    from tongzhou.consultation import export_csv, export_document, export_json

    _format(fmt, ("csv", "json"))
    if out is not None and out.is_dir():
        raise InputError.of("--out: {out} is a directory; give a file name", out=out)
    with _book() as book:
        document = export_document(book, draft_id)
    text = export_csv(document) if fmt == "csv" else export_json(document)
    if out is None:
        typer.echo(text, nl=False)
        return
    write_text_atomic(out, text)
    typer.echo(f"{len(document['comments'])} comments → {out}")


@app.command("impact")
def impact(
    draft_id: str = typer.Argument(..., help=_ID),
    version: int = typer.Option(None, "--version", help="A version of the draft (default: the current one)."),
    fmt: str = typer.Option("table", "--format", help="table or json"),
) -> None:
    """Registered systems whose tier a rule-file draft changes, as of its entry into force. 级别变化。"""
    from tongzhou.consultation.rule_drafts import tier_changes
    from tongzhou.systems.registry import SystemRegistry

    _format(fmt, ("table", "json"))
    with _book() as book:
        draft = book.draft(draft_id)
        shown = book.version(draft_id, version)
        if draft.rule_file is None or draft.entry_into_force is None:
            raise InputError.of("{draft} is not a rule-file draft", draft=draft_id)
        registry = SystemRegistry(book.store)
        profiles = [registry.get(s.id) for s in registry.list()]
    changes = tier_changes(draft.rule_file, shown.body, profiles, draft.entry_into_force)
    if fmt == "json":
        typer.echo(json.dumps([c.to_dict() for c in changes], indent=2, ensure_ascii=False))
        return
    table = Table(
        "system", "jurisdiction", "in force", "under the draft", title=f"as of {draft.entry_into_force}"
    )
    for c in changes:
        table.add_row(c.system_id, c.jurisdiction, c.old_label, c.new_label)
    Console().print(table)
    if not changes:
        typer.echo("no registered system changes tier / 没有系统的级别发生变化")
