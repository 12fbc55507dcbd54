"""The signed audit head: one Ed25519 signature over the tips of every worker's hash chain.

A chain proves that its records were not edited or reordered, but whoever can write the files can
cut a tail (and rewrite ``head.json``) or delete a worker's chain whole. A signed head closes that:
every ``head_interval_seconds`` one worker reads the tip of every chain in the audit directory —
``(worker id, seq, hash)`` of its last record — and signs, with the gateway's audit key, the
RFC 6962 Merkle root over those tips together with the tips themselves, the head's own number and
the hash of the head before it. A verifier holding only the public key then knows, for every head,
how long each chain was and what its last record hashed to; a chain shorter than a head says, or
missing, is detected, and so is a head removed from the middle (numbers and links) or the end (the
``audit-head`` record the signing worker appends to its own chain names it).

Wire form (one line of ``heads.jsonl`` per head): a DSSE v1 envelope, ``payloadType``
:data:`HEAD_PAYLOAD_TYPE`, whose payload is the RFC 8785 canonical JSON of

    {"type": "tongzhou.audit-head", "version": 1, "seq": 7, "prev": "sha256:<previous head's digest>",
     "time": "2026-12-06T09:30:00.000000Z", "signer": "main",
     "chains": [{"worker": "main", "seq": 1234, "hash": "sha256:..."}, ...],   # sorted by worker
     "root": "sha256:<Merkle root over chains>"}

The head's digest is ``sha256:`` + SHA-256 of the payload bytes; the first head's ``prev`` is
:data:`~.audit_record.GENESIS`. Merkle tree as RFC 6962 §2.1: a leaf hashes ``0x00`` + the
canonical JSON of one ``{"hash", "seq", "worker"}``, a node ``0x01`` + left + right; the root of no
leaves is SHA-256 of nothing. The root lets one chain's tip be proved to someone holding only the
root (an external log, a regulator's receipt) without the others.
"""

from __future__ import annotations

import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tongzhou.attest import EnvelopeError, canonical_json, key_id, sign_envelope, verify_envelope
from tongzhou.gateway.audit_record import GENESIS, check_worker_id

HEAD_TYPE = "tongzhou.audit-head"
HEAD_VERSION = 1
HEAD_PAYLOAD_TYPE = "application/vnd.tongzhou.audit-head+json; version=1"
"""DSSE ``payloadType`` of a signed head."""


class AuditHeadError(ValueError):
    """A signed head that cannot be read or does not verify; ``reason`` is a stable code:
    ``damaged`` (not a head), ``forged-head`` (the signature or the root does not match),
    ``foreign-key`` (signed by a key other than the one given)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, order=True)
class ChainTip:
    """The last record of one worker's chain, as a head vouches for it."""

    worker: str
    """The worker id (``main`` for a gateway of one process)."""
    seq: int
    """The last record's ``seq`` (the chain's length counted from its first record, ever)."""
    hash: str
    """The last record's ``hash``."""

    def to_json(self) -> dict[str, Any]:
        """The tip as it appears in a head's ``chains``."""
        return {"worker": self.worker, "seq": self.seq, "hash": self.hash}


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def merkle_root(tips: Sequence[ChainTip]) -> str:
    """``sha256:<hex>`` of the RFC 6962 Merkle tree over ``tips`` (sorted by worker id)."""
    leaves = [_sha256(b"\x00" + canonical_json(tip.to_json())) for tip in sorted(tips)]

    def subtree(nodes: list[bytes]) -> bytes:
        if not nodes:
            return _sha256(b"")
        if len(nodes) == 1:
            return nodes[0]
        split = 1 << ((len(nodes) - 1).bit_length() - 1)  # the largest power of two below len
        return _sha256(b"\x01" + subtree(nodes[:split]) + subtree(nodes[split:]))

    return "sha256:" + subtree(leaves).hex()


@dataclass(frozen=True)
class SignedHead:
    """One signed head, as written to or read from ``heads.jsonl``."""

    seq: int
    """1 for the first head of an audit directory, then one more each time."""
    prev: str
    """The digest of the head before (``GENESIS`` for the first)."""
    time: str
    """When it was signed (RFC 3339 UTC)."""
    signer: str
    """The worker that signed it (its chain records the head as ``audit-head``)."""
    chains: tuple[ChainTip, ...]
    """The tip of every chain, sorted by worker id."""
    root: str
    """The Merkle root over ``chains``."""
    digest: str
    """``sha256:`` of the signed payload: what the next head's ``prev`` and ``audit-head`` records name."""
    key_id: str
    """The signing key's id (``ed25519:...``)."""
    envelope: dict[str, Any]
    """The DSSE envelope (the stored line)."""

    def tip(self, worker: str) -> ChainTip | None:
        """The tip this head vouches for in ``worker``'s chain, or None."""
        return next((t for t in self.chains if t.worker == worker), None)

    def line(self) -> bytes:
        """The stored line (compact JSON of the envelope and a newline)."""
        return json.dumps(self.envelope, separators=(",", ":"), sort_keys=True).encode("ascii") + b"\n"


def sign_head(
    seq: int, prev: str, time: str, signer: str, chains: Sequence[ChainTip], key: Ed25519PrivateKey
) -> SignedHead:
    """Sign a head over ``chains`` with ``key``."""
    tips = tuple(sorted(chains))
    root = merkle_root(tips)
    payload = canonical_json(
        {
            "type": HEAD_TYPE,
            "version": HEAD_VERSION,
            "seq": seq,
            "prev": prev,
            "time": time,
            "signer": signer,
            "chains": [t.to_json() for t in tips],
            "root": root,
        }
    )
    envelope = sign_envelope(payload, HEAD_PAYLOAD_TYPE, key)
    digest = "sha256:" + hashlib.sha256(payload).hexdigest()
    return SignedHead(seq, prev, time, signer, tips, root, digest, key_id(key.public_key()), envelope)


def _field(payload: dict[str, Any], name: str, kind: type) -> Any:
    value = payload.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise AuditHeadError("damaged", f"head payload field {name!r} is missing or not a {kind.__name__}")
    return value


def _tips(value: object) -> tuple[ChainTip, ...]:
    if not isinstance(value, list):
        raise AuditHeadError("damaged", "head payload field 'chains' is not a list")
    tips: list[ChainTip] = []
    for entry in value:
        if not isinstance(entry, dict):
            raise AuditHeadError("damaged", "an entry of 'chains' is not an object")
        worker, seq, digest = entry.get("worker"), entry.get("seq"), entry.get("hash")
        if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(digest, str):
            raise AuditHeadError("damaged", f"chain entry {entry!r} lacks an integer seq and a hash")
        try:
            tips.append(ChainTip(check_worker_id(str(worker)), seq, digest))
        except ValueError as exc:
            raise AuditHeadError("damaged", str(exc)) from exc
    if len({t.worker for t in tips}) != len(tips):
        raise AuditHeadError("damaged", "a worker appears twice in 'chains'")
    return tuple(tips)


def read_head(line: bytes, trusted: Mapping[str, Ed25519PublicKey] | None) -> SignedHead:
    """Parse one line of ``heads.jsonl``; with ``trusted`` (key id → public key: the audit key, and
    any earlier one after a rotation), check that one of them signed the head (else
    :class:`AuditHeadError` ``foreign-key`` or ``forged-head``). With None, the signature is not
    checked: the caller must say the heads were not authenticated."""
    try:
        envelope = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise AuditHeadError("damaged", f"line is not JSON: {exc}") from exc
    if not isinstance(envelope, dict) or envelope.get("payloadType") != HEAD_PAYLOAD_TYPE:
        raise AuditHeadError("damaged", "line is not a signed audit head (DSSE, audit-head payload type)")
    signatures = envelope.get("signatures")
    first = signatures[0] if isinstance(signatures, list) and signatures else None
    claimed = str(first.get("keyid", "")) if isinstance(first, dict) else ""
    if trusted is not None:
        try:
            payload, _type, kid = verify_envelope(envelope, trusted)
        except EnvelopeError as exc:
            keys = ", ".join(trusted) or "none"
            if exc.reason == "unknown-key":
                raise AuditHeadError(
                    "foreign-key", f"signed by {claimed or 'no key'}, not by the audit key ({keys})"
                ) from exc
            if exc.reason == "bad-signature":
                raise AuditHeadError(
                    "forged-head", f"the signature by {claimed} does not match the head (altered or forged)"
                ) from exc
            raise AuditHeadError("damaged", str(exc)) from exc
    else:
        kid = claimed
        try:
            payload = binascii.a2b_base64(str(envelope.get("payload", "")), strict_mode=True)
        except (binascii.Error, ValueError) as exc:
            raise AuditHeadError("damaged", f"payload is not base64: {exc}") from exc
    try:
        body = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise AuditHeadError("damaged", f"payload is not JSON: {exc}") from exc
    if not isinstance(body, dict) or body.get("type") != HEAD_TYPE or body.get("version") != HEAD_VERSION:
        raise AuditHeadError("damaged", f"payload is not a {HEAD_TYPE} version {HEAD_VERSION}")
    tips = _tips(body.get("chains"))
    head = SignedHead(
        seq=_field(body, "seq", int),
        prev=_field(body, "prev", str),
        time=_field(body, "time", str),
        signer=_field(body, "signer", str),
        chains=tuple(sorted(tips)),
        root=_field(body, "root", str),
        digest="sha256:" + hashlib.sha256(payload).hexdigest(),
        key_id=kid,
        envelope=envelope,
    )
    if merkle_root(tips) != head.root:
        raise AuditHeadError("forged-head", f"head {head.seq}: its root is not the Merkle root of its chains")
    return head


__all__ = [
    "GENESIS",
    "HEAD_PAYLOAD_TYPE",
    "AuditHeadError",
    "ChainTip",
    "SignedHead",
    "merkle_root",
    "read_head",
    "sign_head",
]
