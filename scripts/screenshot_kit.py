"""What the documentation screenshot scripts share (``scripts/*_screenshots.py``,
``scripts/reassess_screenshot.py``): a throw-away home with the portal test seed (the bundled example
systems, a non-public entry, one account per role), the whole service on a loopback port, a signed-in
browser tab, and a shot saved under ``docs/``.

Each script puts its own data in the store before serving it, then drives Debian's Chromium
(``tongzhou.reports.browser.chromium_page``) through the pages it pictures.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "src"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

if TYPE_CHECKING:
    from tongzhou.portal.roles import Role
    from tongzhou.store import Store


@contextmanager
def seeded_store(prefix: str) -> Iterator[Store]:
    """A new SQLite store in a temporary ``TONGZHOU_HOME``, with the portal tests' seed."""
    os.environ["TONGZHOU_HOME"] = tempfile.mkdtemp(prefix=prefix)
    os.environ.pop("TONGZHOU_DATABASE_URL", None)
    from tests.portal.conftest import seed

    from tongzhou.store import open_store

    store = open_store()
    try:
        seed(store)
        yield store
    finally:
        store.close()


@contextmanager
def served(store: Store) -> Iterator[str]:
    """The whole service (portal, API, TAXII) on a free loopback port; yields its base URL."""
    from tests.conftest import free_port
    from tests.threats.conftest import ThreadedServer

    from tongzhou.portal.service import create_service

    port = free_port()
    server = ThreadedServer(create_service(store), port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@contextmanager
def browser_tab() -> Iterator[Any]:
    """A page of Debian's headless Chromium (no browser download)."""
    from tongzhou.reports.browser import chromium_page

    with chromium_page() as page:
        yield page


def sign_in(page: Any, base: str, store: Store, role: Role | None) -> None:
    """Give the tab a finished session of the seed's account for ``role`` (None: signed out)."""
    from tests.portal.conftest import ACCOUNTS

    from tongzhou.portal.sessions import COOKIE, SessionBook

    page.context.clear_cookies()
    if role is not None:
        cookie = SessionBook(store).open(ACCOUNTS[role], second_factor_done=True)
        page.context.add_cookies([{"name": COOKIE, "value": cookie, "url": base}])


def save(tab: Any, name: str) -> None:
    """Screenshot the visible part of ``tab`` to ``docs/<name>`` and print its size."""
    target = ROOT / "docs" / name
    tab.screenshot(path=str(target), full_page=False)
    print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KiB")
