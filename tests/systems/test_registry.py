"""The registry on SQLite and PostgreSQL (the `store` fixture runs each test on both)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tongzhou.errors import InputError
from tongzhou.store import Store
from tongzhou.systems.bundled import example_profile, example_profiles
from tongzhou.systems.loading import load_profile
from tongzhou.systems.registry import SystemRegistry


def test_add_list_get_remove(store: Store) -> None:
    registry = SystemRegistry(store)
    for profile in example_profiles():
        assert registry.add(profile) == "added"
    ids = [s.id for s in registry.list()]
    assert ids == sorted(p.id for p in example_profiles())
    cv = registry.get("cv-screening")
    assert cv == example_profile("cv-screening")
    registry.remove("cv-screening")
    assert not registry.exists("cv-screening")
    with pytest.raises(InputError, match="no registered system 'cv-screening'"):
        registry.get("cv-screening")
    with pytest.raises(InputError, match="no registered system"):
        registry.remove("cv-screening")


def test_add_is_idempotent_and_refuses_silent_overwrite(store: Store) -> None:
    registry = SystemRegistry(store)
    profile = example_profile("credit-scoring")
    assert registry.add(profile) == "added"
    assert registry.add(profile) == "unchanged"
    changed = profile.model_copy(update={"version": "3.2"})
    with pytest.raises(InputError, match="already registered with different content"):
        registry.add(changed)
    assert registry.get("credit-scoring").version == "3.1"
    assert registry.add(changed, replace=True) == "updated"
    assert registry.get("credit-scoring").version == "3.2"
    summary = registry.list()[0]
    assert summary.sha256.startswith("sha256:") and summary.version == "3.2"


def test_export_round_trips_atomically(store: Store, tmp_path: Path) -> None:
    registry = SystemRegistry(store)
    profile = example_profile("frontier-gpai")
    registry.add(profile)
    for fmt in ("yaml", "json"):
        out = tmp_path / "out" / f"frontier.{fmt}"
        registry.export("frontier-gpai", fmt, out)
        assert load_profile(out) == profile
        assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp files left
    assert json.loads(registry.export("frontier-gpai", "json"))["model"]["training_compute_flop"] == 3.0e26


def test_demo_summary_shows_the_applicable_headline(store: Store, tmp_path: Path) -> None:
    """The demo's classification step prints the headline that applies today, with changes to come."""
    import io

    from rich.console import Console

    from tongzhou.demo import DemoContext
    from tongzhou.demo.classification_step import register_and_classify_systems

    out = io.StringIO()
    register_and_classify_systems(DemoContext(store, Console(file=out, width=400), tmp_path))
    text = out.getvalue()
    assert "prohibited practice" in text  # classroom-emotion, EU
    doc = json.loads((tmp_path / "classification" / "cv-screening.json").read_text(encoding="utf-8"))
    eu = next(j for j in doc["jurisdictions"] if j["jurisdiction"] == "eu")
    # classified as of today: before 2 Dec 2027 nothing applies yet and high-risk is listed as upcoming
    if eu["headline"]["status"] == "none":
        assert "from 2027-12-02: high-risk AI system" in eu["headline"]["text"]
        assert "from 2027-12-02: high-risk AI system" in text
    else:
        assert eu["headline"]["tier"] == "high_risk"
    assert "Headline / 结论" in (tmp_path / "classification" / "cv-screening.md").read_text(encoding="utf-8")
