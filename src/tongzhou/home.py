"""Where Tongzhou keeps its files: the home directory (TONGZHOU_HOME)."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "TONGZHOU_HOME"
DEFAULT_HOME = Path("~/.tongzhou")


def tongzhou_home() -> Path:
    """Return the home directory, creating it (mode 0700) if needed.

    ``TONGZHOU_HOME`` overrides the default ``~/.tongzhou``. The home holds the
    SQLite store, keys and run artefacts.
    """
    home = Path(os.environ.get(HOME_ENV) or DEFAULT_HOME).expanduser()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home
