"""Screenshots of the portal for docs/portal.md: the registry, a system page and the dashboards, in
Debian's Chromium.

Seeds a throw-away store with the bundled example systems and plans each one's compliance workspace
(the dashboards count planned systems), serves the portal on loopback, and writes
``docs/portal-registry.png``, ``docs/portal-system.png`` and ``docs/portal-dashboards.png`` (1000 px
wide, cut to the top of the page to keep them small).

Run: ``PYTHONPATH=src .venv/bin/python scripts/portal_screenshots.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def main() -> None:
    os.environ["TONGZHOU_HOME"] = tempfile.mkdtemp(prefix="portal-shots-")
    os.environ.pop("TONGZHOU_DATABASE_URL", None)
    from tests.conftest import free_port
    from tests.portal.conftest import PUBLIC_ID, seed
    from tests.threats.conftest import ThreadedServer

    from tongzhou.portal.service import create_service
    from tongzhou.reports.browser import chromium_page
    from tongzhou.store import open_store
    from tongzhou.systems.registry import SystemRegistry
    from tongzhou.workspace import ComplianceWorkspace

    store = open_store()
    seed(store)
    workspace = ComplianceWorkspace(store)
    for system in SystemRegistry(store).list():
        workspace.plan(system.id)
    port = free_port()
    server = ThreadedServer(create_service(store), port)
    server.start()
    try:
        with chromium_page() as page:
            for path, name, height in (
                ("/registry", "portal-registry.png", 640),
                (f"/systems/{PUBLIC_ID}", "portal-system.png", 1100),
                ("/dashboards", "portal-dashboards.png", 1100),
            ):
                page.set_viewport_size({"width": 1000, "height": height})
                page.goto(f"http://127.0.0.1:{port}{path}")
                target = ROOT / "docs" / name
                page.screenshot(path=str(target), full_page=False)
                print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KiB")
    finally:
        server.stop()
        store.close()


if __name__ == "__main__":
    main()
