"""PDF from the HTML report, printed by headless Chromium (A4, backgrounds on)."""

from __future__ import annotations

from pathlib import Path

from tongzhou.atomic_file import atomic_target
from tongzhou.errors import InputError
from tongzhou.reports.browser import chromium_page


def html_to_pdf(html: str, target: Path) -> Path:
    """Print ``html`` to ``target`` (written to a temporary file, then renamed into place)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        with atomic_target(target, suffix=".pdf") as tmp, chromium_page() as page:
            page.set_content(html, wait_until="load")
            page.pdf(
                path=tmp,
                format="A4",
                print_background=True,
                margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
            )
    except PlaywrightError as exc:
        raise InputError(f"Chromium could not print the PDF: {str(exc).splitlines()[0]}") from exc
    return target
