"""`tongzhou systems`: register AI systems and manage the registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from tongzhou.errors import InputError

if TYPE_CHECKING:
    from tongzhou.systems.profile import SystemProfile

app = typer.Typer(
    help="Register AI systems (SystemProfile YAML/JSON) and manage the registry. / AI系统登记。",
    no_args_is_help=True,
)


@app.command("add")
def add(
    paths: list[Path] = typer.Argument(None, help="Profile files (.yaml, .yml, .json)."),
    examples: bool = typer.Option(False, "--examples", help="Also register the bundled example profiles."),
    replace: bool = typer.Option(
        False, "--replace", help="Update systems already registered with other content."
    ),
) -> None:
    """Validate every profile first, then register them all (nothing is written if one is invalid).
    登记系统档案（全部校验通过才写入）。
    """
    from tongzhou.store import open_store
    from tongzhou.systems.bundled import example_profiles
    from tongzhou.systems.loading import load_profile
    from tongzhou.systems.registry import SystemRegistry

    profiles: list[tuple[SystemProfile, str | None]] = [(load_profile(p), str(p)) for p in paths or []]
    if examples:
        profiles += [(p, f"examples/{p.id}.yaml") for p in example_profiles()]
    if not profiles:
        raise InputError("nothing to add: give profile files or --examples")
    ids = [p.id for p, _ in profiles]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise InputError(f"the same id appears more than once: {', '.join(dupes)}")
    store = open_store()
    try:
        registry = SystemRegistry(store)
        for profile, source in profiles:
            outcome = registry.add(profile, replace=replace, source=source)
            typer.echo(f"{outcome}: {profile.id} ({profile.name})")
    finally:
        store.close()


@app.command("list")
def list_(fmt: str = typer.Option("table", "--format", help="table or json")) -> None:
    """List registered systems. 列出已登记的系统。"""
    from tongzhou.store import open_store
    from tongzhou.systems.registry import SystemRegistry

    if fmt not in ("table", "json"):
        raise InputError(f"--format: {fmt!r} is not one of table, json")
    store = open_store()
    try:
        rows = SystemRegistry(store).list()
    finally:
        store.close()
    if fmt == "json":
        typer.echo(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "name": r.name,
                        "version": r.version,
                        "registrant_role": r.registrant_role,
                        "sha256": r.sha256,
                        "updated_at": r.updated_at.isoformat(),
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return
    if fmt != "table":
        raise InputError(f"--format: {fmt!r} is not one of table, json")
    table = Table("id", "name", "version", "role", "sha256", "updated")
    for r in rows:
        table.add_row(
            r.id, r.name, r.version, r.registrant_role, r.sha256[:19], r.updated_at.strftime("%Y-%m-%d %H:%M")
        )
    Console().print(table)


@app.command("show")
def show(
    system_id: str = typer.Argument(..., help="A registered system id (tongzhou systems list)."),
    fmt: str = typer.Option("yaml", "--format", help="yaml or json"),
) -> None:
    """Print a registered profile. 显示已登记的档案。"""
    from tongzhou.store import open_store
    from tongzhou.systems.loading import dump_profile
    from tongzhou.systems.registry import SystemRegistry

    store = open_store()
    try:
        profile = SystemRegistry(store).get(system_id)
    finally:
        store.close()
    typer.echo(dump_profile(profile, fmt), nl=False)


@app.command("remove")
def remove(
    system_id: str = typer.Argument(..., help="A registered system id (tongzhou systems list)."),
) -> None:
    """Remove a registered system. 删除已登记的系统。"""
    from tongzhou.store import open_store
    from tongzhou.systems.registry import SystemRegistry

    store = open_store()
    try:
        SystemRegistry(store).remove(system_id)
    finally:
        store.close()
    typer.echo(f"removed: {system_id}")


@app.command("export")
def export(
    system_id: str = typer.Argument(..., help="A registered system id (tongzhou systems list)."),
    fmt: str = typer.Option("yaml", "--format", help="yaml or json"),
    out: Path = typer.Option(None, "--out", help="Write here (atomically) instead of stdout."),
) -> None:
    """Export a registered profile as YAML or JSON. 导出档案（YAML 或 JSON）。"""
    from tongzhou.store import open_store
    from tongzhou.systems.registry import SystemRegistry

    store = open_store()
    try:
        text = SystemRegistry(store).export(system_id, fmt, out)
    finally:
        store.close()
    if out is None:
        typer.echo(text, nl=False)
    else:
        typer.echo(f"wrote {out}")


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of a SystemProfile (for editors and other tools). 输出档案的 JSON Schema。"""
    from tongzhou.systems.profile import SystemProfile

    typer.echo(json.dumps(SystemProfile.model_json_schema(), ensure_ascii=False, indent=2))
