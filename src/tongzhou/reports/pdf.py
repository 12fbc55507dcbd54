"""PDF from the HTML report, printed by headless Chromium (A4, backgrounds on)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tongzhou.errors import InputError
from tongzhou.reports.browser import chromium_page


def html_to_pdf(html: str, target: Path) -> Path:
    """Print ``html`` to ``target`` (written to a temporary file, then renamed into place)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".pdf", dir=target.parent)
    os.close(fd)
    from playwright.sync_api import Error as PlaywrightError

    try:
        with chromium_page() as page:
            page.set_content(html, wait_until="load")
            page.pdf(
                path=tmp,
                format="A4",
                print_background=True,
                margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
            )
        os.replace(tmp, target)
    except PlaywrightError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"Chromium could not print the PDF: {str(exc).splitlines()[0]}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
