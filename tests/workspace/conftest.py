"""Workspace fixtures: the registry filled with the bundled examples, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tongzhou.store import Store
from tongzhou.systems.bundled import example_profiles
from tongzhou.systems.registry import SystemRegistry
from tongzhou.workspace.service import ComplianceWorkspace

AS_OF = dt.date(2026, 12, 6)
BUNDLED_CO = (
    Path(__file__).resolve().parents[2] / "src" / "tongzhou" / "classify" / "rules" / "us-co-sb26-189.yaml"
)


@pytest.fixture
def workspace(store: Store) -> ComplianceWorkspace:
    """A workspace over a store holding the ten example systems (none planned yet)."""
    registry = SystemRegistry(store)
    for profile in example_profiles():
        registry.add(profile)
    return ComplianceWorkspace(store)


@pytest.fixture
def amended_co_rules(tmp_path: Path) -> Path:
    """A rules overlay in which Colorado's rule moved its date, dropped one duty and added another."""
    text = BUNDLED_CO.read_text("utf-8")
    assert "applies_from: 2027-01-01\n  - {id: co.not_covered" in text  # the lines edited below
    assert "co.correction_review, co.records]" in text
    text = text.replace(
        "applies_from: 2027-01-01\n  - {id: co.not_covered",
        "applies_from: 2027-06-30\n  - {id: co.not_covered",
    )
    text = text.replace("co.correction_review, co.records]", "co.correction_review, co.impact_note]")
    text = text.replace(
        "obligations:\n",
        'obligations:\n  co.impact_note: {title: "Annual impact note", title_zh: 年度影响说明, '
        'legal_basis: "SB 26-189, test amendment", addressee: any}\n',
        1,
    )
    directory = tmp_path / "amended-rules"
    directory.mkdir()
    (directory / BUNDLED_CO.name).write_text(text, "utf-8")
    return directory
