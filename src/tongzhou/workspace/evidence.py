"""Read and check a piece of evidence before it is attached: where it may come from, what it is.

Every check runs before anything is written, so a refused file leaves the workspace as it was:

* the path must name a regular file inside an allowed place (by default the current directory,
  ``TONGZHOU_HOME`` and the directories in ``TONGZHOU_EVIDENCE_DIRS``), after symbolic links are
  resolved — a link out of those places is refused like the path it points to;
* the file is read once, bounded (:data:`MAX_EVIDENCE_BYTES`), and its SHA-256 taken from those bytes;
* a typed kind must parse as that kind: an attestation is a DSSE envelope holding a Tongzhou
  evaluation report (and, with a trust policy, must verify under it), a label report is the JSON
  lines of ``tongzhou label verify --json``, an energy report the JSON of ``tongzhou energy report``;
* the artefact it stands for must be one the crosswalk knows and one the kind can be.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tongzhou.errors import InputError
from tongzhou.home import tongzhou_home
from tongzhou.workspace.items import EvidenceKind

if TYPE_CHECKING:
    from tongzhou.attest.policy import TrustPolicy

EVIDENCE_DIRS_ENV = "TONGZHOU_EVIDENCE_DIRS"
"""Extra directories evidence may be attached from (``os.pathsep``-separated)."""
MAX_EVIDENCE_BYTES = 256 * 1024 * 1024
"""Evidence files over this size are refused (the attestation limit of ``tongzhou.attest``)."""

KIND_ARTEFACTS: dict[EvidenceKind, tuple[str, ...]] = {
    # The first artefact of each kind is its default.
    EvidenceKind.ATTESTATION: ("safety-evaluation-report", "adversarial-test-report"),
    EvidenceKind.LABEL_REPORT: ("content-labeling-conformance",),
    EvidenceKind.ENERGY_REPORT: ("energy-documentation",),
}
"""Which crosswalk artefacts a typed kind of evidence can stand for."""


@dataclass(frozen=True, slots=True)
class CheckedEvidence:
    """Evidence that passed every check, ready to be recorded."""

    kind: EvidenceKind
    artefact: str
    name: str
    path: Path
    sha256: str
    size: int
    details: dict[str, Any]


def default_roots() -> tuple[Path, ...]:
    """The places evidence may come from: the current directory, the home, ``TONGZHOU_EVIDENCE_DIRS``."""
    roots = [Path.cwd(), tongzhou_home()]
    roots += [Path(p) for p in os.environ.get(EVIDENCE_DIRS_ENV, "").split(os.pathsep) if p.strip()]
    return tuple(r.resolve() for r in roots)


def resolve_evidence_path(path: Path, roots: tuple[Path, ...]) -> Path:
    """The real path of ``path``, or an :class:`InputError` saying why it cannot be evidence."""
    try:
        real = Path(path).resolve(strict=True)
    except FileNotFoundError:
        raise InputError.of("no such file: {path}", path=path) from None
    except (OSError, RuntimeError) as exc:
        raise InputError.of("cannot read {path}: {exc}", path=path, exc=exc) from None
    if real.is_dir():
        raise InputError.of("{path} is a directory; attach a file", path=path)
    if not real.is_file():
        raise InputError.of("{path} is not a regular file", path=path)
    if not any(real.is_relative_to(root) for root in roots):
        places = ", ".join(str(r) for r in roots)
        raise InputError.of(
            "{path} is outside the places evidence may come from ({places}); move it there or add its "
            "directory to {variable}",
            path=path,
            places=places,
            variable=EVIDENCE_DIRS_ENV,
        )
    return real


def _read(real: Path, shown: Path) -> bytes:
    size = real.stat().st_size
    if size > MAX_EVIDENCE_BYTES:
        raise InputError(f"{shown} is {size} bytes; evidence over {MAX_EVIDENCE_BYTES} bytes is refused")
    try:
        data = real.read_bytes()
    except OSError as exc:
        raise InputError.of("cannot read {shown}: {strerror}", shown=shown, strerror=exc.strerror) from None
    if len(data) > MAX_EVIDENCE_BYTES:  # grew while we looked
        raise InputError(f"{shown} is over {MAX_EVIDENCE_BYTES} bytes; refused")
    return data


def _json(data: bytes, shown: Path, what: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError.of(
            "{shown} is not {what}: not JSON ({exc!s:.120})", shown=shown, what=what, exc=exc
        ) from None


def _b64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("payload is not a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _attestation(
    data: bytes, shown: Path, policy: TrustPolicy | None, profile_sha256: str | None
) -> dict[str, Any]:
    from tongzhou.attest.statement import PAYLOAD_TYPE, StatementError, parse_statement

    what = "a DSSE attestation (tongzhou attest sign)"
    envelope = _json(data, shown, what)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("signatures"), list):
        raise InputError.of("{shown} is not {what}: no payload/signatures object", shown=shown, what=what)
    if envelope.get("payloadType") != PAYLOAD_TYPE:
        raise InputError(f"{shown} is not {what}: payloadType is {envelope.get('payloadType')!r}")
    try:
        statement = parse_statement(_b64(envelope.get("payload")))
    except (StatementError, ValueError, binascii.Error) as exc:
        raise InputError.of("{shown} is not {what}: {exc}", shown=shown, what=what, exc=exc) from None
    report = statement["predicate"].get("report") or {}
    signers = [str(s.get("keyid", "")) for s in envelope["signatures"] if isinstance(s, dict)]
    bound = report.get("system_profile_sha256")
    details: dict[str, Any] = {
        "run_id": (report.get("run") or {}).get("run_id"),
        "evaluator": (report.get("evaluator") or {}).get("name"),
        "standard_profile": (report.get("standard_profile") or {}).get("id"),
        "signed_at": statement["predicate"].get("signed_at"),
        "signers": signers,
        "system_profile_sha256": bound,
        "matches_profile": None if bound is None or profile_sha256 is None else bound == profile_sha256,
        "verified": None,
    }
    if policy is not None:
        from tongzhou.attest.verify import verify_attestation

        verification = verify_attestation(envelope, policy=policy)
        if not verification.ok:
            reasons = "; ".join(f"{f.code}: {f.message}" for f in verification.failures)
            raise InputError.of(
                "{shown} does not verify under trust policy {policy_name}: {reasons}",
                shown=shown,
                policy_name=verification.policy_name,
                reasons=reasons,
            )
        details["verified"] = {
            "policy": verification.policy_name,
            "signer_key_id": verification.signer_key_id,
            "recognised_in": verification.jurisdictions,
        }
    return details


def _label_report(data: bytes, shown: Path) -> dict[str, Any]:
    what = "a label report (JSON lines of `tongzhou label verify --json`)"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{shown} is not {what}: not UTF-8 text") from None
    files: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{shown}:{number} is not {what}: {exc!s:.120}") from None
        if not isinstance(entry, dict) or not {"path", "valid", "checks"} <= entry.keys():
            raise InputError(f"{shown}:{number} is not {what}: each line needs path, valid and checks")
        files.append(entry)
    if not files:
        raise InputError.of("{shown} is not {what}: it lists no file", shown=shown, what=what)
    valid = sum(1 for f in files if f.get("valid") is True)
    return {
        "files": len(files),
        "valid": valid,
        "invalid": [str(f["path"]) for f in files if f["valid"] is not True],
    }


def _energy_report(data: bytes, shown: Path) -> dict[str, Any]:
    what = "an energy report (`tongzhou energy report --json`)"
    report = _json(data, shown, what)
    energy = report.get("energy") if isinstance(report, dict) else None
    if not isinstance(energy, dict) or "run_id" not in report or "joules" not in energy:
        raise InputError.of(
            "{shown} is not {what}: it needs run_id and energy.joules", shown=shown, what=what
        )
    return {
        "run_id": report["run_id"],
        "kwh": energy.get("kwh"),
        "method": energy.get("method"),
        "meter": energy.get("meter"),
        "annex_xi": (report.get("annex_xi") or {}).get("reference"),
    }


def check_evidence(
    path: Path,
    kind: EvidenceKind,
    artefact: str | None,
    *,
    known_artefacts: frozenset[str],
    roots: tuple[Path, ...] | None = None,
    policy: TrustPolicy | None = None,
    profile_sha256: str | None = None,
) -> CheckedEvidence:
    """Check ``path`` as evidence of ``kind`` standing for ``artefact`` (default: the kind's usual one)."""
    allowed = KIND_ARTEFACTS.get(kind)
    if artefact is None:
        if allowed is None:
            raise InputError.of("a file needs --artefact: which evidence it is (e.g. risk-management-file)")
        artefact = allowed[0]
    if artefact not in known_artefacts:
        raise InputError.of(
            "unknown artefact {artefact!r}; the crosswalk knows {known_artefacts}",
            artefact=artefact,
            known_artefacts=", ".join(sorted(known_artefacts)),
        )
    if allowed is not None and artefact not in allowed:
        raise InputError.of(
            "a {kind} can stand for {allowed}, not {artefact}",
            kind=kind.value,
            allowed=", ".join(allowed),
            artefact=artefact,
        )
    if policy is not None and kind is not EvidenceKind.ATTESTATION:
        raise InputError.of("--policy checks attestations only")
    real = resolve_evidence_path(path, roots if roots is not None else default_roots())
    data = _read(real, path)
    if kind is EvidenceKind.ATTESTATION:
        details = _attestation(data, path, policy, profile_sha256)
    elif kind is EvidenceKind.LABEL_REPORT:
        details = _label_report(data, path)
    elif kind is EvidenceKind.ENERGY_REPORT:
        details = _energy_report(data, path)
    else:
        details = {}
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    return CheckedEvidence(kind, artefact, real.name, real, digest, len(data), details)
