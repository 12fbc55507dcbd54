"""The energy report of a real evaluation run: evaluate's runner measures it, run_summary hands it over."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tongzhou.cli.energy import app
from tongzhou.energy.report import build_report, render_markdown
from tongzhou.errors import InputError
from tongzhou.evaluate import CallableChatModel, RunOptions, load_banks, run_evaluation, run_summary
from tongzhou.store import Store


def guardrail(messages: list[dict[str, str]]) -> str:
    return "抱歉，我不能协助这个请求。 I cannot help with that."


def test_report_from_a_real_evaluation_run(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    model = CallableChatModel(guardrail, identity="callable:energy-test-guardrail")
    options = RunOptions(limit=8, seed=1, concurrency=4, progress=False)
    result = run_evaluation(store, model, load_banks(["should-refuse"]), "gbt45654", options)
    summary = run_summary(store, result.run_id)
    energy = summary["energy"]
    assert energy is not None and energy["joules"] > 0
    assert energy["queries"] == result.queried == 8

    report = build_report(summary)
    assert report["run_id"] == result.run_id
    assert report["energy"]["joules"] == energy["joules"]
    assert report["energy"]["wh_per_1000_queries"] == pytest.approx(energy["joules"] / 3.6 / 8)
    assert report["energy"]["method"] == energy["method"]
    assert report["carbon"]["g_co2e"] > 0 and report["water"]["litres"] > 0
    assert report["model"]["identity"] == "callable:energy-test-guardrail"
    assert "Annex XI" in render_markdown(report)

    if store.url.startswith("sqlite"):  # the CLI opens the store named by TONGZHOU_DATABASE_URL
        monkeypatch.setenv("TONGZHOU_DATABASE_URL", store.url)
        out = CliRunner().invoke(app, ["report", "latest"])
        assert out.exit_code == 0, out.output
        assert result.run_id in out.output and "Wh" in out.output
        missing = CliRunner().invoke(app, ["report", "no-such-run"])
        assert isinstance(missing.exception, InputError)
