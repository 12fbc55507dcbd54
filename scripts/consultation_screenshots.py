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
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def main() -> None:
    os.environ["TONGZHOU_HOME"] = tempfile.mkdtemp(prefix="consultation-shots-")
    os.environ.pop("TONGZHOU_DATABASE_URL", None)
    from tests.conftest import free_port
    from tests.consultation.drafts import MARKDOWN, publish_rules_draft
    from tests.portal.conftest import seed
    from tests.threats.conftest import ThreadedServer

    from tongzhou.consultation import ConsultationBook
    from tongzhou.portal.service import create_service
    from tongzhou.reports.browser import chromium_page
    from tongzhou.store import open_store

    store = open_store()
    seed(store)
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
    port = free_port()
    server = ThreadedServer(create_service(store), port)
    server.start()
    try:
        with chromium_page() as page:
            phone = page.context.browser.new_context(
                viewport={"width": 390, "height": 760}, has_touch=True, is_mobile=True, device_scale_factor=1
            ).new_page()
            phone.goto(f"http://127.0.0.1:{port}/consultations/public-ai?paragraph=p3#para-p2")
            shots = [(phone, "consultation-phone.png")]
            page.set_viewport_size({"width": 1000, "height": 1250})
            page.goto(f"http://127.0.0.1:{port}/consultations/co-earlier/diff")
            shots.append((page, "consultation-diff.png"))
            for tab, name in shots:
                target = ROOT / "docs" / name
                tab.screenshot(path=str(target), full_page=False)
                print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KiB")
    finally:
        server.stop()
        store.close()


if __name__ == "__main__":
    main()
