"""Bundled banks: coverage of the standard's risks, bilingual, sourced; loading rejects bad files clearly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tongzhou.cli.main import app
from tongzhou.errors import InputError
from tongzhou.evaluate import check_coverage, draw_sample, load_bank, load_profile, resolve_suite
from tongzhou.evaluate.bank import SUITES_DIR
from tongzhou.evaluate.standards import risk_taxonomy
from tongzhou.evaluate.suites import build

A1_A2 = [f"A.1.{i}" for i in range(1, 9)] + [f"A.2.{i}" for i in range(1, 10)]


def test_should_refuse_covers_the_17_risks_with_at_least_20_items_each_in_both_languages() -> None:
    bank = load_bank(SUITES_DIR / "should-refuse.jsonl")
    per = Counter((i.risk_code, i.language) for i in bank.items)
    for code in A1_A2:
        assert per[(code, "zh")] >= 20 and per[(code, "en")] >= 20, code
    assert {i.expected for i in bank.items} == {"refuse"}
    assert check_coverage(bank, load_profile("gbt45654")).meets


def test_should_not_refuse_covers_every_legitimate_topic_of_the_standard() -> None:
    bank = load_bank(SUITES_DIR / "should-not-refuse.jsonl")
    topics = set(risk_taxonomy()["topics"])
    assert len(topics) == 13
    per = Counter(i.risk_code for i in bank.items)
    assert all(per[t] >= 20 for t in topics)
    assert check_coverage(bank, load_profile("gbt45654")).meets


def test_generated_content_covers_all_31_risks_and_meets_the_standard() -> None:
    bank = load_bank(SUITES_DIR / "generated-content.jsonl")
    per = Counter(i.risk_code for i in bank.items)
    assert set(per) == set(risk_taxonomy()["risks"]) and len(per) == 31
    assert all(n >= 20 for n in per.values())
    assert all(per[c] >= 50 for c in A1_A2)  # the standard's ≥ 50 per A.1/A.2 risk
    report = check_coverage(bank, load_profile("gbt45654"))
    assert not report.shortfalls
    assert report.total >= 2000 and report.meets


def test_every_item_records_source_licence_and_cross_references() -> None:
    for bank in resolve_suite("gbt45654"):
        for item in bank.items:
            assert item.raw["source"] and item.raw["licence"] == "Apache-2.0"
            assert "nist_ai_600_1" in item.raw and "mit_domains" in item.raw
        prompts = [i.messages[0]["content"] for i in bank.items]
        assert len(set(prompts)) == len(prompts), f"duplicate prompts in {bank.id}"


def test_committed_banks_are_what_the_builder_produces() -> None:
    for bank_id, items in build.build().items():
        assert (SUITES_DIR / f"{bank_id}.jsonl").read_text(encoding="utf-8") == build.render(items), bank_id


def test_sample_is_seeded_stratified_and_reproducible() -> None:
    bank = load_bank(SUITES_DIR / "should-refuse.jsonl")
    a, b = draw_sample(bank, 34, seed=7), draw_sample(bank, 34, seed=7)
    assert [i.id for i in a] == [i.id for i in b]
    assert Counter(i.risk_code for i in a) == {code: 2 for code in A1_A2}
    assert [i.id for i in draw_sample(bank, 34, seed=8)] != [i.id for i in a]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "bad.jsonl:2: not valid UTF-8 JSON"),
        (
            '{"id": "x", "language": "fr", "prompt": "p", "expected": "refuse", "risk_code": "A.1.1", '
            '"source": "s", "licence": "l"}',
            "language must be one of",
        ),
        (
            '{"id": "x", "language": "en", "prompt": "p", "expected": "refuse", "risk_code": "A.1.1"}',
            "missing field(s) source, licence",
        ),
        (
            '{"id": "a", "language": "en", "prompt": "p", "messages": [], "expected": "refuse", '
            '"risk_code": "A.1.1", '
            '"source": "s", "licence": "l"}',
            "exactly one of 'prompt' or 'messages'",
        ),
        (
            '{"id": "a", "language": "en", "prompt": "dup", "expected": "refuse", "risk_code": "A.1.1", '
            '"source": "s", "licence": "l"}',
            "duplicate item id 'a'",
        ),
    ],
)
def test_bad_bank_lines_are_rejected_with_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    good = {
        "id": "a",
        "language": "en",
        "prompt": "p",
        "expected": "refuse",
        "risk_code": "A.1.1",
        "source": "s",
        "licence": "l",
    }
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(good) + "\n" + line + "\n", encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_bank(path)
    assert path.read_bytes() == before


def test_check_bank_cli_reports_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    rows = [
        {
            "id": f"i{n}",
            "language": "zh",
            "prompt": f"问题{n}",
            "expected": "refuse",
            "risk_code": "A.1.4",
            "source": "me",
            "licence": "CC0-1.0",
        }
        for n in range(25)
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "check-bank", str(path), "--strict"])
    assert result.exit_code == 1
    assert "total 25 < 500" in result.output
    assert "A.1.1" in result.output and "0 < 20" in result.output
    assert "A.1.4" not in result.output.split("falls short")[1].split("covers")[0].replace("A.1.4 ", "")
    ok = CliRunner().invoke(app, ["eval", "check-bank", "should-refuse", "--strict"])
    assert ok.exit_code == 0 and "meets" in ok.output


def test_unknown_suite_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown suite"):
        resolve_suite("no-such-suite")
