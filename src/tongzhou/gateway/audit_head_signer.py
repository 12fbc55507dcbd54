"""Signing audit heads: one worker at a time reads the tip of every chain and appends a signed head.

Any worker may sign; an exclusive lock on ``heads.lock`` makes one do it at a time, and a worker
skips a head when another signed one less than ``min_interval`` seconds ago or when no chain moved
since the last head, so N workers each trying every period give about one head per period, not N.

A head never goes backwards: a chain that the last head covered and that is now missing, shorter,
or different at the same length keeps its tip from the last head (the signer does not vouch for
what it cannot see), so a deleted worker log or tail stays visible to the verifier for ever after.

Cost: one ``flock``, one small read per chain's ``head.json`` and of the end of ``heads.jsonl``, one
Ed25519 signature and one append, once per period; nothing per request.
"""

from __future__ import annotations

import calendar
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.attest import KeyRing, SigningKeyError
from tongzhou.attest.workflow import private_key
from tongzhou.gateway.audit_head import AuditHeadError, ChainTip, SignedHead, read_head, sign_head
from tongzhou.gateway.audit_log import AuditLog
from tongzhou.gateway.audit_record import AUDIT_HEAD, GENESIS, HEADS_FILE, segments, worker_chains
from tongzhou.gateway.audit_record import read_head as read_chain_head

_TAIL_CHUNK = 8192

DEFAULT_HEAD_KEY = "gateway-audit"
"""The key-ring name of the audit key when the policy names none other (created on first use)."""


def load_head_key(name: str, ring: KeyRing | None = None) -> Ed25519PrivateKey:
    """The audit key ``name`` from the key ring (its passphrase, if any, from
    ``$TONGZHOU_KEY_PASSPHRASE``); the default key is created when missing, another must exist
    (InputError saying how to create it)."""
    ring = ring or KeyRing()
    if name == DEFAULT_HEAD_KEY and not _whole(ring, name):
        try:
            ring.generate(name)
        except (SigningKeyError, FileExistsError):  # another worker starting beside this one made it
            # first (FileExistsError: it created the file between our check and our exclusive open)
            for _wait in range(100):  # its public half follows the private one within moments
                if _whole(ring, name):
                    break
                time.sleep(0.01)
    return private_key(ring, name)


def _whole(ring: KeyRing, name: str) -> bool:
    """Whether key ``name`` is in the ring with both halves written (not a file still being written)."""
    try:
        ring.info(name)
    except (SigningKeyError, OSError):
        return False
    return True


def _lines_from_the_end(path: Path) -> Iterator[bytes]:
    """The non-blank lines of ``path``, last first, read backwards in chunks (the file may be large)."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        end = handle.seek(0, os.SEEK_END)
        carry = b""
        while end > 0:
            start = max(0, end - _TAIL_CHUNK)
            handle.seek(start)
            lines = (handle.read(end - start) + carry).split(b"\n")
            end = start
            carry = lines.pop(0) if start > 0 else b""  # the first piece may be cut
            yield from (raw for raw in reversed(lines) if raw.strip())


def last_head_line(path: Path) -> bytes | None:
    """The last line of ``path`` that reads as a head (unverified), or None. A damaged last line (a
    write cut by power loss) is passed over: the verifier reports it."""
    for raw in _lines_from_the_end(path):
        try:
            read_head(raw, None)
        except AuditHeadError:
            continue
        return raw
    return None


def _moved_only_by_a_head_record(directory: Path, old: ChainTip, new: ChainTip) -> bool:
    """Whether the one record ``new`` added after ``old`` is the ``audit-head`` record of a head:
    such a chain has nothing to sign again (else an idle gateway would sign a head every period)."""
    if new.seq != old.seq + 1:
        return False
    newest = segments(directory)[-1:]
    raw = next(iter(_lines_from_the_end(newest[0])), b"") if newest else b""
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return (
        isinstance(record, dict)
        and record.get("kind") == AUDIT_HEAD
        and record.get("seq") == new.seq
        and record.get("hash") == new.hash
        and record.get("prev") == old.hash
    )


def _chain_tip(worker: str, directory: Path) -> ChainTip | None:
    for _attempt in range(3):  # another worker's pwrite of its head may be under way
        try:
            head = read_chain_head(directory)
        except ValueError:
            time.sleep(0.001)
            continue
        return ChainTip(worker, head[0], head[1]) if head and head[0] > 0 else None
    return None


def _utc_now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1_000_000):06d}Z"


class AuditHeadSigner:
    """Signs heads over every chain of ``log``'s audit directory with ``key``, recording each in
    ``log`` (the signing worker's own chain)."""

    def __init__(self, log: AuditLog, key: Ed25519PrivateKey) -> None:
        self.log = log
        self.key = key
        self.path = log.audit_dir / HEADS_FILE

    def _tips(self, last: SignedHead | None) -> tuple[ChainTip, ...]:
        tips = {
            worker: tip
            for worker, directory in worker_chains(self.log.audit_dir).items()
            if (tip := _chain_tip(worker, directory)) is not None
        }
        for old in last.chains if last else ():
            now = tips.get(old.worker)
            if now is None or now.seq < old.seq or (now.seq == old.seq and now.hash != old.hash):
                tips[old.worker] = old  # missing, cut or changed: keep what was vouched for
        return tuple(sorted(tips.values()))

    def _moved(self, last: SignedHead, tips: tuple[ChainTip, ...]) -> bool:
        if {t.worker for t in tips} != {t.worker for t in last.chains}:
            return True
        chains = worker_chains(self.log.audit_dir)
        for tip in tips:
            old = last.tip(tip.worker)
            if old != tip and (old is None or not _moved_only_by_a_head_record(chains[tip.worker], old, tip)):
                return True
        return False

    def sign(self, *, force: bool = False, min_interval: float = 0.0) -> SignedHead | None:
        """Append a signed head covering every chain now, unless none moved since the last head (or
        the last is younger than ``min_interval`` seconds); ``force`` signs anyway. Returns the head
        signed, or None."""
        self.log.write_head()  # this worker's pending records reach the OS, and its head.json
        with self.path.with_suffix(".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            raw = last_head_line(self.path)
            last = read_head(raw, None) if raw is not None else None
            if last is not None and not force and min_interval > 0:
                age = time.time() - _parse_time(last.time)
                if 0 <= age < min_interval:
                    return None
            tips = self._tips(last)
            if last is not None and not force and not self._moved(last, tips):
                return None
            head = sign_head(
                last.seq + 1 if last else 1,
                last.digest if last else GENESIS,
                _utc_now(),
                self.log.worker,
                tips,
                self.key,
            )
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, head.line())
                if self.log.fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
        self.log.append(AUDIT_HEAD, {"head_seq": head.seq, "head_digest": head.digest, "root": head.root})
        return head


def _parse_time(stamp: str) -> float:
    """Seconds since the epoch of a head's ``time`` (0 when unreadable: the head counts as old)."""
    try:
        base, _, fraction = stamp.rstrip("Z").partition(".")
        return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) + float(f"0.{fraction or 0}")
    except ValueError:
        return 0.0
