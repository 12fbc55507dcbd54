"""Quorum across a fleet: every verified contribution goes to the halt ledger, and every gateway
counts the ledger's entries with its own trust policy and quorum rules, at the ledger's time.

Two hosts are two halt books with separate state files on one ledger (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.gateway.quorum_policy import Board, make_board, write_quorum_policy
from tests.gateway.test_shared_halts import ledger_url
from tongzhou.attest import add_signature
from tongzhou.gateway.halt_book import HaltBook
from tongzhou.gateway.halt_ledger import HaltLedger
from tongzhou.gateway.halt_order import HaltOrderError
from tongzhou.gateway.policy import load_policy
from tongzhou.gateway.shared_halts import SharedHalts


@pytest.fixture
def board(tongzhou_home: Path) -> Board:
    return make_board()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HaltLedger]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        base, schema = request.getfixturevalue("postgres_url")
        url = ledger_url(base, schema)
    opened = HaltLedger(url)
    yield opened
    opened.close()


def host(name: str, ledger: HaltLedger, tmp_path: Path) -> SharedHalts:
    """One gateway host: its own halt state file, the quorum policy, the shared ledger."""
    policy = load_policy(write_quorum_policy(tmp_path))
    policy.halt.state_file = str(tmp_path / f"{name}-halt-state.json")
    return SharedHalts(HaltBook(policy), ledger)


def test_matching_orders_delivered_to_two_hosts_combine_and_halt_both(
    board: Board, ledger: HaltLedger, tmp_path: Path
) -> None:
    a, b = host("a", ledger, tmp_path), host("b", ledger, tmp_path)
    first = board.order("TERMINATE", "regulator-a")
    assert a.receive(first.sign(board.a), "api").pending
    # Host B hears of it through the ledger: pending there too, acted on nowhere.
    [adopted] = b.adopt(b.fetch())
    assert adopted.receipt is not None and adopted.receipt.pending
    assert [p["order"]["order_id"] for p in b.book.snapshot()["pending"]] == [first.order_id]
    assert a.book.active() == [] and b.book.active() == []
    # Host A reads back its own contribution: counted already, nothing to audit twice.
    assert [d.receipt for d in a.adopt(a.fetch())] == [None]
    # Regulator B's matching order reaches host B: the quorum is met there, then at host A.
    receipt = b.receive(board.order("TERMINATE", "regulator-b").sign(board.b), "taxii:body")
    assert receipt.halted is not None and receipt.halted.order.order_id == first.order_id
    done = a.adopt(a.fetch())
    assert [d.receipt.halted.order.order_id for d in done if d.receipt and d.receipt.halted] == [
        first.order_id
    ]
    for book in (a.book, b.book):
        [halt] = book.active()
        assert halt.order.order_id == first.order_id and halt.quorum == ("regulator-a", "regulator-b")
        assert book.snapshot()["pending"] == []
        assert book.halting("stub-model") is not None


def test_a_co_signed_copy_delivered_to_another_host_is_a_contribution_there_and_here(
    board: Board, ledger: HaltLedger, tmp_path: Path
) -> None:
    a, b = host("a", ledger, tmp_path), host("b", ledger, tmp_path)
    order = board.order("TERMINATE", "regulator-a")
    signed = order.sign(board.a)
    assert a.receive(signed, "api").pending
    co_signed = add_signature(signed, board.c)  # regulator C co-signs the copy and sends it to host B
    receipt = b.receive(co_signed, "file:inbox")
    assert receipt.halted is not None and receipt.halted.quorum == ("regulator-a", "regulator-c")
    a.adopt(a.fetch())
    [halt] = a.book.active()
    assert halt.order.order_id == order.order_id and halt.quorum == ("regulator-a", "regulator-c")
    # The same co-signed copy again, to host A: the ledger holds it, it acts once.
    with pytest.raises(HaltOrderError) as replay:
        a.receive(co_signed, "api")
    assert replay.value.reason == "replayed"
    assert len(ledger.entries_after(0)) == 2


def test_a_partial_quorum_stays_pending_everywhere(board: Board, ledger: HaltLedger, tmp_path: Path) -> None:
    a, b = host("a", ledger, tmp_path), host("b", ledger, tmp_path)
    a.receive(board.order("TERMINATE", "regulator-a").sign(board.a), "api")
    # Regulator A again, with its spare key and a new order: one issuer still counts once.
    b.receive(board.order("TERMINATE", "regulator-a").sign(board.a_spare), "api")
    a.adopt(a.fetch())
    b.adopt(b.fetch())
    for shared in (a, b):
        assert shared.book.active() == []
        [pending] = shared.book.snapshot()["pending"]
        assert pending["issuers"] == ["regulator-a"] and pending["signed"] == 1


def test_a_gateway_reading_old_contributions_never_completes_a_lapsed_quorum(
    board: Board, ledger: HaltLedger, tmp_path: Path
) -> None:
    a = host("a", ledger, tmp_path)
    a.receive(board.order("TERMINATE", "regulator-a").sign(board.a), "api")
    # The first contribution was accepted two hours ago (the rule's window is one hour) ...
    engine = create_engine(ledger.url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE gateway_halt_ledger SET received_at = :at"),
                {"at": datetime.now(UTC) - timedelta(hours=2)},
            )
    finally:
        engine.dispose()
    late = board.order("TERMINATE", "regulator-b")  # ... and a matching one now, by another host
    ledger.append(late.sign(board.b), late.order_id, late.nonce, "api")
    fresh = host("c", ledger, tmp_path)  # a host started later reads both entries at once
    fresh.adopt(fresh.fetch())
    assert fresh.book.active() == []
    [pending] = fresh.book.snapshot()["pending"]
    assert pending["issuers"] == ["regulator-b"]  # the lapsed set was dropped; a new count began
