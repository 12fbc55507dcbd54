"""Trust policies: which evaluators' keys a relying party recognises, for what, and until when.

A policy is a YAML file (format in docs/attest.md)::

    policy: tongzhou-trust-policy/v1
    name: Example institute
    evaluators:
      - name: Example AI Safety Lab
        public_key: |            # Ed25519, PEM (tongzhou keys export NAME)
          -----BEGIN PUBLIC KEY-----
          ...
        valid_from: 2025-01-01T00:00:00Z      # optional
        valid_until: 2027-12-31T23:59:59Z     # optional
        recognised_for:
          - profile: gbt45654
            versions: ["2025"]                # optional: any version when absent
            jurisdictions: [CN, EU]
    revocations:
      - key_id: ed25519:…
        revoked_at: 2026-03-01T00:00:00Z      # optional: absent = every signature is rejected
        reason: key compromised
    require:
      complete_run: true                      # default true
      max_age_days: 730                       # optional
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tongzhou.attest.keys import SigningKeyError, key_id, load_public_key_pem
from tongzhou.errors import InputError

POLICY_FORMAT = "tongzhou-trust-policy/v1"
MAX_POLICY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Recognition:
    """One standard profile an evaluator is recognised for, and where."""

    profile: str
    """Standard profile id (e.g. ``gbt45654``)."""
    versions: tuple[str, ...]
    """Accepted profile versions; empty means any."""
    jurisdictions: tuple[str, ...]
    """Jurisdiction codes (``CN``, ``EU``, ``US``…) where results under this profile are recognised."""

    def covers(self, profile: str, version: str) -> bool:
        """Whether this entry covers a report run under ``profile`` ``version``."""
        return self.profile == profile and (not self.versions or version in self.versions)


@dataclass(frozen=True)
class TrustedEvaluator:
    """An evaluator's key and what it is trusted for."""

    name: str
    key_id: str
    public_key: Ed25519PublicKey
    valid_from: datetime | None
    valid_until: datetime | None
    recognised_for: tuple[Recognition, ...]


@dataclass(frozen=True)
class Revocation:
    """A revoked key: signatures made at or after ``revoked_at`` (or all, when it is None) are rejected."""

    key_id: str
    revoked_at: datetime | None
    reason: str


@dataclass(frozen=True)
class TrustPolicy:
    """A parsed trust policy."""

    name: str
    evaluators: tuple[TrustedEvaluator, ...]
    revocations: tuple[Revocation, ...] = ()
    require_complete_run: bool = True
    max_age_days: int | None = None
    source: str = "<memory>"
    by_key_id: dict[str, TrustedEvaluator] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key_id", {e.key_id: e for e in self.evaluators})

    def revocation_for(self, kid: str) -> Revocation | None:
        """The revocation of key ``kid``, if any."""
        return next((r for r in self.revocations if r.key_id == kid), None)


def parse_time(value: Any, where: str) -> datetime:
    """A YAML date/datetime or ISO-8601 string as an aware UTC datetime (dates mean 00:00 UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(f"{where}: {value!r} is not an ISO-8601 date or time") from exc
    else:
        raise InputError(f"{where}: expected a date or time, got {type(value).__name__}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int | float):
        return (str(value),)
    if not isinstance(value, list):
        raise InputError(f"{where}: expected a list of strings")
    return tuple(str(v) for v in value)


def _evaluator(raw: Any, where: str) -> TrustedEvaluator:
    if not isinstance(raw, Mapping):
        raise InputError(f"{where}: each evaluator is a mapping with name, public_key, recognised_for")
    pem = raw.get("public_key")
    if not isinstance(pem, str):
        raise InputError(f"{where}.public_key: give the evaluator's Ed25519 public key (PEM)")
    try:
        public = load_public_key_pem(pem.strip() + "\n")
    except SigningKeyError as exc:
        raise InputError(f"{where}.public_key: {exc}") from exc
    kid = key_id(public)
    if raw.get("key_id") is not None and raw["key_id"] != kid:
        raise InputError(f"{where}.key_id is {raw['key_id']} but public_key has id {kid}")
    entries = raw.get("recognised_for") or []
    if not isinstance(entries, list):
        raise InputError(f"{where}.recognised_for: expected a list")
    recognitions = []
    for j, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not entry.get("profile"):
            raise InputError(f"{where}.recognised_for[{j}]: needs a profile")
        recognitions.append(
            Recognition(
                profile=str(entry["profile"]),
                versions=_strings(entry.get("versions"), f"{where}.versions"),
                jurisdictions=_strings(entry.get("jurisdictions"), f"{where}.jurisdictions"),
            )
        )
    valid_from = raw.get("valid_from")
    valid_until = raw.get("valid_until")
    return TrustedEvaluator(
        name=str(raw.get("name") or kid),
        key_id=kid,
        public_key=public,
        valid_from=parse_time(valid_from, f"{where}.valid_from") if valid_from is not None else None,
        valid_until=parse_time(valid_until, f"{where}.valid_until") if valid_until is not None else None,
        recognised_for=tuple(recognitions),
    )


def policy_from_dict(raw: Any, source: str = "<memory>") -> TrustPolicy:
    """Build a :class:`TrustPolicy` from parsed YAML/JSON; :class:`InputError` names the bad field."""
    if not isinstance(raw, Mapping):
        raise InputError(f"{source}: a trust policy is a mapping (see docs/attest.md)")
    if raw.get("policy") != POLICY_FORMAT:
        raise InputError(f"{source}: 'policy' must be {POLICY_FORMAT!r} (got {raw.get('policy')!r})")
    evaluators_raw = raw.get("evaluators") or []
    if not isinstance(evaluators_raw, list):
        raise InputError(f"{source}: evaluators must be a list")
    evaluators = tuple(_evaluator(e, f"{source}: evaluators[{i}]") for i, e in enumerate(evaluators_raw))
    revocations = []
    for i, rev in enumerate(raw.get("revocations") or []):
        where = f"{source}: revocations[{i}]"
        if not isinstance(rev, Mapping) or not isinstance(rev.get("key_id"), str):
            raise InputError(f"{where}: needs key_id")
        at = rev.get("revoked_at")
        revocations.append(
            Revocation(
                key_id=rev["key_id"],
                reason=str(rev.get("reason") or "revoked"),
                revoked_at=parse_time(at, f"{where}.revoked_at") if at is not None else None,
            )
        )
    require = raw.get("require") or {}
    if not isinstance(require, Mapping):
        raise InputError(f"{source}: require must be a mapping")
    max_age = require.get("max_age_days")
    if max_age is not None and (not isinstance(max_age, int) or max_age <= 0):
        raise InputError(f"{source}: require.max_age_days must be a positive integer")
    return TrustPolicy(
        name=str(raw.get("name") or source),
        evaluators=evaluators,
        revocations=tuple(revocations),
        require_complete_run=bool(require.get("complete_run", True)),
        max_age_days=max_age,
        source=source,
    )


def load_policy(path: Path) -> TrustPolicy:
    """Read and validate a trust policy YAML file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read trust policy {path}: {exc.strerror}") from exc
    if len(data) > MAX_POLICY_BYTES:
        raise InputError(f"trust policy {path} is larger than {MAX_POLICY_BYTES} bytes")
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise InputError(f"trust policy {path} is not valid YAML: {exc}") from exc
    return policy_from_dict(raw, str(path))
