"""Screenshots of the re-assessment pages for docs/reassess.md, in Debian's Chromium.

Seeds a throw-away store with the bundled example systems and the reviews of
``tests/portal/reassess_seed.py`` (a city's chat assistant re-evaluated monthly through a loopback
stub endpoint whose refusals stop), serves the portal on loopback and writes
``docs/reassess-overdue.png`` (the overdue dashboard, as a regulator sees it) and
``docs/reassess-history.png`` (the assistant's review history and trend chart).

Run: ``PYTHONPATH=src .venv/bin/python scripts/reassess_screenshot.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def main() -> None:
    os.environ["TONGZHOU_HOME"] = tempfile.mkdtemp(prefix="reassess-shots-")
    os.environ.pop("TONGZHOU_DATABASE_URL", None)
    from tests.conftest import free_port
    from tests.portal.conftest import ACCOUNTS, PASSWORD, seed
    from tests.portal.reassess_seed import CHATBOT, TODAY, seed_reviews
    from tests.reassess.conftest import running_stub
    from tests.threats.conftest import ThreadedServer

    from tongzhou.portal import totp
    from tongzhou.portal.roles import Role
    from tongzhou.portal.service import create_service
    from tongzhou.reports.browser import chromium_page
    from tongzhou.store import open_store

    store = open_store()
    seed(store)
    with running_stub() as stub:
        seed_reviews(store, stub)
    port = free_port()
    server = ThreadedServer(create_service(store), port)
    server.start()
    base = f"http://127.0.0.1:{port}"
    try:
        with chromium_page() as page:
            page.goto(f"{base}/login")
            page.fill("input[name=name]", ACCOUNTS[Role.regulator])
            page.fill("input[name=password]", PASSWORD)
            page.click("main button[type=submit]")
            secret = page.inner_text("#totp-secret")
            page.fill("input[name=code]", totp.totp_at(secret, time.time()))
            page.click("main button[type=submit]")
            page.wait_for_url(f"{base}/")
            for path, name, height in (
                (f"/reassess?as_of={TODAY}", "reassess-overdue.png", 760),
                (f"/systems/{CHATBOT}/assessments", "reassess-history.png", 1000),
            ):
                page.set_viewport_size({"width": 1000, "height": height})
                page.goto(f"{base}{path}")
                target = ROOT / "docs" / name
                page.screenshot(path=str(target), full_page=False)
                print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KiB")
    finally:
        server.stop()
        store.close()


if __name__ == "__main__":
    main()
