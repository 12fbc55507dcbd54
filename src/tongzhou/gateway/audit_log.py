"""The append-only, hash-chained audit log of everything the gateway sees and does.

Why files and not the store: the log must be appendable at request rate
without a round trip to a database, readable and verifiable by an auditor
with nothing but :mod:`audit_verify` (or any RFC 8785 + SHA-256 implementation),
and easy to ship to write-once storage. Records are JSON lines in daily
segments ``audit-YYYYMMDD.jsonl``; each carries ``seq``, the previous record's
``hash`` as ``prev`` and its own ``hash`` = sha256 of the canonical JSON of
the record without ``hash``. ``head.json`` names the last record (so a cut-off
tail is detected) and ``anchor.json`` the first kept record after retention
pruning.

Per-request records are batched: those appended in one event-loop iteration
reach the OS together in one write, unless :meth:`AuditLog.flush` hands them
over sooner, which the gateway does before a request goes upstream and before
any byte of an answer goes to the client. So a crash of the process loses no
record of a request that was forwarded or answered (tests/gateway/test_audit_crash.py).

The head is rewritten in place (one fixed-width ``pwrite``) every time records
reach the OS, right after them, and fsync'd after them when ``fsync`` is on:
it never names a record the segment lacks, and it never lags behind, so
deleting the tail after a crash is always visible. A writer that opens a log
whose head names more (or other) records than the segments hold appends a
``head-mismatch`` record saying so, which ``verify`` reports for ever after.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from tongzhou.atomic_file import write_text_atomic
from tongzhou.attest import canonical_json
from tongzhou.errors import InputError
from tongzhou.gateway.audit_record import (
    DEFAULT_WORKER,
    GENESIS,
    HEAD_BYTES,
    HEAD_MISMATCH,
    chain_directory,
    read_head,
    record_hash,
    segments,
)
from tongzhou.gateway.audit_verify import AuditProblem, AuditVerification, verify_audit_log

__all__ = [
    "GENESIS",
    "HOT_KINDS",
    "AuditLog",
    "AuditProblem",
    "AuditVerification",
    "record_hash",
    "verify_audit_log",
]


HOT_KINDS = frozenset({"request", "response", "refused", "rejected"})
"""Record kinds written per request; their data holds only strings, ints, bools, None, lists and
objects with ASCII keys (no floats), for which sorted compact ``json.dumps`` *is* RFC 8785."""


def _sorted_compact_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))``, built once.

    ``JSONEncoder.encode`` builds a new C encoder on every call; on the gateway's hot path (two
    records per request) that set-up cost as much as the encoding, so the C encoder is kept.
    """
    encoder = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator
        return encoder.encode

    def unsupported(value: Any) -> Any:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    chunks = make(None, unsupported, json.encoder.encode_basestring, None, ":", ",", True, False, False)
    return lambda value: "".join(chunks(value, 0))


_encode_sorted = _sorted_compact_encoder()


def _hot_body(seq: int, stamp: str, kind: str, data: dict[str, Any], prev: str) -> bytes:
    """The canonical JSON of a hot record, its outer keys written in their sorted order by hand
    (``kind``, ``prev`` and ``time`` hold only ASCII letters, digits and punctuation that JSON
    does not escape); only ``data`` goes through the encoder."""
    return (
        f'{{"data":{_encode_sorted(data)},"kind":"{kind}","prev":"{prev}","seq":{seq},"time":"{stamp}"}}'
    ).encode()


def _fast_canonical(record: dict[str, Any]) -> bytes:
    # Equal to canonical_json for HOT_KINDS records (tests check it); a divergence could only ever
    # make `verify` report a false "edited", never accept a forged record: verify uses canonical_json.
    if set(record) == {"seq", "time", "kind", "data", "prev"}:
        return _hot_body(record["seq"], record["time"], record["kind"], record["data"], record["prev"])
    return _encode_sorted(record).encode("utf-8")


def _atomic_write_json(path: Path, value: dict[str, Any]) -> None:
    write_text_atomic(path, json.dumps(value))


def _last_record(directory: Path) -> dict[str, Any] | None:
    for segment in reversed(segments(directory)):
        lines = segment.read_bytes().splitlines()
        for raw in reversed(lines):
            if raw.strip():
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise InputError(
                        f"the last audit record in {segment} is damaged ({exc}); "
                        "run `tongzhou gateway audit verify` before appending"
                    ) from exc
                if not isinstance(obj, dict):
                    raise InputError(f"the last audit record in {segment} is not an object")
                return obj
    return None


class AuditLog:
    """Appends records to one worker's chain in an audit directory. One writer per chain (an
    exclusive lock enforces it); several workers share an audit directory, each with its own id."""

    def __init__(
        self,
        directory: Path,
        *,
        worker: str = DEFAULT_WORKER,
        retention_days: int = 183,
        fsync: bool = False,
    ) -> None:
        try:
            chain = chain_directory(directory, worker)
        except ValueError as exc:
            raise InputError(str(exc)) from exc
        self.audit_dir = directory
        """The audit directory (every worker's chain, the signed heads)."""
        self.worker = worker
        """This writer's worker id (``main`` for a gateway of one process)."""
        self.directory = chain
        """This worker's chain directory (the audit directory itself for ``main``)."""
        self.retention_days = retention_days
        self.fsync = fsync
        directory = chain
        directory.mkdir(parents=True, exist_ok=True)
        self._lock_handle = (directory / ".lock").open("w")
        try:
            fcntl.flock(self._lock_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self._lock_handle.close()
            raise InputError(
                f"another gateway process is writing worker {worker!r}'s audit chain in {directory}; give "
                "each gateway its own audit.dir and each worker its own id"
            ) from exc
        last = _last_record(directory)
        self._seq = int(last["seq"]) if last else 0
        self._prev = str(last["hash"]) if last else GENESIS
        try:
            recorded_head = read_head(directory)
        except ValueError:
            recorded_head = (-1, "damaged")
        self._segment_day = ""
        self._handle: IO[bytes] | None = None
        self._head_fd = os.open(directory / "head.json", os.O_RDWR | os.O_CREAT, 0o644)
        os.ftruncate(self._head_fd, HEAD_BYTES)  # every later write covers the whole file
        self._flush_scheduled = False
        # One lock for appends and flushes (re-entrant: an append may flush): the head a flush
        # writes names exactly the last record of the lines it hands over.
        self._lock = threading.RLock()
        self._pending: list[bytes] = []
        self._stamp_second = -1
        self._stamp_prefix = ""
        self._stamp_day = ""
        self.prune()
        if recorded_head is None and self._seq > 0:
            recorded_head = (-1, "missing")  # records but no head: it was removed
        if recorded_head is not None and recorded_head != (self._seq, self._prev):
            ahead = recorded_head[0] > self._seq or recorded_head[0] < 0
            if ahead or not self._covers(recorded_head):
                # Records the head vouched for are gone or changed (a deleted tail, a lost write):
                # say so in the chain itself before continuing it.
                self.append(
                    HEAD_MISMATCH,
                    {
                        "head_seq": recorded_head[0],
                        "head_hash": recorded_head[1],
                        "log_seq": self._seq,
                        "log_hash": self._prev,
                    },
                )
        self._write_head()

    @property
    def head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last record."""
        return self._seq, self._prev

    def _open_segment(self, day: str) -> IO[bytes]:
        if self._handle is None or day != self._segment_day:
            if self._handle is not None:
                self._handle.close()
            self._handle = (self.directory / f"audit-{day}.jsonl").open("ab", buffering=0)
            self._segment_day = day
        return self._handle

    def append(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        """Append one record (``kind`` e.g. ``request``, ``response``, ``halt-order``, ``alert``)."""
        with self._lock:  # seq and prev must advance together, whatever thread appends
            return self._append(kind, data)

    def _stamp(self) -> tuple[str, str]:
        """``(time, day)``: ``2026-11-23T00:26:27.924980Z`` and ``20261123`` (formatted once a second)."""
        now = time.time()
        second = int(now)
        if second != self._stamp_second:
            self._stamp_second = second
            self._stamp_prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._stamp_day = time.strftime("%Y%m%d", time.gmtime(second))
        return f"{self._stamp_prefix}.{int((now - second) * 1_000_000):06d}Z", self._stamp_day

    def _append(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        stamp, day = self._stamp()
        seq = self._seq + 1
        record: dict[str, Any] = {"seq": seq, "time": stamp, "kind": kind, "data": data, "prev": self._prev}
        body = _hot_body(seq, stamp, kind, data, self._prev) if kind in HOT_KINDS else canonical_json(record)
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        record["hash"] = digest
        if day != self._segment_day:
            self.flush()  # the previous day's records go to the previous day's segment
            self._open_segment(day)
        self._pending.append(body[:-1] + b',"hash":"' + digest.encode("ascii") + b'"}\n')
        self._seq, self._prev = seq, digest
        if self.fsync or kind not in HOT_KINDS:
            # Halts, orders and alerts reach the OS before the answer that reports them is sent.
            self.flush()
        elif not self._flush_scheduled:
            # Inside an event loop, the records of one loop iteration reach the OS together at its
            # end, in one write(2) of whole lines; elsewhere, at once.
            try:
                asyncio.get_running_loop().call_soon(self.flush)
                self._flush_scheduled = True
            except RuntimeError:
                self.flush()
        return record

    def _covers(self, head: tuple[int, str]) -> bool:
        """Whether the records on disk include the record ``head`` names (a head behind the last
        record is normal after a crash between a write of records and the head's)."""
        for segment in reversed(segments(self.directory)):
            for raw in reversed(segment.read_bytes().splitlines()):
                try:
                    obj = json.loads(raw)
                    seq = int(obj["seq"])
                except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                    continue
                if seq == head[0]:
                    return str(obj.get("hash")) == head[1]
                if seq < head[0]:
                    return False
        return False

    def flush(self) -> None:
        """Hand pending records to the OS in one write (whole lines: a crash never leaves half a
        record), then the head naming the last of them (fsync'd after them when ``fsync`` is on)."""
        with self._lock:
            self._flush_scheduled = False
            if not self._pending or self._handle is None:
                return
            data, self._pending = b"".join(self._pending), []
            self._handle.write(data)
            if self.fsync:
                os.fsync(self._handle.fileno())
            self._write_head()

    def _write_head(self) -> None:
        text = json.dumps({"seq": self._seq, "hash": self._prev}).encode("ascii")
        os.pwrite(self._head_fd, text.ljust(HEAD_BYTES - 1) + b"\n", 0)
        if self.fsync:
            os.fsync(self._head_fd)

    def write_head(self) -> None:
        """Hand pending records and the head naming the last of them to the OS now."""
        with self._lock:
            if self._pending:
                self.flush()
            else:
                self._write_head()

    def prune(self, today: datetime | None = None) -> list[str]:
        """Delete segments older than the retention period, anchoring the first kept record."""
        cutoff = ((today or datetime.now(UTC)) - timedelta(days=self.retention_days)).strftime("%Y%m%d")
        found = segments(self.directory)
        old = [s for s in found if s.stem.removeprefix("audit-") < cutoff]
        kept = [s for s in found if s not in old]
        if not old or not kept:
            return []
        first = json.loads(kept[0].read_bytes().splitlines()[0])
        anchor_path = self.directory / "anchor.json"
        previous = json.loads(anchor_path.read_text()) if anchor_path.exists() else {"pruned": []}
        _atomic_write_json(
            anchor_path,
            {
                "seq": first["seq"],
                "prev": first["prev"],
                "pruned": previous.get("pruned", []) + [s.name for s in old],
            },
        )
        for segment in old:
            segment.unlink()
        return [s.name for s in old]

    def close(self) -> None:
        """Flush the head and release the writer lock."""
        self.write_head()  # flushes pending records first
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        os.close(self._head_fd)
        fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
        self._lock_handle.close()
