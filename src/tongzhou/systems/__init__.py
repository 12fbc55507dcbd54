"""The AI-system registry: the SystemProfile schema, loading, example profiles, and the registry service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tongzhou.lazy_names import lazy_names

if TYPE_CHECKING:
    from tongzhou.systems.bundled import example_names, example_profile
    from tongzhou.systems.loading import dump_profile, load_profile, profile_from_data
    from tongzhou.systems.profile import SystemProfile
    from tongzhou.systems.registry import SystemRegistry, SystemSummary, profile_digest

__all__ = [
    "SystemProfile",
    "SystemRegistry",
    "SystemSummary",
    "dump_profile",
    "example_names",
    "example_profile",
    "load_profile",
    "profile_digest",
    "profile_from_data",
]

_HOMES = {
    "SystemProfile": "tongzhou.systems.profile",
    "SystemRegistry": "tongzhou.systems.registry",
    "SystemSummary": "tongzhou.systems.registry",
    "dump_profile": "tongzhou.systems.loading",
    "example_names": "tongzhou.systems.bundled",
    "example_profile": "tongzhou.systems.bundled",
    "load_profile": "tongzhou.systems.loading",
    "profile_digest": "tongzhou.systems.registry",
    "profile_from_data": "tongzhou.systems.loading",
}


# Loaded on first use: the pydantic models cost ~0.1 s, which `tongzhou systems list` and the
# store's table imports do not need.
__getattr__ = lazy_names(__name__, _HOMES)
