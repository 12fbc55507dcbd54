"""Verifying the audit log: every record's hash, sequence, link and stored bytes, and the head."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tongzhou.errors import InputError
from tongzhou.gateway.audit_record import (
    GENESIS,
    HEAD_MISMATCH,
    read_head,
    record_hash,
    segments,
    stored_line,
)


@dataclass
class AuditProblem:
    """One thing verification found wrong."""

    kind: str
    """``edited``, ``deleted``, ``reordered``, ``truncated``, ``damaged``, ``chain-broken``."""
    where: str
    """``segment:line``."""
    message: str


@dataclass
class AuditVerification:
    """The result of :func:`verify_audit_log`."""

    records: int = 0
    problems: list[AuditProblem] = field(default_factory=list)
    head: tuple[int, str] | None = None

    @property
    def ok(self) -> bool:
        """True when the chain is intact from the anchor (or genesis) to the head."""
        return not self.problems


def verify_audit_log(directory: Path) -> AuditVerification:
    """Check every record's hash, sequence and link; classify what is wrong."""
    result = AuditVerification()
    if not directory.is_dir():
        raise InputError(f"no audit log directory at {directory}")
    rows: list[tuple[str, dict[str, Any]]] = []
    for segment in segments(directory):
        for number, raw in enumerate(segment.read_bytes().splitlines(), start=1):
            where = f"{segment.name}:{number}"
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
    all_seqs = {int(obj["seq"]) for _w, obj in rows}
    for where, obj in rows:
        result.records += 1
        seq = int(obj["seq"])
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
    head_path = directory / "head.json"
    head_damaged = False
    try:
        result.head = read_head(directory)
    except ValueError as exc:
        head_damaged = True
        result.problems.append(AuditProblem("damaged", head_path.name, str(exc)))
    if result.head is None and rows and not head_damaged:
        result.problems.append(
            AuditProblem(
                "truncated",
                head_path.name,
                "head.json is missing or empty, so a cut-off tail cannot be ruled out",
            )
        )
    if result.head is not None:
        last_seq = max(all_seqs) if all_seqs else 0
        if result.head[0] > last_seq:
            result.problems.append(
                AuditProblem(
                    "truncated",
                    head_path.name,
                    f"head names record {result.head[0]} but the log ends at {last_seq}",
                )
            )
        else:
            match = [obj for _w, obj in rows if int(obj["seq"]) == result.head[0]]
            if match and match[0]["hash"] != result.head[1]:
                result.problems.append(
                    AuditProblem(
                        "edited",
                        head_path.name,
                        f"record {result.head[0]} differs from the hash head.json recorded",
                    )
                )
    return result
