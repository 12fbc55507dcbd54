"""Sign a run: run summary → canonical report → in-toto Statement → DSSE envelope (Ed25519)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.attest.ai_bom_subjects import BomReference, bom_entries
from tongzhou.attest.dsse import sign_envelope
from tongzhou.attest.keys import key_id
from tongzhou.attest.report import Evaluator, build_report_with_results_text
from tongzhou.attest.statement import PAYLOAD_TYPE, build_statement, statement_bytes
from tongzhou.canonical_json import CanonicalFragment, CanonicalJsonError
from tongzhou.errors import InputError

MAX_ATTESTATION_BYTES = 256 * 1024 * 1024
"""Attestation files larger than this are refused before parsing (a 2,000-item run is ~1.5 MB)."""


def utc_now() -> str:
    """Now, ISO-8601 UTC with seconds and a ``Z``."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sign_run(
    summary: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    evaluator_name: str,
    signed_at: str | None = None,
    boms: Sequence[BomReference] = (),
) -> dict[str, Any]:
    """Sign a run summary; returns the DSSE envelope (JSON-ready).

    The report inside is deterministic for a given summary and evaluator; only
    ``signed_at`` (default: now) differs between two signings of the same run. ``boms`` (AI-BOMs of
    the evaluated model and its data, :func:`tongzhou.oss.read_ai_bom`) become the report's
    ``ai_boms`` and Statement subjects.
    """
    evaluator = Evaluator(key_id=key_id(private_key.public_key()), name=evaluator_name)
    report, results_text = build_report_with_results_text(summary, evaluator)
    if boms:
        report["ai_boms"] = bom_entries(boms, report["model"])
    # Serialise with the per-item results already in canonical form (same bytes, one pass less).
    results = {**report["results"], "items": CanonicalFragment(results_text)}
    statement = build_statement({**report, "results": results}, signed_at or utc_now())
    try:
        payload = statement_bytes(statement)
    except CanonicalJsonError as exc:
        raise InputError(f"run summary cannot be signed: {exc}") from exc
    return sign_envelope(payload, PAYLOAD_TYPE, private_key)


def read_attestation(path: Path, max_bytes: int = MAX_ATTESTATION_BYTES) -> dict[str, Any]:
    """Read a DSSE envelope file, with a clear :class:`InputError` for anything that is not one."""
    if path.is_dir():
        raise InputError.of("{path} is a directory; give the attestation file (RUN.dsse.json)", path=path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read attestation {path}: {exc.strerror}") from exc
    if size > max_bytes:
        raise InputError(f"{path} is {size} bytes; attestations over {max_bytes} bytes are refused")
    try:
        value = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read attestation {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{path} is not JSON (or nested too deeply): {exc!s:.200}") from exc
    if not isinstance(value, dict):
        raise InputError(
            f"{path} is not a DSSE envelope (a JSON object with payload, payloadType, signatures)"
        )
    return value
