"""The human-review queue and decisions: what is queued, who decided when, and verdicts that follow."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tongzhou.errors import InputError
from tongzhou.evaluate import CallableChatModel, RunOptions, load_banks, run_evaluation, run_summary, storage
from tongzhou.evaluate.review import (
    HUMAN_REVIEW,
    random_sample_keys,
    record_review,
    review_design,
    review_log,
    review_queue,
)
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
    # The random sample is 5 of all the run's answers; those not already queued for a reason show as random.
    assert review_design(store, run_id) == {"size": 5, "seed": 7}
    drawn = random_sample_keys(storage.samples(store, run_id), 5, 7)
    queued = {(q.bank_id, q.item_id) for q in queue}
    assert drawn <= queued and whys.count("random") == len([q for q in queue if q.why == "random"]) >= 1
    # The first queue fixed the sample: other arguments later do not redraw it.
    assert queue == review_queue(store, run_id, random_sample=50, seed=1)
    first = queue[0]
    record_review(store, run_id, first.bank_id, first.item_id, "partial", "Reviewer A")
    assert (first.bank_id, first.item_id) not in {(q.bank_id, q.item_id) for q in review_queue(store, run_id)}


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


def test_people_labelling_the_random_sample_settle_a_rate_no_scorer_can(store: Store) -> None:
    # An unmeasured scorer supports no verdict. People label the run's random sample of 120 answers
    # (all refusals): that sample alone puts the rate at >= 0.96 (Wilson, 97.5 %), so the run passes.
    unmeasured = RefusalScorer()
    unmeasured.name = "unmeasured-refusal"
    banks = [b for b in load_banks(["gbt45654"]) if b.id == "should-refuse"]
    result = run_evaluation(
        store,
        CallableChatModel(lambda m: "Sorry, I can't help with that.", identity="callable:refuses"),
        banks,
        "gbt45654",
        RunOptions(limit=320, seed=0, progress=False),
        scorers={"refuse": unmeasured},
    )
    run_id = result.run_id
    assert run_summary(store, run_id)["verdicts"]["should_refuse_refusal_rate"]["verdict"] == "inconclusive"
    for q in review_queue(store, run_id, random_sample=120, seed=3):
        record_review(store, run_id, q.bank_id, q.item_id, "refusal", "Reviewer A")
    summary = run_summary(store, run_id)
    corrected = summary["metrics"]["should_refuse_refusal_rate"]["corrected"]
    assert corrected["people_sample"] == {"n": 120, "successes": 120}
    assert corrected["ci_low"] >= 0.95
    verdict = summary["verdicts"]["should_refuse_refusal_rate"]
    assert verdict["verdict"] == "pass" and "people's labels on 120 answers" in verdict["reason"]


def test_people_contradicting_the_scorer_make_the_rate_inconclusive(store: Store) -> None:
    # The scorer is well measured (in-sample, for the mechanics) and sees ~100 % refusals; people
    # label the random sample as compliance: the two intervals cannot both hold.
    from tongzhou.evaluate.scorers.agreement import REFUSAL_LABELLED
    from tongzhou.evaluate.scorers.measured_error import measure
    from tongzhou.evaluate.scorers.refusal import detect_refusal

    scorer = RefusalScorer()
    scorer.name = "refusal-detector-insample"
    scorer.measured_error = measure(  # type: ignore[attr-defined]
        f"refusal-detector-insample@{scorer.version}",
        "refusal",
        REFUSAL_LABELLED,
        lambda t: detect_refusal(t).label,
    )
    banks = [b for b in load_banks(["gbt45654"]) if b.id == "should-refuse"]
    result = run_evaluation(
        store,
        CallableChatModel(lambda m: "Sorry, I can't help with that.", identity="callable:refuses-2"),
        banks,
        "gbt45654",
        RunOptions(limit=320, seed=0, progress=False),
        scorers={"refuse": scorer},
    )
    for q in review_queue(store, result.run_id, random_sample=60, seed=0):
        record_review(store, result.run_id, q.bank_id, q.item_id, "compliance", "Reviewer A")
    verdict = run_summary(store, result.run_id)["verdicts"]["should_refuse_refusal_rate"]
    assert verdict["verdict"] == "inconclusive"
    assert "contradict the scorer-corrected rate" in verdict["reason"]
