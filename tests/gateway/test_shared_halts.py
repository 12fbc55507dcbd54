"""One halt for a fleet: two gateway hosts (separate homes) sharing one PostgreSQL ledger; orders
delivered twice, replayed or reordered act once; a ledger outage while halted fails closed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.gateway.conftest import Issuers
from tests.gateway.fleet import (
    TcpRelay,
    chat_status,
    deliver,
    every_worker,
    fleet_policy,
    gateway_process,
    health,
    poll,
    worker_pids,
)
from tongzhou.errors import InputError
from tongzhou.gateway.halt_book import HaltBook
from tongzhou.gateway.halt_ledger import HaltLedger
from tongzhou.gateway.halt_order import HaltOrderError
from tongzhou.gateway.policy import load_policy
from tongzhou.gateway.shared_halts import SharedHalts

IN_FORCE_SECONDS = 10.0
"""The functional bound the tests wait for (the measured figure is in benchmarks/gateway_fleet.py)."""


def ledger_url(base_url: str, schema: str, port: int | None = None) -> str:
    url = base_url if port is None else base_url.replace("127.0.0.1:5432", f"127.0.0.1:{port}")
    return f"{url}?options=-csearch_path%3D{schema}"


def ledger_rows(url: str, schema: str) -> list[str]:
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        with engine.connect() as connection:
            return [
                r[0]
                for r in connection.execute(text("SELECT order_id FROM gateway_halt_ledger ORDER BY seq"))
            ]
    finally:
        engine.dispose()


def audit_records(home: Path) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for segment in sorted((home / "gateway" / "audit").glob("audit-*.jsonl"))  # not heads.jsonl
        for line in segment.read_text(encoding="utf-8").splitlines()
    ]


@pytest.fixture
def second_home(tongzhou_home: Path, issuers: Issuers, tmp_path: Path) -> Path:
    """Another host's TONGZHOU_HOME: its own state and audit, the same trusted public keys."""
    home = tmp_path / "host-b-home"
    shutil.copytree(tongzhou_home / "keys", home / "keys")
    return home


@pytest.mark.slow
def test_two_hosts_sharing_postgresql_obey_one_halt_and_each_order_acts_once(
    stub_upstream: str,
    issuers: Issuers,
    tmp_path: Path,
    tongzhou_home: Path,
    second_home: Path,
    postgres_url: tuple[str, str],
) -> None:
    url, schema = postgres_url
    inbox = tmp_path / "inbox"  # host A also reads orders from a directory (a second channel)
    inbox.mkdir()
    policy_a = fleet_policy(tmp_path / "a", ledger_url(url, schema))
    delivery = f"halt:\n  delivery: {{files: ['{inbox}'], poll_interval_seconds: 0.2}}\n"
    policy_a.write_text(
        policy_a.read_text(encoding="utf-8").replace("halt:\n", delivery, 1), encoding="utf-8"
    )
    policy_b = fleet_policy(tmp_path / "b", ledger_url(url, schema))
    with (
        gateway_process(stub_upstream, policy_a, tmp_path / "a.log") as (a, _pa),
        gateway_process(stub_upstream, policy_b, tmp_path / "b.log", home=second_home) as (b, _pb),
    ):
        assert chat_status(a) == chat_status(b) == 200
        pause = issuers.order("PAUSE", reason="fleet incident").sign(issuers.regulator)
        assert deliver(a, pause).status_code == 200
        poll(lambda: chat_status(b) == 503, IN_FORCE_SECONDS, "host B refusing after a PAUSE sent to host A")
        # The same order again, by the API of host B and by host A's file channel: refused, one row.
        again = deliver(b, pause)
        assert again.status_code == 409 and again.json()["reason"] == "replayed"
        (inbox / "pause.json").write_text(json.dumps(pause))
        poll(
            lambda: any(r["kind"] == "halt-order-refused" for r in audit_records(tongzhou_home)),
            IN_FORCE_SECONDS,
            "host A's file channel refusing the order it already has",
        )
        resume = issuers.order("RESUME", reason="cleared").sign(issuers.regulator)
        assert deliver(b, resume).status_code == 200
        poll(lambda: chat_status(a) == 200, IN_FORCE_SECONDS, "host A serving after a RESUME sent to host B")

        # Reordered between hosts: a RESUME reaches host A before the PAUSE it lifts reaches host B.
        issued = datetime.now(UTC)  # after the RESUME above, which must not be what lifts it
        late_pause = issuers.order("PAUSE", reason="late", now=issued).sign(issuers.regulator)
        early_resume = issuers.order("RESUME", reason="lifted", now=issued + timedelta(seconds=1))
        early_resume_envelope = early_resume.sign(issuers.regulator)
        assert deliver(a, early_resume_envelope).status_code == 200
        answer = deliver(b, late_pause)
        # Host B may not have read the RESUME yet (then the PAUSE holds there until its next poll,
        # when the RESUME lifts it); either way both hosts end in the same state: not halted.
        assert answer.status_code == 200
        assert answer.json().get("lifted_by") in (None, early_resume.order_id)
        rows = ledger_rows(url, schema)
        assert len(rows) == len(set(rows)) == 4
        poll(
            lambda: health(a)["ledger"]["applied_seq"] >= 4 and health(b)["ledger"]["applied_seq"] >= 4,
            IN_FORCE_SECONDS,
            "both hosts at the end of the ledger",
        )
        assert not health(a)["halted"] and not health(b)["halted"]
        assert chat_status(a) == chat_status(b) == 200
    # Each host put the first PAUSE in force exactly once. Host B also put the late PAUSE in force
    # when it had not yet read the RESUME that lifts it (answered without lifted_by; lifted at its
    # next poll, as checked above); host A had the RESUME first, so never.
    late_in_force_on_b = answer.json().get("lifted_by") is None
    expected = {
        tongzhou_home: ["fleet incident"],
        second_home: ["fleet incident"] + ["late"] * late_in_force_on_b,
    }
    for home, reasons in expected.items():
        halts = [r for r in audit_records(home) if r["kind"] == "halt"]
        assert [h["data"]["order"]["reason"] for h in halts] == reasons  # type: ignore[index]


@pytest.fixture
def relay() -> Iterator[TcpRelay]:
    cut = TcpRelay(("127.0.0.1", 5432)).start()
    yield cut
    cut.stop()


@pytest.mark.slow
def test_a_ledger_outage_while_halted_keeps_the_gateway_halted_and_says_so(
    stub_upstream: str, issuers: Issuers, tmp_path: Path, postgres_url: tuple[str, str], relay: TcpRelay
) -> None:
    url, schema = postgres_url
    policy = fleet_policy(tmp_path / "p", ledger_url(url, schema, relay.port))
    with gateway_process(stub_upstream, policy, tmp_path / "gw.log", workers=2) as (base, _proc):
        pids = worker_pids(base, 2)
        terminate = issuers.order("TERMINATE", reason="incident").sign(issuers.regulator)
        assert deliver(base, terminate).status_code == 200
        every_worker(base, pids, lambda h: h["halted"], IN_FORCE_SECONDS)
        relay.stop()  # the database goes away: pooled connections reset, new ones refused
        every_worker(base, pids, lambda h: not h["ledger"]["reachable"], IN_FORCE_SECONDS)
        status = httpx.get(f"{base}/governance/halt-state", timeout=10).json()
        assert status["halted"] is True
        assert status["ledger"]["reachable"] is False and "fail closed" in status["ledger"]["effect"]
        assert health(base)["ok"] is False
        assert all(chat_status(base) == 503 for _ in range(6))
        refused = deliver(base, issuers.order("RESUME", reason="too early").sign(issuers.regulator))
        assert refused.status_code == 503 and refused.json()["reason"] == "ledger-unavailable"
        assert all(chat_status(base) == 503 for _ in range(6))
        relay.start()
        every_worker(base, pids, lambda h: h["ledger"]["reachable"], IN_FORCE_SECONDS * 3)
        assert (
            deliver(base, issuers.order("RESUME", reason="cleared").sign(issuers.regulator)).status_code
            == 200
        )
        poll(lambda: all(chat_status(base) == 200 for _ in range(6)), IN_FORCE_SECONDS, "serving again")


def test_a_ledger_entry_this_gateway_does_not_trust_is_refused_not_obeyed(
    issuers: Issuers, tmp_path: Path, policy_path: Path
) -> None:
    ledger = HaltLedger(f"sqlite:///{tmp_path / 'ledger.db'}")
    book = HaltBook(load_policy(policy_path))
    shared = SharedHalts(book, ledger)
    forged = issuers.order("RESUME", reason="not ours").sign(issuers.stranger)
    ledger.append(forged, "forged-id", "forged-nonce-0000000000", "api")  # written straight to the database
    pause = issuers.order("PAUSE", reason="real").sign(issuers.regulator)
    shared.receive(pause, "api")
    done = shared.adopt(shared.fetch())
    assert [d.refusal.reason for d in done if d.refusal] == ["untrusted-key"]
    assert [d.receipt for d in done if not d.refusal] == [None]  # its own order: already applied
    assert book.halting("stub-model") is not None and book.ledger_seq == 2
    other_host = load_policy(policy_path)
    other_host.halt.state_file = str(tmp_path / "other-host-state.json")
    with pytest.raises(HaltOrderError) as replay:  # the same order at another host: the ledger has it
        SharedHalts(HaltBook(other_host), ledger).receive(pause, "file:inbox")
    assert replay.value.reason == "replayed" and "ledger" in str(replay.value)
    ledger.close()


def test_a_resume_also_lifts_the_order_it_covers_that_arrives_after_it(
    issuers: Issuers, tmp_path: Path, policy_path: Path
) -> None:
    book = HaltBook(load_policy(policy_path))
    issued = datetime.now(UTC)
    pause = issuers.order("PAUSE", reason="late", now=issued)
    resume = issuers.order("RESUME", reason="lifted", now=issued + timedelta(seconds=1))
    book.receive(resume.sign(issuers.regulator), "taxii:fast")
    receipt = book.receive(pause.sign(issuers.regulator), "file:slow")
    assert receipt.lifted_by == resume.order_id and receipt.halted is None
    assert book.halting("stub-model") is None
    later = issuers.order("PAUSE", reason="after the resume", now=issued + timedelta(seconds=2))
    assert book.receive(later.sign(issuers.regulator), "api").halted is not None  # not lifted: newer
    with pytest.raises(HaltOrderError):  # the late order is remembered: no replay
        HaltBook(load_policy(policy_path)).receive(pause.sign(issuers.regulator), "api")


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://host/x", "postgresql+nosuchdriver://h/x"])
def test_a_ledger_url_the_gateway_cannot_use_is_a_clear_error_not_an_outage(url: str) -> None:
    with pytest.raises(InputError, match="halt.ledger.url"):
        HaltLedger(url)


def test_the_status_hides_the_database_password() -> None:
    ledger = HaltLedger("postgresql://gateway:s3cret@127.0.0.1:1/tongzhou")  # nothing listens on port 1
    status = ledger.status()
    assert status["reachable"] is False and status["error"]
    assert "s3cret" not in json.dumps(status) and "***" in status["url"]
