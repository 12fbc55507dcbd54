"""The verdict a signed summary stored for a threshold, read for display (never judged here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SHOWN = ("pass", "fail", "inconclusive", "none", "not-pass")
"""The values :func:`stored_verdict` returns."""


def stored_verdict(verdict: Mapping[str, Any] | None) -> str:
    """``pass`` / ``fail`` / ``inconclusive`` as stored; ``none`` when no verdict was stored (no
    threshold); ``not-pass`` for reports signed before the summary stored ``verdict`` by name (they
    only say ``passed``, which cannot tell a fail from an inconclusive result)."""
    if not verdict:
        return "none"
    if verdict.get("verdict") in ("pass", "fail", "inconclusive"):
        return str(verdict["verdict"])
    return "pass" if verdict.get("passed") else "not-pass"
