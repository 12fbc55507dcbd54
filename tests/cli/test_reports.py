"""`tongzhou reports`: a moderator's list/show/accept/merge/ask/reject from the command line, on the
default store; refusals are one bilingual error line with exit status 2."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_error_lines import one_error_line, tongzhou_cli
from tests.participation.conftest import register_examples, submit
from tongzhou.participation import ReportBook, ReportState
from tongzhou.store import Store, open_store
from tongzhou.threats.incidents import IncidentRecord, save_incident


@pytest.fixture
def home_store() -> Store:
    store = open_store()
    register_examples(store)
    return store


def test_list_show_accept(home_store: Store, capfd: pytest.CaptureFixture[str]) -> None:
    report_id, _ = submit(home_store)
    code, out = tongzhou_cli(capfd, "reports", "list", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [report_id]
    code, out = tongzhou_cli(capfd, "reports", "show", report_id)
    assert code == 0 and "reporter@example.org" in out and "submitted" in out
    code, out = tongzhou_cli(
        capfd,
        "reports",
        "accept",
        report_id,
        "--title",
        "Older applicants rejected",
        "--death",
        "--as",
        "reg",
    )
    assert code == 0 and "incident--" in out, out
    report = ReportBook(home_store).get(report_id)
    assert report.state is ReportState.accepted and report.history[-1].actor == "reg"


def test_merge_ask_reject(home_store: Store, capfd: pytest.CaptureFixture[str]) -> None:
    known = save_incident(home_store, IncidentRecord(title="Known", harm_types=["rights"]))
    one, _ = submit(home_store)
    two, _ = submit(home_store)
    assert tongzhou_cli(capfd, "reports", "merge", one, known.id)[0] == 0
    assert ReportBook(home_store).get(one).incident_ids == [known.id]
    assert tongzhou_cli(capfd, "reports", "ask", two, "--question", "Which advert?")[0] == 0
    code, out = tongzhou_cli(capfd, "reports", "reject", two, "--reason", "Not an AI system.")
    assert code == 0 and ReportBook(home_store).get(two).state is ReportState.rejected


def test_refusals_are_one_bilingual_line(home_store: Store, capfd: pytest.CaptureFixture[str]) -> None:
    code, out = tongzhou_cli(capfd, "reports", "show", "rpt-0000000000000000")
    assert code == 2
    assert one_error_line(out) == "error: No report with this id. / 没有该编号的报告。"
    report_id, _ = submit(home_store)
    code, out = tongzhou_cli(capfd, "reports", "reject", report_id, "--reason", " ")
    assert code == 2 and "请填写字段 reason" in one_error_line(out)
    code, out = tongzhou_cli(capfd, "reports", "list", "--state", "bogus")
    assert code == 2 and "bogus" in one_error_line(out)
