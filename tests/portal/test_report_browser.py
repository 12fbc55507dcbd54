"""The whole flow in Debian's Chromium over a real loopback server: a member of the public reports an
incident (the browser solves the spam check at the site's own difficulty), a regulator accepts it, the
reporter sees the decision, anyone pulls it with the OASIS taxii2-client, and the provider sees the
EU AI Act Art. 73 draft with its deadline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from taxii2client.v21 import ApiRoot, as_pages

from tests.participation.conftest import png_bytes
from tests.portal import test_browser
from tests.portal.conftest import PUBLIC_ID, Portal
from tongzhou.participation.publication import PUBLIC_TITLE
from tongzhou.portal.listing_index import set_organisation
from tongzhou.portal.roles import Role
from tongzhou.threats.stix_ai import AI_INCIDENT_EXTENSION

pytestmark = pytest.mark.slow
live = test_browser.live  # the service on a loopback port
page = test_browser.page  # a Chromium page that fails the test on a console error or a request elsewhere
TITLE = "CV screening tool rejects applicants over 50"


def _public_report(page: Any, evidence: Path) -> str:
    page.goto(f"{page.base}/systems/{PUBLIC_ID}")
    page.click("#report-incident")  # the system page leads to the form with the system picked
    assert page.locator("select[name=system_id]").input_value() == PUBLIC_ID
    page.fill("textarea[name=what_happened]", "Every applicant over 50 was rejected within a minute.")
    page.fill("input[name=occurred_on]", "2026-11-20")
    page.check("input[name=harm][value=rights]")
    page.fill("textarea[name=links]", "https://news.example.org/story")
    page.set_input_files("input[name=evidence]", str(evidence))
    page.wait_for_selector("form.report-form[data-proof-of-work-state=solved]", timeout=60_000)
    assert page.locator("form.report-form button[type=submit]").is_enabled()
    page.click("form.report-form button[type=submit]")
    link = page.get_attribute("#status-link", "href")
    assert link and link.startswith("/report/status/tzr_")
    return f"{page.base}{link}"


def _accept_as_regulator(page: Any) -> None:
    test_browser._login(page, Role.regulator)
    page.click("a[href='/moderation']")
    page.click("table.reports a")
    page.fill("#decide-accept input[name=title]", TITLE)
    page.check("#decide-accept input[name=serious]")
    page.check("#decide-accept input[name=widespread_infringement]")
    page.click("#decide-accept button[type=submit]")
    page.wait_for_selector("#report-state[data-state=accepted]")


def _logout(page: Any) -> None:
    page.click("header form.inline button[type=submit]")
    page.wait_for_url(f"{page.base}/")


def test_report_moderate_publish_pull_and_the_providers_deadline(
    portal: Portal, page: Any, live: str, tmp_path: Path
) -> None:
    set_organisation(portal.store, PUBLIC_ID, "acme")
    evidence = tmp_path / "screenshot.png"
    evidence.write_bytes(png_bytes(40, 30))
    status_url = _public_report(page, evidence)
    page.goto(status_url)
    assert page.get_attribute("#report-state", "data-state") == "received"
    assert "screenshot.png" in page.inner_text("main")

    _accept_as_regulator(page)
    incident_id = page.inner_text("code.incident-id")
    assert re.fullmatch(r"incident--[0-9a-f-]{36}", incident_id)
    _logout(page)

    page.goto(status_url)  # the reporter, with no account, sees the decision
    assert page.get_attribute("#report-state", "data-state") == "accepted"
    assert incident_id in page.inner_text("main")

    root = ApiRoot(f"{live}/tongzhou/")  # no credentials: the collection is public
    collection = next(c for c in root.collections if c.title == PUBLIC_TITLE)
    objects = [
        o
        for envelope in as_pages(collection.get_objects, per_request=50)
        for o in envelope.get("objects", [])
    ]
    incident = next(o for o in objects if o["id"] == incident_id)
    assert incident["type"] == "incident" and incident["name"] == TITLE
    ai = incident["extensions"][AI_INCIDENT_EXTENSION]
    assert ai["harm_types"] == ["rights"] and ai["source"] == "public-report"
    assert ai["eu_ai_act"]["basis"] == "Art. 73(3)"
    system = next(o for o in objects if o["type"] == "ai-system")
    assert system["id"] in ai["ai_system_refs"]

    test_browser._login(page, Role.provider)
    page.click("a[href='/provider/incidents']")
    assert TITLE in page.inner_text("article.notice h2")
    page.goto(f"{page.base}/provider/incidents?as_of=2028-01-01")
    assert page.get_attribute("article.notice .art73", "data-applies") == "yes"
    deadline = page.inner_text("article.notice .deadline")
    assert "2 days" in deadline and "Art. 73(3)" in deadline and ai["eu_ai_act"]["deadline"] in deadline
