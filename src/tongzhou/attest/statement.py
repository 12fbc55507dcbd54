"""in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md)
carrying an evaluation report as its predicate."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tongzhou.attest.ai_bom_subjects import bom_subjects
from tongzhou.canonical_json import canonical_json

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
"""The ``_type`` of every in-toto v1 Statement."""
PAYLOAD_TYPE = "application/vnd.in-toto+json"
"""The DSSE ``payloadType`` the in-toto spec assigns to Statements."""
PREDICATE_TYPE = "https://tongzhou.dev/attest/evaluation-report/v1"
"""Our predicate type: a Tongzhou evaluation report (schema in docs/attest-report.schema.json)."""

RESULTS_SUBJECT_PREFIX = "tongzhou-run:"
BANK_SUBJECT_PREFIX = "tongzhou-bank:"
MODEL_SUBJECT_PREFIX = "tongzhou-model:"


class StatementError(ValueError):
    """A payload that is not an in-toto v1 Statement with our predicate; ``reason`` is a stable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _digest(prefixed: str) -> dict[str, str]:
    algorithm, _, value = prefixed.partition(":")
    return {algorithm: value}


def subjects_for(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Statement's subjects: the per-item results, every bank, (when it is a digest) the model, and
    every AI-BOM the report records."""
    subjects: list[dict[str, Any]] = [
        {
            "name": f"{RESULTS_SUBJECT_PREFIX}{report['run']['run_id']}/results",
            "digest": _digest(report["results"]["sha256"]),
        }
    ]
    subjects += [
        {"name": f"{BANK_SUBJECT_PREFIX}{b['id']}", "digest": _digest(b["sha256"])} for b in report["banks"]
    ]
    identity = report["model"]["identity"]
    if identity.startswith("sha256:"):
        subjects.append(
            {"name": f"{MODEL_SUBJECT_PREFIX}{report['model']['name']}", "digest": _digest(identity)}
        )
    return subjects + bom_subjects(report)


def build_statement(report: Mapping[str, Any], signed_at: str) -> dict[str, Any]:
    """The in-toto Statement v1 for ``report``, signed at ``signed_at`` (ISO-8601 UTC).

    The Statement holds ``report`` itself, not a copy.
    """
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects_for(report),
        "predicateType": PREDICATE_TYPE,
        "predicate": {"report": report, "signed_at": signed_at},
    }


def statement_bytes(statement: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: RFC 8785 canonical JSON of the Statement."""
    return canonical_json(dict(statement))


def _no_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (RFC 8259) and RFC 8785 do not.
    raise ValueError(f"{name} is not JSON")


def parse_statement(payload: bytes) -> dict[str, Any]:
    """Parse a signed payload into a Statement with our predicate, or raise :class:`StatementError`."""
    try:
        statement = json.loads(payload.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise StatementError("malformed-payload", f"the signed payload is not JSON: {exc!s:.200}") from exc
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        raise StatementError(
            "not-an-in-toto-statement",
            f"the signed payload is not an in-toto Statement v1 (_type must be {STATEMENT_TYPE})",
        )
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise StatementError(
            "wrong-predicate-type",
            f"predicateType is {statement.get('predicateType')!r}, not {PREDICATE_TYPE}",
        )
    if not isinstance(statement.get("subject"), list) or not isinstance(statement.get("predicate"), dict):
        raise StatementError("not-an-in-toto-statement", "the Statement has no subject list or no predicate")
    return statement
