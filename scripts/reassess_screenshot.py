"""Screenshots of the re-assessment pages for docs/reassess.md, in Debian's Chromium.

Seeds a throw-away store with the bundled example systems and the reviews of
``tests/portal/reassess_seed.py`` (a city's chat assistant re-evaluated monthly through a loopback
stub endpoint whose refusals stop), serves the portal on loopback and writes
``docs/reassess-overdue.png`` (the overdue dashboard, as a regulator sees it) and
``docs/reassess-history.png`` (the assistant's review history and trend chart).

Run: ``PYTHONPATH=src .venv/bin/python scripts/reassess_screenshot.py``.
"""

from __future__ import annotations

from screenshot_kit import browser_tab, save, seeded_store, served, sign_in


def main() -> None:
    from tests.portal.reassess_seed import CHATBOT, TODAY, seed_reviews
    from tests.reassess.conftest import running_stub

    from tongzhou.portal.roles import Role

    with seeded_store("reassess-shots-") as store:
        with running_stub() as stub:
            seed_reviews(store, stub)
        with served(store) as base, browser_tab() as page:
            sign_in(page, base, store, Role.regulator)
            for path, name, height in (
                (f"/reassess?as_of={TODAY}", "reassess-overdue.png", 760),
                (f"/systems/{CHATBOT}/assessments", "reassess-history.png", 1000),
            ):
                page.set_viewport_size({"width": 1000, "height": height})
                page.goto(f"{base}{path}")
                save(page, name)


if __name__ == "__main__":
    main()
