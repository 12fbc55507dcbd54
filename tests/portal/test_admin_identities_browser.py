"""An admin links and unlinks a single sign-on identity in Debian's headless Chromium, under the
portal's CSP; no console error or request to another origin on the way (the ``page`` fixture checks),
and axe-core finds no serious or critical WCAG 2.1 A/AA violation on the page with a link listed,
in English and in Chinese (as test_accessibility.py checks the main pages)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.portal import test_browser as browser_fixtures
from tests.portal.conftest import ACCOUNTS, Portal, seed
from tests.portal.test_accessibility import AXE, BLOCKING, axe_violations, describe
from tests.portal.test_admin_identities import links_of, write_sign_on_config
from tongzhou.portal.roles import Role
from tongzhou.portal.service import create_service
from tongzhou.store import Store

pytestmark = pytest.mark.slow

live = browser_fixtures.live
page = browser_fixtures.page


@pytest.fixture
def portal(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> Portal:
    """conftest's portal with one configured single sign-on provider (``campus``)."""
    monkeypatch.setenv("TZ_ADMIN_OIDC_SECRET", "secret")
    write_sign_on_config()
    seed(sqlite_store)
    return Portal(sqlite_store, create_service(sqlite_store))


def test_an_admin_links_and_unlinks_an_identity_in_the_browser(portal: Portal, page: Any) -> None:
    browser_fixtures._login(page, Role.admin)
    page.click("nav a[href='/admin']")
    page.click("main a[href='/admin/identities']")
    page.wait_for_url(f"{page.base}/admin/identities")
    page.select_option("select[name=provider]", "campus")
    page.fill("input[name=identity]", "li@ministry.example")
    page.select_option("select[name=account]", ACCOUNTS[Role.regulator])
    page.click("main form.stacked button[type=submit]")
    assert "Linked li@ministry.example at campus" in page.inner_text("p.done")
    assert page.locator("#identity-links tbody tr").count() == 1
    assert links_of(portal) == [("campus", "li@ministry.example", ACCOUNTS[Role.regulator])]
    source = AXE.read_text()
    for lang in ("zh", "en"):
        page.goto(f"{page.base}/admin/identities?lang={lang}")
        blocking = [v for v in axe_violations(page, source) if v["impact"] in BLOCKING]
        assert not blocking, describe(page.url, blocking)
    page.click("#identity-links button[type=submit]")
    assert "Unlinked li@ministry.example at campus" in page.inner_text("p.done")
    assert page.locator("#identity-links").count() == 0 and links_of(portal) == []
