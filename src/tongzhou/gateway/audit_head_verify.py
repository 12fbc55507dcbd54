"""Checking the signed heads against every worker's chain (the chains themselves: :mod:`audit_verify`).

For each head in ``heads.jsonl``: the signature is the audit key's, the root is the Merkle root of
its tips, the heads are numbered 1, 2, … without a gap and each names the digest of the one before.
For each tip a head vouches for: the worker's chain exists, reaches that record, and holds it with
that hash. For each ``audit-head`` record in a chain: the head it names is in ``heads.jsonl`` with
that digest. Records written after the last head that covers their chain are *not yet anchored*:
reported, not a problem (a crash between a record and the next head leaves them so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tongzhou.gateway.audit_head import AuditHeadError, SignedHead, read_head
from tongzhou.gateway.audit_record import DEFAULT_WORKER, GENESIS, HEADS_FILE, WORKERS_DIR, AuditProblem


@dataclass
class ChainIndex:
    """What the head checks need to know of one worker's chain, as its verification read it."""

    worker: str
    first_seq: int
    """The first record kept (1, or the retention anchor's)."""
    last_seq: int
    """The last record present (0 when none)."""
    hashes: dict[int, str] = field(default_factory=dict)
    """seq → hash of every readable record."""
    head_records: list[tuple[str, int, int, str]] = field(default_factory=list)
    """``(where, record seq, head seq, head digest)`` of every ``audit-head`` record."""


@dataclass(frozen=True)
class Unanchored:
    """Records of one chain that no signed head covers yet."""

    worker: str
    first: int
    last: int
    count: int
    after_head: int | None
    """The last signed head (None when there is none)."""


@dataclass
class HeadFindings:
    """The result of :func:`check_heads`."""

    heads: int = 0
    """Signed heads that verified."""
    last: SignedHead | None = None
    problems: list[AuditProblem] = field(default_factory=list)
    unanchored: list[Unanchored] = field(default_factory=list)


def chain_label(worker: str) -> str:
    """How messages name a worker's chain and where it lives."""
    return (
        f"worker {worker!r} (the top of the audit directory)"
        if worker == DEFAULT_WORKER
        else (f"worker {worker!r} ({WORKERS_DIR}/{worker}/)")
    )


def _read_heads(
    path: Path, trusted: Mapping[str, Ed25519PublicKey] | None, found: HeadFindings
) -> dict[int, SignedHead]:
    heads: dict[int, SignedHead] = {}
    try:
        raw_lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return heads
    expected_seq, expected_prev = 1, GENESIS
    link_known = True
    for number, raw in enumerate(raw_lines, start=1):
        where = f"{HEADS_FILE}:{number}"
        if not raw.strip():
            continue
        try:
            head = read_head(raw, trusted)
        except AuditHeadError as exc:
            found.problems.append(AuditProblem(exc.reason, where, f"signed head: {exc}"))
            expected_seq += 1  # a head was here; do not report it deleted as well
            link_known = False
            continue
        if head.seq > expected_seq:
            found.problems.append(
                AuditProblem(
                    "head-deleted",
                    where,
                    f"signed head(s) {expected_seq}..{head.seq - 1} are missing before head {head.seq}",
                )
            )
        elif head.seq < expected_seq:
            found.problems.append(
                AuditProblem(
                    "reordered", where, f"signed head {head.seq} found where head {expected_seq} belongs"
                )
            )
        elif link_known and head.prev != expected_prev:
            found.problems.append(
                AuditProblem(
                    "chain-broken",
                    where,
                    f"signed head {head.seq} does not name the digest of head {head.seq - 1}",
                )
            )
        heads[head.seq] = head
        expected_seq, expected_prev, link_known = head.seq + 1, head.digest, True
    found.heads = len(heads)
    return heads


def _check_tips(heads: dict[int, SignedHead], chains: Mapping[str, ChainIndex], found: HeadFindings) -> None:
    missing: dict[str, tuple[SignedHead, int]] = {}
    short: dict[str, tuple[SignedHead, int]] = {}
    changed: dict[str, tuple[SignedHead, int]] = {}
    for head in heads.values():
        for tip in head.chains:
            chain = chains.get(tip.worker)
            if chain is None:
                missing[tip.worker] = (head, tip.seq)
            elif tip.seq < chain.first_seq:
                continue  # pruned by retention (the chain's anchor.json says so)
            elif tip.seq > chain.last_seq:
                short[tip.worker] = (head, tip.seq)
            elif tip.seq in chain.hashes and chain.hashes[tip.seq] != tip.hash:
                changed.setdefault(tip.worker, (head, tip.seq))
    for worker, (head, seq) in missing.items():
        found.problems.append(
            AuditProblem(
                "missing-worker",
                HEADS_FILE,
                f"the chain of {chain_label(worker)} is missing: signed head {head.seq} ({head.time}) "
                f"vouches for its records up to {seq}",
            )
        )
    for worker, (head, seq) in short.items():
        last = chains[worker].last_seq
        found.problems.append(
            AuditProblem(
                "truncated",
                HEADS_FILE,
                f"{chain_label(worker)}: records {last + 1}..{seq} are missing; signed head {head.seq} "
                f"({head.time}) vouches for them but the chain ends at record {last}",
            )
        )
    for worker, (head, seq) in changed.items():
        found.problems.append(
            AuditProblem(
                "edited",
                HEADS_FILE,
                f"{chain_label(worker)}: record {seq} is not the record signed head {head.seq} ({head.time}) "
                "vouches for: the chain was rewritten after it was signed",
            )
        )


def _check_head_records(
    heads: dict[int, SignedHead], highest: int, chains: Mapping[str, ChainIndex], found: HeadFindings
) -> set[tuple[str, int]]:
    """Check every ``audit-head`` record; return ``(worker, seq)`` of those naming a good head."""
    good: set[tuple[str, int]] = set()
    for chain in chains.values():
        for where, seq, head_seq, digest in chain.head_records:
            head = heads.get(head_seq)
            if head is None and head_seq > highest:
                found.problems.append(
                    AuditProblem(
                        "head-deleted",
                        where,
                        f"record {seq} names signed head {head_seq}, which {HEADS_FILE} lacks "
                        f"(it ends at head {highest})",
                    )
                )
            elif head is not None and head.digest != digest:
                found.problems.append(
                    AuditProblem(
                        "forged-head",
                        where,
                        f"record {seq} names signed head {head_seq} with another digest than the "
                        f"one in {HEADS_FILE}",
                    )
                )
            elif head is not None:
                good.add((chain.worker, seq))
    return good


def check_heads(
    audit_dir: Path, chains: Mapping[str, ChainIndex], trusted: Mapping[str, Ed25519PublicKey] | None
) -> HeadFindings:
    """Check ``heads.jsonl`` of ``audit_dir`` against ``chains`` (worker id → index); ``trusted``
    (key id → public key) authenticates the heads, None leaves signatures unchecked."""
    found = HeadFindings()
    heads = _read_heads(audit_dir / HEADS_FILE, trusted, found)
    highest = max(heads, default=0)
    found.last = heads.get(highest)
    _check_tips(heads, chains, found)
    naming_good_heads = _check_head_records(heads, highest, chains, found)
    for chain in chains.values():
        anchored = max(
            (tip.seq for head in heads.values() for tip in head.chains if tip.worker == chain.worker),
            default=0,
        )
        later = [
            seq for seq in chain.hashes if seq > anchored and (chain.worker, seq) not in naming_good_heads
        ]
        if later:
            found.unanchored.append(
                Unanchored(
                    chain.worker, min(later), max(later), len(later), found.last.seq if found.last else None
                )
            )
    return found
