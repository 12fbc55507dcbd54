"""`tongzhou portal`: accounts and organisations of the portal, and its registry index."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from tongzhou.store import Store

app = typer.Typer(
    help="Portal accounts, organisations and index (门户账户、机构与索引).",
    no_args_is_help=True,
)


def open_store() -> Store:
    """The store (imported here, so that `tongzhou portal --help` does not load SQLAlchemy)."""
    from tongzhou.store import open_store as _open

    return _open()


@app.command("add-org")
def add_org(
    org_id: str = typer.Argument(..., help="Identifier: lowercase letters, digits, '.', '_', '-'."),
    name: str = typer.Argument(..., help="The organisation's name."),
) -> None:
    """Create an organisation (provider, evaluation body, authority). 创建机构。"""
    from tongzhou.portal.accounts import AccountBook

    store = open_store()
    try:
        AccountBook(store).add_organisation(org_id, name)
    finally:
        store.close()
    typer.echo(org_id)


@app.command("add-user")
def add_user(
    name: str = typer.Argument(..., help="Account name."),
    role: str = typer.Option(..., help="provider, evaluator, regulator or admin."),
    org: str = typer.Option(None, "--org", help="Organisation id (see add-org)."),
    password: str = typer.Option(
        ...,
        prompt="Password 密码",
        hide_input=True,
        confirmation_prompt=True,
        envvar="TONGZHOU_PORTAL_PASSWORD",
        help="At least 12 characters (prompted; or TONGZHOU_PORTAL_PASSWORD).",
    ),
) -> None:
    """Create a portal account (the first admin, say); regulators and admins enrol TOTP at first login.
    创建门户账户。
    """
    from tongzhou.portal.accounts import AccountBook

    store = open_store()
    try:
        account = AccountBook(store).add_account(name, password, role, org)
    finally:
        store.close()
    typer.echo(f"{account.name} ({account.role.value})")


@app.command("add-token")
def add_token(
    name: str = typer.Argument(..., help="Account name."),
    label: str = typer.Option(None, help="A note to recognise the token by."),
) -> None:
    """Issue an API token for an account (also its TAXII key; printed once). 签发接口令牌。"""
    from tongzhou.portal.accounts import AccountBook

    store = open_store()
    try:
        token = AccountBook(store).issue_token(name, label)
    finally:
        store.close()
    typer.echo(token)


@app.command("reindex")
def reindex() -> None:
    """Bring the registry listing up to date (classifies changed systems as of today). 更新登记索引。"""
    from tongzhou.portal.listing_index import refresh_listing

    store = open_store()
    try:
        count = refresh_listing(store)
    finally:
        store.close()
    typer.echo(f"{count} entries indexed / 已索引")


@app.command("link-identity")
def link_identity(
    name: str = typer.Argument(..., help="Account name (made first with add-user)."),
    provider: str = typer.Option(..., help="Provider id from $TONGZHOU_HOME/portal/oidc.yaml."),
    identity: str = typer.Option(..., help="The provider's value of its account claim (sub or e-mail)."),
) -> None:
    """Let a single sign-on identity log in as an account (how regulators and admins get SSO).
    关联单点登录身份与账户。
    """
    from tongzhou.errors import InputError
    from tongzhou.portal.accounts import AccountBook
    from tongzhou.portal.oidc_config import load_providers
    from tongzhou.portal.oidc_identities import IdentityLinks

    if provider not in load_providers():
        raise InputError.of("no provider {provider!r} in the single sign-on configuration", provider=provider)
    store = open_store()
    try:
        IdentityLinks(AccountBook(store)).link(name, provider, identity)
    finally:
        store.close()
    typer.echo(f"{provider}:{identity} -> {name}")


@app.command("unlink-identity")
def unlink_identity(
    provider: str = typer.Option(..., help="Provider id."),
    identity: str = typer.Option(..., help="The linked identity."),
) -> None:
    """Stop a single sign-on identity logging in (the account stays). 解除单点登录身份关联。"""
    from tongzhou.errors import InputError
    from tongzhou.portal.accounts import AccountBook
    from tongzhou.portal.oidc_identities import IdentityLinks

    store = open_store()
    try:
        removed = IdentityLinks(AccountBook(store)).unlink(provider, identity)
    finally:
        store.close()
    if not removed:
        raise InputError.of("{provider}:{identity} is not linked", provider=provider, identity=identity)
    typer.echo(f"{provider}:{identity} unlinked / 已解除")
