"""A consultation in Debian's Chromium, from draft to exported comments with a response: the
regulator publishes on a desktop page; a visitor comments from a phone (touch events, a 390 px
viewport, no hover), the proof of work solved by the page's own script; the regulator moderates,
the consultation closes, the regulator responds and downloads the comments as CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.consultation.drafts import CO_RULES, MARKDOWN, earlier_colorado_rules
from tests.portal.conftest import Portal
from tests.portal.test_browser import _login, live, page  # noqa: F401  (fixtures)
from tongzhou.consultation import ConsultationBook, DraftKind
from tongzhou.consultation._tables import DraftRow
from tongzhou.portal.roles import Role

pytestmark = pytest.mark.slow
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
}
TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def phone(page: Any) -> Iterator[Any]:  # noqa: F811
    """A second browser context emulating a phone: touch, mobile viewport, no mouse hover."""
    context = page.context.browser.new_context(**PHONE)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    tab.set_default_timeout(30_000)
    tab.base = page.base
    yield tab
    context.close()
    assert not problems, problems


def _close(portal: Portal, draft_id: str) -> None:
    with portal.store.transaction() as session:
        row = session.get(DraftRow, draft_id)
        assert row is not None
        row.closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)


def test_draft_to_exported_comments_with_a_response_on_a_phone(
    page: Any,  # noqa: F811
    phone: Any,
    portal: Portal,
) -> None:
    _login(page, Role.regulator)
    page.goto(f"{page.base}/consultations")
    page.click("a[href='/consultations/new']")
    page.fill("input[name=id]", "public-ai")
    page.fill("input[name=title]", "Draft measures on public-sector AI")
    page.fill("input[name=opens]", (TODAY - dt.timedelta(days=1)).isoformat())
    page.fill("input[name=closes]", (TODAY + dt.timedelta(days=30)).isoformat())
    page.fill("textarea[name=body]", MARKDOWN)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.url == f"{page.base}/consultations/public-ai", page.inner_text("main")
    assert page.locator("section.paragraph").count() == 4

    # A visitor on a phone taps "comment" under Article 2 (a visible link, not a hover control).
    phone.goto(f"{phone.base}/consultations/public-ai")
    link = phone.locator("#para-p3 a.comment-on")
    assert link.is_visible()
    box = link.bounding_box()
    assert box is not None and box["height"] >= 44  # a touch target (WCAG 2.5.5)
    link.tap()
    phone.wait_for_url("**/consultations/public-ai?paragraph=p3#comment-form")
    assert phone.locator("select[name=paragraph_id]").input_value() == "p3"
    phone.locator("textarea[name=body]").tap()
    phone.fill("textarea[name=body]", "Once a year is too often for small municipalities.")
    phone.fill("input[name=name]", "Li Wei")
    send = phone.locator("#comment-form button[type=submit]")
    phone.wait_for_selector("form[data-proof-of-work-state=solved]")  # the page's script solved the check
    assert send.is_enabled()
    send.tap()
    phone.wait_for_url("**/consultations/public-ai?sent=1#comment-form")
    assert "once a moderator approves it" in phone.inner_text("#comment-form")
    assert "small municipalities" not in phone.inner_text(".draft")  # pending: not public yet

    # The regulator approves it; the consultation closes; the regulator responds and exports.
    page.goto(f"{page.base}/consultations/public-ai/moderation")
    page.click("#comment-1 button[value=approve]")
    page.wait_for_url("**/moderation#comment-1")
    assert "Approved" in page.inner_text("#comment-1")
    _close(portal, "public-ai")
    page.goto(f"{page.base}/consultations/public-ai/moderation")
    page.fill("#comment-1 textarea[name=response]", "Agreed: Article 2 now says every two years.")
    page.click("#comment-1 form.respond button[type=submit]")
    page.wait_for_url("**/moderation#comment-1")
    with page.expect_download() as got:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(Path(got.value.path()).read_text(encoding="utf-8"))))
    assert [(r["paragraph_id"], r["author"], r["status"], r["response"]) for r in rows] == [
        ("p3", "Li Wei", "approved", "Agreed: Article 2 now says every two years.")
    ]
    with page.expect_download() as got:
        page.click("#export-json")
    exported = json.loads(Path(got.value.path()).read_text(encoding="utf-8"))
    assert exported["consultation"]["phase"] == "closed" and exported["comments"][0]["body"].startswith(
        "Once a year"
    )

    # Back on the phone: the comment with its response, and a clear "closed" instead of the form.
    phone.goto(f"{phone.base}/consultations/public-ai")
    assert "Agreed: Article 2 now says every two years." in phone.inner_text("#para-p3")
    assert "comments are no longer accepted" in phone.inner_text("#comment-form")
    assert phone.locator("#comment-form textarea").count() == 0
    assert phone.locator("a.comment-on").count() == 0
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing forces sideways scrolling on the phone


def test_rule_draft_diff_and_tier_changes_on_a_phone(phone: Any, portal: Portal) -> None:
    ConsultationBook(portal.store).publish(
        "co-earlier",
        "Colorado rules one semester earlier",
        earlier_colorado_rules(),
        kind=DraftKind.rules,
        rule_file=CO_RULES,
        entry_into_force=dt.date(2026, 7, 1),
        by="reg",
        opens_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
        closes_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=9),
    )
    phone.goto(f"{phone.base}/consultations/co-earlier")
    phone.locator("nav.versions a[href*='/diff']").tap()
    phone.wait_for_url("**/consultations/co-earlier/diff?version=1")
    changes = phone.locator("table.tier-changes tbody tr")
    assert changes.count() == 2
    assert "TalentSift CV screening" in phone.inner_text("table.tier-changes")
    changed = phone.locator("table.diff tr.changed")
    assert changed.count() >= 1 and "2026-06-01" in changed.first.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the diff scrolls in its box
