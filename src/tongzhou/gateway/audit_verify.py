"""Verifying the audit log: every worker's chain (each record's hash, sequence, link and stored
bytes, and the chain's ``head.json``), then the signed heads over all of them (:mod:`audit_head_verify`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tongzhou.errors import InputError
from tongzhou.gateway.audit_head import SignedHead
from tongzhou.gateway.audit_head_verify import ChainIndex, Unanchored, check_heads
from tongzhou.gateway.audit_record import (
    AUDIT_HEAD,
    DEFAULT_WORKER,
    GENESIS,
    HEAD_MISMATCH,
    WORKERS_DIR,
    AuditProblem,
    read_head,
    record_hash,
    segments,
    stored_line,
    worker_chains,
)

__all__ = ["AuditProblem", "AuditVerification", "Unanchored", "verify_audit_log"]


@dataclass
class AuditVerification:
    """The result of :func:`verify_audit_log`."""

    records: int = 0
    """Records read, every chain together."""
    problems: list[AuditProblem] = field(default_factory=list)
    head: tuple[int, str] | None = None
    """``head.json`` of worker ``main``'s chain (the only chain of a gateway of one process)."""
    chains: dict[str, int] = field(default_factory=dict)
    """Worker id → records read in its chain."""
    signed_heads: int = 0
    """Signed heads that verified."""
    last_signed_head: SignedHead | None = None
    heads_authenticated: bool = False
    """Whether the heads' signatures were checked against the audit key (a key was given)."""
    unanchored: list[Unanchored] = field(default_factory=list)
    """Records no signed head covers yet (written after the last one): not a problem, a notice."""

    @property
    def ok(self) -> bool:
        """True when every chain is intact from its anchor (or genesis) to its head, and agrees with
        every signed head."""
        return not self.problems


@dataclass
class _ChainResult:
    records: int = 0
    problems: list[AuditProblem] = field(default_factory=list)
    head: tuple[int, str] | None = None


def _verify_chain(directory: Path, prefix: str, index: ChainIndex) -> _ChainResult:
    """Check every record's hash, sequence and link in one chain; classify what is wrong; fill
    ``index`` for the head checks. ``prefix`` goes before file names in ``where``."""
    result = _ChainResult()
    rows: list[tuple[str, dict[str, Any]]] = []
    for segment in segments(directory):
        for number, raw in enumerate(segment.read_bytes().splitlines(), start=1):
            where = f"{prefix}{segment.name}:{number}"
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
                int(obj["seq"])
                str(obj["hash"])
            except (json.JSONDecodeError, KeyError, TypeError, ValueError, RecursionError):
                result.problems.append(AuditProblem("damaged", where, "line is not an audit record"))
                continue
            try:
                stored_as_hashed = (
                    stored_line(obj) == raw
                    # Logs written before the canonical layout (commit 7db8cba) hold json.dumps of
                    # the record in its own key order; they too may hold nothing beyond the record.
                    or json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") == raw
                    or record_hash(obj) != obj["hash"]
                )
            except (TypeError, ValueError):  # NaN or Infinity: json reads them, RFC 8785 has none
                result.problems.append(AuditProblem("damaged", where, "record has no canonical form"))
                continue
            rows.append((where, obj))
            if not stored_as_hashed:
                # The parsed record hashes right but the stored bytes are not the ones hashed: a
                # member added before the real one (json keeps the last), spacing, escapes.
                result.problems.append(
                    AuditProblem(
                        "edited",
                        where,
                        f"record {obj['seq']}: stored bytes differ from the record's hash input",
                    )
                )
    anchor_path = directory / "anchor.json"
    anchor: dict[str, Any] = (
        json.loads(anchor_path.read_text()) if anchor_path.exists() else {"seq": 1, "prev": GENESIS}
    )
    expected_seq, expected_prev = int(anchor["seq"]), str(anchor["prev"])
    index.first_seq = expected_seq
    all_seqs = {int(obj["seq"]) for _w, obj in rows}
    index.last_seq = max(all_seqs, default=0)
    for where, obj in rows:
        result.records += 1
        seq = int(obj["seq"])
        index.hashes[seq] = str(obj["hash"])
        data = obj.get("data")
        if obj.get("kind") == AUDIT_HEAD and isinstance(data, dict) and isinstance(data.get("head_seq"), int):
            index.head_records.append((where, seq, data["head_seq"], str(data.get("head_digest"))))
        if record_hash(obj) != obj["hash"]:
            result.problems.append(
                AuditProblem("edited", where, f"record {seq}: content does not match its hash")
            )
        if seq != expected_seq:
            if seq < expected_seq or expected_seq in all_seqs:
                result.problems.append(
                    AuditProblem(
                        "reordered", where, f"record {seq} found where record {expected_seq} belongs"
                    )
                )
            else:
                result.problems.append(
                    AuditProblem(
                        "deleted",
                        where,
                        f"record(s) {expected_seq}..{seq - 1} are missing before record {seq}",
                    )
                )
        elif obj.get("prev") != expected_prev:
            result.problems.append(
                AuditProblem(
                    "chain-broken",
                    where,
                    f"record {seq}: 'prev' does not match the hash of the record before it",
                )
            )
        expected_seq, expected_prev = seq + 1, str(obj["hash"])
        if obj.get("kind") == HEAD_MISMATCH and isinstance(obj.get("data"), dict):
            found = obj["data"]
            head_seq = found.get("head_seq")
            saw = (
                f"its head at record {head_seq}"
                if isinstance(head_seq, int) and head_seq >= 0
                else f"head.json {found.get('head_hash')}"
            )
            result.problems.append(
                AuditProblem(
                    "truncated",
                    where,
                    f"record {seq}: a writer reopening the log found {saw} but the log ending at record "
                    f"{found.get('log_seq')}: records were lost or removed before this record",
                )
            )
    head_where = prefix + "head.json"
    head_damaged = False
    try:
        result.head = read_head(directory)
    except ValueError as exc:
        head_damaged = True
        result.problems.append(AuditProblem("damaged", head_where, str(exc)))
    if result.head is None and rows and not head_damaged:
        result.problems.append(
            AuditProblem(
                "truncated",
                head_where,
                "head.json is missing or empty, so a cut-off tail cannot be ruled out",
            )
        )
    if result.head is not None:
        last_seq = max(all_seqs) if all_seqs else 0
        if result.head[0] > last_seq:
            result.problems.append(
                AuditProblem(
                    "truncated",
                    head_where,
                    f"head names record {result.head[0]} but the log ends at {last_seq}",
                )
            )
        else:
            match = [obj for _w, obj in rows if int(obj["seq"]) == result.head[0]]
            if match and match[0]["hash"] != result.head[1]:
                result.problems.append(
                    AuditProblem(
                        "edited",
                        head_where,
                        f"record {result.head[0]} differs from the hash head.json recorded",
                    )
                )
    return result


def verify_audit_log(
    directory: Path, trusted_keys: Mapping[str, Ed25519PublicKey] | None = None
) -> AuditVerification:
    """Verify every worker's chain in the audit directory and the signed heads over them.

    ``trusted_keys`` (key id → public key: the gateway's audit key, offline from its PEM) checks the
    heads' signatures; without it they are read but not authenticated (``heads_authenticated``
    False), which an auditor must not accept as proof.
    """
    if not directory.is_dir():
        raise InputError(f"no audit log directory at {directory}")
    result = AuditVerification(heads_authenticated=trusted_keys is not None)
    indexes: dict[str, ChainIndex] = {}
    for worker, chain_dir in worker_chains(directory).items():
        prefix = "" if worker == DEFAULT_WORKER else f"{WORKERS_DIR}/{worker}/"
        index = indexes[worker] = ChainIndex(worker, 1, 0)
        chain = _verify_chain(chain_dir, prefix, index)
        result.records += chain.records
        result.problems += chain.problems
        result.chains[worker] = chain.records
        if worker == DEFAULT_WORKER:
            result.head = chain.head
    heads = check_heads(directory, indexes, trusted_keys)
    result.problems += heads.problems
    result.signed_heads = heads.heads
    result.last_signed_head = heads.last
    result.unanchored = heads.unanchored
    return result
