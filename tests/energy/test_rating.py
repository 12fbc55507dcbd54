"""Five-band rating against reference runs (AI Energy Score method)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tongzhou.energy.rating import ReferenceTable, scoped_joules
from tongzhou.errors import InputError

REFS = """
task_classes:
  demo/class: {description: "two to ten Wh", scope: machine}
runs:
  - {task_class: demo/class, model: a, hardware: h, wh_per_1000_queries: 2.0, method: measured, meter: rapl,
     measured_at: "2026-11-23", source: test}
  - {task_class: demo/class, model: b, hardware: h, wh_per_1000_queries: 10.0, method: measured, meter: rapl,
     measured_at: "2026-11-23", source: test}
"""


@pytest.fixture
def table(tmp_path: Path) -> ReferenceTable:
    p = tmp_path / "refs.yaml"
    p.write_text(REFS)
    return ReferenceTable.load(extra=p)


@pytest.mark.parametrize(
    ("value", "stars"),
    [(2.0, 5), (3.59, 5), (3.61, 4), (5.0, 4), (6.0, 3), (7.5, 2), (9.9, 1), (10.0, 1)],
)
def test_five_equal_bands_lowest_energy_gets_five_stars(
    table: ReferenceTable, value: float, stars: int
) -> None:
    rating = table.rate("demo/class", value)
    assert rating.stars == stars
    assert rating.band_edges == pytest.approx((2.0, 3.6, 5.2, 6.8, 8.4, 10.0))


def test_outside_the_range_is_flagged(table: ReferenceTable) -> None:
    low, high = table.rate("demo/class", 0.5), table.rate("demo/class", 50.0)
    assert (low.stars, high.stars) == (5, 1)
    assert "below" in low.note and "above" in high.note


def test_bundled_references_carry_provenance_and_rate_the_h100_class() -> None:
    table = ReferenceTable.load()
    h100 = [r for r in table.runs if r.task_class == "text-generation/h100"]
    assert len(h100) >= 2
    assert all(r.method == "measured" and r.meter == "nvml" and r.source for r in h100)
    assert table.rate("text-generation/h100", min(r.wh_per_1000_queries for r in h100)).stars == 5


def test_too_few_references_means_no_stars(table: ReferenceTable, tmp_path: Path) -> None:
    p = tmp_path / "one.yaml"
    p.write_text(
        "task_classes: {solo: {description: x, scope: gpu}}\nruns:\n"
        "  - {task_class: solo, model: a, hardware: h, wh_per_1000_queries: 1, method: measured,"
        " meter: nvml, measured_at: x, source: y}\n"
    )
    rating = ReferenceTable.load(extra=p).rate("solo", 1.0)
    assert rating.stars is None and "fewer than two" in rating.note


@pytest.mark.parametrize(
    "bad",
    [
        "runs: [{task_class: nope, model: a, hardware: h, wh_per_1000_queries: 1, method: m, meter: x,"
        " measured_at: d, source: s}]",
        "runs: [{task_class: text-generation/h100, model: a}]",
        "task_classes: {x: {scope: planet}}",
        "runs: [{task_class: text-generation/h100, model: a, hardware: h, wh_per_1000_queries: -3,"
        " method: m, meter: x, measured_at: d, source: s}]",
        "[1, 2",
    ],
)
def test_bad_reference_files_are_refused(tmp_path: Path, bad: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(bad)
    with pytest.raises(InputError):
        ReferenceTable.load(extra=p)


def test_unknown_task_class(table: ReferenceTable) -> None:
    with pytest.raises(InputError, match="unknown task class"):
        table.rate("no/such", 1.0)


def test_gpu_scope_counts_only_gpu_meters() -> None:
    energy = {
        "joules": 10.0,
        "components": [
            {"meter": "nvml", "covers": ["gpu"], "joules": 7.0},
            {"meter": "tdp-estimate", "covers": ["cpu"], "joules": 3.0},
        ],
    }
    assert scoped_joules(energy, "gpu") == 7.0
    assert scoped_joules(energy, "machine") == 10.0
    assert scoped_joules({"joules": 3.0, "components": [{"covers": ["cpu"], "joules": 3.0}]}, "gpu") is None
