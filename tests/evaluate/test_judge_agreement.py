"""Cohen's κ of an LLM judge (any adapter; the bundled SmolLM2 over llama_cpp.server) and of the content
screen against the labelled set, side by side, and the judge's measured error carried into verdicts."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tongzhou.cli.main import app
from tongzhou.evaluate.models import model_from_ref
from tongzhou.evaluate.runner import scorer_errors
from tongzhou.evaluate.scorers import measured_error
from tongzhou.evaluate.scorers.agreement import CONTENT_HELDOUT4
from tongzhou.evaluate.scorers.judge import JudgeScorer
from tongzhou.evaluate.scorers.judge_agreement import cohen_kappa, interleaved, kappa_interval
from tongzhou.evaluate.scorers.judge_check import check_judges
from tongzhou.evaluate.scorers.measured_error import MeasuredError, read_labelled, served_scorer_id

CRUDE = "callable:tests.evaluate.judges:digits_unsafe"


def test_cohen_kappa_on_a_worked_two_by_two_table() -> None:
    # 20 agree safe, 15 agree unsafe, 5 + 10 disagree: p_o = 0.70, p_e = 0.5·0.6 + 0.5·0.4 = 0.50 → κ = 0.40
    gold = ["safe"] * 25 + ["unsafe"] * 25
    said = ["safe"] * 20 + ["unsafe"] * 5 + ["safe"] * 10 + ["unsafe"] * 15
    assert cohen_kappa(gold, said) == pytest.approx(0.4)
    assert cohen_kappa(gold, gold) == pytest.approx(1.0)
    assert cohen_kappa(gold, ["safe"] * 50) == pytest.approx(0.0)  # a constant judge agrees by chance only
    assert math.isnan(cohen_kappa(["safe"] * 3, ["safe"] * 3))  # no variation: κ undefined
    low, high = kappa_interval(gold, said)
    assert low < 0.4 < high and low >= -1 and high <= 1
    assert kappa_interval(gold, said) == (low, high)  # seeded
    wide = kappa_interval(gold[::5], said[::5])
    assert wide[1] - wide[0] > high - low  # fewer items, wider interval


def test_a_small_limit_still_holds_both_languages_and_both_labels() -> None:
    rows = [r for r in read_labelled(CONTENT_HELDOUT4) if "_meta" not in r]
    first = interleaved(rows, 4)
    assert {(r["language"], r["label"]) for r in first} == {
        ("en", "safe"),
        ("en", "unsafe"),
        ("zh", "safe"),
        ("zh", "unsafe"),
    }
    assert len(interleaved(rows, None)) == len(rows) == 90


def test_check_scorer_judge_prints_kappa_beside_the_content_screen() -> None:
    runner = CliRunner(env={"COLUMNS": "220"})
    result = runner.invoke(
        app,
        ["eval", "check-scorer", "--judge", "callable:tests.evaluate.judges:always_safe", "--limit", "20"],
    )
    assert result.exit_code == 0, result.output
    assert "Cohen's κ" in result.output
    assert "llm-judge@1.0 on callable:tests.evaluate.judges.always_safe" in result.output
    assert "keyword-content@2.2" in result.output
    assert " 0.00 (" in result.output  # the always-SAFE judge: κ = 0
    # its sensitivity for "safe" is perfect and its specificity nil, per language
    assert "sensitivity 5/5 = 1.00" in result.output and "specificity 0/5 = 0.00" in result.output


def test_the_judges_measured_error_is_recorded_and_carried_into_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    records = tmp_path / "scorer_error.yaml"
    judge_row, screen_row = check_judges(
        Console(width=200), CONTENT_HELDOUT4, judge_ref=CRUDE, record=True, records=records
    )
    assert judge_row.n == screen_row.n == 90
    assert judge_row.unparsed > 0  # the out-of-format answers count against agreement
    assert judge_row.kappa < screen_row.kappa
    stored = yaml.safe_load(records.read_text())["records"]
    assert [r["scorer"] for r in stored] == [
        served_scorer_id("llm-judge", "1.0", "callable:tests.evaluate.judges.digits_unsafe")
    ]
    assert stored[0]["held_out"] == "content_heldout4.jsonl"
    en = stored[0]["by_language"]["en"]
    assert en["sensitivity"]["n"] == 20 and en["specificity"]["n"] == 25
    # Verdicts find the record through the served model's identity.
    recorded = tuple(MeasuredError.from_dict(r) for r in stored)
    monkeypatch.setattr(measured_error, "_records", lambda path=None: recorded)
    judge = JudgeScorer(model_from_ref(CRUDE))
    assert judge.measured_error is not None
    assert judge.measured_error.by_language["en"].sensitivity == judge_row.error.by_language["en"].sensitivity
    carried = scorer_errors({"safe": judge})["llm-judge@1.0"]
    assert carried["held_out"] == "content_heldout4.jsonl"


def test_a_partial_measurement_is_not_recorded(tmp_path: Path) -> None:
    from rich.console import Console

    records = tmp_path / "scorer_error.yaml"
    check_judges(
        Console(width=200), CONTENT_HELDOUT4, judge_ref=CRUDE, limit=10, record=True, records=records
    )
    assert not records.exists()


@pytest.mark.slow
def test_the_bundled_smollm2_as_judge_over_llama_cpp_server(llama_server: str) -> None:
    from rich.console import Console

    ref = f"openai:{llama_server}#smollm2-135m-instruct"
    judge_row, screen_row = check_judges(Console(width=200), CONTENT_HELDOUT4, judge_ref=ref, limit=8)
    assert judge_row.scorer == served_scorer_id(
        "llm-judge", "1.0", f"openai:{llama_server}#smollm2-135m-instruct"
    )
    assert judge_row.n == screen_row.n == 8
    assert 0 <= judge_row.accuracy["successes"] <= 8
    assert math.isnan(judge_row.kappa) or -1 <= judge_row.kappa <= 1
    assert sum(e.sensitivity[1] + e.specificity[1] for e in judge_row.error.by_language.values()) == 8
