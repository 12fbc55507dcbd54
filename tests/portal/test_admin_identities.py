"""The admin page for single sign-on identity links: list, link, unlink, the refusals (nothing written,
the reason in English and Chinese) and the log line naming the admin. Who may call each route is
the permission table's (test_permissions.py); CSRF and escaping are test_security.py's; a link made
here signing a person in at a live provider is test_oidc_login.py's."""

from __future__ import annotations

import logging

import pytest

from tests.portal.conftest import ACCOUNTS, Portal, csrf_of, seed
from tongzhou.home import tongzhou_home
from tongzhou.portal.accounts import AccountBook
from tongzhou.portal.oidc_identities import IdentityLinks
from tongzhou.portal.roles import Role
from tongzhou.portal.service import create_service
from tongzhou.store import Store

REGULATOR = ACCOUNTS[Role.regulator]


def write_sign_on_config() -> None:
    """One configured provider, ``campus`` (not running: linking needs only its configuration)."""
    config = tongzhou_home() / "portal" / "oidc.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "providers:\n  - {id: campus, name: Campus SSO, issuer: 'http://127.0.0.1:9', client_id: tz,\n"
        "     client_secret_env: TZ_ADMIN_OIDC_SECRET}\n",
        encoding="utf-8",
    )


@pytest.fixture
def sso(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> Portal:
    monkeypatch.setenv("TZ_ADMIN_OIDC_SECRET", "secret")
    write_sign_on_config()
    seed(sqlite_store)
    return Portal(sqlite_store, create_service(sqlite_store))


def links_of(portal: Portal) -> list[tuple[str, str, str]]:
    return IdentityLinks(AccountBook(portal.store)).links()


def _post(portal: Portal, path: str, **form: str) -> tuple[int, str]:
    admin = portal.logged_in(Role.admin)
    token = csrf_of(admin.get("/admin/identities").text)
    response = admin.post(path, data={**form, "csrf_token": token})
    return response.status_code, response.text


def test_an_admin_links_lists_and_unlinks_an_identity(sso: Portal, caplog: pytest.LogCaptureFixture) -> None:
    admin = sso.logged_in(Role.admin)
    page = admin.get("/admin/identities").text
    assert "No identity is linked yet." in page and 'value="campus"' in page
    assert 'href="/admin/identities"' in admin.get("/admin").text
    with caplog.at_level(logging.INFO, logger="tongzhou.portal.admin"):
        status, text = _post(
            sso, "/admin/identities", provider="campus", identity=" li@ministry.example ", account=REGULATOR
        )
        assert status == 201
        assert "Linked li@ministry.example at campus to the account reg." in text
        assert links_of(sso) == [("campus", "li@ministry.example", REGULATOR)]
        listed = admin.get("/admin/identities").text
        assert "<td>li@ministry.example</td><td>reg</td>" in listed
        assert 'action="/admin/identities/unlink"' in listed
        status, text = _post(
            sso, "/admin/identities/unlink", provider="campus", identity="li@ministry.example"
        )
        assert status == 200 and "Unlinked li@ministry.example at campus; the account stays." in text
    assert links_of(sso) == []
    assert AccountBook(sso.store).account(REGULATOR) is not None, "the account stays"
    logged = [r.getMessage() for r in caplog.records if r.name == "tongzhou.portal.admin"]
    assert logged == [
        "single sign-on identity 'li@ministry.example' at 'campus' linked to account 'reg' by admin 'adm'",
        "single sign-on identity 'li@ministry.example' at 'campus' unlinked by admin 'adm'",
    ]


@pytest.mark.parametrize(
    ("path", "form", "status", "english", "chinese"),
    [
        (
            "/admin/identities",
            {"provider": "elsewhere", "identity": "li@ministry.example", "account": REGULATOR},
            422,
            "No single sign-on provider elsewhere is configured here.",
            "本站未配置单点登录提供方 elsewhere。",
        ),
        (
            "/admin/identities",
            {"provider": "campus", "identity": "li@ministry.example", "account": "nobody"},
            422,
            "There is no account named nobody.",
            "不存在名为 nobody 的账户。",
        ),
        (
            "/admin/identities",
            {"provider": "campus", "identity": "   ", "account": REGULATOR},
            422,
            "The identity must be 1 to 255 characters.",
            "身份标识须为 1 至 255 个字符。",
        ),
        (
            "/admin/identities",
            {"provider": "campus", "identity": "x" * 256, "account": REGULATOR},
            422,
            "The identity must be 1 to 255 characters.",
            "身份标识须为 1 至 255 个字符。",
        ),
        (
            "/admin/identities",
            {"provider": "campus", "identity": "pat@uni.example", "account": REGULATOR},
            409,
            "pat@uni.example at campus is already linked; unlink it first.",
            "campus 的 pat@uni.example 已关联账户；请先解除关联。",
        ),
        (
            "/admin/identities/unlink",
            {"provider": "campus", "identity": "li@ministry.example"},
            409,
            "li@ministry.example at campus is not linked.",
            "campus 的 li@ministry.example 未关联任何账户。",
        ),
    ],
    ids=["unconfigured-provider", "no-account", "empty-identity", "long-identity", "taken", "not-linked"],
)
def test_a_refusal_writes_nothing_and_says_why_in_both_languages(
    sso: Portal, path: str, form: dict[str, str], status: int, english: str, chinese: str
) -> None:
    IdentityLinks(AccountBook(sso.store)).link(ACCOUNTS[Role.provider], "campus", "pat@uni.example")
    before = links_of(sso)
    answered, text = _post(sso, path, **form)
    assert (answered, english in text) == (status, True), text[:500]
    assert links_of(sso) == before
    admin = sso.logged_in(Role.admin)
    admin.get("/admin/identities?lang=zh")  # the language is remembered in a cookie
    answered, text = _post(sso, path, **form)
    assert answered == status and chinese in text
    assert links_of(sso) == before


def test_without_sign_on_configured_the_page_lists_links_and_offers_no_link_form(portal: Portal) -> None:
    IdentityLinks(AccountBook(portal.store)).link(REGULATOR, "retired-sso", "li@ministry.example")
    page = portal.logged_in(Role.admin).get("/admin/identities?lang=zh").text
    assert "未配置单点登录提供方" in page and 'action="/admin/identities"' not in page
    assert "<td>li@ministry.example</td><td>reg</td>" in page, "a provider since removed still lists"
    status, _ = _post(
        portal, "/admin/identities/unlink", provider="retired-sso", identity="li@ministry.example"
    )
    assert status == 200 and links_of(portal) == []
