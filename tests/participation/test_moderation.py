"""Moderation: accept (a new incident, published over TAXII, the provider notified), merge (one report →
several incidents, several reports → one), ask, reject with a reason; every decision in the history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.participation.conftest import register_examples, submit
from tongzhou.participation import (
    PUBLIC_COLLECTION,
    Moderation,
    ReportBook,
    ReportProblem,
    ReportState,
    Seriousness,
)
from tongzhou.participation._tables import NOTICES
from tongzhou.store import Store
from tongzhou.threats.incidents import IncidentRecord, get_incident, save_incident
from tongzhou.threats.repository import TaxiiRepository
from tongzhou.threats.sharing import DEFAULT_API_ROOT


def _published(store: Store, stix_id: str) -> bool:
    repo = TaxiiRepository(store)
    collection = repo.collection(DEFAULT_API_ROOT, PUBLIC_COLLECTION)
    assert collection.public_read
    return repo.object_exists(collection, stix_id)


def test_accept_records_publishes_and_notifies(store: Store) -> None:
    register_examples(store)
    report_id, token = submit(store)
    report, record = Moderation(store).accept(
        report_id, "reg", title="CV screening rejects older applicants", seriousness=Seriousness(serious=True)
    )
    assert report.state is ReportState.accepted and report.incident_ids == [record.id]
    assert [h.action.value for h in report.history] == ["submitted", "accept"]
    assert report.history[-1].actor == "reg"
    stored = get_incident(store, record.id)
    assert (
        stored.source == "public-report"
        and stored.source_ref == report_id
        and stored.ai_system == "cv-screening"
    )
    assert stored.provider == "TalentSift Inc." and stored.serious
    assert _published(store, record.id)
    with store.engine.connect() as conn:
        notices = conn.execute(select(NOTICES.c.system_id, NOTICES.c.incident_id)).all()
    assert [tuple(n) for n in notices] == [("cv-screening", record.id)]
    assert ReportBook(store).by_token(token).reporter_view()["incident_ids"] == [record.id]
    with pytest.raises(ReportProblem) as twice:
        Moderation(store).accept(report_id, "reg2", title="again")
    assert twice.value.status == 409


def test_merge_many_to_many(store: Store) -> None:
    register_examples(store)
    first = save_incident(store, IncidentRecord(title="Known incident A", harm_types=["rights"]))
    second = save_incident(store, IncidentRecord(title="Known incident B", harm_types=["health"]))
    one, _ = submit(store)
    two, _ = submit(store)
    moderation = Moderation(store)
    merged = moderation.merge(one, "reg", [first.id, second.id], note="Same tool, two incidents.")
    assert merged.state is ReportState.accepted and merged.incident_ids == sorted([first.id, second.id])
    assert moderation.merge(two, "reg", [first.id]).incident_ids == [first.id]
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(NOTICES)).scalar_one() == 3
    with pytest.raises(ReportProblem) as unknown:
        moderation.merge(two, "reg", ["incident--00000000-0000-4000-8000-000000000000"])
    assert unknown.value.status == 422
    with pytest.raises(ReportProblem) as prefix:
        moderation.merge(two, "reg", [first.id[:12]])
    assert prefix.value.status == 422
    assert moderation.merge(two, "reg", [first.id, second.id]).incident_ids == sorted([first.id, second.id])


def test_ask_then_reply_then_reject_with_a_reason(store: Store) -> None:
    register_examples(store)
    report_id, token = submit(store)
    moderation, book = Moderation(store), ReportBook(store)
    asked = moderation.ask(report_id, "reg", "Which job advert was it?")
    assert asked.state is ReportState.needs_info and asked.reason == "Which job advert was it?"
    assert book.reply(token, "The warehouse advert.").state is ReportState.received
    with pytest.raises(ReportProblem) as no_reason:
        moderation.reject(report_id, "reg", "   ")
    assert no_reason.value.status == 422
    rejected = moderation.reject(report_id, "reg", "The advert was not screened by an AI system.")
    assert rejected.state is ReportState.rejected
    assert book.by_token(token).reporter_view()["history"][-1]["text"].startswith("The advert")
    assert [h.action.value for h in rejected.history] == ["submitted", "ask", "reply", "reject"]
    for decide in (
        lambda: moderation.accept(report_id, "reg", title="t"),
        lambda: moderation.ask(report_id, "reg", "q"),
        lambda: moderation.merge(report_id, "reg", ["x"]),
        lambda: book.reply(token, "late"),
    ):
        with pytest.raises(ReportProblem) as closed:
            decide()
        assert closed.value.status == 409
    assert len(book.get(report_id).history) == 4  # nothing was added by the refused decisions


def test_accept_and_reject_at_once_one_stands_and_a_rejected_report_is_never_published(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tongzhou.participation.publication import public_collection

    register_examples(store)
    report_id, _ = submit(store)

    def decide(n: int) -> int:
        try:
            if n % 2:
                Moderation(store).reject(report_id, f"reg{n}", "Not an AI system.")
            else:
                Moderation(store).accept(report_id, f"reg{n}", title=f"Accepted by reg{n}")
        except ReportProblem as problem:
            return problem.status
        return 200

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(decide, range(4)))
    assert outcomes == [200, 409, 409, 409], outcomes
    report = ReportBook(store).get(report_id)
    assert len(report.history) == 2  # submitted + the one decision that stood
    published = TaxiiRepository(store).count(public_collection(store))
    if report.state is ReportState.accepted:
        assert get_incident(store, report.incident_ids[0]).title == f"Accepted by {report.history[-1].actor}"
        assert published == 2  # the incident and its ai-system
    else:
        assert report.state is ReportState.rejected and published == 0


def test_a_failed_publication_undoes_the_acceptance_and_says_so(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tongzhou.participation.moderation as moderation_module

    register_examples(store)
    report_id, token = submit(store)

    def refuse(*_: object) -> None:  # the TAXII store refusing, as a full disk or a lost connection would
        raise OSError("disk full")

    monkeypatch.setattr(moderation_module, "publish_incident", refuse)
    with pytest.raises(OSError):
        Moderation(store).accept(report_id, "reg", title="T")
    report = ReportBook(store).get(report_id)
    assert report.state is ReportState.received and report.incident_ids == []
    assert [h.action.value for h in report.history] == ["submitted", "accept", "accept-failed"]
    assert report.history[-1].text == "OSError: disk full"
    assert ReportBook(store).by_token(token).reporter_view()["history"][-1]["text"] == ""
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(NOTICES)).scalar_one() == 0
    monkeypatch.undo()
    accepted, record = Moderation(store).accept(report_id, "reg", title="T")
    assert accepted.state is ReportState.accepted and accepted.incident_ids == [record.id]
    assert _published(store, record.id)
