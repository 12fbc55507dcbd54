"""`tongzhou consult`: a consultation from the command line, with one-line bilingual refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from tests.cli.test_error_lines import one_error_line, tongzhou_cli
from tests.consultation.drafts import CO_RULES, MARKDOWN, earlier_colorado_rules
from tongzhou.consultation import ConsultationBook
from tongzhou.consultation._tables import DraftRow
from tongzhou.store import open_store


def _close_now(draft_id: str) -> None:
    store = open_store()
    try:
        with store.transaction() as session:
            row = session.get(DraftRow, draft_id)
            assert row is not None
            row.closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    finally:
        store.close()


def test_publish_moderate_close_respond_export(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text(MARKDOWN, encoding="utf-8")
    code, out = tongzhou_cli(
        capfd,
        "consult",
        "publish",
        str(draft),
        "--id",
        "measures",
        "--title",
        "Measures",
        "--opens",
        "2026-01-01",
        "--closes",
        "2099-12-31",
        "--by",
        "reg",
    )
    assert code == 0 and "4 paragraphs" in out
    store = open_store()
    try:
        ConsultationBook(store).comment("measures", "p2", "=1+1", author=None, client_digest="a")
    finally:
        store.close()
    code, out = tongzhou_cli(capfd, "consult", "moderate", "measures", "1", "reject")
    assert code == 2 and "needs a reason" in one_error_line(out) and "驳回须说明理由" in out
    assert tongzhou_cli(capfd, "consult", "moderate", "measures", "1", "approve")[0] == 0
    code, out = tongzhou_cli(capfd, "consult", "respond", "measures", "1", "Thanks.")
    assert code == 2 and "once the consultation has closed" in one_error_line(out)
    _close_now("measures")
    assert tongzhou_cli(capfd, "consult", "respond", "measures", "1", "Thanks.")[0] == 0
    code, out = tongzhou_cli(capfd, "consult", "export", "measures", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows[0]["comment"] == "'=1+1" and rows[0]["response"] == "Thanks."
    target = tmp_path / "comments.json"
    assert (
        tongzhou_cli(capfd, "consult", "export", "measures", "--format", "json", "--out", str(target))[0] == 0
    )
    assert json.loads(target.read_text(encoding="utf-8"))["comments"][0]["status"] == "approved"
    code, out = tongzhou_cli(capfd, "consult", "revise", "measures", str(draft))
    assert code == 2 and "can no longer change" in one_error_line(out)


def test_impact_of_a_rule_draft(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert tongzhou_cli(capfd, "systems", "add", "--examples")[0] == 0
    rules = tmp_path / CO_RULES
    rules.write_text(earlier_colorado_rules(), encoding="utf-8")
    code, out = tongzhou_cli(
        capfd,
        "consult",
        "publish",
        str(rules),
        "--id",
        "co-earlier",
        "--title",
        "Colorado earlier",
        "--rule-file",
        CO_RULES,
        "--entry-into-force",
        "2026-07-01",
        "--opens",
        "2026-01-01",
        "--closes",
        "2099-01-01",
    )
    assert code == 0, out
    code, out = tongzhou_cli(capfd, "consult", "impact", "co-earlier", "--format", "json")
    assert code == 0
    assert {c["system_id"] for c in json.loads(out)} == {"credit-scoring", "cv-screening"}


def test_refusals_are_one_line(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.md"
    big.write_text("x" * 300_000, encoding="utf-8")
    code, out = tongzhou_cli(
        capfd,
        "consult",
        "publish",
        str(big),
        "--id",
        "big",
        "--title",
        "B",
        "--opens",
        "2026-01-01",
        "--closes",
        "2027-01-01",
    )
    assert code == 2 and "too large" in one_error_line(out)
    code, out = tongzhou_cli(capfd, "consult", "comments", "nope")
    assert code == 2 and "There is no consultation nope." in one_error_line(out)
    code, out = tongzhou_cli(capfd, "consult", "export", "nope", "--out", str(tmp_path))
    assert code == 2 and "is a directory" in one_error_line(out)
