"""axe-core's WCAG 2.1 A/AA rules over the consultation pages, in English and Chinese, as the
public and as the regulator (the same check as test_accessibility.py's main pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.consultation.drafts import MARKDOWN, publish_rules_draft
from tests.portal.conftest import Portal
from tests.portal.test_accessibility import AXE, BLOCKING, axe_violations, describe
from tests.portal.test_browser import _login, live, page  # noqa: F401  (fixtures)
from tongzhou.consultation import ConsultationBook
from tongzhou.portal.roles import Role

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_consultation_pages_have_no_serious_wcag_violation(
    page: Any,  # noqa: F811
    portal: Portal,
    lang: str,
) -> None:
    book = ConsultationBook(portal.store)
    now = dt.datetime.now(dt.UTC)
    book.publish(
        "public-ai",
        "Draft measures",
        MARKDOWN,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=5),
        by="reg",
    )
    made = book.comment("public-ai", "p3", "Too often.", author=None, client_digest="a", display_name="Li")
    book.moderate("public-ai", made.id, "approve", by="reg")
    publish_rules_draft(book, now=now)
    source = AXE.read_text()
    failures: list[str] = []
    page.goto(f"{page.base}/?lang={lang}")
    public = [
        "/consultations",
        "/consultations/public-ai",
        "/consultations/co-earlier",
        "/consultations/co-earlier/diff",
    ]
    regulator = ["/consultations/new", "/consultations/public-ai/moderation"]
    for path in public:
        page.goto(f"{page.base}{path}")
        assert page.evaluate("document.documentElement.lang").startswith(lang)
        blocking = [v for v in axe_violations(page, source) if v["impact"] in BLOCKING]
        if blocking:
            failures.append(describe(path, blocking))
    _login(page, Role.regulator)
    for path in regulator:
        page.goto(f"{page.base}{path}")
        blocking = [v for v in axe_violations(page, source) if v["impact"] in BLOCKING]
        if blocking:
            failures.append(describe(path, blocking))
    assert not failures, "\n".join(failures)
