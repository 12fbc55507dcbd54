"""`tongzhou energy` commands, run through Typer's runner against the real library."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.energy.test_report import run_summary_with_energy
from tongzhou.cli.energy import app
from tongzhou.errors import InputError

runner = CliRunner()


def test_meters_says_what_is_used_and_why() -> None:
    result = runner.invoke(app, ["meters", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["meters"] and set(data["why"]) == {"nvml", "rapl"}


def test_factors_show_sources() -> None:
    result = runner.invoke(app, ["factors", "--country", "US"])
    assert result.exit_code == 0, result.output
    assert "369" in result.output and "Making AI Less Thirsty" in result.output


def test_run_measures_a_command() -> None:
    result = runner.invoke(app, ["run", "--json", "--", sys.executable, "-c", "sum(range(10**6))"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["joules"] > 0 and data["method"] in ("measured", "estimated")
    assert data["carbon"]["g_co2e"] > 0 and data["water"]["litres"] > 0


def test_run_passes_on_the_exit_status() -> None:
    result = runner.invoke(app, ["run", "--", sys.executable, "-c", "raise SystemExit(3)"])
    assert result.exit_code == 3
    assert "energy:" in result.output


def test_report_from_a_summary_file(tmp_path: Path) -> None:
    summary = run_summary_with_energy()
    path = tmp_path / "run.json"
    path.write_text(json.dumps(summary))
    result = runner.invoke(app, ["report", "run-0001", "--summary", str(path)])
    assert result.exit_code == 0, result.output
    assert "ESTIMATED / 估算" in result.output and "Annex XI" in result.output
    out = tmp_path / "reports" / "energy.json"
    result = runner.invoke(
        app,
        [
            "report",
            "latest",
            "--summary",
            str(path),
            "--json",
            "--out",
            str(out),
            "--training-flop",
            "3e21",
            "--country",
            "USA",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["country"] == "USA" and report["annex_xi"]["training_compute_flop"] == 3e21
    assert [p.name for p in out.parent.iterdir()] == ["energy.json"]  # no temp file left behind


@pytest.mark.parametrize(
    ("content", "args"),
    [
        ("{not json", []),
        ("[1, 2]", []),
        (json.dumps({"run_id": "other"}), []),
        (None, ["--training-flop", "-1"]),
        (None, ["--training-energy-method", "guessed"]),
    ],
)
def test_report_refuses_bad_input(tmp_path: Path, content: str | None, args: list[str]) -> None:
    path = tmp_path / "run.json"
    path.write_text(content if content is not None else json.dumps(run_summary_with_energy()))
    out = tmp_path / "report.md"
    result = runner.invoke(app, ["report", "run-0001", "--summary", str(path), "--out", str(out), *args])
    assert isinstance(result.exception, InputError), result.output
    assert not out.exists()
