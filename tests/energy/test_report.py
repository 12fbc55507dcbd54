"""The energy report of an evaluation run, from a run summary shaped as in contracts.md."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tongzhou.energy import measure
from tongzhou.energy.estimate import CpuTdpEstimate, RamEstimate
from tongzhou.energy.report import TrainingFacts, build_report, render_markdown
from tongzhou.errors import InputError


def run_summary_with_energy(items: int = 4, tokens: int | None = 120) -> dict[str, Any]:
    """A run summary (contracts.md shape) whose energy comes from a real window on this machine."""
    with measure("eval-run", meters=[CpuTdpEstimate(), RamEstimate()]) as window:
        time.sleep(0.05)
    if tokens:
        window.record(tokens=tokens)
    window.record(queries=items)
    return {
        "run_id": "run-0001",
        "status": "complete",
        "started_at": "2026-11-23T00:00:00+00:00",
        "finished_at": "2026-11-23T00:01:00+00:00",
        "model": {
            "kind": "gguf",
            "name": "SmolLM2-135M-Instruct",
            "identity": "sha256:abc",
            "parameters": {},
        },
        "standard_profile": {"id": "gb-t-45654", "version": "2025", "source": "x", "thresholds": {}},
        "banks": [],
        "items": [{"item_id": f"i{i}"} for i in range(items)],
        "scorers": {},
        "metrics": {},
        "verdicts": {},
        "energy": window.to_dict(country="CN"),
        "software": {"name": "tongzhou", "version": "0.1.0"},
        "system_profile_sha256": None,
    }


def test_report_has_energy_carbon_water_rating_sci_and_annex_xi() -> None:
    summary = run_summary_with_energy()
    e = summary["energy"]
    report = build_report(summary)
    json.dumps(report)
    assert report["energy"]["joules"] == e["joules"]
    assert report["energy"]["method"] == "estimated"
    assert report["energy"]["wh_per_1000_queries"] == pytest.approx(e["joules"] / 3.6 / 4)
    assert report["energy"]["joules_per_token"] == pytest.approx(e["joules"] / 120)
    assert report["carbon"]["g_co2e"] == pytest.approx(e["carbon"]["g_co2e"])
    assert report["water"]["litres"] == pytest.approx(e["water"]["litres"])
    sci = report["sci"]
    assert sci["functional_unit"] == "token" and sci["R"] == 120
    assert sci["value_g_co2e_per_unit"] == pytest.approx(e["carbon"]["g_co2e"] / 120)
    assert "not included" in sci["M_note"]
    annex = report["annex_xi"]
    assert "Annex XI" in annex["reference"]
    assert annex["training_compute_flop"] is None
    assert annex["evaluation_energy_method"] == "estimated"


def test_sci_per_query_and_embodied_emissions_when_no_tokens() -> None:
    summary = run_summary_with_energy(items=5, tokens=None)
    report = build_report(
        summary,
        embodied_g=2.0,
        training=TrainingFacts(compute_flop=1e21, time_hours=10, energy_kwh=500, energy_method="estimated"),
    )
    sci = report["sci"]
    assert sci["functional_unit"] == "query" and sci["R"] == 5
    assert sci["value_g_co2e_per_unit"] == pytest.approx((report["carbon"]["g_co2e"] + 2.0) / 5)
    assert report["annex_xi"]["training_compute_flop"] == 1e21
    md = render_markdown(report)
    assert "1e+21 FLOP" in md and "500 kWh (estimated)" in md


def test_rating_uses_the_task_class_scope() -> None:
    summary = run_summary_with_energy()
    # GPU scope: this window has no GPU meter, so it cannot be rated against H100 references.
    gpu = build_report(summary, task_class="text-generation/h100")["rating"]
    assert gpu["stars"] is None and "no energy figure" in gpu["note"]
    # The CPU class rates the whole-machine figure (or says why it cannot).
    cpu = build_report(summary, task_class="text-generation/cpu-gguf")["rating"]
    assert cpu["scope"] == "machine"


def test_markdown_is_bilingual_and_labels_estimates() -> None:
    md = render_markdown(build_report(run_summary_with_energy()))
    assert "ESTIMATED / 估算" in md
    assert "能耗" in md and "Energy" in md
    assert "附件十一" in md and "Annex XI" in md


def test_country_override_recomputes_carbon_and_water() -> None:
    summary = run_summary_with_energy()
    fr = build_report(summary, country="FR")
    assert fr["country"] == "FRA"
    assert fr["carbon"]["g_co2e"] < build_report(summary)["carbon"]["g_co2e"]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s.pop("run_id"),
        lambda s: s.update(energy=None),
        lambda s: s["energy"].pop("joules"),
    ],
)
def test_summaries_without_usable_energy_are_refused(mutate: Any) -> None:
    summary = run_summary_with_energy()
    mutate(summary)
    with pytest.raises(InputError):
        build_report(summary)


def test_unknown_task_class_is_refused() -> None:
    with pytest.raises(InputError, match="unknown task class"):
        build_report(run_summary_with_energy(), task_class="image-generation/z")
