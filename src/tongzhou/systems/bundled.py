"""The example profiles shipped with Tongzhou (package data in ``systems/examples``)."""

from __future__ import annotations

from importlib import resources

from tongzhou.systems.loading import parse_profile_text, profile_from_data
from tongzhou.systems.profile import SystemProfile

EXAMPLES_PACKAGE = "tongzhou.systems.examples"


def example_names() -> list[str]:
    """Ids of the bundled example profiles, sorted."""
    return sorted(
        f.name.removesuffix(".yaml")
        for f in resources.files(EXAMPLES_PACKAGE).iterdir()
        if f.name.endswith(".yaml")
    )


def example_profile(name: str) -> SystemProfile:
    """Load one bundled example by id (e.g. ``"cv-screening"``)."""
    source = f"examples/{name}.yaml"
    text = resources.files(EXAMPLES_PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return profile_from_data(parse_profile_text(text, source), source)


def example_profiles() -> list[SystemProfile]:
    """Every bundled example, validated."""
    return [example_profile(n) for n in example_names()]
