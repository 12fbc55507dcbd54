"""Headless Chromium (Debian's /usr/bin/chromium through playwright; never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tongzhou.errors import InputError

CHROMIUM_ENV = "TONGZHOU_CHROMIUM"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> Path | None:
    """``$TONGZHOU_CHROMIUM``, else /usr/bin/chromium, else ``chromium`` on PATH; None when absent."""
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@contextmanager
def chromium_page() -> Iterator[Any]:
    """A fresh page in headless Chromium; raises :class:`InputError` when Chromium is not installed."""
    executable = chromium_path()
    if executable is None:
        raise InputError("Chromium is not installed (apt-get install chromium, or set TONGZHOU_CHROMIUM)")
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS, headless=True)
        except PlaywrightError as exc:
            raise InputError(f"Chromium at {executable} did not start: {str(exc).splitlines()[0]}") from exc
        try:
            yield browser.new_page()
        finally:
            browser.close()
