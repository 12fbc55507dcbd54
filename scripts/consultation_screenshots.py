"""Screenshots of a consultation for docs/consultation.md, in Debian's Chromium: a draft page on a
phone (390 px, touch) with an approved comment and the regulator's response, and the rule-file
diff with the systems whose tier would change (desktop).

Seeds a throw-away store (the example systems, a Markdown draft with a moderated and answered
comment, the Colorado rule-file draft of tests/consultation/drafts.py), serves the portal on
loopback and writes ``docs/consultation-phone.png`` and ``docs/consultation-diff.png``.

Run: ``PYTHONPATH=src .venv/bin/python scripts/consultation_screenshots.py``.
"""

from __future__ import annotations

import datetime as dt

from screenshot_kit import browser_tab, save, seeded_store, served


def main() -> None:
    from tests.consultation.drafts import MARKDOWN, publish_rules_draft

    from tongzhou.consultation import ConsultationBook

    with seeded_store("consultation-shots-") as store:
        book = ConsultationBook(store)
        now = dt.datetime.now(dt.UTC)
        opened, closes = now - dt.timedelta(days=20), now + dt.timedelta(days=10)
        book.publish(
            "public-ai",
            "Draft measures on public-sector AI",
            MARKDOWN,
            opens_at=opened,
            closes_at=closes,
            by="reg",
            now=opened,
        )
        made = book.comment(
            "public-ai",
            "p3",
            "Once a year is too often for small municipalities.",
            author=None,
            client_digest="shot",
            display_name="Li Wei",
            now=opened,
        )
        book.moderate("public-ai", made.id, "approve", by="reg", now=opened)
        book.respond(
            "public-ai",
            made.id,
            "Agreed: Article 2 now says every two years.",
            by="reg",
            now=closes + dt.timedelta(hours=1),
        )
        publish_rules_draft(book, now=now)
        with served(store) as base, browser_tab() as page:
            phone = page.context.browser.new_context(
                viewport={"width": 390, "height": 760}, has_touch=True, is_mobile=True, device_scale_factor=1
            ).new_page()
            phone.goto(f"{base}/consultations/public-ai?paragraph=p3#para-p2")
            save(phone, "consultation-phone.png")
            page.set_viewport_size({"width": 1000, "height": 1250})
            page.goto(f"{base}/consultations/co-earlier/diff")
            save(page, "consultation-diff.png")


if __name__ == "__main__":
    main()
