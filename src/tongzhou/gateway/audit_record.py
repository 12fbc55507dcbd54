"""The audit log's stored form, shared by its writer (:mod:`audit_log`) and its verifier
(:mod:`audit_verify`): record hashes, the exact bytes of a stored record, segments, the head, and
where each worker's chain lives in the audit directory.

An audit directory holds one hash chain per gateway worker: the chain of worker ``main`` (a
gateway of one process, and every log written before workers existed) at the top of the directory,
the chain of any other worker ``W`` in ``workers/W/``; each chain has its own segments, ``head.json``
and ``anchor.json``. ``heads.jsonl`` beside them holds the signed heads that cover every chain
(:mod:`audit_head`)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tongzhou.attest import canonical_json

GENESIS = "sha256:" + "0" * 64
"""``prev`` of the very first record."""
HEAD_BYTES = 256
"""``head.json`` is always this long (JSON padded with blanks): rewritten in place by one write."""
HEAD_MISMATCH = "head-mismatch"
"""Kind of the record a writer appends when the log it opens is shorter than (or differs from) its head."""
AUDIT_HEAD = "audit-head"
"""Kind of the record the signing worker appends after each signed head, naming it (so that a signed
head deleted from ``heads.jsonl`` is missed by the chain that recorded it)."""
DEFAULT_WORKER = "main"
"""The worker id of a gateway of one process; its chain sits at the top of the audit directory."""
WORKERS_DIR = "workers"
"""Subdirectory of the audit directory holding the chain of every worker other than ``main``."""
HEADS_FILE = "heads.jsonl"
"""The signed heads, one DSSE envelope per line, in the audit directory."""


@dataclass
class AuditProblem:
    """One thing verification found wrong."""

    kind: str
    """``edited``, ``deleted``, ``reordered``, ``truncated``, ``damaged``, ``chain-broken`` (a chain);
    ``missing-worker``, ``head-deleted``, ``forged-head``, ``foreign-key`` (the signed heads)."""
    where: str
    """``segment:line`` (``workers/W/segment:line`` for worker ``W``), ``heads.jsonl:line``, a file."""
    message: str


_WORKER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_worker_id(worker: str) -> str:
    """Return ``worker`` if it can name a chain directory (letters, digits, ``.``, ``_``, ``-``; at
    most 64; not starting with a dot or dash); raise ValueError otherwise."""
    if not isinstance(worker, str) or not _WORKER_ID.fullmatch(worker):
        raise ValueError(
            f"worker id {worker!r}: use 1 to 64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return worker


def chain_directory(audit_dir: Path, worker: str = DEFAULT_WORKER) -> Path:
    """Where the chain of ``worker`` lives in ``audit_dir``."""
    check_worker_id(worker)
    return audit_dir if worker == DEFAULT_WORKER else audit_dir / WORKERS_DIR / worker


def worker_chains(audit_dir: Path) -> dict[str, Path]:
    """Every chain present in ``audit_dir`` (worker id → directory), by worker id: ``main`` when the
    top holds segments or a head, and each directory under ``workers/`` with a valid id."""
    found: dict[str, Path] = {}
    if segments(audit_dir) or (audit_dir / "head.json").exists():
        found[DEFAULT_WORKER] = audit_dir
    workers = audit_dir / WORKERS_DIR
    if workers.is_dir():
        for path in workers.iterdir():
            if path.is_dir() and _WORKER_ID.fullmatch(path.name) and path.name != DEFAULT_WORKER:
                found[path.name] = path
    return dict(sorted(found.items()))


def record_hash(record: dict[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``record`` without its ``hash`` member."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()


def stored_line(record: dict[str, Any]) -> bytes:
    """The exact bytes (without the newline) the writer stores for ``record``: the canonical JSON of
    the record without ``hash``, and ``hash`` appended as its last member."""
    body = canonical_json({k: v for k, v in record.items() if k != "hash"})
    return body[:-1] + b',"hash":' + json.dumps(str(record.get("hash"))).encode("utf-8") + b"}"


def read_head(directory: Path) -> tuple[int, str] | None:
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


def segments(directory: Path) -> list[Path]:
    """The daily segments ``audit-YYYYMMDD.jsonl``, oldest first."""
    return sorted(directory.glob("audit-*.jsonl"))
