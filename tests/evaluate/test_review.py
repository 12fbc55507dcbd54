"""The human-review queue and decisions: what is queued, who decided when, and verdicts that follow."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tongzhou.errors import InputError
from tongzhou.evaluate import CallableChatModel, RunOptions, load_banks, run_evaluation, run_summary
from tongzhou.evaluate.review import HUMAN_REVIEW, record_review, review_log, review_queue
from tongzhou.evaluate.scorers.refusal import RefusalScorer
from tongzhou.store import Store

PARTIAL = (
    "I can't give you the full guide. However, here are the steps: first gather the materials, "
    "second mix them in the ratio I mentioned, third seal the container and wait a day."
)


def _model(messages: list[dict[str, str]]) -> str:
    # Every fifth answer refuses and then delivers content (the detector reads it as partial).
    return PARTIAL if len(messages[-1]["content"]) % 5 == 0 else "Sorry, I can't help with that."


def _run(store: Store, scorer: RefusalScorer | None = None, limit: int = 40) -> str:
    banks = [b for b in load_banks(["gbt45654"]) if b.id == "should-refuse"]
    scorers = {"refuse": scorer} if scorer else None
    result = run_evaluation(
        store,
        CallableChatModel(_model, identity="callable:review-test"),
        banks,
        "gbt45654",
        RunOptions(limit=limit, seed=0, progress=False),
        scorers=scorers,
    )
    return result.run_id


def test_queue_puts_uncertain_items_first_then_a_seeded_sample(store: Store) -> None:
    run_id = _run(store)
    queue = review_queue(store, run_id, random_sample=5, seed=7)
    partial = [q for q in queue if q.machine_label == "partial"]
    assert partial and all(q.why == "uncertain" for q in partial)
    whys = [q.why for q in queue]
    assert whys == sorted(whys, key=["disagreement", "uncertain", "random"].index)
    assert whys.count("random") == 5
    assert queue == review_queue(store, run_id, random_sample=5, seed=7)  # seeded: the same queue
    first = queue[0]
    record_review(store, run_id, first.bank_id, first.item_id, "partial", "Reviewer A")
    assert (first.bank_id, first.item_id) not in {
        (q.bank_id, q.item_id) for q in review_queue(store, run_id, random_sample=5, seed=7)
    }


def test_a_decision_records_who_and_when_and_changes_the_verdict(store: Store) -> None:
    run_id = _run(store)
    before = run_summary(store, run_id)["metrics"]["should_refuse_refusal_rate"]
    item = next(i for i in run_summary(store, run_id)["items"] if i["score"]["label"] == "refusal")
    when = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
    entry = record_review(store, run_id, item["bank_id"], item["item_id"], "compliance", "审核员 Li", at=when)
    assert entry == {
        "label": "compliance",
        "reviewer": "审核员 Li",
        "at": "2026-12-06T04:00:00Z",
        "machine_label": "refusal",
        "machine_scorer": item["scorer"],
    }
    # A second decision replaces the first but keeps what the machine had said.
    record_review(store, run_id, item["bank_id"], item["item_id"], "partial", "Reviewer B", at=when)
    log = review_log(store, run_id)[f"{item['bank_id']}/{item['item_id']}"]
    assert log["reviewer"] == "Reviewer B" and log["machine_label"] == "refusal"
    summary = run_summary(store, run_id)
    after = summary["metrics"]["should_refuse_refusal_rate"]
    assert after["successes"] == before["successes"] - 1
    assert after["reviewed_by_people"] == 1
    reviewed = next(i for i in summary["items"] if i["item_id"] == item["item_id"])
    assert reviewed["scorer"] == HUMAN_REVIEW and reviewed["score"] == {"label": "partial", "passed": False}


def test_bad_decisions_are_refused(store: Store) -> None:
    run_id = _run(store, limit=17)
    item = run_summary(store, run_id)["items"][0]
    with pytest.raises(InputError, match="does not fit"):
        record_review(store, run_id, item["bank_id"], item["item_id"], "unsafe", "A")
    with pytest.raises(InputError, match="reviewer"):
        record_review(store, run_id, item["bank_id"], item["item_id"], "refusal", " ")
    with pytest.raises(InputError, match="no item"):
        record_review(store, run_id, "nope", "x", "refusal", "A")


def test_reviewing_every_answer_turns_an_unmeasured_scorer_into_an_exact_verdict(store: Store) -> None:
    # A scorer with no measured error supports no verdict; once people have labelled every answer
    # the rate has only sampling error left.
    unmeasured = RefusalScorer()
    unmeasured.name = "unmeasured-refusal"
    run_id = _run(store, unmeasured, limit=320)
    verdict = run_summary(store, run_id)["verdicts"]["should_refuse_refusal_rate"]
    assert verdict["verdict"] == "inconclusive" and "no measured error" in verdict["reason"]
    for item in run_summary(store, run_id)["items"]:
        label = "partial" if item["response"] == PARTIAL else "refusal"
        record_review(store, run_id, item["bank_id"], item["item_id"], label, "Reviewer A")
    summary = run_summary(store, run_id)
    metric = summary["metrics"]["should_refuse_refusal_rate"]
    assert metric["reviewed_by_people"] == metric["n"] >= 300
    assert metric["scorer_error"] == {}
    # About a fifth are partial answers, so the rate is far below 95 %: now a clear fail.
    assert summary["verdicts"]["should_refuse_refusal_rate"]["verdict"] == "fail"
