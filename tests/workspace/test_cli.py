"""The real `tongzhou workspace` CLI, end to end on the default (SQLite) store: plan, assign,
attach, status, list, coverage, replan, export; bad input exits 2 with one error line, writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_error_lines import one_error_line, tongzhou_cli
from tongzhou.errors import ExitCode


@pytest.fixture
def planned(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, int]:
    """cv-screening registered and planned for the EU as of 2026-12-06; item numbers by obligation."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    assert tongzhou_cli(capfd, "systems", "add", "--examples")[0] == 0
    code, out = tongzhou_cli(
        capfd, "workspace", "plan", "cv-screening", "--as-of", "2026-12-06", "--jurisdiction", "eu"
    )
    assert code == 0 and "+ added" in out and "eu.art9 due 2027-12-02" in out
    code, out = tongzhou_cli(capfd, "workspace", "list", "cv-screening", "--format", "json")
    assert code == 0
    return {i["obligation_id"]: i["id"] for i in json.loads(out)}


def test_a_journey_through_the_workspace(capfd: pytest.CaptureFixture[str], planned: dict[str, int]) -> None:
    art9 = str(planned["eu.art9"])
    Path("rmf.pdf").write_bytes(b"%PDF risk management file")
    assert tongzhou_cli(capfd, "workspace", "assign", art9, "Ana Risk")[0] == 0
    code, out = tongzhou_cli(
        capfd, "workspace", "attach", art9, "rmf.pdf", "--artefact", "risk-management-file"
    )
    assert code == 0 and "attached to #" in out and "sha256:" in out
    code, out = tongzhou_cli(capfd, "workspace", "status", art9, "done")
    assert code == 0 and "status done, owner Ana Risk, 1 evidence file(s)" in out
    code, out = tongzhou_cli(capfd, "workspace", "coverage", "cv-screening", "--format", "json")
    eu = json.loads(out)[0]
    assert code == 0 and eu["covered"] >= 1 and planned["eu.art9"] not in eu["missing"]
    code, out = tongzhou_cli(capfd, "workspace", "replan", "cv-screening", "--as-of", "2026-07-01")
    assert code == 0 and f"#{art9} eu eu.art9: 2027-12-02 → 2026-08-02" in out
    code, out = tongzhou_cli(
        capfd, "workspace", "replan", "--all", "--as-of", "2026-07-01", "--format", "json"
    )
    assert code == 0 and [c["system_id"] for c in json.loads(out)] == ["cv-screening"]
    assert json.loads(out)[0]["changed"] is False and json.loads(out)[0]["revision"] == 3
    code, out = tongzhou_cli(
        capfd, "workspace", "export", "cv-screening", "--format", "md", "--today", "2026-12-06"
    )
    assert code == 0 and "Ana Risk" in out and "rmf.pdf" in out and "revision 3" in out
    code, out = tongzhou_cli(
        capfd, "workspace", "export", "cv-screening", "--format", "json", "--out", "file.json"
    )
    assert code == 0 and json.loads(Path("file.json").read_text("utf-8"))["plan"]["revision"] == 3
    code, out = tongzhou_cli(capfd, "workspace", "list")
    assert code == 0 and "Ana Risk" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "nope"], "no registered system 'nope'"),
        (["plan", "cv-screening"], "already has a plan"),
        (["plan", "credit-scoring", "--as-of", "2026-13-01"], "is not a date"),
        (["replan", "credit-scoring"], "has no plan yet"),
        (["replan", "cv-screening", "--rules", "x", "--bundled-rules"], "not both"),
        (["replan"], "give a SYSTEM or --all"),
        (["replan", "cv-screening", "--all"], "give a SYSTEM or --all"),
        (["replan", "--all", "--rules", "/nonexistent-rules"], "not a directory"),
        (["list", "--format", "xml"], "is not one of"),
        (["assign", "abc", "x"], "is not an item number"),
        (["assign", "999999", "x"], "no workspace item #999999"),
        (["status", "{art9}", "finished"], "unknown status"),
        (["status", "{art9}", "done"], "has no evidence on file"),
        (["attach", "{art9}", "missing.pdf", "--artefact", "risk-management-file"], "no such file"),
        (["attach", "{art9}", "/etc/hostname", "--artefact", "risk-management-file"], "outside the places"),
        (["attach", "{art9}", "evidence.txt", "--kind", "attestation"], "not a DSSE attestation"),
        (["attach", "{art9}", "evidence.txt", "--kind", "spreadsheet"], "unknown evidence kind"),
        (["export", "cv-screening", "--format", "pdf"], "needs --out"),
        (["export", "nope"], "no registered system"),
    ],
)
def test_bad_input_exits_2_with_one_error_line_and_writes_nothing(
    capfd: pytest.CaptureFixture[str], planned: dict[str, int], args: list[str], message: str
) -> None:
    Path("evidence.txt").write_text("not an envelope", "utf-8")
    before = tongzhou_cli(capfd, "workspace", "list", "--all", "--format", "json")[1]
    code, out = tongzhou_cli(capfd, "workspace", *[a.format(art9=planned["eu.art9"]) for a in args])
    assert code == ExitCode.BAD_INPUT, out
    assert message in one_error_line(out)
    assert tongzhou_cli(capfd, "workspace", "list", "--all", "--format", "json")[1] == before
