"""Halt orders against the trust policy: accepted, refused for each reason, persisted, lifted."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.gateway.conftest import REGULATOR, Issuers, write_policy
from tongzhou.errors import InputError
from tongzhou.gateway.halt_book import HaltBook
from tongzhou.gateway.halt_order import HaltOrder, HaltOrderError, HaltScope
from tongzhou.gateway.policy import GatewayPolicy, load_policy


def refused(book: HaltBook, envelope: object) -> str:
    with pytest.raises(HaltOrderError) as info:
        book.receive(envelope, "test")
    assert book.active() == []
    return info.value.reason


def test_signed_pause_halts_and_names_the_order(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    order = issuers.order("PAUSE", reason="incident 42 under investigation")
    receipt = book.receive(order.sign(issuers.regulator), "api")
    halt = book.halting("any-model")
    assert halt is not None and halt.order.order_id == order.order_id == receipt.order.order_id
    assert halt.order.reason == "incident 42 under investigation"


def test_forged_order_is_refused(policy: GatewayPolicy, issuers: Issuers) -> None:
    envelope = issuers.order("PAUSE").sign(issuers.regulator)
    payload = json.loads(base64.b64decode(envelope["payload"]))
    payload["scope"] = {"kind": "organisation", "id": "someone-else"}  # altered after signing
    envelope["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    assert refused(HaltBook(policy), envelope) == "bad-signature"


def test_unsigned_order_is_refused(policy: GatewayPolicy, issuers: Issuers) -> None:
    envelope = issuers.order("PAUSE").sign(issuers.regulator)
    envelope["signatures"] = []
    assert refused(HaltBook(policy), envelope) == "unsigned"
    assert refused(HaltBook(policy), issuers.order("PAUSE").to_json()) == "unsigned"  # a bare order


def test_expired_order_is_refused(policy: GatewayPolicy, issuers: Issuers) -> None:
    order = issuers.order(
        "PAUSE", expires_in=timedelta(seconds=10), now=datetime.now(UTC) - timedelta(minutes=1)
    )
    assert refused(HaltBook(policy), order.sign(issuers.regulator)) == "expired"


def test_untrusted_key_is_refused(policy: GatewayPolicy, issuers: Issuers) -> None:
    assert refused(HaltBook(policy), issuers.order("PAUSE").sign(issuers.stranger)) == "untrusted-key"


def test_key_may_only_order_what_the_trust_policy_allows(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    as_operator = HaltOrder.create("PAUSE", "all", "model-operator", "overreach")
    assert refused(book, as_operator.sign(issuers.operator)) == "not-authorised"
    resume = HaltOrder.create("RESUME", "model:m1", "model-operator", "not allowed to resume")
    assert refused(book, resume.sign(issuers.operator)) == "not-authorised"
    impostor = HaltOrder.create("PAUSE", "model:m1", REGULATOR, "claims another issuer")
    assert refused(book, impostor.sign(issuers.operator)) == "not-authorised"
    allowed = HaltOrder.create("PAUSE", "model:m1", "model-operator", "model m1 misbehaves")
    book.receive(allowed.sign(issuers.operator), "api")
    assert book.halting("m1") is not None and book.halting("m2") is None


def test_replayed_stale_and_future_orders_are_refused(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    envelope = issuers.order("PAUSE").sign(issuers.regulator)
    book.receive(envelope, "api")
    book.receive(issuers.order("RESUME").sign(issuers.regulator), "api")
    assert refused(book, envelope) == "replayed"  # the old PAUSE, sent again after RESUME
    old = issuers.order("PAUSE", now=datetime.now(UTC) - timedelta(days=30))
    assert refused(book, old.sign(issuers.regulator)) == "stale"
    future = issuers.order("PAUSE", now=datetime.now(UTC) + timedelta(hours=1))
    assert refused(book, future.sign(issuers.regulator)) == "not-yet-valid"


def test_malformed_orders_are_refused(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    assert refused(book, "not an envelope") == "malformed"
    assert refused(
        book, {"payloadType": "x", "payload": "!!", "signatures": [{"keyid": "k", "sig": "x"}]}
    ) in ("malformed", "untrusted-key")
    with pytest.raises(HaltOrderError):
        HaltScope.parse("galaxy:all")


def test_halt_state_survives_a_new_book(policy: GatewayPolicy, issuers: Issuers) -> None:
    first = HaltBook(policy)
    order = issuers.order("TERMINATE", "system:demo-system", reason="unsafe outputs")
    first.receive(order.sign(issuers.regulator), "api")
    second = HaltBook(policy)  # what a restarted gateway builds
    halt = second.halting(None)
    assert halt is not None and halt.order.order_id == order.order_id
    envelope = order.sign(issuers.regulator)
    assert refused_keep(second, envelope) == "replayed"  # the replay memory persists too


def refused_keep(book: HaltBook, envelope: object) -> str:
    with pytest.raises(HaltOrderError) as info:
        book.receive(envelope, "test")
    return info.value.reason


def test_resume_lifts_orders_in_its_scope_only(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    book.receive(issuers.order("PAUSE", "model:m1").sign(issuers.regulator), "api")
    book.receive(issuers.order("PAUSE", "model:m2").sign(issuers.regulator), "api")
    receipt = book.receive(issuers.order("RESUME", "model:m1").sign(issuers.regulator), "api")
    assert len(receipt.lifted) == 1
    assert book.halting("m1") is None and book.halting("m2") is not None
    book.receive(issuers.order("RESUME", "all").sign(issuers.regulator), "api")
    assert book.active() == []


def test_pause_lapses_at_expiry_but_terminate_does_not(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    book.receive(issuers.order("PAUSE", expires_in=timedelta(minutes=5)).sign(issuers.regulator), "api")
    book.receive(
        issuers.order("TERMINATE", "model:m1", expires_in=timedelta(minutes=5)).sign(issuers.regulator), "api"
    )
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert book.halting("m2", now=later) is None
    assert book.halting("m1", now=later) is not None


def test_damaged_state_file_stops_the_gateway_from_starting(policy: GatewayPolicy, issuers: Issuers) -> None:
    HaltBook(policy).receive(issuers.order("PAUSE").sign(issuers.regulator), "api")
    policy.state_path().write_text("{ half written", encoding="utf-8")
    with pytest.raises(InputError, match="refusing to start"):
        HaltBook(policy)


def test_policy_errors_are_clear(tmp_path: Path, issuers: Issuers) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("halt:\n  trust:\n    - issuer: x\n", encoding="utf-8")
    with pytest.raises(InputError, match="exactly one of"):
        load_policy(bad)
    short = write_policy(tmp_path, "audit: {retention_days: 30}")
    with pytest.raises(InputError, match="retention_days"):
        load_policy(short)
    missing = tmp_path / "missing.yaml"
    missing.write_text("halt:\n  trust:\n    - {issuer: x, key: no-such-key}\n", encoding="utf-8")
    with pytest.raises(InputError, match="cannot load its public key"):
        load_policy(missing)


def test_an_older_resume_never_lifts_a_newer_pause(policy: GatewayPolicy, issuers: Issuers) -> None:
    # docs/gateway.md: a RESUME lifts only orders issued at or before it. A RESUME signed before
    # a PAUSE but delivered after it (a slow channel, a replayed file) must not undo the PAUSE.
    book = HaltBook(policy)
    now = datetime.now(UTC)
    older_resume = issuers.order("RESUME", now=now - timedelta(minutes=10))
    newer_pause = issuers.order("PAUSE", now=now - timedelta(minutes=1))
    book.receive(newer_pause.sign(issuers.regulator), "api")
    receipt = book.receive(older_resume.sign(issuers.regulator), "file:late.json")
    assert receipt.lifted == ()
    halt = book.halting("stub-model")
    assert halt is not None and halt.order.order_id == newer_pause.order_id
    same_moment = issuers.order("RESUME", now=newer_pause.issued_at)  # "at or before": inclusive
    assert book.receive(same_moment.sign(issuers.regulator), "api").lifted == (newer_pause.order_id,)


def test_a_resume_lifts_only_the_orders_it_names(policy: GatewayPolicy, issuers: Issuers) -> None:
    book = HaltBook(policy)
    first = issuers.order("PAUSE", reason="incident 1")
    second = issuers.order("PAUSE", reason="incident 2")
    for order in (first, second):
        book.receive(order.sign(issuers.regulator), "api")
    resume = issuers.order("RESUME", lifts=(first.order_id,), reason="incident 1 closed")
    receipt = book.receive(resume.sign(issuers.regulator), "api")
    assert receipt.lifted == (first.order_id,)
    assert [h.order.order_id for h in book.active()] == [second.order_id]
    assert book.halting(frozenset()) is not None


def test_a_resume_naming_an_order_outside_its_scope_does_not_lift_it(
    policy: GatewayPolicy, issuers: Issuers
) -> None:
    book = HaltBook(policy)
    pause_all = issuers.order("PAUSE")
    book.receive(pause_all.sign(issuers.regulator), "api")
    resume = issuers.order("RESUME", "model:m1", lifts=(pause_all.order_id,))
    assert book.receive(resume.sign(issuers.regulator), "api").lifted == ()
    assert book.halting("m2") is not None
