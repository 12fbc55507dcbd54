"""Reading the JSON files the importers and ``threats push`` take: a list, or an object holding one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tongzhou.errors import InputError


def read_json_list(path: Path, key: str, what: str, expected: str) -> list[Any]:
    """The list in the JSON file ``path``: the document itself, or its ``key`` member.

    :class:`InputError` naming the file when it cannot be read as JSON (``what``: the kind of
    file, for the message) or holds no such list (``expected``: what it should hold).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read {what}: {exc}") from None
    items = data.get(key) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InputError(f"{path}: expected {expected}")
    return items
