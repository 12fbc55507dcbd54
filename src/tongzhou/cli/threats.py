"""`tongzhou threats`: run the TAXII 2.1 server, push/pull STIX, import ATLAS / AVID / AIID, manage access."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from tongzhou.errors import InputError

if TYPE_CHECKING:
    from tongzhou.store import Store

app = typer.Typer(
    help="Threat information sharing (威胁信息共享): TAXII 2.1 server and STIX 2.1 AI content.",
    no_args_is_help=True,
)
console = Console()


def open_store() -> Store:
    """The store (imported here, so that `tongzhou threats --help` does not load SQLAlchemy)."""
    from tongzhou.store import open_store as _open

    return _open()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(9500, min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(
        1, min=1, max=256, help="uvicorn worker processes (pagination is stateless)."
    ),
    max_content_length: int = typer.Option(
        10 * 1024 * 1024, min=1024, max=2**31, help="Largest POST body in bytes (else 413)."
    ),
    api_root: str = typer.Option("tongzhou", help="API root name(s), comma-separated."),
) -> None:
    """Serve TAXII 2.1 on the store (TONGZHOU_DATABASE_URL or SQLite in TONGZHOU_HOME).
    启动 TAXII 2.1 服务。
    """
    import uvicorn

    open_store().close()  # migrate once here, so workers starting together do not race
    os.environ.update(
        {
            "TONGZHOU_TAXII_MIGRATE": "0",
            "TONGZHOU_TAXII_MAX_CONTENT_LENGTH": str(max_content_length),
            "TONGZHOU_TAXII_API_ROOT": api_root,
        }
    )
    console.print(f"TAXII 2.1 discovery: http://{host}:{port}/taxii2/")
    uvicorn.run(
        "tongzhou.threats.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        http="tongzhou.threats.http_protocol:TaxiiHttpProtocol",  # header deadline, TAXII errors
    )


@app.command("add-collection")
def add_collection(
    title: str = typer.Argument(..., help="Collection title."),
    alias: str = typer.Option(None, help="Short alias usable instead of the id."),
    description: str = typer.Option(None, help="What the collection holds."),
    public: bool = typer.Option(False, "--public", help="Readable by anyone, without credentials."),
    api_root: str = typer.Option("tongzhou", help="API root the collection belongs to."),
) -> None:
    """Create a collection and print its id. 创建集合。"""
    from tongzhou.threats.repository import TaxiiRepository

    store = open_store()
    try:
        info = TaxiiRepository(store).create_collection(
            api_root, title, alias=alias, description=description, public_read=public
        )
    finally:
        store.close()
    typer.echo(info.id)


@app.command("add-key")
def add_key(
    principal: str = typer.Argument(..., help="Who the key is for (created if new)."),
    admin: bool = typer.Option(False, "--admin", help="Also make the principal an administrator."),
    label: str = typer.Option(None, help="A note to recognise the key by."),
    expires_days: float = typer.Option(
        None, "--expires-days", metavar="DAYS", help="The key stops working after this many days."
    ),
) -> None:
    """Issue an API key (printed once; only its hash is stored). 签发 API 密钥。"""
    from tongzhou.threats.auth import Authority
    from tongzhou.threats.timestamps import now_us

    expires_us = None if expires_days is None else now_us() + int(expires_days * 86_400_000_000)
    store = open_store()
    try:
        authority = Authority(store)
        key = authority.issue_api_key(principal, label, expires_us=expires_us)
        if admin:
            authority.add_principal(principal, is_admin=True)
    finally:
        store.close()
    typer.echo(key)


@app.command("add-user")
def add_user(
    name: str = typer.Argument(..., help="User name."),
    password: str = typer.Option(
        ...,
        prompt="Password 密码",
        hide_input=True,
        confirmation_prompt="Repeat the password 再次输入密码",  # type: ignore[arg-type]  # str works at run time
        help="Password (asked when not given).",
    ),
    admin: bool | None = typer.Option(
        None,
        "--admin/--no-admin",
        help="Make the user an administrator, or (--no-admin) no longer one. "
        "Omitted: a new user is not one; an existing user keeps what it had.",
    ),
) -> None:
    """Create or update an HTTP Basic user (password stored as scrypt). 创建或更新用户。"""
    from tongzhou.threats.auth import Authority

    store = open_store()
    try:
        # None keeps an existing user's admin flag: `add-user eve` to change eve's password used
        # to take away eve's administrator rights as a side effect.
        Authority(store).add_principal(name, password=password, is_admin=admin)
    finally:
        store.close()
    role = {True: " (administrator)", False: " (not an administrator)", None: ""}[admin]
    console.print(f"user {name} saved{role}")


@app.command()
def grant(
    principal: str = typer.Argument(..., help="A user or key holder (threats add-user / add-key)."),
    collection: str = typer.Argument(..., help="Id or alias."),
    read: bool = typer.Option(True, "--read/--no-read", help="May read the collection."),
    write: bool = typer.Option(False, "--write", help="May add objects to the collection."),
    api_root: str = typer.Option("tongzhou", help="API root the collection belongs to."),
) -> None:
    """Give a principal read and/or write on one collection. 授予集合读写权限。"""
    from tongzhou.threats.auth import Authority
    from tongzhou.threats.repository import TaxiiRepository, UnknownCollection

    store = open_store()
    try:
        try:
            info = TaxiiRepository(store).collection(api_root, collection)
        except UnknownCollection:
            raise InputError(f"no collection {collection!r} in API root {api_root!r}") from None
        Authority(store).grant(principal, info.id, read=read, write=write)
    finally:
        store.close()
    console.print(f"{principal}: read={read} write={write} on {info.id}")


def _remote(url: str, api_key: str | None, user: str | None, password: str | None) -> Any:
    from tongzhou.threats.sharing import remote_collection

    return remote_collection(
        url, api_key=api_key or os.environ.get("TONGZHOU_TAXII_API_KEY"), user=user, password=password
    )


@app.command()
def push(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="STIX bundle / envelope / list JSON."),
    url: str = typer.Option(..., help="Collection URL: …/{api-root}/collections/{id}/"),
    api_key: str = typer.Option(None, help="API key (or TONGZHOU_TAXII_API_KEY)."),
    user: str = typer.Option(None, help="HTTP Basic user."),
    password: str = typer.Option(None, help="HTTP Basic password."),
) -> None:
    """Push STIX objects to a TAXII 2.1 collection (any server) with taxii2-client. 推送 STIX 对象。"""
    from tongzhou.threats.sharing import push as push_objects
    from tongzhou.threats.sharing import read_stix_file

    summary = push_objects(_remote(url, api_key, user, password), read_stix_file(file))
    console.print(f"pushed {summary['success']}/{summary['total']} (failures: {summary['failure']})")
    for failure in summary["failures"][:10]:
        console.print(f"  [red]{failure.get('id')}[/]: {failure.get('message')}")
    if summary["failure"]:
        raise typer.Exit(1)


@app.command()
def pull(
    url: str = typer.Option(..., help="Collection URL: …/{api-root}/collections/{id}/"),
    out: Path = typer.Option(Path("pulled.json"), help="Bundle to write (atomically)."),
    api_key: str = typer.Option(None, help="API key (or TONGZHOU_TAXII_API_KEY)."),
    user: str = typer.Option(None, help="HTTP Basic user."),
    password: str = typer.Option(None, help="HTTP Basic password."),
    added_after: str = typer.Option(None, help="Only objects added after this time (ISO 8601)."),
    type_: list[str] = typer.Option(None, "--type", help="Only objects of this STIX type (repeatable)."),
) -> None:
    """Pull every object of a TAXII 2.1 collection (paged) into a STIX bundle file. 拉取集合中的全部对象。"""
    from tongzhou.threats.sharing import pull as pull_objects
    from tongzhou.threats.sharing import write_bundle

    filters: dict[str, Any] = {"added_after": added_after, "type": ",".join(type_ or []) or None}
    collection = _remote(url, api_key, user, password)
    objects = list(pull_objects(collection, **{k: v for k, v in filters.items() if v}))
    write_bundle(objects, out)
    console.print(f"{len(objects)} objects → {out}")


def _publish(objects: list[dict[str, Any]], alias: str, title: str, public: bool) -> None:
    from tongzhou.threats.sharing import ensure_collection, publish

    store = open_store()
    try:
        info = ensure_collection(store, alias, title, public_read=public)
        totals = publish(store, info, objects)
    finally:
        store.close()
    console.print(f"{totals['success']}/{totals['total']} objects in collection {alias} ({info.id})")


@app.command("import-atlas")
def import_atlas(
    file: Path = typer.Argument(None, help="ATLAS.yaml (default: the shipped sample)."),
    collection: str = typer.Option("mitre-atlas", help="Collection alias (created, public, if missing)."),
) -> None:
    """Import MITRE ATLAS as STIX 2.1 with deterministic ids (re-imports do not duplicate).
    导入 MITRE ATLAS。
    """
    from tongzhou.threats.atlas import import_atlas as load

    _publish(load(file), collection, "MITRE ATLAS", public=True)


@app.command("import-avid")
def import_avid(
    file: Path = typer.Argument(None, help="AVID report JSON / JSON Lines (default: the shipped sample)."),
    collection: str = typer.Option("ai-vulnerabilities", help="Collection alias (created if missing)."),
) -> None:
    """Import AVID reports as STIX vulnerabilities with the AI-vulnerability extension.
    导入 AVID 漏洞报告。
    """
    from tongzhou.threats.avid import import_avid as load

    _publish(load(file), collection, "AI vulnerabilities (AVID)", public=False)


@app.command("import-aiid")
def import_aiid(
    file: Path = typer.Argument(
        None, help="AI Incident Database snapshot JSON (default: the shipped sample)."
    ),
    collection: str = typer.Option("ai-incidents", help="Collection alias (created if missing)."),
) -> None:
    """Import AIID incidents as incident records and STIX incidents. 导入 AIID 事件。"""
    from tongzhou.threats.aiid import import_aiid as load
    from tongzhou.threats.incidents import incident_to_stix, save_incident

    result = load(file)
    store = open_store()
    try:
        for record in result.records:
            save_incident(store, record)
    finally:
        store.close()
    objects = [o for record in result.records for o in incident_to_stix(record)]
    _publish(objects, collection, "AI incidents", public=False)
    for incident_id, why in result.skipped:
        console.print(f"[yellow]skipped AIID #{incident_id}[/]: {why}")


@app.command()
def extensions() -> None:
    """Print Tongzhou's STIX extension definitions (AI system, AI incident, AI vulnerability) as a bundle.
    输出 STIX 扩展定义。
    """
    from tongzhou.threats.stix_ai import extension_definitions

    typer.echo(
        json.dumps(
            {
                "type": "bundle",
                "id": "bundle--0b5f3c1e-7d0a-4e55-9a3c-7a6f0e1c2b45",
                "objects": extension_definitions(),
            },
            ensure_ascii=False,
            indent=1,
        )
    )


from tongzhou.cli.threats_keys import register as _register_key_commands  # noqa: E402

_register_key_commands(app)
