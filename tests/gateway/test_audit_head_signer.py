"""Signing audit heads: when a head is signed, what it covers, and a running gateway's heads."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.attest import KeyRing, key_id
from tongzhou.errors import InputError
from tongzhou.gateway.audit_head import read_head
from tongzhou.gateway.audit_head_signer import AuditHeadSigner, last_head_line, load_head_key
from tongzhou.gateway.audit_log import AuditLog
from tongzhou.gateway.audit_record import HEADS_FILE
from tongzhou.gateway.audit_verify import verify_audit_log
from tongzhou.gateway.policy import load_policy
from tongzhou.gateway.server import GatewayThread

from .conftest import write_policy


def test_no_head_when_no_chain_moved_and_one_when_forced(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit")
    signer = AuditHeadSigner(log, Ed25519PrivateKey.generate())
    log.append("request", {"id": "r"})
    first = signer.sign()
    assert first is not None and first.seq == 1 and first.tip("main") is not None
    # Only the record of the first head is newer: an idle gateway does not sign head after head.
    assert signer.sign() is None
    log.append("request", {"id": "r2"})
    second = signer.sign()
    assert second is not None and second.seq == 2 and second.prev == first.digest
    log.append("request", {"id": "r3"})
    assert signer.sign(min_interval=3600) is None  # another worker signed just now
    assert signer.sign(force=True) is not None
    log.close()
    # So is a restarted writer, and one that finds a chain another worker moved.
    log = AuditLog(tmp_path / "audit")
    assert AuditHeadSigner(log, signer.key).sign() is None
    worker = AuditLog(tmp_path / "audit", worker="w1")
    worker.append("request", {"id": "w"})
    assert AuditHeadSigner(log, signer.key).sign() is not None
    worker.close()
    log.close()


def test_a_head_covers_every_worker_in_the_directory(tmp_path: Path) -> None:
    audit, key = tmp_path / "audit", Ed25519PrivateKey.generate()
    logs = [AuditLog(audit, worker=w) for w in ("main", "w1", "w2")]
    for log in logs:
        log.append("request", {"id": log.worker})
    head = AuditHeadSigner(logs[1], key).sign()  # any worker may sign
    assert head is not None and head.signer == "w1"
    assert [(t.worker, t.seq) for t in head.chains] == [("main", 1), ("w1", 1), ("w2", 1)]
    for log in logs:
        log.close()
    assert verify_audit_log(audit, {key_id(key.public_key()): key.public_key()}).ok


def test_a_head_never_drops_a_worker_whose_log_was_deleted(tmp_path: Path) -> None:
    audit, key = tmp_path / "audit", Ed25519PrivateKey.generate()
    main, worker = AuditLog(audit), AuditLog(audit, worker="w1")
    worker.append("request", {"id": "w"})
    worker.close()
    signer = AuditHeadSigner(main, key)
    first = signer.sign()
    assert first is not None
    shutil.rmtree(audit / "workers" / "w1")
    main.append("request", {"id": "m"})
    later = signer.sign()
    main.close()
    assert later is not None and later.tip("w1") == first.tip("w1")
    problems = verify_audit_log(audit, {key_id(key.public_key()): key.public_key()}).problems
    assert [p.kind for p in problems] == ["missing-worker"]


def test_the_last_head_is_found_past_a_damaged_line_and_across_chunks(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit")
    signer = AuditHeadSigner(log, Ed25519PrivateKey.generate())
    for i in range(60):  # ~40 KB of heads: the tail is read in several 8 KiB chunks
        log.append("request", {"id": f"r{i}"})
        signer.sign()
    log.close()
    path = tmp_path / "audit" / HEADS_FILE
    with path.open("ab") as handle:
        handle.write(b'{"cut by a power los')
    raw = last_head_line(path)
    assert raw is not None and read_head(raw, None).seq == 60
    assert last_head_line(tmp_path / "none.jsonl") is None


def test_a_bad_worker_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="worker id '../x'"):
        AuditLog(tmp_path / "audit", worker="../x")


def test_the_default_audit_key_is_created_and_another_must_exist(tongzhou_home: Path) -> None:
    key = load_head_key("gateway-audit")
    assert key_id(KeyRing().public_key("gateway-audit")) == key_id(key.public_key())
    with pytest.raises(InputError, match="no key named 'auditor-7'"):
        load_head_key("auditor-7")


def test_a_gateway_signs_a_head_when_it_starts_and_when_it_stops(
    tmp_path: Path, stub_upstream: str, issuers: object
) -> None:
    policy = load_policy(write_policy(tmp_path, f"audit: {{dir: {tmp_path / 'audit'}}}"))
    with GatewayThread(stub_upstream, policy) as gateway:
        answer = httpx.post(
            f"{gateway.base_url}/v1/chat/completions",
            json={"model": "stub-model", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert answer.status_code == 200
        started = read_head(last_head_line(tmp_path / "audit" / HEADS_FILE) or b"", None)
        assert started.seq == 1
    public = KeyRing().public_key("gateway-audit")
    result = verify_audit_log(tmp_path / "audit", {key_id(public): public})
    assert result.ok, result.problems
    assert result.signed_heads == 2 and result.unanchored == []  # the stop record is covered too


def test_workers_starting_together_share_one_default_audit_key(tongzhou_home: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        keys = list(pool.map(lambda _i: load_head_key("gateway-audit"), range(4)))
    assert len({key_id(k.public_key()) for k in keys}) == 1


def test_a_running_gateway_signs_a_head_each_period_the_log_moved(
    tmp_path: Path, stub_upstream: str, issuers: object
) -> None:
    import time

    audit = tmp_path / "audit"
    policy = load_policy(write_policy(tmp_path, f"audit: {{dir: {audit}, head_interval_seconds: 0.2}}"))
    with GatewayThread(stub_upstream, policy) as gateway:
        url = f"{gateway.base_url}/v1/chat/completions"
        assert httpx.post(url, json={"model": "stub-model", "messages": []}, timeout=10).status_code == 200
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len((audit / HEADS_FILE).read_bytes().splitlines()) < 2:
            time.sleep(0.05)
        periodic = read_head(last_head_line(audit / HEADS_FILE) or b"", None)
        assert periodic.seq == 2 and periodic.tip("main") is not None  # the request's records
        time.sleep(0.5)  # idle periods: nothing moved, no more heads
        assert len((audit / HEADS_FILE).read_bytes().splitlines()) == 2
    public = KeyRing().public_key("gateway-audit")
    result = verify_audit_log(audit, {key_id(public): public})
    assert result.ok and result.signed_heads == 3 and result.unanchored == []
