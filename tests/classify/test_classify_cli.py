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


def test_conditional_headline_presumptions_and_single_duty_reach_every_format(tmp_path: object) -> None:
    """Issue 19: 'prohibited unless <fact>', presumptions and refusals are in the table, Markdown and JSON."""
    from pathlib import Path

    profile = Path(str(tmp_path)) / "mood.yaml"
    profile.write_text(
        "id: mood-meter\nname: Mood meter\npurpose: Scores call agents' emotions.\n"
        "registrant: {name: CallCo, role: provider_and_deployer}\nprovider: {name: CallCo, country: FR}\n"
        "markets: [EU]\nfunctions: [emotion_recognition]\nsettings: [workplace]\n",
        encoding="utf-8",
    )
    table = run_cli("classify", str(profile), "--as-of", "2026-11-23", "--jurisdiction", "eu")
    assert table.returncode == 0, table.stderr
    flat = " ".join(table.stdout.split())
    assert "headline / 结论: prohibited practice unless the emotion inference is intended" in flat
    assert "presumed (eu.no_art6_3_derogation)" in flat
    zh = run_cli("classify", str(profile), "--as-of", "2026-11-23", "--jurisdiction", "eu", "--lang", "zh")
    assert "结论: 禁止的人工智能实践，除非" in " ".join(zh.stdout.split())
    md = run_cli("classify", str(profile), "--as-of", "2026-11-23", "--jurisdiction", "eu", "--format", "md")
    assert "**Headline / 结论: prohibited practice unless" in md.stdout
    doc = json.loads(run_cli("classify", str(profile), "--as-of", "2026-11-23", "--format", "json").stdout)
    eu = doc["jurisdictions"][0]
    assert eu["headline_tier"] == "prohibited" and eu["headline"]["status"] == "conditional"
    assert eu["headline"]["needs"] == ["medical_or_safety_purpose"]
    assert eu["headline"]["otherwise"] == "transparency"
    settled = run_cli("classify", CV, "--as-of", "2027-12-02", "--jurisdiction", "eu", "--format", "json")
    cv = json.loads(settled.stdout)["jurisdictions"][0]
    assert "Annex III point 4(a)" in cv["tiers"][0]["legal_basis"]
    assert any("profiles natural persons" in r for r in cv["tiers"][0]["refused"])
