"""The audit log's stored form, shared by its writer (:mod:`audit_log`) and its verifier
(:mod:`audit_verify`): record hashes, the exact bytes of a stored record, segments and the head."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tongzhou.attest import canonical_json

GENESIS = "sha256:" + "0" * 64
"""``prev`` of the very first record."""
HEAD_BYTES = 256
"""``head.json`` is always this long (JSON padded with blanks): rewritten in place by one write."""
HEAD_MISMATCH = "head-mismatch"
"""Kind of the record a writer appends when the log it opens is shorter than (or differs from) its head."""


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
