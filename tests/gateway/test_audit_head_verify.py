"""Signed audit heads: what deleting or rewriting records, chains or heads looks like to the verifier.

Each case writes two workers' chains into one audit directory, signs heads over them with the
gateway's audit key, then does what someone able to write the files could do — with ``head.json``
rewritten to match, so that the chains alone would look intact — and checks what verification says.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from typer.testing import CliRunner

from tongzhou.attest import canonical_json, key_id, sign_envelope
from tongzhou.attest.keys import public_key_pem
from tongzhou.cli.main import app, run
from tongzhou.gateway.audit_head import HEAD_PAYLOAD_TYPE, AuditHeadError, read_head
from tongzhou.gateway.audit_head_signer import AuditHeadSigner
from tongzhou.gateway.audit_log import AuditLog
from tongzhou.gateway.audit_record import GENESIS, HEAD_BYTES, HEADS_FILE, record_hash, stored_line
from tongzhou.gateway.audit_verify import AuditVerification, verify_audit_log


@dataclass
class Fleet:
    """An audit directory written by workers ``main`` and ``w1`` with heads signed by ``key``."""

    audit: Path
    key: Ed25519PrivateKey

    @property
    def trusted(self) -> dict[str, Ed25519PublicKey]:
        public = self.key.public_key()
        return {key_id(public): public}

    def verify(self) -> AuditVerification:
        return verify_audit_log(self.audit, self.trusted)

    def kinds(self) -> list[str]:
        return [p.kind for p in self.verify().problems]

    def chain_file(self, worker: str) -> Path:
        directory = self.audit if worker == "main" else self.audit / "workers" / worker
        (segment,) = sorted(directory.glob("audit-*.jsonl"))
        return segment

    def records(self, worker: str) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.chain_file(worker).read_bytes().splitlines()]

    def rewrite(self, worker: str, records: list[dict[str, object]]) -> None:
        """Store ``records`` as a consistent chain (hashes, links and head.json all recomputed), as
        someone rewriting the files would."""
        prev = records[0]["prev"] if records else GENESIS
        lines = []
        for record in records:
            record["prev"] = prev
            record["hash"] = prev = record_hash(record)
            lines.append(stored_line(record))
        segment = self.chain_file(worker)
        segment.write_bytes(b"".join(line + b"\n" for line in lines))
        head = json.dumps({"seq": records[-1]["seq"], "hash": prev}).encode()
        (segment.parent / "head.json").write_bytes(head.ljust(HEAD_BYTES - 1) + b"\n")

    def heads(self) -> list[bytes]:
        return (self.audit / HEADS_FILE).read_bytes().splitlines()


def crash(log: AuditLog) -> None:
    """Leave ``log`` as the death of its process would: records on disk, the writer lock gone."""
    log.flush()
    log._lock_handle.close()


@pytest.fixture
def fleet(tmp_path: Path) -> Fleet:
    audit, key = tmp_path / "audit", Ed25519PrivateKey.generate()
    main, worker = AuditLog(audit), AuditLog(audit, worker="w1")
    signer = AuditHeadSigner(main, key)
    for round_ in range(3):
        for i in range(3):
            main.append("request", {"id": f"m{round_}-{i}"})
            worker.append("request", {"id": f"w{round_}-{i}"})
        assert signer.sign() is not None
    worker.close()
    assert signer.sign() is None  # nothing moved since the last head but its own record
    main.close()
    return Fleet(audit, key)


def test_an_untouched_fleet_verifies_with_every_record_anchored(fleet: Fleet) -> None:
    result = fleet.verify()
    assert result.ok, result.problems
    assert result.chains == {"main": 12, "w1": 9}  # main also records the three heads it signed
    assert result.signed_heads == 3 and result.heads_authenticated
    assert result.unanchored == []
    assert result.last_signed_head is not None and result.last_signed_head.key_id == key_id(
        fleet.key.public_key()
    )


def test_a_tail_deleted_with_its_head_json_rewritten_is_missed_by_the_chain_but_not_by_the_heads(
    fleet: Fleet,
) -> None:
    fleet.rewrite("w1", fleet.records("w1")[:5])
    result = fleet.verify()
    assert [p.kind for p in result.problems] == ["truncated"]
    assert "worker 'w1' (workers/w1/): records 6..9 are missing" in result.problems[0].message
    assert "signed head 3" in result.problems[0].message


def test_one_record_edited_is_found_by_its_hash(fleet: Fleet) -> None:
    segment = fleet.chain_file("main")
    rows = segment.read_bytes().splitlines()
    rows[1] = rows[1].replace(b'"id":"m0-1"', b'"id":"m0-X"')
    segment.write_bytes(b"\n".join(rows) + b"\n")
    result = fleet.verify()
    assert [(p.kind, p.where) for p in result.problems] == [("edited", f"{segment.name}:2")]


def test_one_record_edited_and_the_whole_chain_rehashed_is_found_by_the_heads(fleet: Fleet) -> None:
    records = fleet.records("w1")
    records[1]["data"] = {"id": "forged"}
    fleet.rewrite("w1", records)
    result = fleet.verify()
    assert {p.kind for p in result.problems} == {"edited"}
    assert "rewritten after it was signed" in result.problems[0].message


def test_a_missing_worker_log_is_named(fleet: Fleet) -> None:
    shutil.rmtree(fleet.audit / "workers" / "w1")
    result = fleet.verify()
    assert [p.kind for p in result.problems] == ["missing-worker"]
    assert "the chain of worker 'w1' (workers/w1/) is missing" in result.problems[0].message
    assert "up to 9" in result.problems[0].message


def test_a_head_deleted_from_the_middle_is_a_gap(fleet: Fleet) -> None:
    heads = fleet.heads()
    del heads[1]
    (fleet.audit / HEADS_FILE).write_bytes(b"\n".join(heads) + b"\n")
    result = fleet.verify()
    assert ("head-deleted", f"{HEADS_FILE}:2") in [(p.kind, p.where) for p in result.problems]
    assert "signed head(s) 2..2 are missing before head 3" in result.problems[0].message


def test_the_last_head_deleted_is_named_by_the_record_of_it(fleet: Fleet) -> None:
    (fleet.audit / HEADS_FILE).write_bytes(b"\n".join(fleet.heads()[:-1]) + b"\n")
    result = fleet.verify()
    assert [p.kind for p in result.problems] == ["head-deleted"]
    assert "names signed head 3, which heads.jsonl lacks (it ends at head 2)" in result.problems[0].message


def test_every_head_deleted_is_named_too(fleet: Fleet) -> None:
    (fleet.audit / HEADS_FILE).unlink()
    assert set(fleet.kinds()) == {"head-deleted"}


def test_a_forged_head_is_refused(fleet: Fleet) -> None:
    heads = fleet.heads()
    envelope = json.loads(heads[-1])
    payload = json.loads(base64.b64decode(envelope["payload"]))
    payload["chains"][1]["seq"] = 5  # vouch for less of w1, to hide a cut tail
    envelope["payload"] = base64.b64encode(canonical_json(payload)).decode()
    heads[-1] = json.dumps(envelope).encode()
    (fleet.audit / HEADS_FILE).write_bytes(b"\n".join(heads) + b"\n")
    kinds = fleet.kinds()
    assert "forged-head" in kinds
    assert "does not match the head (altered or forged)" in fleet.verify().problems[0].message


def test_a_head_signed_by_another_key_is_refused(fleet: Fleet) -> None:
    # Someone who cut w1's tail signs a head of their own over what is left.
    fleet.rewrite("w1", fleet.records("w1")[:5])
    last = read_head(fleet.heads()[-1], None)
    w1 = next(t for t in last.chains if t.worker == "w1")
    records = fleet.records("w1")
    payload = {
        "type": "tongzhou.audit-head",
        "version": 1,
        "seq": 4,
        "prev": last.digest,
        "time": last.time,
        "signer": "main",
        "chains": [
            t.to_json() if t.worker != "w1" else {**w1.to_json(), "seq": 5, "hash": records[-1]["hash"]}
            for t in last.chains
        ],
    }
    from tongzhou.gateway.audit_head import ChainTip, merkle_root

    payload["root"] = merkle_root([ChainTip(c["worker"], c["seq"], c["hash"]) for c in payload["chains"]])
    envelope = sign_envelope(canonical_json(payload), HEAD_PAYLOAD_TYPE, Ed25519PrivateKey.generate())
    with (fleet.audit / HEADS_FILE).open("ab") as handle:
        handle.write(json.dumps(envelope).encode() + b"\n")
    result = fleet.verify()
    assert ("foreign-key", f"{HEADS_FILE}:4") in [(p.kind, p.where) for p in result.problems]
    assert "truncated" in [p.kind for p in result.problems]  # the genuine heads still vouch for 9


def test_a_crash_between_records_and_the_next_head_leaves_them_not_yet_anchored(tmp_path: Path) -> None:
    audit, key = tmp_path / "audit", Ed25519PrivateKey.generate()
    log = AuditLog(audit, worker="w2")
    signer = AuditHeadSigner(log, key)
    for i in range(4):
        log.append("request", {"id": f"r{i}"})
    head = signer.sign()
    assert head is not None and head.tip("w2") is not None
    for i in range(3):
        log.append("request", {"id": f"late{i}"})
    crash(log)
    result = verify_audit_log(audit, {key_id(key.public_key()): key.public_key()})
    assert result.ok, result.problems
    (gap,) = result.unanchored
    assert (gap.worker, gap.first, gap.last, gap.count, gap.after_head) == ("w2", 6, 8, 3, 1)
    # A restarted worker's next head anchors them.
    reopened = AuditLog(audit, worker="w2")
    assert AuditHeadSigner(reopened, key).sign() is not None
    reopened.close()
    assert verify_audit_log(audit, {key_id(key.public_key()): key.public_key()}).unanchored == []


def test_a_log_without_heads_verifies_with_every_record_not_yet_anchored(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit")
    log.append("request", {"id": "r"})
    log.close()
    result = verify_audit_log(tmp_path / "audit")
    assert result.ok and result.signed_heads == 0
    assert [(u.worker, u.count, u.after_head) for u in result.unanchored] == [("main", 1, None)]


def test_a_damaged_head_line_is_reported_not_a_crash(fleet: Fleet) -> None:
    with (fleet.audit / HEADS_FILE).open("ab") as handle:
        handle.write(b'{"payloadType": 3\n[1,2\n')
    assert fleet.kinds() == ["damaged", "damaged"]
    with pytest.raises(AuditHeadError, match="not a signed audit head"):
        read_head(b"[]", None)


def test_the_cli_verifies_offline_with_only_the_public_key(
    fleet: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pem = tmp_path / "audit.pub"
    pem.write_text(public_key_pem(fleet.key.public_key()))
    runner = CliRunner()
    ok = runner.invoke(
        app, ["gateway", "audit", "verify", "--dir", str(fleet.audit), "--public-key", str(pem)]
    )
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output and "chains: main 12, w1 9" in ok.output and "3 signed head(s)" in ok.output
    capsys.readouterr()
    assert run(["gateway", "audit", "verify", "--dir", str(fleet.audit)]) == 2  # no key in the ring
    assert "has signed heads but no public key" in capsys.readouterr().err
    other = tmp_path / "other.pub"
    other.write_text(public_key_pem(Ed25519PrivateKey.generate().public_key()))
    wrong = runner.invoke(
        app, ["gateway", "audit", "verify", "--dir", str(fleet.audit), "--public-key", str(other)]
    )
    assert wrong.exit_code == 1 and "foreign-key" in wrong.output
    shutil.rmtree(fleet.audit / "workers" / "w1")
    gone = runner.invoke(
        app, ["gateway", "audit", "verify", "--dir", str(fleet.audit), "--public-key", str(pem)]
    )
    assert gone.exit_code == 1 and "missing-worker" in gone.output and "workers/w1/" in gone.output
    not_pem = tmp_path / "not.pub"
    not_pem.write_text("hello")
    assert run(["gateway", "audit", "verify", "--dir", str(fleet.audit), "--public-key", str(not_pem)]) == 2
    assert "not a PEM public key" in capsys.readouterr().err


def test_merkle_root_is_rfc_6962(fleet: Fleet) -> None:
    from tongzhou.gateway.audit_head import ChainTip, merkle_root

    def h(data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    tips = [ChainTip(f"w{i}", i, f"sha256:{i:064x}") for i in range(3)]
    leaves = [h(b"\x00" + canonical_json(t.to_json())) for t in tips]
    # RFC 6962 §2.1: three leaves split 2 + 1.
    expected = h(b"\x01" + h(b"\x01" + leaves[0] + leaves[1]) + leaves[2])
    assert merkle_root(list(reversed(tips))) == "sha256:" + expected.hex()
    assert merkle_root([]) == "sha256:" + h(b"").hex()
