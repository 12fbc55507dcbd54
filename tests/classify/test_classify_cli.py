"""The real `tongzhou classify` CLI: file or registered id, --as-of, --jurisdiction, three formats."""

from __future__ import annotations

import json
from importlib import resources

from tests.systems.test_cli import run_cli

CV = str(resources.files("tongzhou.systems.examples").joinpath("cv-screening.yaml"))


def test_json_output_as_of_and_jurisdiction_filter() -> None:
    proc = run_cli("classify", CV, "--as-of", "2027-12-02", "--jurisdiction", "eu,us-co", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["as_of"] == "2027-12-02" and doc["system_id"] == "cv-screening"
    assert [j["jurisdiction"] for j in doc["jurisdictions"]] == ["eu", "us-co"]
    eu = doc["jurisdictions"][0]
    assert eu["headline_tier"] == "high_risk"
    art9 = next(o for o in eu["obligations"] if o["id"] == "eu.art9")
    assert art9["status"] == "applies" and art9["applies_from"] == "2027-12-02"
    assert {e["artefact"] for e in art9["evidence"]} >= {"risk-management-file"}
    assert any(
        t["rule_id"] == "eu.annex3.4a" and t["facts"]["functions"] == ["recruitment_selection"]
        for t in eu["trace"]
    )
    assert doc["profile_sha256"].startswith("sha256:")


def test_markdown_and_table_and_registered_id() -> None:
    assert run_cli("systems", "add", "--examples").returncode == 0
    md = run_cli("classify", "frontier-gpai", "--format", "md", "--as-of", "2026-11-23")
    assert md.returncode == 0, md.stderr
    assert "## KR — South Korea" in md.stdout and "Compute thresholds side by side" in md.stdout
    table = run_cli("classify", "classroom-emotion", "--jurisdiction", "eu", "--lang", "zh", "--explain")
    assert table.returncode == 0 and "prohibited practice" in table.stdout
    assert "不得投放市场" in table.stdout  # obligation titles in Chinese
    assert "why: eu.art5.1f fired (Art. 5(1)(f))" in table.stdout


def test_bad_arguments_exit_2() -> None:
    for args, needle in [
        (["classify", CV, "--as-of", "tomorrow"], "--as-of"),
        (["classify", CV, "--jurisdiction", "eu,mars"], "unknown code(s) mars"),
        (["classify", CV, "--format", "pdf"], "--format"),
        (["classify", CV, "--rules", "/nonexistent-rules"], "not a directory"),
        (["classify", "not-registered"], "no registered system 'not-registered'"),
    ]:
        proc = run_cli(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert needle in proc.stderr
