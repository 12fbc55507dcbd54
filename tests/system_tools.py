"""The Debian tools the independent checks run (exiftool, ffmpeg/ffprobe, Chromium).

``make setup`` installs them from system-packages.txt, so a missing one is a broken environment,
not a reason to pass quietly: the test fails and says how to fix it. A run that is deliberately
partial (a laptop without Chromium, say) sets ``TONGZHOU_ALLOW_MISSING_TOOLS=1`` and those tests
skip with the same message instead.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tongzhou.reports.browser import chromium_path

ALLOW_MISSING_ENV = "TONGZHOU_ALLOW_MISSING_TOOLS"


def _missing(what: str) -> None:
    message = (
        f"{what} is not installed, and the independent check needs it: run `make setup` "
        f"(system-packages.txt), or set {ALLOW_MISSING_ENV}=1 for a deliberately partial run"
    )
    if os.environ.get(ALLOW_MISSING_ENV) == "1":
        pytest.skip(message)
    pytest.fail(message, pytrace=False)


def need_tool(tool: str) -> None:
    """Fail (or, with ``TONGZHOU_ALLOW_MISSING_TOOLS=1``, skip) unless ``tool`` is on PATH."""
    if shutil.which(tool) is None:
        _missing(tool)


def need_chromium() -> None:
    """Fail (or, with ``TONGZHOU_ALLOW_MISSING_TOOLS=1``, skip) unless headless Chromium is there."""
    if chromium_path() is None:
        _missing("Chromium (apt-get install chromium, or $TONGZHOU_CHROMIUM)")
