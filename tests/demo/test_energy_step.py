"""The demo step measures the bundled model for real and writes its window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from tongzhou.demo import DemoContext
from tongzhou.demo.energy_step import measure_energy
from tongzhou.store import open_store


@pytest.mark.slow
def test_demo_step_measures_the_bundled_model(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python runs the bundled model")
    console = Console(record=True, width=200)
    store = open_store()
    try:
        measure_energy(DemoContext(store=store, console=console, out_dir=tmp_path))
    finally:
        store.close()
    window = json.loads((tmp_path / "energy-window.json").read_text())
    assert window["queries"] == 3 and window["tokens"] > 0
    assert window["joules"] > 0 and window["carbon"]["g_co2e"] > 0 and window["water"]["litres"] > 0
    text = console.export_text()
    assert "J/token" in text and ("ESTIMATED" in text or "measured" in text)
