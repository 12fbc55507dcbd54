"""Each role's main journey in real headless Chromium (Debian's, through playwright), the language
switch, and no console error, CSP violation or request to another origin on the way."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import free_port
from tests.portal.conftest import ACCOUNTS, PASSWORD, PUBLIC_ID, RESTRICTED_ID, Portal
from tests.system_tools import need_chromium
from tests.threats.conftest import ThreadedServer
from tongzhou.portal import totp
from tongzhou.portal.roles import Role
from tongzhou.reports.browser import chromium_page

pytestmark = pytest.mark.slow


@pytest.fixture
def live(portal: Portal) -> Iterator[str]:
    """The service on a loopback port (uvicorn in a thread)."""
    need_chromium()
    port = free_port()
    server = ThreadedServer(portal.app, port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def page(live: str) -> Iterator[Any]:
    """A Chromium page that records console errors and any request leaving the service."""
    with chromium_page() as tab:
        problems: list[str] = []
        tab.on(
            "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
        )
        tab.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        tab.on(
            "request",
            lambda r: None if r.url.startswith(live) else problems.append(f"left the site: {r.url}"),
        )
        tab.set_default_timeout(15_000)
        tab.base = live
        yield tab
        assert not problems, problems


def _login(page: Any, role: Role) -> None:
    page.goto(f"{page.base}/login")
    page.fill("input[name=name]", ACCOUNTS[role])
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    if role in (Role.regulator, Role.admin):
        secret = page.inner_text("#totp-secret")
        page.fill("input[name=code]", totp.totp_at(secret, time.time()))
        page.click("main button[type=submit]")
    page.wait_for_url(f"{page.base}/")
    assert ACCOUNTS[role] in page.inner_text("header .who")


def test_public_searches_filters_and_reads_a_system(page: Any) -> None:
    page.goto(f"{page.base}/registry")
    assert page.locator("table.registry tbody tr").count() == 10
    page.select_option("select[name=sector]", "employment")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/registry?*sector=employment*")
    page.click(f"a[href='/systems/{PUBLIC_ID}']")
    assert page.locator("article.jurisdiction").count() >= 3
    page.fill("input[name=as_of]", "2025-01-01")
    page.click("section form button[type=submit]")
    page.wait_for_url("**as_of=2025-01-01*")
    assert "2025-01-01" in page.inner_text("h2 >> nth=1")


def test_language_switch(page: Any) -> None:
    page.goto(f"{page.base}/registry")
    assert page.inner_text("h1") == "Registry of AI systems"
    page.click("#lang-switch")
    assert page.inner_text("h1") == "人工智能系统登记"
    page.click(f"a[href='/systems/{PUBLIC_ID}']")  # the choice follows the visitor (cookie)
    assert "档案" in page.inner_text("main")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    page.click("#lang-switch")
    assert "Profile" in page.inner_text("main")


def test_provider_registers_a_system(page: Any) -> None:
    _login(page, Role.provider)
    page.click("a[href='/register']")
    profile = {
        "id": "browser-chat",
        "name": "Browser chat",
        "purpose": "A chatbot registered from the browser.",
        "registrant": {"name": "ACME AI", "role": "provider"},
        "provider": {"name": "ACME AI"},
        "markets": ["EU"],
        "generated_modalities": ["text"],
    }
    page.fill("textarea[name=profile]", json.dumps(profile))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{page.base}/systems/browser-chat")
    assert page.inner_text("h1").startswith("Browser chat")


def test_evaluator_makes_an_api_token(page: Any) -> None:
    _login(page, Role.evaluator)
    page.click("a[href='/account']")
    page.fill("input[name=label]", "lab CI")
    page.click("main form button[type=submit]")
    token = page.inner_text("#new-token")
    assert token.startswith("tzk_")
    answer = page.request.get(f"{page.base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.json()["role"] == "evaluator"


def test_regulator_enrols_totp_and_sees_the_non_public_entry(page: Any) -> None:
    _login(page, Role.regulator)
    page.goto(f"{page.base}/registry?sector=migration_border")
    page.click(f"a[href='/systems/{RESTRICTED_ID}']")
    assert "Art. 49(4)" in page.inner_text("p.restricted")


def test_admin_creates_an_organisation(page: Any) -> None:
    _login(page, Role.admin)
    page.click("a[href='/admin']")
    forms = page.locator("main form")
    forms.nth(1).locator("input[name=id]").fill("gov-lab")
    forms.nth(1).locator("input[name=name]").fill("Government AI lab")
    forms.nth(1).locator("button[type=submit]").click()
    assert "gov-lab" in page.inner_text("main ul")


def test_evaluator_uploads_a_signed_evaluation(page: Any, portal: Portal, tmp_path: Any) -> None:
    from tests.portal.signed_evaluations import make_lab

    lab = make_lab(portal.store, tmp_path / "banks")
    _login(page, Role.evaluator)
    page.goto(f"{page.base}/systems/{PUBLIC_ID}")
    envelope = json.dumps(lab.envelope(PUBLIC_ID)).encode()
    page.set_input_files(
        "input[name=envelope]", {"name": "run.dsse.json", "mimeType": "application/json", "buffer": envelope}
    )
    page.click("form.upload button[type=submit]")
    page.wait_for_url("**/evaluations/ev-*")
    place = page.locator("#browser-verification")
    assert place.get_attribute("data-key-id") == lab.key_id
    assert json.loads(place.get_attribute("data-envelope")) == json.loads(envelope)
    assert lab.key_id in page.inner_text("main")
    # The page checks the signature itself, in the browser, against the policy's key.
    page.wait_for_selector("#browser-verification[data-outcome]")
    assert place.get_attribute("data-outcome") == "verified", place.inner_text()
    assert place.get_attribute("data-checked-key") == lab.key_id
    assert "Verified in your browser" in place.inner_text()


def test_the_browser_check_catches_a_server_that_alters_the_envelope(
    page: Any, portal: Portal, tmp_path: Any
) -> None:
    """A page whose envelope was changed on the way (a compromised server or proxy) fails in the
    visitor's browser: the check trusts only the key, not the server's own verdict."""
    from tests.portal.signed_evaluations import make_lab

    lab = make_lab(portal.store, tmp_path / "banks")
    _login(page, Role.evaluator)
    page.goto(f"{page.base}/systems/{PUBLIC_ID}")
    envelope = lab.envelope(PUBLIC_ID)
    page.set_input_files(
        "input[name=envelope]",
        {"name": "run.dsse.json", "mimeType": "application/json", "buffer": json.dumps(envelope).encode()},
    )
    page.click("form.upload button[type=submit]")
    page.wait_for_url("**/evaluations/ev-*")
    page.wait_for_selector("#browser-verification[data-outcome=verified]")
    evaluation_url = page.url

    payload = envelope["payload"]
    flipped = ("B" if payload[10] == "A" else "A").join((payload[:10], payload[11:]))

    def altered(route: Any) -> None:
        response = route.fetch()
        body = response.text()
        assert payload in body
        route.fulfill(response=response, body=body.replace(payload, flipped))

    page.route(evaluation_url, altered)
    page.goto(evaluation_url)
    page.wait_for_selector("#browser-verification[data-outcome]")
    place = page.locator("#browser-verification")
    assert place.get_attribute("data-outcome") == "failed"
    assert place.get_attribute("data-reason") == "bad-signature"
    assert "Failed in your browser" in place.inner_text()
