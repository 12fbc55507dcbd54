"""Signed evaluations on the portal: verify an uploaded DSSE envelope against the site's trust
policy, store it only when it verifies and names the system, and show it with its recognition view.

**The site trust policy** is ``$TONGZHOU_HOME/portal/trust-policy.yaml``, in the format of
``tongzhou attest verify --policy`` (docs/attest.md): the evaluators' keys, what each is recognised
for and where, revocations. Without it the site accepts no evaluation (503).

**Which system an evaluation is of.** The in-toto Statement's subjects name the run's results,
its banks and the model (attest/statement.py), never the registered system; the signed report
names the system by ``system_profile_sha256``: the SHA-256 of the canonical JSON of the system
profile the run was made for (the same digest ``tongzhou systems`` computes,
``systems.registry.profile_digest``). An evaluation *matches* system ``S`` when that signed digest
equals the digest of ``S``'s profile as registered here. A report of another system, of an earlier
version of this profile, or naming no profile is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from tongzhou.errors import InputError
from tongzhou.home import tongzhou_home
from tongzhou.portal._tables import EVALUATIONS
from tongzhou.portal.accounts import Account
from tongzhou.portal.context import PortalContext
from tongzhou.portal.evaluation_upload import EvaluationUpload
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.system_view import visible_profile
from tongzhou.portal.visibility import sees_restricted

if TYPE_CHECKING:
    from tongzhou.attest.policy import TrustPolicy
    from tongzhou.attest.verify import Verification

SITE_POLICY = Path("portal") / "trust-policy.yaml"
"""Where the site trust policy lives, under ``TONGZHOU_HOME``."""


def site_policy_path() -> Path:
    """``$TONGZHOU_HOME/portal/trust-policy.yaml``."""
    return tongzhou_home() / SITE_POLICY


def site_policy() -> TrustPolicy | None:
    """The site trust policy (None when the site has none); 503 when it cannot be read."""
    from tongzhou.attest.policy import load_policy

    path = site_policy_path()
    if not path.is_file():
        return None
    try:
        return load_policy(path)
    except InputError:
        raise PortalProblem(
            503, "This site's trust policy cannot be read; tell the site's administrator."
        ) from None


def overall_verdict(report: dict[str, Any]) -> str:
    """``fail`` when any metric fails, ``pass`` when every one passes, else ``inconclusive``."""
    verdicts = [str(v.get("verdict")) for v in (report.get("verdicts") or {}).values() if isinstance(v, dict)]
    if "fail" in verdicts:
        return "fail"
    if verdicts and all(v == "pass" for v in verdicts):
        return "pass"
    return "inconclusive"


def verify_upload(policy: TrustPolicy, upload: EvaluationUpload) -> Verification:
    """The attestation checked against ``policy`` (and the bundle's results, when sent)."""
    from tongzhou.attest.bundle import RESULTS_FILE
    from tongzhou.attest.verify import verify_attestation

    if upload.bundle_results is None:
        return verify_attestation(upload.envelope, policy=policy)
    with tempfile.TemporaryDirectory(prefix="tongzhou-bundle-") as tmp:
        (Path(tmp) / RESULTS_FILE).write_bytes(upload.bundle_results)
        return verify_attestation(upload.envelope, policy=policy, bundle=Path(tmp))


def accept_evaluation(ctx: PortalContext, system_id: str, upload: EvaluationUpload, account: Account) -> str:
    """Verify ``upload`` for ``system_id`` and store it; its id. Nothing is stored on any failure."""
    from tongzhou.systems.registry import profile_digest

    profile = visible_profile(ctx, system_id, sees_restricted=sees_restricted(account.role))
    policy = site_policy()
    if policy is None:
        raise PortalProblem(503, "This site has no trust policy yet, so it accepts no signed evaluations.")
    result = verify_upload(policy, upload)
    if not result.ok or result.report is None or result.signer_key_id is None:
        reasons = "; ".join(f"{f.code}: {f.message}" for f in result.failures)
        raise PortalProblem(
            422,
            "The evaluation did not verify against this site's trust policy ({policy}): {reasons}",
            policy=policy.name,
            reasons=reasons[:2000] or "no report",
        )
    signed_digest = result.report.get("system_profile_sha256")
    registered = profile_digest(profile)[1]
    if signed_digest != registered:
        raise PortalProblem(
            422,
            "The signed report is not about this system: it names the profile {signed}, and this system is registered with the profile {registered}.",  # noqa: E501 (one literal: the catalog test reads it)
            signed=signed_digest or "(none)",
            registered=registered,
        )
    envelope_hex = (result.envelope_sha256 or "").removeprefix("sha256:")
    evaluation_id = "ev-" + (envelope_hex or hashlib.sha256(upload.envelope_text.encode()).hexdigest())[:24]
    row = {
        "id": evaluation_id,
        "system_id": system_id,
        "evaluator": result.evaluator_name or result.signer_key_id,
        "verdict": overall_verdict(result.report),
        "key_id": result.signer_key_id,
        "uploaded_by": account.name,
        "uploaded_us": time.time_ns() // 1000,
        "envelope_json": upload.envelope_text,
    }
    try:
        with ctx.store.engine.begin() as conn:
            conn.execute(insert(EVALUATIONS).values(**row))
    except IntegrityError:
        raise PortalProblem(409, "This evaluation has already been uploaded.") from None
    return evaluation_id


@dataclass(frozen=True)
class EvaluationView:
    """One stored evaluation as its page and ``GET /api/v1/evaluations/{id}`` show it."""

    record: dict[str, Any]
    system_name: str
    verification: dict[str, Any]
    """The envelope checked again now, against the site policy as it is today."""
    recognition: dict[str, list[dict[str, Any]]]
    """Jurisdiction → the obligations this evaluation can serve there (attest/recognition.py)."""
    recognition_unavailable: str | None
    report: dict[str, Any]
    """What the page shows of the signed report (run, model, profile, verdicts)."""
    envelope_text: str
    public_key_pem: str | None
    """The signing key's PEM from the site policy: what the in-browser check verifies with."""

    def to_dict(self) -> dict[str, Any]:
        """The API's JSON (the envelope itself is at ``…/envelope``)."""
        return {
            **self.record,
            "system_name": self.system_name,
            "verification": self.verification,
            "recognition": self.recognition,
            "recognition_unavailable": self.recognition_unavailable,
            "report": self.report,
            "public_key_pem": self.public_key_pem,
            "envelope_url": f"/api/v1/evaluations/{self.record['id']}/envelope",
        }


def stored_evaluation(ctx: PortalContext, evaluation_id: str, *, sees_restricted: bool) -> dict[str, Any]:
    """The stored row (404 when unknown, or when its system is not visible to this viewer)."""
    with ctx.store.engine.connect() as conn:
        row = conn.execute(select(EVALUATIONS).where(EVALUATIONS.c.id == evaluation_id)).mappings().first()
    if row is None:
        raise PortalProblem(404, "No evaluation with this id.")
    try:
        visible_profile(ctx, row["system_id"], sees_restricted=sees_restricted)
    except PortalProblem:
        raise PortalProblem(404, "No evaluation with this id.") from None
    return dict(row)


def evaluation_view(ctx: PortalContext, evaluation_id: str, *, sees_restricted: bool) -> EvaluationView:
    """The evaluation, verified again now, with its recognition view per jurisdiction."""
    from tongzhou.attest.keys import public_key_pem
    from tongzhou.attest.recognition import recognition_view
    from tongzhou.attest.verify import Verification, verify_attestation

    row = stored_evaluation(ctx, evaluation_id, sees_restricted=sees_restricted)
    profile = visible_profile(ctx, row["system_id"], sees_restricted=sees_restricted)
    envelope_text = row.pop("envelope_json")
    policy = site_policy()
    result = Verification()
    if policy is not None:
        result = verify_attestation(json.loads(envelope_text), policy=policy)
    if policy is None:
        result.notes.append("this site has no trust policy now: the stored envelope was not checked again")
    view = recognition_view(result)
    report = result.report or {}
    evaluator = policy.by_key_id.get(row["key_id"]) if policy else None
    from tongzhou.systems.registry import profile_digest

    # False once the system's profile has changed since the run: the evaluation is of the old one.
    row["profile_matches"] = report.get("system_profile_sha256") == profile_digest(profile)[1]
    row["uploaded"] = dt.datetime.fromtimestamp(row.pop("uploaded_us") / 1e6, dt.UTC).isoformat(
        timespec="seconds"
    )
    return EvaluationView(
        record=row,
        system_name=profile.name,
        verification=result.to_dict(),
        recognition={j: [o.to_dict() for o in obs] for j, obs in view.by_jurisdiction().items()},
        recognition_unavailable=view.unavailable,
        report={
            "run_id": report.get("run", {}).get("run_id"),
            "model": report.get("model", {}).get("name"),
            "standard_profile": report.get("standard_profile", {}).get("id"),
            "standard_profile_version": report.get("standard_profile", {}).get("version"),
            "system_profile_sha256": report.get("system_profile_sha256"),
            "verdicts": report.get("verdicts", {}),
        },
        envelope_text=envelope_text,
        public_key_pem=public_key_pem(evaluator.public_key) if evaluator else None,
    )
