"""Review plans: one per registered system whose deployer is a public body.

``sync_plans`` brings the plans in line with the registry: a new public-sector system gets a plan
whose first review is due at once (the baseline), a system no longer registered as deployed by a
public body has its plan set inactive (its history is kept), and one that comes back is active
again. The interval comes from the review policy at each review (the tier may move); what is
re-checked, the endpoint, the trust policy and the responsible people are set with ``configure``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from tongzhou.errors import InputError
from tongzhou.reassess._tables import LinkedAttestationRow, ReviewPlanRow
from tongzhou.reassess.policy import ReviewPolicy
from tongzhou.store import Store
from tongzhou.systems._tables import SystemRecord

DEFAULT_SUITE = "should-refuse"
DEFAULT_PROFILE = "gbt45654-quick"
DEFAULT_LIMIT = 20
_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_public_body(profile_json: str) -> bool:
    """Whether a stored profile names a public-body deployer (read without building the model)."""
    deployer = json.loads(profile_json).get("deployer") or {}
    return deployer.get("public_body") is True


@dataclass
class PlanSync:
    """What ``sync_plans`` changed."""

    added: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReviewPlan:
    """A review plan as users read it."""

    system_id: str
    active: bool
    interval_days: int
    grace_days: int
    interval_rule: str
    interval_basis: str
    checks: list[str]
    next_due: dt.date
    endpoint: str | None
    suite: str
    eval_profile: str
    eval_limit: int
    api_key_env: str | None
    """The environment variable holding the endpoint's key (None: ``TONGZHOU_EVAL_API_KEY``)."""
    trust_policy: str | None
    rules_dir: str | None
    jurisdictions: str
    contacts: list[dict[str, str]]
    attestations: list[str]

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["next_due"] = self.next_due.isoformat()
        return out


def plan_record(row: ReviewPlanRow, attestations: list[str]) -> ReviewPlan:
    """The user-facing plan of a row."""
    return ReviewPlan(
        row.system_id,
        row.active,
        row.interval_days,
        row.grace_days,
        row.interval_rule,
        row.interval_basis,
        json.loads(row.checks_json),
        row.next_due,
        row.endpoint,
        row.suite,
        row.eval_profile,
        row.eval_limit,
        row.api_key_env,
        row.trust_policy,
        row.rules_dir,
        row.jurisdictions,
        json.loads(row.contacts_json),
        attestations,
    )


def sync_plans(store: Store, as_of: dt.date, policy: ReviewPolicy) -> PlanSync:
    """Give every public-sector system a plan; set plans of systems no longer public-sector inactive."""
    change = PlanSync()
    now = _now()
    new_rows: list[dict[str, Any]] = []
    with store.transaction() as session:
        plans = {p.system_id: p for p in session.scalars(select(ReviewPlanRow))}
        public: set[str] = set()
        for system_id, profile_json in session.execute(select(SystemRecord.id, SystemRecord.profile_json)):
            if not is_public_body(profile_json):
                continue
            public.add(system_id)
            row = plans.get(system_id)
            if row is None:
                new_rows.append(
                    {
                        "system_id": system_id,
                        "active": True,
                        "interval_days": policy.default.interval_days,
                        "grace_days": policy.default.grace_days,
                        "interval_rule": policy.default.rule_id,
                        "interval_basis": policy.default.basis,
                        "checks_json": json.dumps(list(policy.checks)),
                        "next_due": as_of,
                        "jurisdictions": "",
                        "rules_dir": None,
                        "endpoint": None,
                        "suite": DEFAULT_SUITE,
                        "eval_profile": DEFAULT_PROFILE,
                        "eval_limit": DEFAULT_LIMIT,
                        "api_key_env": None,
                        "trust_policy": None,
                        "contacts_json": "[]",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                change.added.append(system_id)
            elif not row.active:
                row.active, row.updated_at = True, now
                row.next_due = min(row.next_due, as_of)
                change.reactivated.append(system_id)
        for system_id, row in plans.items():
            if row.active and system_id not in public:
                row.active, row.updated_at = False, now
                change.deactivated.append(system_id)
        for start in range(0, len(new_rows), 1000):  # one multi-row INSERT per thousand plans
            session.execute(insert(ReviewPlanRow), new_rows[start : start + 1000])
    return change


def _require(session: Any, system_id: str) -> ReviewPlanRow:
    row = session.get(ReviewPlanRow, system_id)
    if row is None:
        raise InputError.of(
            "no review plan for {system_id!r}: only systems whose deployer is a public body get one (run "
            "`tongzhou reassess plans` after registering it)",
            system_id=system_id,
        )
    return row


def get_plan(store: Store, system_id: str) -> ReviewPlan:
    """One plan; an unknown one raises :class:`InputError`."""
    with store.transaction() as session:
        row = _require(session, system_id)
        return plan_record(row, _attestations(session, system_id))


def list_plans(store: Store, *, include_inactive: bool = False) -> list[ReviewPlan]:
    """Every (active) plan, by next due date then id."""
    with store.transaction() as session:
        query = select(ReviewPlanRow).order_by(ReviewPlanRow.next_due, ReviewPlanRow.system_id)
        if not include_inactive:
            query = query.where(ReviewPlanRow.active.is_(True))
        links: dict[str, list[str]] = {}
        for link in session.scalars(select(LinkedAttestationRow).order_by(LinkedAttestationRow.id)):
            links.setdefault(link.system_id, []).append(link.path)
        return [plan_record(r, links.get(r.system_id, [])) for r in session.scalars(query)]


def _attestations(session: Any, system_id: str) -> list[str]:
    return list(
        session.scalars(
            select(LinkedAttestationRow.path)
            .where(LinkedAttestationRow.system_id == system_id)
            .order_by(LinkedAttestationRow.id)
        )
    )


def check_endpoint(endpoint: str) -> str:
    """``openai:http(s)://HOST/v1#MODEL`` or :class:`InputError`."""
    kind, _, rest = endpoint.partition(":")
    base, hash_, model = rest.partition("#")
    if kind != "openai" or not hash_ or not model or not base.startswith(("http://", "https://")):
        raise InputError(f"--endpoint must be openai:http(s)://HOST/v1#MODEL, got {endpoint!r}")
    return endpoint


def check_contact(email: str | None = None, webhook: str | None = None) -> dict[str, str]:
    """A contact entry, checked: an e-mail address or an http(s) webhook URL."""
    if email is not None:
        if not _EMAIL.match(email):
            raise InputError.of("--email: {email!r} is not an e-mail address", email=email)
        return {"email": email}
    if webhook is None or not webhook.startswith(("http://", "https://")) or len(webhook) > 2000:
        raise InputError.of("--webhook: {webhook!r} is not an http(s) URL", webhook=webhook)
    return {"webhook": webhook}


def configure(
    store: Store,
    system_id: str,
    *,
    endpoint: str | None = None,
    clear_endpoint: bool = False,
    suite: str | None = None,
    eval_profile: str | None = None,
    eval_limit: int | None = None,
    api_key_env: str | None = None,
    trust_policy: Path | None = None,
    rules_dir: Path | None = None,
    jurisdictions: str | None = None,
    add_contacts: list[dict[str, str]] | None = None,
    remove_contacts: list[str] | None = None,
    next_due: dt.date | None = None,
) -> ReviewPlan:
    """Change what a plan re-checks and whom it tells; everything is checked before anything is written."""
    if endpoint is not None:
        check_endpoint(endpoint)
    if eval_limit is not None and not 1 <= eval_limit <= 10_000:
        raise InputError(f"--limit: {eval_limit} is not between 1 and 10000")
    if trust_policy is not None:
        from tongzhou.attest import load_policy as load_trust_policy

        load_trust_policy(trust_policy)  # refuses a malformed policy now, not at the next review
    if rules_dir is not None and not rules_dir.is_dir():
        raise InputError(f"--rules: {rules_dir} is not a directory of regime YAML files")
    if suite is not None:
        from tongzhou.evaluate import resolve_suite

        resolve_suite(suite)
    with store.transaction() as session:
        row = _require(session, system_id)
        if endpoint is not None or clear_endpoint:
            row.endpoint = endpoint
        if suite is not None:
            row.suite = suite
        if eval_profile is not None:
            row.eval_profile = eval_profile
        if eval_limit is not None:
            row.eval_limit = eval_limit
        if api_key_env is not None:
            row.api_key_env = api_key_env or None
        if trust_policy is not None:
            row.trust_policy = str(trust_policy.resolve())
        if rules_dir is not None:
            row.rules_dir = str(rules_dir.resolve())
        if jurisdictions is not None:
            row.jurisdictions = jurisdictions
        if next_due is not None:
            row.next_due = next_due
        contacts: list[dict[str, str]] = json.loads(row.contacts_json)
        for contact in add_contacts or []:
            if contact not in contacts:
                contacts.append(contact)
        for target in remove_contacts or []:
            contacts = [c for c in contacts if target not in c.values()]
        row.contacts_json = json.dumps(contacts)
        row.updated_at = _now()
        return plan_record(row, _attestations(session, system_id))


def link_attestation(store: Store, system_id: str, path: Path) -> bool:
    """Link a DSSE attestation file to the plan (read now, to refuse what is not one).

    Returns False when it was already linked."""
    from tongzhou.attest import read_attestation

    read_attestation(path)
    resolved = str(path.resolve())
    with store.transaction() as session:
        _require(session, system_id)
        exists = session.scalar(
            select(LinkedAttestationRow.id).where(
                LinkedAttestationRow.system_id == system_id, LinkedAttestationRow.path == resolved
            )
        )
        if exists is not None:
            return False
        session.add(LinkedAttestationRow(system_id=system_id, path=resolved, linked_at=_now()))
        return True
