"""The AI-system registry: the SystemProfile schema, loading, example profiles, and the registry service."""

from tongzhou.systems.loading import load_profile, profile_from_data
from tongzhou.systems.profile import SystemProfile

__all__ = ["SystemProfile", "load_profile", "profile_from_data"]
