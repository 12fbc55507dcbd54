"""Verify an attestation: signature, Statement, report schema, subject digests, trust policy, bundle.

Every failure carries a stable reason code (:mod:`tongzhou.attest.findings`) and a message
that says exactly what was wrong. A bad signature stops the check (nothing in an unverified
payload is believed); every other failure is collected, so one answer lists them all.
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jsonschema import Draft202012Validator

from tongzhou.attest.bundle import check_bundle
from tongzhou.attest.dsse import EnvelopeError, verify_envelope
from tongzhou.attest.findings import Finding
from tongzhou.attest.policy import TrustPolicy, parse_time
from tongzhou.attest.report import RESULT_FIELDS, results_digest
from tongzhou.attest.statement import PAYLOAD_TYPE, StatementError, parse_statement, subjects_for
from tongzhou.canonical_json import canonical_json
from tongzhou.errors import InputError


@dataclass
class Verification:
    """The answer to "is this attestation genuine, intact and recognised?"."""

    failures: list[Finding] = field(default_factory=list)
    """Every reason it is not recognised (empty when it is)."""
    notes: list[str] = field(default_factory=list)
    """What was not checked and why (no policy, no bundle file for a bank…)."""
    checks: list[str] = field(default_factory=list)
    """What was checked and held."""
    signer_key_id: str | None = None
    evaluator_name: str | None = None
    signed_at: str | None = None
    report: dict[str, Any] | None = None
    """The signed report (only once the signature verified)."""
    jurisdictions: list[str] = field(default_factory=list)
    """Where the policy recognises this evaluator for this report's profile."""
    envelope_sha256: str | None = None
    policy_name: str | None = None

    @property
    def ok(self) -> bool:
        """Whether it verified with no failure."""
        return not self.failures and self.report is not None

    def reasons(self) -> list[str]:
        """The failure codes, in order."""
        return [f.code for f in self.failures]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (without the report)."""
        return {
            "ok": self.ok,
            "failures": [f.to_dict() for f in self.failures],
            "notes": self.notes,
            "checks": self.checks,
            "signer_key_id": self.signer_key_id,
            "evaluator": self.evaluator_name,
            "signed_at": self.signed_at,
            "jurisdictions": self.jurisdictions,
            "envelope_sha256": self.envelope_sha256,
            "policy": self.policy_name,
            "run_id": self.report["run"]["run_id"] if self.report else None,
        }


@cache
def report_schema() -> dict[str, Any]:
    """The JSON Schema of the signed predicate (also in docs/attest-report.schema.json)."""
    text = (
        resources.files("tongzhou.attest")
        .joinpath("data/evaluation-report-v1.schema.json")
        .read_text("utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")
_RESULT_KEYS = frozenset(RESULT_FIELDS)
_RESULT_VALUES = operator.itemgetter(*RESULT_FIELDS)
_RESULT_TYPES = tuple(bool if f == "passed" else str for f in RESULT_FIELDS)
_EXPECTED = frozenset({"refuse", "answer", "safe"})
_ITEM_SHA, _RESPONSE_SHA = RESULT_FIELDS.index("item_sha256"), RESULT_FIELDS.index("response_sha256")


def plain_result(record: Any) -> bool:
    """Whether one per-item result has exactly the schema's ``result`` shape (a fast, equivalent check:
    jsonschema takes ~0.5 ms per item, which dominates verifying a 2,000-item report): exactly the
    result fields, all strings but ``passed`` (a bool), non-empty item and bank ids, a known
    ``expected`` and two ``sha256:<64 hex>`` digests."""
    if type(record) is not dict or record.keys() != _RESULT_KEYS:
        return False
    values = _RESULT_VALUES(record)
    return (
        tuple(map(type, values)) == _RESULT_TYPES
        and bool(record["item_id"])
        and bool(record["bank_id"])
        and record["expected"] in _EXPECTED
        and _SHA256.fullmatch(values[_ITEM_SHA]) is not None
        and _SHA256.fullmatch(values[_RESPONSE_SHA]) is not None
    )


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(report_schema())


def _iter_errors(instance: Any) -> list[str]:
    errors = sorted(_validator().iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:200]}" for e in errors[:10]]


def schema_errors(predicate: Any) -> list[str]:
    """Where ``predicate`` breaks the report schema (``path: message``), at most 10."""
    try:
        results = predicate["report"]["results"]
        items = results["items"]
    except (KeyError, TypeError):
        return _iter_errors(predicate)
    if isinstance(items, list) and all(plain_result(r) for r in items):
        # The per-item results are fine: let jsonschema check everything else.
        report = {**predicate["report"], "results": {**results, "items": []}}
        return _iter_errors({**predicate, "report": report})
    return _iter_errors(predicate)


def _check_contents(statement: Mapping[str, Any], kid: str, result: Verification) -> None:
    report = statement["predicate"]["report"]
    if report["evaluator"]["key_id"] != kid:
        result.failures.append(
            Finding(
                "evaluator-mismatch",
                f"report names evaluator key {report['evaluator']['key_id']}, signed by {kid}",
            )
        )
    digest = results_digest(report["results"]["items"])
    if digest != report["results"]["sha256"] or report["results"]["count"] != len(report["results"]["items"]):
        result.failures.append(
            Finding(
                "results-digest-mismatch",
                f"results digest is {report['results']['sha256']}, items hash to {digest}",
            )
        )
    expected = canonical_json(subjects_for(report))
    if canonical_json(statement["subject"]) != expected:
        result.failures.append(
            Finding(
                "subject-mismatch",
                "Statement subjects differ from the report's results, bank and model digests",
            )
        )
    if not any(
        f.code in {"evaluator-mismatch", "results-digest-mismatch", "subject-mismatch"}
        for f in result.failures
    ):
        result.checks.append("report is self-consistent (evaluator, results digest, subjects)")


def _apply_policy(
    policy: TrustPolicy,
    kid: str,
    report: Mapping[str, Any],
    signed: datetime,
    now: datetime,
    result: Verification,
) -> None:
    result.policy_name = policy.name
    evaluator = policy.by_key_id[kid]
    result.evaluator_name = evaluator.name
    failures = result.failures
    revocation = policy.revocation_for(kid)
    if revocation and (revocation.revoked_at is None or signed >= revocation.revoked_at):
        when = f" since {revocation.revoked_at.isoformat()}" if revocation.revoked_at else ""
        failures.append(
            Finding("revoked-key", f"key {kid} ({evaluator.name}) is revoked{when}: {revocation.reason}")
        )
    if evaluator.valid_until and signed > evaluator.valid_until:
        failures.append(
            Finding(
                "expired-key",
                f"key {kid} ({evaluator.name}) was valid until "
                f"{evaluator.valid_until.isoformat()}; signed at {signed.isoformat()}",
            )
        )
    if evaluator.valid_from and signed < evaluator.valid_from:
        failures.append(
            Finding(
                "key-not-yet-valid",
                f"key {kid} ({evaluator.name}) is valid from "
                f"{evaluator.valid_from.isoformat()}; signed at {signed.isoformat()}",
            )
        )
    if policy.max_age_days is not None and now - signed > timedelta(days=policy.max_age_days):
        failures.append(
            Finding(
                "too-old",
                f"signed {(now - signed).days} days ago; the policy accepts at most {policy.max_age_days}",
            )
        )
    profile, version = report["standard_profile"]["id"], report["standard_profile"]["version"]
    matching = [r for r in evaluator.recognised_for if r.covers(profile, version)]
    if not matching:
        known = (
            ", ".join(
                f"{r.profile} {'/'.join(r.versions) or '(any version)'}" for r in evaluator.recognised_for
            )
            or "nothing"
        )
        failures.append(
            Finding(
                "profile-not-recognised",
                f"{evaluator.name} is recognised for {known}, not for profile {profile} version {version}",
            )
        )
    result.jurisdictions = sorted({j for r in matching for j in r.jurisdictions})
    if policy.require_complete_run and report["run"]["status"] != "complete":
        failures.append(
            Finding(
                "run-incomplete",
                f"run {report['run']['run_id']} is {report['run']['status']}; "
                "the policy requires complete runs",
            )
        )


def verify_attestation(
    envelope: Mapping[str, Any],
    *,
    policy: TrustPolicy | None = None,
    trusted_keys: Mapping[str, Ed25519PublicKey] | None = None,
    bundle: Path | None = None,
    now: datetime | None = None,
) -> Verification:
    """Verify a DSSE envelope holding a Tongzhou evaluation report.

    Keys come from ``policy`` (its evaluators) or, without one, from ``trusted_keys``
    (e.g. the local key ring); then only the signature and contents are checked.
    ``bundle`` re-hashes per-item results and bank files.
    """
    result = Verification()
    now = now or datetime.now(UTC)
    try:
        result.envelope_sha256 = "sha256:" + hashlib.sha256(canonical_json(dict(envelope))).hexdigest()
    except (ValueError, TypeError):
        result.failures.append(Finding("malformed-envelope", "the envelope is not a JSON object"))
        return result
    keys = {e.key_id: e.public_key for e in policy.evaluators} if policy else dict(trusted_keys or {})
    if policy:
        signers = [s.get("keyid") for s in envelope.get("signatures") or [] if isinstance(s, Mapping)]
        for rev in policy.revocations:
            if rev.key_id in signers and rev.key_id not in keys and rev.revoked_at is None:
                result.failures.append(
                    Finding("revoked-key", f"signed by {rev.key_id}, revoked: {rev.reason}")
                )
                return result
    try:
        payload, payload_type, kid = verify_envelope(envelope, keys)
    except EnvelopeError as exc:
        code = {"malformed": "malformed-envelope"}.get(exc.reason, exc.reason)
        if code == "unknown-key":
            where = f"trust policy {policy.name!r}" if policy else "the trusted keys (key ring, --public-key)"
            message = f"{exc} — none is listed in {where}"
        else:
            message = str(exc)
        result.failures.append(Finding(code, message))
        return result
    result.signer_key_id = kid
    result.checks.append(f"DSSE signature by {kid} verifies (Ed25519)")
    if payload_type != PAYLOAD_TYPE:
        result.failures.append(
            Finding("wrong-payload-type", f"payloadType is {payload_type!r}, not {PAYLOAD_TYPE}")
        )
        return result
    try:
        statement = parse_statement(payload)
    except StatementError as exc:
        result.failures.append(Finding(exc.reason, str(exc)))
        return result
    errors = schema_errors(statement["predicate"])
    if errors:
        result.failures += [Finding("schema-invalid", e) for e in errors]
        return result
    result.checks.append("report follows the evaluation-report v1 schema")
    report = statement["predicate"]["report"]
    result.report = report
    result.signed_at = statement["predicate"]["signed_at"]
    result.evaluator_name = report["evaluator"]["name"]
    try:
        signed = parse_time(result.signed_at, "signed_at")
    except InputError as exc:
        result.failures.append(Finding("schema-invalid", exc.bilingual()))
        return result
    if signed > now + timedelta(minutes=5):
        result.failures.append(
            Finding("signed-in-future", f"signed_at {result.signed_at} is after {now.isoformat()}")
        )
    _check_contents(statement, kid, result)
    if policy:
        _apply_policy(policy, kid, report, signed, now, result)
        if not any(
            f.code
            in {
                "revoked-key",
                "expired-key",
                "key-not-yet-valid",
                "too-old",
                "profile-not-recognised",
                "run-incomplete",
            }
            for f in result.failures
        ):
            result.checks.append(
                f"trust policy {policy.name!r} recognises {result.evaluator_name} "
                f"for {report['standard_profile']['id']} in {', '.join(result.jurisdictions) or '-'}"
            )
    else:
        result.notes.append("no trust policy given: signature and contents checked, recognition not decided")
    if bundle is not None:
        failures, notes = check_bundle(bundle, report)
        result.failures += failures
        result.notes += notes
        if not failures:
            result.checks.append(f"bundle {bundle} re-hashes to the signed results and banks")
    return result
