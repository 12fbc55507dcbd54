"""Orders that need more than one authority: k of n trusted issuers, by one envelope or by matching
orders within a window; partial quorums pending, never acted on."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.gateway.quorum_policy import Board, make_board, write_quorum_policy
from tongzhou.attest import add_signature, key_id
from tongzhou.errors import InputError
from tongzhou.gateway.halt_book import HaltBook
from tongzhou.gateway.halt_order import HaltOrderError
from tongzhou.gateway.policy import load_policy

T = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def board(tongzhou_home: Path) -> Board:
    return make_board()


@pytest.fixture
def book(board: Board, tmp_path: Path) -> HaltBook:
    return HaltBook(load_policy(write_quorum_policy(tmp_path)))


def test_an_order_no_rule_governs_acts_on_one_signature(book: HaltBook, board: Board) -> None:
    pause = board.order("PAUSE", now=T)
    receipt = book.receive(pause.sign(board.a), "api", T)
    assert receipt.halted is not None and book.halting("stub-model", T) is not None
    assert "pending" not in receipt.to_json() and "quorum" not in receipt.halted.to_json()
    # and a RESUME lifting only PAUSEs is not a RESUME after a TERMINATE: one signature lifts it
    lifted = book.receive(board.order("RESUME", "regulator-b", now=T).sign(board.b), "api", T)
    assert lifted.lifted == (pause.order_id,) and book.active(T) == []


def test_one_of_one_without_quorum_rules_is_unchanged(board: Board, tmp_path: Path) -> None:
    book = HaltBook(load_policy(write_quorum_policy(tmp_path, quorum="")))
    receipt = book.receive(board.order("TERMINATE", now=T).sign(board.a), "api", T)
    assert receipt.halted is not None and not receipt.pending
    assert receipt.to_json()["key_id"] == key_id(board.a.public_key())


def test_two_of_three_in_one_envelope_takes_effect(book: HaltBook, board: Board) -> None:
    order = board.order("TERMINATE", now=T)
    envelope = add_signature(order.sign(board.a), board.c)
    receipt = book.receive(envelope, "api", T)
    assert not receipt.pending and receipt.halted is not None
    assert receipt.halted.quorum == ("regulator-a", "regulator-c")
    assert book.halting("stub-model", T) == receipt.halted
    assert receipt.to_json()["quorum"]["signed"] == 2


def test_one_signature_is_pending_and_never_acted_on(book: HaltBook, board: Board) -> None:
    order = board.order("TERMINATE", now=T)
    receipt = book.receive(order.sign(board.a), "api", T)
    assert receipt.pending and receipt.halted is None
    assert book.halting("stub-model", T) is None and book.active(T) == []
    answer = receipt.to_json()
    assert answer["pending"] is True
    assert answer["quorum"]["required"] == 2 and answer["quorum"]["issuers"] == ["regulator-a"]
    pending = book.snapshot(T)["pending"]
    assert [p["order"]["order_id"] for p in pending] == [order.order_id]
    assert pending[0]["eligible"] == ["regulator-a", "regulator-b", "regulator-c"]
    assert book.snapshot(T)["halted"] is False


def test_matching_orders_within_the_window_meet_the_quorum(book: HaltBook, board: Board) -> None:
    first = board.order("TERMINATE", "regulator-a", now=T)
    book.receive(first.sign(board.a), "api", T)
    second = board.order("TERMINATE", "regulator-b", now=T + timedelta(minutes=59))
    receipt = book.receive(second.sign(board.b), "taxii:https://body.example/c", T + timedelta(minutes=59))
    assert receipt.halted is not None
    assert receipt.halted.order.order_id == first.order_id  # the first order of the set takes effect
    assert receipt.halted.quorum == ("regulator-a", "regulator-b")
    assert receipt.to_json()["quorum"]["counted"] == ["regulator-b"]
    assert book.snapshot(T)["pending"] == []


def test_a_different_scope_is_a_different_decision(book: HaltBook, board: Board) -> None:
    book.receive(board.order("TERMINATE", "regulator-a", now=T).sign(board.a), "api", T)
    other = board.order("TERMINATE", "regulator-b", scope="model:stub-model", now=T)
    assert book.receive(other.sign(board.b), "api", T).pending
    assert len(book.snapshot(T)["pending"]) == 2 and book.active(T) == []


def test_an_expired_window_resets_the_count(book: HaltBook, board: Board) -> None:
    first = board.order("TERMINATE", "regulator-a", now=T)
    envelope = first.sign(board.a)
    book.receive(envelope, "api", T)
    late = T + timedelta(hours=1, seconds=1)
    second = board.order("TERMINATE", "regulator-b", now=late)
    receipt = book.receive(second.sign(board.b), "api", late)
    assert receipt.pending and book.active(late) == []
    (pending,) = book.snapshot(late)["pending"]
    assert pending["order"]["order_id"] == second.order_id and pending["issuers"] == ["regulator-b"]
    # re-sending the old contribution cannot revive it
    with pytest.raises(HaltOrderError) as info:
        book.receive(envelope, "api", late)
    assert info.value.reason == "replayed"
    assert book.active(late) == []


def test_one_issuer_counts_once_however_often_it_signs(book: HaltBook, board: Board) -> None:
    order = board.order("TERMINATE", "regulator-a", now=T)
    envelope = order.sign(board.a)
    envelope["signatures"].append(dict(envelope["signatures"][0]))  # the same signature twice
    envelope = add_signature(envelope, board.a_spare)  # and by the issuer's second key
    assert book.receive(envelope, "api", T).pending
    again = board.order("TERMINATE", "regulator-a", now=T)  # a second order by the same issuer
    receipt = book.receive(again.sign(board.a), "api", T)
    assert receipt.pending and receipt.counted == ()
    assert book.snapshot(T)["pending"][0]["issuers"] == ["regulator-a"] and book.active(T) == []


def test_an_untrusted_signature_counts_zero(book: HaltBook, board: Board) -> None:
    envelope = add_signature(board.order("TERMINATE", now=T).sign(board.a), board.stranger)
    receipt = book.receive(envelope, "api", T)
    assert receipt.pending and receipt.to_json()["quorum"]["issuers"] == ["regulator-a"]
    assert book.active(T) == []


def test_an_issuer_the_rule_does_not_list_counts_zero(board: Board, tmp_path: Path) -> None:
    rule = "  quorum:\n    - {actions: [TERMINATE], required: 2, issuers: [regulator-a, regulator-b]}\n"
    book = HaltBook(load_policy(write_quorum_policy(tmp_path, rule)))
    envelope = add_signature(board.order("TERMINATE", now=T).sign(board.a), board.c)
    assert book.receive(envelope, "api", T).pending
    receipt = book.receive(board.order("TERMINATE", "regulator-b", now=T).sign(board.b), "api", T)
    assert receipt.halted is not None and receipt.halted.quorum == ("regulator-a", "regulator-b")


def test_a_damaged_co_signature_is_skipped_not_counted(book: HaltBook, board: Board) -> None:
    envelope = add_signature(board.order("TERMINATE", now=T).sign(board.a), board.b)
    envelope["signatures"][1]["sig"] = envelope["signatures"][0]["sig"]  # b's keyid, a's signature
    receipt = book.receive(envelope, "api", T)
    assert receipt.pending and receipt.to_json()["quorum"]["issuers"] == ["regulator-a"]


def test_a_co_signed_copy_of_a_pending_order_completes_it(book: HaltBook, board: Board) -> None:
    order = board.order("TERMINATE", now=T)
    envelope = order.sign(board.a)
    assert book.receive(envelope, "api", T).pending
    assert book.receive(envelope, "file:/media/orders", T).pending  # the same copy twice: no new issuer
    receipt = book.receive(add_signature(envelope, board.b), "api", T + timedelta(minutes=5))
    assert receipt.halted is not None and receipt.halted.order == order
    with pytest.raises(HaltOrderError) as info:  # once acted on, every copy is a replay
        book.receive(add_signature(envelope, board.c), "api", T + timedelta(minutes=6))
    assert info.value.reason == "replayed"


def test_a_copy_with_an_altered_payload_is_a_replay(book: HaltBook, board: Board) -> None:
    order = board.order("TERMINATE", now=T)
    book.receive(order.sign(board.a), "api", T)
    forged = dataclasses.replace(order, reason="a different reason under the same id and nonce")
    with pytest.raises(HaltOrderError) as info:
        book.receive(add_signature(forged.sign(board.a), board.b), "api", T)
    assert info.value.reason == "replayed" and book.active(T) == []


def test_resume_after_terminate_needs_the_quorum(book: HaltBook, board: Board) -> None:
    terminate = board.order("TERMINATE", now=T)
    book.receive(add_signature(terminate.sign(board.a), board.b), "api", T)
    resume = board.order("RESUME", "regulator-a", now=T + timedelta(minutes=1))
    receipt = book.receive(resume.sign(board.a), "api", T + timedelta(minutes=1))
    assert receipt.pending and receipt.lifted == ()
    assert book.halting("stub-model", T + timedelta(minutes=1)) is not None  # still terminated
    second = board.order("RESUME", "regulator-c", now=T + timedelta(minutes=2))
    done = book.receive(second.sign(board.c), "api", T + timedelta(minutes=2))
    assert done.lifted == (terminate.order_id,) and book.active(T + timedelta(minutes=2)) == []


def test_pending_quorums_survive_a_restart(board: Board, tmp_path: Path) -> None:
    policy = load_policy(write_quorum_policy(tmp_path))
    order = board.order("TERMINATE", now=T)
    envelope = order.sign(board.a)
    HaltBook(policy).receive(envelope, "api", T)
    restarted = HaltBook(policy)
    assert restarted.snapshot(T)["pending"][0]["order"]["order_id"] == order.order_id
    receipt = restarted.receive(add_signature(envelope, board.b), "api", T + timedelta(minutes=1))
    assert receipt.halted is not None
    assert HaltBook(policy).active(T + timedelta(minutes=2))[0].quorum == ("regulator-a", "regulator-b")


def test_the_order_must_be_signed_by_its_own_issuer(book: HaltBook, board: Board) -> None:
    # regulator-b's signature on an order naming regulator-a, without regulator-a's: refused.
    order = board.order("TERMINATE", "regulator-a", now=T)
    payload = base64.b64decode(order.sign(board.a)["payload"])
    envelope = add_signature(
        {"payload": base64.b64encode(payload).decode(), "payloadType": order.sign(board.a)["payloadType"]},
        board.b,
    )
    with pytest.raises(HaltOrderError) as info:
        book.receive(envelope, "api", T)
    assert info.value.reason == "not-authorised" and "regulator-a" in str(info.value)
    assert book.snapshot(T)["pending"] == []


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{actions: [TERMINATE], required: 2, issuers: [regulator-a, nobody]}", "no trust entry"),
        ("{actions: [TERMINATE], required: 4}", "only 3 trusted issuer(s)"),
        ("{actions: [TERMINATE], required: 3, issuers: [regulator-a, regulator-b]}", "names only 2"),
        ("{actions: [PAUSE], lifting: [TERMINATE], required: 2}", "'lifting' is for rules"),
        ("{actions: [TERMINATE], required: 0}", "greater than or equal to 1"),
    ],
)
def test_a_quorum_that_cannot_be_met_is_refused_at_load(
    board: Board, tmp_path: Path, rule: str, message: str
) -> None:
    with pytest.raises(InputError) as info:
        load_policy(write_quorum_policy(tmp_path, f"  quorum:\n    - {rule}\n"))
    assert message in str(info.value)


def test_the_state_file_keeps_pending_sets_beside_orders_in_force(book: HaltBook, board: Board) -> None:
    book.receive(board.order("TERMINATE", now=T).sign(board.a), "api", T)
    state = json.loads(book.path.read_text(encoding="utf-8"))
    assert state["active"] == [] and len(state["pending"]) == 1


def test_a_rule_governs_only_its_scopes_and_the_strictest_rule_applies(board: Board, tmp_path: Path) -> None:
    rules = (
        "  quorum:\n"
        "    - {actions: [PAUSE], scopes: ['model:*'], required: 2}\n"
        "    - {actions: [PAUSE], scopes: ['model:stub-*'], required: 3}\n"
    )
    book = HaltBook(load_policy(write_quorum_policy(tmp_path, rules)))
    whole = book.receive(board.order("PAUSE", scope="all", now=T).sign(board.a), "api", T)
    assert whole.halted is not None  # no rule names scope "all": one signature
    envelope = add_signature(board.order("PAUSE", scope="model:stub-model", now=T).sign(board.a), board.b)
    receipt = book.receive(envelope, "api", T)
    assert receipt.pending and receipt.to_json()["quorum"]["required"] == 3
    other = add_signature(board.order("PAUSE", scope="model:other", now=T).sign(board.a), board.b)
    assert book.receive(other, "api", T).halted is not None  # 2 of the first rule
