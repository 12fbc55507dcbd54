"""Energy windows on this machine (no counters here: estimated, and labelled so)."""

from __future__ import annotations

import json
import time

import pytest

from tongzhou.energy import EnergyWindow, measure, meter_report
from tongzhou.energy.estimate import CpuTdpEstimate, RamEstimate


def busy(seconds: float) -> int:
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n


def test_context_manager_reports_energy_and_how_it_was_got() -> None:
    with measure("block") as window:
        busy(0.2)
    window.record(tokens=50, queries=2)
    assert window.seconds >= 0.2
    assert window.joules > 0
    assert window.per_token(50) == pytest.approx(window.joules / 50)
    assert window.per_token() == pytest.approx(window.joules / 50)
    assert window.wh_per_1000_queries(2) == pytest.approx(window.joules / 3600 / 2 * 1000)
    report = meter_report()
    if all(m["method"] == "estimated" for m in report["meters"]):
        assert window.method == "estimated"
        assert "tdp-estimate" in window.meter
    data = window.to_dict()
    json.dumps(data)  # JSON-ready
    assert data["joules"] == window.joules
    assert data["measured_joules"] + data["estimated_joules"] == pytest.approx(window.joules)
    assert data["joules_per_token"] == pytest.approx(window.joules / 50)
    assert data["carbon"]["g_co2e"] > 0
    assert data["water"]["litres"] > 0


def test_estimate_follows_the_documented_model() -> None:
    cpu = CpuTdpEstimate(tdp_w=100.0)
    ram = RamEstimate(w_per_gb=0.5, memory_gb=16.0)
    with measure("model", meters=[cpu, ram]) as window:
        busy(0.5)  # long enough that scheduling gaps between the probe and window clocks stay << 5 %
    data = window.to_dict()
    cpu_part, ram_part = data["components"]
    u = cpu_part["details"]["utilisation"]
    assert 0.0 <= u <= 1.0
    # TDP × (0.1 + 0.9 u) × t, and 0.5 W/GB × 16 GB × t
    assert cpu_part["joules"] == pytest.approx(100.0 * (0.1 + 0.9 * u) * window.seconds, rel=0.05)
    assert ram_part["joules"] == pytest.approx(8.0 * window.seconds, rel=0.05)
    assert data["method"] == "estimated" and data["meter"] == "tdp-estimate+ram-estimate"
    assert data["measured_joules"] == 0


def test_decorator_gives_each_call_its_own_window() -> None:
    closed: list[EnergyWindow] = []

    @measure("decorated", on_close=closed.append)
    def work(n: int) -> int:
        return sum(range(n))

    assert work(1000) == sum(range(1000))
    assert work(10) == 45
    assert len(closed) == 2 and closed[0] is not closed[1]
    assert work.last_window is closed[1]  # type: ignore[attr-defined]
    assert closed[1].name == "decorated"


def test_window_closes_even_when_the_block_raises() -> None:
    m = measure("failing")
    with pytest.raises(RuntimeError), m as window:
        raise RuntimeError("boom")
    frozen = window.joules
    time.sleep(0.01)
    assert window.joules == frozen  # stopped: figures no longer move


def test_carbon_and_water_follow_the_formulas() -> None:
    ram = RamEstimate(w_per_gb=1.0, memory_gb=1.0)
    with measure("formula", meters=[ram]) as window:
        time.sleep(0.05)
    d = window.to_dict(country="USA", pue=1.2, wue_onsite=0.5)
    kwh = window.joules / 3.6e6
    assert d["country"] == "USA"
    assert d["carbon"]["g_co2e"] == pytest.approx(kwh * 369 * 1.2)
    assert d["water"]["litres"] == pytest.approx(kwh * (0.5 + 1.2 * 3.1))
    assert d["carbon"]["grid_intensity_g_per_kwh"]["source"]


def test_per_token_needs_tokens() -> None:
    with measure("empty", meters=[RamEstimate(w_per_gb=1.0, memory_gb=1.0)]) as window:
        pass
    with pytest.raises(ValueError):
        window.per_token()
    with pytest.raises(ValueError):
        window.wh_per_1000_queries(0)
    with pytest.raises(ValueError):
        window.record(tokens=-1)


def test_one_measure_object_shared_by_threads_keeps_their_windows_apart() -> None:
    import threading

    shared = measure("shared", meters=[RamEstimate(w_per_gb=1.0, memory_gb=1.0)])
    results: dict[str, EnergyWindow] = {}
    gate = threading.Barrier(2)

    def worker(name: str, hold: float) -> None:
        with shared as window:
            gate.wait()  # both windows open at once
            time.sleep(hold)
        results[name] = window

    threads = [
        threading.Thread(target=worker, args=("short", 0.02)),
        threading.Thread(target=worker, args=("long", 0.3)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["short"] is not results["long"]
    assert results["long"].seconds > results["short"].seconds


def test_measure_needs_a_meter() -> None:
    with pytest.raises(ValueError):
        measure("nothing", meters=[])


def test_nested_windows() -> None:
    ram = RamEstimate(w_per_gb=1.0, memory_gb=1.0)
    with measure("outer", meters=[ram]) as outer:
        with measure("inner", meters=[ram]) as inner:
            time.sleep(0.02)
        time.sleep(0.02)
    assert outer.joules > inner.joules > 0
