"""`tongzhou classify PROFILE`: which rules apply to a system, where, as of a date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from tongzhou.errors import InputError

if TYPE_CHECKING:
    from tongzhou.systems.profile import SystemProfile


def _resolve(profile: str) -> SystemProfile:
    from tongzhou.systems.loading import load_profile
    from tongzhou.systems.registry import SystemRegistry

    path = Path(profile)
    if path.is_dir():
        raise InputError.of(
            "{profile} is a directory; give a profile file (.yaml/.json) or a registered system id",
            profile=profile,
        )
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.exists():
        return load_profile(path)
    from tongzhou.store import open_store

    store = open_store()
    try:
        return SystemRegistry(store).get(profile)
    finally:
        store.close()


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--as-of: {value!r} is not a date (YYYY-MM-DD)") from None


def app(
    profile: str = typer.Argument(..., help="A profile file (.yaml/.json) or a registered system id."),
    as_of: str = typer.Option(None, "--as-of", help="Answer as of this date (YYYY-MM-DD; default today)."),
    jurisdiction: str = typer.Option(
        None, "--jurisdiction", help="Comma-separated codes: eu,cn,kr,us-co,nist,iso."
    ),
    fmt: str = typer.Option("table", "--format", help="table, json or md"),
    rules: Path = typer.Option(
        None, "--rules", help="Directory of your own regime YAML files (same name replaces a bundled one)."
    ),
    lang: str = typer.Option("en", "--lang", help="Language of titles in the table: en or zh."),
    explain: bool = typer.Option(False, "--explain", help="Table: also print the trace (facts → rules)."),
) -> None:
    """Classify an AI system under each jurisdiction's rules: tiers, dated obligations, evidence, trace.
    按各法域规则分类分级。
    """
    if fmt not in ("table", "json", "md"):
        raise InputError(f"--format: {fmt!r} is not one of table, json, md")
    if lang not in ("en", "zh"):
        raise InputError(f"--lang: {lang!r} is not one of en, zh")
    from tongzhou.classify.engine import Classifier
    from tongzhou.classify.render import render_markdown, render_table, to_json
    from tongzhou.classify.ruleset import load_ruleset
    from tongzhou.systems.registry import profile_digest

    day = _date(as_of)
    system = _resolve(profile)
    classifier = Classifier(load_ruleset(overlay=rules)) if rules is not None else Classifier()
    result = classifier.classify(system, day, classifier.parse_jurisdictions(jurisdiction))
    result.profile_sha256 = profile_digest(system)[1]
    if fmt == "json":
        typer.echo(to_json(result))
    elif fmt == "md":
        typer.echo(render_markdown(result))
    else:
        render_table(result, Console(), lang=lang, explain=explain)
