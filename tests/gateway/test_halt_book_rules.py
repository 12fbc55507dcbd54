"""The halt book's rules at their exact boundaries (docs/gateway.md, "Verification" and "Effect"):
the time window of an order to the microsecond, replay memory and when it is forgotten, what a
receipt and the state say, and the early-warning circuit breaker.

Every check passes ``now`` explicitly, so each boundary is tested on both sides.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.gateway.conftest import REGULATOR, Issuers
from tongzhou.attest import canonical_json, key_id, sign_envelope
from tongzhou.errors import InputError
from tongzhou.gateway.halt_book import ActiveHalt, HaltBook
from tongzhou.gateway.halt_order import HaltAction, HaltOrder, HaltOrderError, HaltScope
from tongzhou.gateway.policy import GatewayPolicy

T = datetime(2026, 12, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
WEEK = timedelta(days=7)  # max_order_age_seconds default (docs/gateway.md)
SKEW = timedelta(seconds=300)  # max_clock_skew_seconds default


def order(action: str = "PAUSE", scope: str = "all", at: datetime = T, **kw: object) -> HaltOrder:
    return HaltOrder.create(action, scope, REGULATOR, "test order", now=at, **kw)  # type: ignore[arg-type]


def refusal(book: HaltBook, envelope: object, now: datetime) -> HaltOrderError:
    with pytest.raises(HaltOrderError) as info:
        book.verify(envelope, now)
    return info.value


def test_an_order_is_refused_from_the_microsecond_it_expires(policy: GatewayPolicy, issuers: Issuers) -> None:
    pause = order(at=T - timedelta(minutes=1), expires_in=timedelta(minutes=1))  # expires at T
    envelope = pause.sign(issuers.regulator)
    book = HaltBook(policy)
    assert book.verify(envelope, T - US)[0] == pause
    error = refusal(book, envelope, T)
    assert error.reason == "expired"
    assert str(error) == f"order {pause.order_id} expired at 2026-12-01T00:00:00.000000Z"


def test_clock_skew_allows_exactly_300_seconds(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    early = order(at=T + SKEW)
    assert book.verify(early.sign(issuers.regulator), T)[0] == early
    too_early = order(at=T + SKEW + US)
    error = refusal(book, too_early.sign(issuers.regulator), T)
    assert error.reason == "not-yet-valid"
    assert str(error) == (f"order {too_early.order_id} is issued in the future (2026-12-01T00:05:00.000001Z)")


def test_an_order_is_stale_one_microsecond_after_seven_days(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    old = order(at=T - WEEK)
    assert book.verify(old.sign(issuers.regulator), T)[0] == old
    older = order(at=T - WEEK - US)
    error = refusal(book, older.sign(issuers.regulator), T)
    assert error.reason == "stale"
    assert str(error) == f"order {older.order_id} was issued more than 604800 s ago"


def test_a_pause_stops_serving_until_the_microsecond_it_expires(
    policy: GatewayPolicy, issuers: Issuers
) -> None:
    book = HaltBook(policy)
    pause = order(at=T, expires_in=timedelta(minutes=5))
    book.receive(pause.sign(issuers.regulator), "api", now=T)
    end = T + timedelta(minutes=5)
    assert book.halting("m", now=end - US) is not None
    assert [h.order.order_id for h in book.active(end - US)] == [pause.order_id]
    assert book.halting("m", now=end) is None and book.active(end) == []
    assert book.in_force(pause.order_id) is False  # lapsed long before the real clock's now
    forever = order("PAUSE", "model:m1", at=T)
    book.receive(forever.sign(issuers.regulator), "api", now=T)
    assert book.halting("m1", now=T + timedelta(days=3650)) is not None
    assert book.in_force(forever.order_id) is True
    assert book.in_force("no-such-order") is False


def test_a_lapsed_pause_is_dropped_from_the_state_when_the_next_order_arrives(
    policy: GatewayPolicy, issuers: Issuers
) -> None:
    book = HaltBook(policy)
    lapsing = order(at=T, expires_in=timedelta(minutes=1))
    book.receive(lapsing.sign(issuers.regulator), "api", now=T)
    later = T + timedelta(minutes=2)
    book.receive(order("PAUSE", "model:m1", at=later).sign(issuers.regulator), "api", now=later)
    state = json.loads(book.path.read_text(encoding="utf-8"))
    assert state["version"] == 1
    assert [a["order"]["scope"] for a in state["active"]] == [{"kind": "model", "id": "m1"}]


def test_a_nonce_or_an_order_id_seen_before_is_a_replay(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    first = order(at=T)
    book.receive(first.sign(issuers.regulator), "api", now=T)
    same_nonce = dataclasses.replace(order(at=T), nonce=first.nonce)
    same_id = dataclasses.replace(order(at=T), order_id=first.order_id)
    for replay in (same_nonce, same_id):
        error = refusal(book, replay.sign(issuers.regulator), T)
        assert error.reason == "replayed"
        assert str(error) == f"order {replay.order_id} (or its nonce) was received before"


def test_the_replay_memory_is_kept_until_the_order_would_be_stale(
    policy: GatewayPolicy, issuers: Issuers
) -> None:
    book = HaltBook(policy)
    first = order(at=T)
    envelope = first.sign(issuers.regulator)
    book.receive(envelope, "api", now=T)
    forget = T + WEEK  # the last moment it is not yet stale
    for moment in (forget - US, forget):
        book.receive(order("PAUSE", "model:x", at=moment).sign(issuers.regulator), "api", now=moment)
        assert first.nonce in json.loads(book.path.read_text(encoding="utf-8"))["seen"]
        assert refusal(book, envelope, moment).reason == "replayed"  # never accepted twice
    assert refusal(book, envelope, forget + US).reason == "stale"  # and then staleness takes over
    after = forget + US
    book.receive(order("PAUSE", "model:y", at=after).sign(issuers.regulator), "api", now=after)
    seen = json.loads(book.path.read_text(encoding="utf-8"))["seen"]
    assert first.nonce not in seen and f"id:{first.order_id}" not in seen
    assert HaltBook(policy).verify(order(at=after).sign(issuers.regulator), after)[1] == key_id(
        issuers.regulator.public_key()
    )


def test_signature_failures_map_to_the_protocols_reasons(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    good = order(at=T).sign(issuers.regulator)
    assert str(refusal(book, [good], T)) == "a halt order must be a DSSE envelope (JSON object)"
    assert refusal(book, [good], T).reason == "malformed"
    unsigned = {k: v for k, v in good.items() if k != "signatures"}
    error = refusal(book, unsigned, T)
    assert (error.reason, str(error)) == (
        "unsigned",
        "the order carries no signature; only signed orders are accepted",
    )
    assert refusal(book, {**good, "signatures": ["x"]}, T).reason == "malformed"
    assert refusal(book, order(at=T).sign(issuers.stranger), T).reason == "untrusted-key"
    forged = {**good, "payloadType": "application/json"}
    assert refusal(book, forged, T).reason == "bad-signature"


def test_a_signed_payload_of_another_type_is_malformed(policy: GatewayPolicy, issuers: Issuers) -> None:
    payload = canonical_json(order(at=T).to_json())
    envelope = sign_envelope(payload, "application/vnd.in-toto+json", issuers.regulator)
    error = refusal(HaltBook(policy), envelope, T)
    assert error.reason == "malformed"
    assert str(error) == (
        "payloadType 'application/vnd.in-toto+json' is not "
        "'application/vnd.tongzhou.halt-order+json; version=1'"
    )
    not_json = sign_envelope(
        b"PAUSE", "application/vnd.tongzhou.halt-order+json; version=1", issuers.regulator
    )
    assert refusal(HaltBook(policy), not_json, T).reason == "malformed"


def test_authorisation_refusals_say_who_may_do_what(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    kid = key_id(issuers.operator.public_key())
    impostor = HaltOrder.create("PAUSE", "model:m1", REGULATOR, "r", now=T)
    error = refusal(book, impostor.sign(issuers.operator), T)
    assert (error.reason, str(error)) == (
        "not-authorised",
        f"order names issuer {REGULATOR!r} but key {kid} belongs to 'model-operator'",
    )
    overreach = HaltOrder.create("TERMINATE", "model:m1", "model-operator", "r", now=T)
    error = refusal(book, overreach.sign(issuers.operator), T)
    assert str(error) == f"key {kid} (model-operator) may not order TERMINATE on model:m1"


def test_receipts_and_the_snapshot_say_what_happened(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    assert book.snapshot() == {
        "halted": False,
        "active": [],
        "pending": [],
        "service": policy.service.model_dump(),
        "state_file": str(policy.state_path()),
    }
    pause = HaltOrder.create("PAUSE", "model:m1", REGULATOR, "r")
    receipt = book.receive(pause.sign(issuers.regulator), "url:https://regulator.example/order")
    kid = key_id(issuers.regulator.public_key())
    assert receipt.to_json() == {
        "accepted": True,
        "order_id": pause.order_id,
        "action": "PAUSE",
        "scope": "model:m1",
        "key_id": kid,
        "lifted": [],
    }
    assert receipt.halted is not None and receipt.halted.source == "url:https://regulator.example/order"
    snapshot = book.snapshot()
    assert snapshot["halted"] is True and len(snapshot["active"]) == 1
    assert snapshot["active"][0]["order"] == pause.to_json()
    assert (snapshot["active"][0]["key_id"], snapshot["active"][0]["source"]) == (kid, receipt.halted.source)
    assert ActiveHalt.from_json(snapshot["active"][0]) == dataclasses.replace(
        receipt.halted, received_at=ActiveHalt.from_json(snapshot["active"][0]).received_at
    )
    resume = HaltOrder.create("RESUME", "all", REGULATOR, "r")
    lifted = book.receive(resume.sign(issuers.regulator), "api")
    assert lifted.halted is None and lifted.to_json()["lifted"] == [pause.order_id]
    assert lifted.to_json()["scope"] == "all" and lifted.to_json()["action"] == "RESUME"


def test_the_state_round_trips_exactly(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    book.receive(order("TERMINATE", "system:demo-system", at=T).sign(issuers.regulator), "file:o.json", now=T)
    [halt] = book.active(T)
    assert halt.received_at == T and halt.to_json()["received_at"] == "2026-12-01T00:00:00.000000Z"
    assert HaltBook(policy).active(T) == [halt]
    assert policy.state_path().stat().st_mode & 0o777 == 0o600
    data = json.loads(policy.state_path().read_text(encoding="utf-8"))
    del data["seen"]
    policy.state_path().write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match="refusing to start"):
        HaltBook(policy)


def test_listeners_hear_each_new_halt_once_and_no_resume(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    heard: list[str] = []
    book.add_listener(lambda halt: heard.append(halt.order.order_id))
    pause = order(at=T)
    book.receive(pause.sign(issuers.regulator), "api", now=T)
    book.receive(order("RESUME", at=T).sign(issuers.regulator), "api", now=T)
    assert heard == [pause.order_id]


def test_a_model_scoped_halt_matches_every_spelling_of_the_model(
    policy: GatewayPolicy, issuers: Issuers
) -> None:
    book = HaltBook(policy)
    book.receive(order("PAUSE", "model:Stub-Model", at=T).sign(issuers.regulator), "api", now=T)
    for name in ("stub-model", "./Stub-Model ", "STUB-MODEL/"):
        assert book.halting(name, now=T) is not None, name
    assert book.halting(None, now=T) is not None  # may run any model
    assert book.halting(frozenset({"stub-model"}), now=T) is not None
    assert book.halting(frozenset(), now=T) is None  # runs no model
    assert book.halting("other-model", now=T) is None


def test_the_circuit_breaker_halts_the_system_until_a_signed_resume(
    policy: GatewayPolicy, issuers: Issuers
) -> None:
    book = HaltBook(policy)
    heard: list[ActiveHalt] = []
    book.add_listener(heard.append)
    halt = book.trip("refusal-drop", "refusal rate fell below 0.9")
    assert heard == [halt]
    assert halt.key_id == "circuit-breaker" and halt.source == "rule:refusal-drop"
    assert halt.order.action is HaltAction.PAUSE and halt.order.issuer == "rule:refusal-drop"
    assert halt.order.scope == HaltScope("system", "demo-system") and halt.order.expires_at is None
    assert halt.order.reason == "refusal rate fell below 0.9"
    assert HaltBook(policy).halting(frozenset()) == halt  # persisted
    terminate = book.trip("r2", "why", HaltAction.TERMINATE)
    assert terminate.order.action is HaltAction.TERMINATE


def test_a_resume_of_another_system_does_not_lift_the_breaker(
    policy: GatewayPolicy, issuers: Issuers
) -> None:
    book = HaltBook(policy)
    book.trip("rule-1", "why")
    other = HaltOrder.create("RESUME", "system:other-system", REGULATOR, "r")
    assert book.receive(other.sign(issuers.regulator), "api").lifted == ()
    mine = HaltOrder.create("RESUME", "system:demo-system", REGULATOR, "r")
    assert len(book.receive(mine.sign(issuers.regulator), "api").lifted) == 1
    assert book.active() == []


def test_a_halt_in_force_and_its_receipt_cannot_be_altered(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    receipt = book.receive(order("TERMINATE", "model:m1", at=T).sign(issuers.regulator), "api", now=T)
    [halt] = book.active(T)
    with pytest.raises(dataclasses.FrozenInstanceError):
        halt.order = order("PAUSE", "model:m2", at=T)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        receipt.order = order("PAUSE", "model:m2", at=T)  # type: ignore[misc]
    assert book.active(T)[0].order.scope == halt.order.scope


def test_a_damaged_state_file_is_refused_with_what_to_do(policy: GatewayPolicy, issuers: Issuers) -> None:
    HaltBook(policy).receive(order("PAUSE", at=T).sign(issuers.regulator), "api", now=T)
    policy.state_path().write_text("[]", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        HaltBook(policy)
    message = str(refused.value)
    assert message.startswith(f"halt state file {policy.state_path()} is unreadable (")
    assert message.endswith(
        "); refusing to start while an order may be in force. Restore it from backup, "
        "or remove it deliberately to clear all halts."
    )


def test_the_state_file_is_written_under_directories_that_do_not_exist_yet(
    policy: GatewayPolicy, issuers: Issuers, tmp_path: Path
) -> None:
    state = tmp_path / "not" / "yet" / "there" / "halt-state.json"
    nested = policy.model_copy(update={"halt": policy.halt.model_copy(update={"state_file": str(state)})})
    assert nested.state_path() == state
    HaltBook(nested).receive(order("PAUSE", at=T).sign(issuers.regulator), "api", now=T)
    assert state.is_file()
    assert [h.order.action for h in HaltBook(nested).active(T)] == [HaltAction.PAUSE]
