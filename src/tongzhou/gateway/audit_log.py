"""The append-only, hash-chained audit log of everything the gateway sees and does.

Why files and not the store: the log must be appendable at request rate
without a round trip to a database, readable and verifiable by an auditor
with nothing but this module (or any RFC 8785 + SHA-256 implementation),
and easy to ship to write-once storage. Records are JSON lines in daily
segments ``audit-YYYYMMDD.jsonl``; each carries ``seq``, the previous record's
``hash`` as ``prev`` and its own ``hash`` = sha256 of the canonical JSON of
the record without ``hash``. ``head.json`` names the last record (so a cut-off
tail is detected) and ``anchor.json`` the first kept record after retention
pruning.

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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from tongzhou.atomic_file import write_text_atomic
from tongzhou.attest import canonical_json
from tongzhou.errors import InputError

GENESIS = "sha256:" + "0" * 64
"""``prev`` of the very first record."""
HEAD_BYTES = 256
"""``head.json`` is always this long (JSON padded with blanks): rewritten in place by one write."""
HEAD_MISMATCH = "head-mismatch"
"""Kind of the record a writer appends when the log it opens is shorter than (or differs from) its head."""


HOT_KINDS = frozenset({"request", "response", "refused", "rejected"})
"""Record kinds written per request; their data holds only strings, ints, bools, None, lists and
objects with ASCII keys (no floats), for which sorted compact ``json.dumps`` *is* RFC 8785."""


def record_hash(record: dict[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``record`` without its ``hash`` member."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()


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


def stored_line(record: dict[str, Any]) -> bytes:
    """The exact bytes (without the newline) the writer stores for ``record``: the canonical JSON of
    the record without ``hash``, and ``hash`` appended as its last member."""
    body = canonical_json({k: v for k, v in record.items() if k != "hash"})
    return body[:-1] + b',"hash":' + json.dumps(str(record.get("hash"))).encode("utf-8") + b"}"


def _read_head(directory: Path) -> tuple[int, str] | None:
    """``(seq, hash)`` from ``head.json``, None if there is none; raise ValueError if it is damaged."""
    try:
        raw = (directory / "head.json").read_bytes()
    except FileNotFoundError:
        return None
    if not raw.strip():
        return None  # created, not yet written (a writer killed while opening the log)
    try:
        head = json.loads(raw)
        return int(head["seq"]), str(head["hash"])
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"head.json is damaged: {exc}") from exc


def _segments(directory: Path) -> list[Path]:
    return sorted(directory.glob("audit-*.jsonl"))


def _last_record(directory: Path) -> dict[str, Any] | None:
    for segment in reversed(_segments(directory)):
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
    """Appends records to the chain. One writer per directory (an exclusive lock enforces it)."""

    def __init__(self, directory: Path, *, retention_days: int = 183, fsync: bool = False) -> None:
        self.directory = directory
        self.retention_days = retention_days
        self.fsync = fsync
        directory.mkdir(parents=True, exist_ok=True)
        self._lock_handle = (directory / ".lock").open("w")
        try:
            fcntl.flock(self._lock_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self._lock_handle.close()
            raise InputError(
                f"another gateway is writing the audit log in {directory}; give each gateway "
                "its own audit.dir"
            ) from exc
        last = _last_record(directory)
        self._seq = int(last["seq"]) if last else 0
        self._prev = str(last["hash"]) if last else GENESIS
        try:
            recorded_head = _read_head(directory)
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
        for segment in reversed(_segments(self.directory)):
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
        segments = _segments(self.directory)
        old = [s for s in segments if s.stem.removeprefix("audit-") < cutoff]
        kept = [s for s in segments if s not in old]
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
    for segment in _segments(directory):
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
        result.head = _read_head(directory)
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
