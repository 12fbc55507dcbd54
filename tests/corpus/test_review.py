"""Recording a reviewer's verdicts and judging the pass rate against the 96 % rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from tongzhou.corpus.profile import load_profile
from tongzhou.corpus.review import (
    parse_verdicts,
    read_sample,
    record_verdicts,
    summarize_review,
    write_sample,
)
from tongzhou.errors import InputError


def _sample(path: Path, n: int) -> None:
    items = [{"item_id": f"f:{i}", "source": "s", "text": f"t{i}", "verdict": None} for i in range(n)]
    write_sample(path, items, {"seed": 0, "size": n})


def test_verdicts_are_recorded_and_judged(tmp_path: Path) -> None:
    sample = tmp_path / "sample.jsonl"
    _sample(sample, 4000)
    verdicts = tmp_path / "v.csv"
    rows = ["item_id,verdict,note"] + [f"f:{i},{'fail' if i < 40 else 'pass'}," for i in range(4000)]
    verdicts.write_text("\n".join(rows), "utf-8")
    assert record_verdicts(sample, parse_verdicts(verdicts), "alice") == 4000
    header, items = read_sample(sample)
    assert header["size"] == 4000 and items[0]["reviewer"] == "alice" and items[0]["verdict"] == "fail"
    summary = summarize_review(items, load_profile())
    assert (summary.reviewed, summary.passed) == (4000, 3960)
    assert summary.rate.value == pytest.approx(0.99) and summary.verdict == "pass"


def test_too_few_reviewed_is_incomplete(tmp_path: Path) -> None:
    sample = tmp_path / "sample.jsonl"
    _sample(sample, 100)
    verdicts = tmp_path / "v.jsonl"
    verdicts.write_text("\n".join(f'{{"item_id": "f:{i}", "verdict": "合格"}}' for i in range(100)), "utf-8")
    record_verdicts(sample, parse_verdicts(verdicts), "bob")
    summary = summarize_review(read_sample(sample)[1], load_profile())
    assert summary.passed == 100 and summary.verdict == "incomplete"


def test_unknown_items_change_nothing(tmp_path: Path) -> None:
    sample = tmp_path / "sample.jsonl"
    _sample(sample, 3)
    before = sample.read_bytes()
    with pytest.raises(InputError, match="not in the sample"):
        record_verdicts(sample, {"f:0": ("pass", ""), "other:9": ("fail", "")}, "eve")
    assert sample.read_bytes() == before


@pytest.mark.parametrize("content", ["item_id,verdict\nf:0,maybe\n", "item_id,verdict\n,pass\n"])
def test_bad_verdicts_are_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "v.csv"
    path.write_text(content, "utf-8")
    with pytest.raises(InputError, match="pass/fail"):
        parse_verdicts(path)
