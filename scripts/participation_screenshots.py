"""Screenshots of public participation for docs/participation.md, in Debian's Chromium: the public
report form (its spam check solved by the browser), a report as a moderator sees it, and a provider's
notice with the EU AI Act Art. 73 deadline.

Seeds a throw-away store (the bundled example systems, one account per role), files one report and
accepts a second, serves the portal on loopback and writes ``docs/participation-form.png``,
``docs/participation-moderation.png`` and ``docs/participation-provider.png`` (1000 px wide).

Run: ``PYTHONPATH=src .venv/bin/python scripts/participation_screenshots.py``.
"""

from __future__ import annotations

import datetime as dt

from screenshot_kit import browser_tab, save, seeded_store, served, sign_in


def main() -> None:
    from tests.portal.conftest import PUBLIC_ID

    from tongzhou.participation import Moderation, ReportBook, Seriousness, build_submission
    from tongzhou.portal.listing_index import set_organisation
    from tongzhou.portal.roles import Role

    with seeded_store("participation-shots-") as store:
        set_organisation(store, PUBLIC_ID, "acme")
        fields = {
            "system_id": PUBLIC_ID,
            "what_happened": "Every applicant over 50 was rejected within a minute of applying, "
            "whatever their experience. Three friends saw the same.",
            "occurred_on": (dt.date.today() - dt.timedelta(days=10)).isoformat(),
            "contact": "reporter@example.org",
        }
        links = ["https://news.example.org/screening-story"]
        book, moderation = ReportBook(store), Moderation(store)
        waiting = book.submit(build_submission(fields, harms=["rights"], links=links, files=[]))
        accepted = book.submit(build_submission(fields, harms=["rights"], links=links, files=[]))
        moderation.accept(
            accepted.report_id,
            "reg",
            title="CV screening tool rejects applicants over 50",
            seriousness=Seriousness(serious=True, widespread_infringement=True),
        )
        shots = (
            (None, f"/report?system={PUBLIC_ID}", "participation-form.png", 1250),
            (
                Role.regulator,
                f"/moderation/reports/{waiting.report_id}",
                "participation-moderation.png",
                1250,
            ),
            (Role.provider, "/provider/incidents?as_of=2028-01-01", "participation-provider.png", 600),
        )
        with served(store) as base, browser_tab() as page:
            for role, path, name, height in shots:
                sign_in(page, base, store, role)
                page.set_viewport_size({"width": 1000, "height": height})
                page.goto(f"{base}{path}")
                if role is None:
                    page.wait_for_selector("form[data-proof-of-work-state=solved]", timeout=60_000)
                save(page, name)


if __name__ == "__main__":
    main()
