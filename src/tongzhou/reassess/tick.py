"""The tick: one idempotent pass that reviews every public-sector system that is due.

``run_tick(store, as_of)``:

1. takes the database lease (:mod:`tongzhou.reassess.lease`); if another process holds it, it
   does nothing and says who holds it;
2. brings the review plans in line with the registry (:func:`tongzhou.reassess.plans.sync_plans`);
3. reviews every active plan whose ``next_due`` is on or before ``as_of`` and that has no entry for
   that due date yet: re-classification, attestations, the evaluation re-run, overdue — and records
   the entry, its "needs review" flags and its notifications in one transaction per batch;
4. marks entries still waiting for sign-off past their due date plus grace as overdue (once);
5. delivers the queued notifications (and retries the failed ones).

Running it again for the same day finds nothing due (each plan's entry for its due date exists and
its next due date has moved on), nothing newly overdue and nothing queued: it does nothing new.
An interrupted tick leaves whole batches behind, and the next one carries on where it stopped.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from tongzhou.home import tongzhou_home
from tongzhou.reassess import outbox
from tongzhou.reassess._tables import AssessmentRow, ItemFlagRow, ReviewPlanRow
from tongzhou.reassess.assessment import AssessmentDraft, Classifiers, assess, previous_from_rows
from tongzhou.reassess.findings import Finding
from tongzhou.reassess.lease import DEFAULT_TTL, Lease
from tongzhou.reassess.notify import MailSettings
from tongzhou.reassess.plans import list_plans, sync_plans
from tongzhou.reassess.policy import ReviewPolicy, load_policy
from tongzhou.store import Store
from tongzhou.systems._tables import SystemRecord

BATCH = 200
"""Assessments recorded per transaction: one commit per system cost most of a 10,000-system tick."""


def site_trust_policy() -> Path | None:
    """The portal's trust policy (``$TONGZHOU_HOME/portal/trust-policy.yaml``) when there is one."""
    path = tongzhou_home() / "portal" / "trust-policy.yaml"
    return path if path.is_file() else None


@dataclass
class TickReport:
    """What a tick did (``tongzhou reassess tick`` prints it; ``--format json`` gives it as data)."""

    as_of: dt.date
    ran: bool
    holder: str
    held_by: str | None = None
    plans_added: list[str] = field(default_factory=list)
    plans_deactivated: list[str] = field(default_factory=list)
    assessed: list[str] = field(default_factory=list)
    alerts: dict[str, list[str]] = field(default_factory=dict)
    newly_overdue: list[str] = field(default_factory=list)
    flags_raised: int = 0
    notifications_queued: int = 0
    notifications_sent: int = 0
    notifications_failed: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def nothing_new(self) -> bool:
        return not (
            self.plans_added
            or self.plans_deactivated
            or self.assessed
            or self.newly_overdue
            or self.notifications_queued
            or self.notifications_sent
        )

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["as_of"] = self.as_of.isoformat()
        out["nothing_new"] = self.nothing_new
        return out


def run_tick(
    store: Store,
    as_of: dt.date | None = None,
    *,
    policy: ReviewPolicy | None = None,
    holder: str | None = None,
    ttl: dt.timedelta = DEFAULT_TTL,
    run_evaluations: bool = True,
    deliver: bool = True,
    mail: MailSettings | None = None,
    webhook_secret: str | None = None,
) -> TickReport:
    """One tick as of ``as_of`` (default: today, UTC). See the module docstring."""
    started = time.perf_counter()
    day = as_of or dt.datetime.now(dt.UTC).date()
    policy = policy or load_policy()
    lease = Lease(store, ttl=ttl) if holder is None else Lease(store, ttl=ttl, holder=holder)
    report = TickReport(day, False, lease.holder)
    if not lease.acquire():
        current = lease.current()
        report.held_by = None if current is None else f"{current[0]} until {current[1].isoformat()}"
        return report
    report.ran = True
    try:
        synced = sync_plans(store, day, policy)
        report.plans_added, report.plans_deactivated = synced.added, synced.deactivated
        _review_due(store, day, policy, report, lease, run_evaluations)
        _mark_overdue(store, day, report)
        if deliver:
            done = outbox.deliver(store, mail=mail, webhook_secret=webhook_secret)
            report.notifications_sent, report.notifications_failed = done.sent, done.failed
    finally:
        lease.release()
        report.seconds = time.perf_counter() - started
    return report


def _due_plans(store: Store, day: dt.date) -> list[Any]:
    plans = [p for p in list_plans(store) if p.next_due <= day]
    if not plans:
        return []
    with store.transaction() as session:
        done = {
            (system_id, due)
            for system_id, due in session.execute(
                select(AssessmentRow.system_id, AssessmentRow.cycle_due).where(AssessmentRow.cycle_due <= day)
            )
        }
    return [p for p in plans if (p.system_id, p.next_due) not in done]


def _review_due(
    store: Store, day: dt.date, policy: ReviewPolicy, report: TickReport, lease: Lease, run_evaluations: bool
) -> None:
    from tongzhou.reassess.workspace_evidence import attestation_evidence
    from tongzhou.systems.profile import SystemProfile

    due = _due_plans(store, day)
    classifiers = Classifiers()
    trust = site_trust_policy()
    for start in range(0, len(due), BATCH):
        batch = due[start : start + BATCH]
        ids = [p.system_id for p in batch]
        with store.transaction() as session:
            records = {
                r.id: (r.profile_json, r.sha256)
                for r in session.execute(
                    select(SystemRecord.id, SystemRecord.profile_json, SystemRecord.sha256).where(
                        SystemRecord.id.in_(ids)
                    )
                )
            }
            history: dict[str, list[Any]] = {}
            for row in session.scalars(
                select(AssessmentRow)
                .where(AssessmentRow.system_id.in_(ids))
                .order_by(AssessmentRow.system_id, AssessmentRow.id.desc())
            ):
                history.setdefault(row.system_id, []).append(row)
            evidence = attestation_evidence(session, ids)
        drafts: list[tuple[AssessmentDraft, Any]] = []
        for plan in batch:
            if plan.system_id not in records:
                continue
            profile_json, sha = records[plan.system_id]
            profile = SystemProfile.model_validate(json.loads(profile_json))
            draft = assess(
                store,
                plan,
                profile,
                sha,
                previous_from_rows(history.get(plan.system_id, [])),
                as_of=day,
                policy=policy,
                classifiers=classifiers,
                workspace_attestations=evidence.get(plan.system_id, {}),
                site_trust_policy=trust,
                run_evaluations=run_evaluations,
            )
            drafts.append((draft, plan))
            if draft.evaluation is not None:
                lease.renew()  # an evaluation run can take minutes
        _record(store, drafts, report)
        if not lease.renew():
            report.errors.append("the lease was lost (another tick took it after it expired); stopped")
            return


def _record(store: Store, drafts: list[tuple[AssessmentDraft, Any]], report: TickReport) -> None:
    """Store a batch of reviews: entries, the plans' next dates, flags and messages, in one transaction.

    Entries go in as one multi-row INSERT … RETURNING and the plans as one bulk UPDATE by primary
    key: row by row through the ORM, these were half of a 10,000-system tick (measured).
    """
    if not drafts:
        return
    now = dt.datetime.now(dt.UTC)
    entries = []
    for draft, _plan in drafts:
        ev = draft.evaluation
        entries.append(
            {
                "system_id": draft.system_id,
                "cycle_due": draft.cycle_due,
                "as_of": draft.as_of,
                "status": "needs-review",
                "overdue": draft.overdue,
                "alerts": draft.alerts,
                "ruleset_version": draft.ruleset_version,
                "profile_sha256": draft.profile_sha256,
                "classification_json": json.dumps(draft.classification, ensure_ascii=False, sort_keys=True),
                "findings_json": json.dumps([f.to_dict() for f in draft.findings], ensure_ascii=False),
                "evidence_json": json.dumps(draft.evidence, ensure_ascii=False, sort_keys=True),
                "eval_run_id": None if ev is None else ev.run_id,
                "refusal_rate": None if ev is None else ev.value,
                "refusal_low": None if ev is None else ev.low,
                "refusal_high": None if ev is None else ev.high,
                "refusal_n": None if ev is None else ev.n,
                "recorded_at": now,
                "signed_off_on": None,
                "signed_off_by": None,
            }
        )
    with store.transaction() as session:
        ids = list(
            session.scalars(
                insert(AssessmentRow).returning(AssessmentRow.id, sort_by_parameter_order=True), entries
            )
        )
        session.execute(
            update(ReviewPlanRow),
            [
                {
                    "system_id": d.system_id,
                    "next_due": d.next_due,
                    "interval_days": d.interval.interval_days,
                    "grace_days": d.interval.grace_days,
                    "interval_rule": d.interval.rule_id,
                    "interval_basis": d.interval.basis,
                    "updated_at": now,
                }
                for d, _plan in drafts
            ],
        )
        for row_id, (draft, plan) in zip(ids, drafts, strict=True):
            _flags(session, draft, row_id, report)
            report.assessed.append(draft.system_id)
            alerts = [f.code for f in draft.findings if f.severity == "alert"]
            if alerts:
                report.alerts[draft.system_id] = alerts
            if draft.overdue and draft.system_id not in report.newly_overdue:
                report.newly_overdue.append(draft.system_id)
            if plan.contacts:
                kind = "overdue" if draft.overdue else "alert" if alerts else "review-due"
                payload = outbox.message(
                    kind, draft.system_id, row_id, draft.as_of, draft.cycle_due, draft.findings
                )
                report.notifications_queued += outbox.queue(session, plan.contacts, kind, payload)


def _flags(session: Any, draft: AssessmentDraft, assessment_id: int, report: TickReport) -> None:
    for (jurisdiction, obligation_id), reason in draft.flags.items():
        flag = session.get(ItemFlagRow, (draft.system_id, jurisdiction, obligation_id))
        if flag is None:
            session.add(
                ItemFlagRow(
                    system_id=draft.system_id,
                    jurisdiction=jurisdiction,
                    obligation_id=obligation_id,
                    reason=reason,
                    assessment_id=assessment_id,
                    raised_on=draft.as_of,
                    cleared_on=None,
                )
            )
        else:
            flag.reason, flag.assessment_id = reason, assessment_id
            flag.raised_on, flag.cleared_on = draft.as_of, None
        report.flags_raised += 1


def _mark_overdue(store: Store, day: dt.date, report: TickReport) -> None:
    """Entries waiting for sign-off past due date + grace become overdue, once; their people are told.

    Only the columns the test needs are read for every waiting entry (the snapshots and findings of
    10,000 entries held as ORM objects were most of a tick's peak memory, measured); the findings
    are read for the entries that do become overdue.
    """
    with store.transaction() as session:
        waiting = session.execute(
            select(
                AssessmentRow.id,
                AssessmentRow.system_id,
                AssessmentRow.cycle_due,
                AssessmentRow.evidence_json,
                ReviewPlanRow.grace_days,
                ReviewPlanRow.contacts_json,
            )
            .join(ReviewPlanRow, ReviewPlanRow.system_id == AssessmentRow.system_id)
            .where(AssessmentRow.status == "needs-review", AssessmentRow.overdue.is_(False))
        ).all()
        for row_id, system_id, cycle_due, evidence_json, plan_grace, contacts_json in waiting:
            grace = json.loads(evidence_json).get("interval", {}).get("grace_days", plan_grace)
            if day <= cycle_due + dt.timedelta(days=int(grace)):
                continue
            row = session.get(AssessmentRow, row_id)
            assert row is not None
            late = (day - cycle_due).days
            finding = Finding(
                "overdue",
                "overdue",
                "alert",
                f"the review due on {cycle_due} is still not signed off on {day} ({late} days late)",
                f"应于 {cycle_due} 完成的复审至 {day} 仍未签核（逾期 {late} 天）",
            )
            row.findings_json = json.dumps(
                [*json.loads(row.findings_json), finding.to_dict()], ensure_ascii=False
            )
            row.overdue, row.alerts = True, row.alerts + 1
            if system_id not in report.newly_overdue:
                report.newly_overdue.append(system_id)
            contacts = json.loads(contacts_json)
            if contacts:
                payload = outbox.message("overdue", system_id, row_id, day, cycle_due, [finding])
                report.notifications_queued += outbox.queue(session, contacts, "overdue", payload)
