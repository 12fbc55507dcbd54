"""`tongzhou threats list-keys` and `revoke-key`: the API keys of a TAXII server, after they are issued.

Registered on the `threats` group by :func:`register` (`add-key` itself lives in
:mod:`tongzhou.cli.threats`).
"""

from __future__ import annotations

import typer
from rich.console import Console

console = Console()


def list_keys(principal: str = typer.Argument(None, help="Only this principal's keys.")) -> None:
    """List API keys: id, principal, label, created, expires (never the secrets).
    列出 API 密钥（不显示密钥本身）。
    """
    from tongzhou.store import open_store  # imported here: `threats --help` must not load the store
    from tongzhou.threats.auth import Authority
    from tongzhou.threats.timestamps import format_timestamp_us

    store = open_store()
    try:
        keys = Authority(store).api_keys(principal)
    finally:
        store.close()
    for key in keys:
        expires = format_timestamp_us(key.expires_us) if key.expires_us is not None else "never"
        typer.echo(
            f"{key.key_id}\t{key.principal}\t{key.label or ''}\t"
            f"{format_timestamp_us(key.created_us)}\texpires {expires}"
        )


def revoke_key(
    key_id: str = typer.Argument(None, help="The key's id: the part after 'tzk_' (see list-keys)."),
    principal: str = typer.Option(None, "--principal", help="Revoke every key of this principal instead."),
) -> None:
    """Revoke one API key, or all of a principal's (effective in every worker within a second).
    吊销一个 API 密钥，或某主体的全部密钥。
    """
    from tongzhou.errors import InputError
    from tongzhou.store import open_store
    from tongzhou.threats.auth import Authority

    if (key_id is None) == (principal is None):
        raise InputError("give a key id or --principal NAME (not both)")
    if key_id is not None and key_id.startswith("tzk_"):
        key_id = key_id[len("tzk_") :].split("_", 1)[0]  # a whole key was pasted: revoke it
    store = open_store()
    try:
        revoked = Authority(store).revoke_api_keys(key_id=key_id, principal=principal)
    finally:
        store.close()
    if revoked == 0:
        raise InputError(f"no API key {'of ' + repr(principal) if principal else repr(key_id)}")
    console.print(f"revoked {revoked} API key{'s' if revoked != 1 else ''}")


def register(app: typer.Typer) -> None:
    """Add these commands to the `threats` group."""
    app.command("list-keys")(list_keys)
    app.command("revoke-key")(revoke_key)
