"""Submitting a report, the reporter's token, replies and the moderators' list, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from tests.participation.conftest import png_bytes, register_examples, submission, submit
from tongzhou.participation import ReportBook, ReportProblem, ReportState
from tongzhou.participation._tables import EVIDENCE, REPORTS
from tongzhou.participation.evidence import EvidenceFile
from tongzhou.store import Store
from tongzhou.systems.registry import SystemRegistry

PNG_1PX = png_bytes(1, 1)


def test_a_report_is_stored_with_its_files_and_only_the_tokens_digest(store: Store) -> None:
    register_examples(store)
    files = [
        EvidenceFile("shot.png", "image/png", PNG_1PX),
        EvidenceFile("chat.txt", "text/plain", "对话".encode()),
    ]
    report_id, token = submit(store, files=files)
    assert token.startswith("tzr_") and len(token) > 40
    report = ReportBook(store).by_token(token)
    assert report.id == report_id and report.state is ReportState.received
    assert report.system_text == SystemRegistry(store).get("cv-screening").name  # the registered name
    assert [e.media_type for e in report.evidence] == ["image/png", "text/plain"]
    assert [h.action.value for h in report.history] == ["submitted"]
    with store.engine.connect() as conn:
        stored = conn.execute(select(REPORTS.c.token_sha256)).scalar_one()
        assert stored == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(conn.execute(select(REPORTS)).all())
        assert (
            conn.execute(select(EVIDENCE.c.content).where(EVIDENCE.c.filename == "shot.png")).scalar_one()
            == PNG_1PX
        )
    assert "contact" not in report.reporter_view() and report.to_dict()["contact"] == "reporter@example.org"


@pytest.mark.parametrize("forged", ["tzr_" + "A" * 43, "", "rpt-0000", "tzr_", "x" * 500])
def test_a_forged_status_token_finds_nothing(store: Store, forged: str) -> None:
    register_examples(store)
    _, token = submit(store)
    with pytest.raises(ReportProblem) as caught:
        ReportBook(store).by_token(forged)
    assert caught.value.status == 404
    with pytest.raises(ReportProblem):
        ReportBook(store).by_token(token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_an_unknown_registry_id_is_refused_and_nothing_is_stored(store: Store) -> None:
    register_examples(store)
    with pytest.raises(ReportProblem) as caught:
        ReportBook(store).submit(submission(system_id="no-such-system"))
    assert caught.value.status == 422
    with store.engine.connect() as conn:
        assert conn.execute(select(REPORTS)).first() is None


def test_free_text_system_and_replies(store: Store) -> None:
    book = ReportBook(store)
    _, token = submit(store, system_id="", system="A chatbot on a city website")
    report = book.reply(token, "More: it happened again on 2026-11-21.")
    assert report.system_id is None and report.system_text == "A chatbot on a city website"
    assert [h.action.value for h in report.history] == ["submitted", "reply"]
    assert report.history[-1].text.startswith("More:")
    assert [r.id for r in book.list(ReportState.received)] == [report.id]
    assert book.list(ReportState.rejected) == []
