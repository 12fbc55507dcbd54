"""The overdue dashboard and a review history in Debian's headless Chromium: the public reads which
public-sector reviews are late (the chart has a bar per table row, links lead to the systems), a
regulator follows a system to its review history and sees the refusal-rate trend; no console error,
CSP violation or request to another origin on the way (the ``page`` fixture checks)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.portal import test_browser as browser_fixtures
from tests.portal.conftest import Portal
from tests.portal.reassess_seed import CHATBOT, RESTRICTED_PUBLIC, TODAY, seed_reviews
from tests.reassess import conftest as reassess_fixtures
from tests.reassess.conftest import StubEndpoint
from tongzhou.portal.roles import Role

pytestmark = pytest.mark.slow

live = browser_fixtures.live
page = browser_fixtures.page
stub_endpoint = reassess_fixtures.stub_endpoint


@pytest.fixture
def seeded(portal: Portal, stub_endpoint: StubEndpoint) -> Portal:
    """The reviews, made before the browser starts (playwright's sync API runs an event loop in this
    thread, and an evaluation run starts its own)."""
    seed_reviews(portal.store, stub_endpoint)
    return portal


def test_the_public_reads_the_overdue_dashboard_and_a_regulator_the_trend(seeded: Portal, page: Any) -> None:
    page.goto(f"{page.base}/registry")
    page.click("nav a[href='/reassess']")
    page.wait_for_url(f"{page.base}/reassess")
    page.goto(f"{page.base}/reassess?as_of={TODAY}")
    rows = page.locator("#overdue-table tbody tr")
    assert rows.count() == 3
    assert page.locator("#overdue svg g.bar").count() == 3
    first = rows.nth(0).inner_text()
    assert "not signed off" in first or "not reviewed" in first
    assert RESTRICTED_PUBLIC not in page.inner_text("main")
    assert page.locator("#overdue svg").bounding_box()["width"] > 300  # type: ignore[index]
    page.click("#lang-switch")
    assert page.inner_text("h1") == "公共部门人工智能定期评估"
    page.click("#lang-switch")

    browser_fixtures._login(page, Role.regulator)
    page.goto(f"{page.base}/reassess?as_of={TODAY}")
    assert page.locator("#overdue-table tbody tr").count() == 4  # the non-public entry, for a regulator
    page.goto(f"{page.base}/systems/{CHATBOT}/assessments")
    assert page.locator("#trend svg circle.rate").count() == 4
    heights = [float(c.get_attribute("cy")) for c in page.locator("#trend svg circle.rate").all()]
    assert heights[0] == heights[1] < heights[2] < heights[3]  # SVG y grows downwards: the rate fell
    assert "refusal rate dropped" in page.inner_text("#reviews-table")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_reassessment_pages_have_no_serious_wcag_violation(seeded: Portal, page: Any, lang: str) -> None:
    from tests.portal.test_accessibility import AXE, BLOCKING, axe_violations, describe

    source = AXE.read_text()
    failures: list[str] = []
    page.goto(f"{page.base}/reassess?as_of={TODAY}&lang={lang}")
    failures += [describe("/reassess", [v]) for v in axe_violations(page, source) if v["impact"] in BLOCKING]
    browser_fixtures._login(page, Role.regulator)
    page.goto(f"{page.base}/systems/{CHATBOT}/assessments")
    assert page.evaluate("document.documentElement.lang").startswith(lang)
    failures += [
        describe("/assessments", [v]) for v in axe_violations(page, source) if v["impact"] in BLOCKING
    ]
    assert not failures, "\n".join(failures)
