"""Screenshots of the portal for docs/portal.md: the registry, a system page and the dashboards, in
Debian's Chromium.

Seeds a throw-away store with the bundled example systems and plans each one's compliance workspace
(the dashboards count planned systems), serves the portal on loopback, and writes
``docs/portal-registry.png``, ``docs/portal-system.png`` and ``docs/portal-dashboards.png`` (1000 px
wide, cut to the top of the page to keep them small).

Run: ``PYTHONPATH=src .venv/bin/python scripts/portal_screenshots.py``.
"""

from __future__ import annotations

from screenshot_kit import browser_tab, save, seeded_store, served


def main() -> None:
    from tests.portal.conftest import PUBLIC_ID

    from tongzhou.systems.registry import SystemRegistry
    from tongzhou.workspace import ComplianceWorkspace

    with seeded_store("portal-shots-") as store:
        workspace = ComplianceWorkspace(store)
        for system in SystemRegistry(store).list():
            workspace.plan(system.id)
        with served(store) as base, browser_tab() as page:
            for path, name, height in (
                ("/registry", "portal-registry.png", 640),
                (f"/systems/{PUBLIC_ID}", "portal-system.png", 1100),
                ("/dashboards", "portal-dashboards.png", 1100),
            ):
                page.set_viewport_size({"width": 1000, "height": height})
                page.goto(f"{base}{path}")
                save(page, name)


if __name__ == "__main__":
    main()
