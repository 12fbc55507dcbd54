"""The AI-system registry: the SystemProfile schema, loading, example profiles, and the registry service."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tongzhou.systems.loading import load_profile, profile_from_data
    from tongzhou.systems.profile import SystemProfile

__all__ = ["SystemProfile", "load_profile", "profile_from_data"]

_HOMES = {
    "SystemProfile": "tongzhou.systems.profile",
    "load_profile": "tongzhou.systems.loading",
    "profile_from_data": "tongzhou.systems.loading",
}


def __getattr__(name: str) -> Any:
    # Loaded on first use (PEP 562): the pydantic models cost ~0.1 s, which `tongzhou systems list`
    # and the store's table imports do not need.
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
