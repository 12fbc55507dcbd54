"""`tongzhou portal link-identity` / `unlink-identity`: an admin links a single sign-on identity to
an account, with one-line errors for an unknown provider, account or link."""

from __future__ import annotations

import pytest

from tongzhou.cli.main import run
from tongzhou.errors import ExitCode
from tongzhou.home import tongzhou_home
from tongzhou.portal.accounts import AccountBook
from tongzhou.portal.oidc_identities import IdentityLinks
from tongzhou.store import open_store


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ_CLI_OIDC_SECRET", "secret")
    path = tongzhou_home() / "portal" / "oidc.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "providers:\n  - {id: campus, name: Campus, issuer: 'https://sso.uni.example', client_id: tz,\n"
        "     client_secret_env: TZ_CLI_OIDC_SECRET}\n",
        encoding="utf-8",
    )
    store = open_store()
    try:
        AccountBook(store).add_account("reg-li", "a long enough password", "regulator")
    finally:
        store.close()


def _links() -> list[tuple[str, str, str]]:
    store = open_store()
    try:
        return IdentityLinks(AccountBook(store)).links()
    finally:
        store.close()


def test_link_and_unlink(configured: None, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["portal", "link-identity", "reg-li", "--provider", "campus", "--identity", "li@ministry.example"]
    assert run(argv) == ExitCode.OK
    assert _links() == [("campus", "li@ministry.example", "reg-li")]
    assert run(argv) == ExitCode.BAD_INPUT, "the same identity twice"
    assert "already linked" in capsys.readouterr().err
    unlink = ["portal", "unlink-identity", "--provider", "campus", "--identity", "li@ministry.example"]
    assert run(unlink) == ExitCode.OK and _links() == []
    assert run(unlink) == ExitCode.BAD_INPUT


@pytest.mark.parametrize(
    ("account", "provider", "message"),
    [("reg-li", "elsewhere", "no provider 'elsewhere'"), ("nobody", "campus", "no account 'nobody'")],
)
def test_bad_links_are_one_line_and_write_nothing(
    configured: None, capsys: pytest.CaptureFixture[str], account: str, provider: str, message: str
) -> None:
    argv = ["portal", "link-identity", account, "--provider", provider, "--identity", "x@example.org"]
    assert run(argv) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert _links() == []


def test_serve_refuses_a_bad_sign_on_configuration_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = tongzhou_home() / "portal" / "oidc.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "providers:\n  - {id: p, name: P, issuer: 'https://sso.example', client_id: c,\n"
        "     client_secret_env: S, accounts: by-claim, role_claim: groups, role_map: {g: {role: admin}}}\n",
        encoding="utf-8",
    )
    assert run(["serve", "--port", "1"]) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert "may grant only provider or evaluator" in err and "Traceback" not in err
