"""Reading and closing reviews: a system's assessment history, the overdue list, the "needs review"
flags on compliance items, and the sign-off by a responsible person."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from tongzhou.errors import InputError
from tongzhou.reassess._tables import AssessmentRow, ItemFlagRow, ReviewPlanRow
from tongzhou.reassess.findings import Finding
from tongzhou.store import Store

_MAX_NAME = 255


@dataclass(frozen=True)
class Assessment:
    """One recorded review."""

    id: int
    system_id: str
    cycle_due: dt.date
    as_of: dt.date
    status: str
    overdue: bool
    alerts: int
    ruleset_version: str
    headline_tiers: dict[str, str | None]
    findings: list[Finding]
    evidence: dict[str, Any]
    refusal_rate: float | None
    refusal_low: float | None
    refusal_high: float | None
    refusal_n: int | None
    signed_off_on: dt.date | None
    signed_off_by: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "system_id": self.system_id,
            "cycle_due": self.cycle_due.isoformat(),
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "overdue": self.overdue,
            "alerts": self.alerts,
            "ruleset_version": self.ruleset_version,
            "headline_tiers": self.headline_tiers,
            "findings": [f.to_dict() for f in self.findings],
            "evidence": self.evidence,
            "refusal_rate": self.refusal_rate,
            "refusal_ci": None if self.refusal_low is None else [self.refusal_low, self.refusal_high],
            "refusal_n": self.refusal_n,
            "signed_off_on": None if self.signed_off_on is None else self.signed_off_on.isoformat(),
            "signed_off_by": self.signed_off_by,
        }


def _record(row: AssessmentRow) -> Assessment:
    snap = json.loads(row.classification_json)
    return Assessment(
        row.id,
        row.system_id,
        row.cycle_due,
        row.as_of,
        row.status,
        row.overdue,
        row.alerts,
        row.ruleset_version,
        {code: j["tier"] for code, j in snap.get("jurisdictions", {}).items()},
        [Finding.from_dict(f) for f in json.loads(row.findings_json)],
        json.loads(row.evidence_json),
        row.refusal_rate,
        row.refusal_low,
        row.refusal_high,
        row.refusal_n,
        row.signed_off_on,
        row.signed_off_by,
    )


def history(store: Store, system_id: str) -> list[Assessment]:
    """Every review of ``system_id``, oldest first."""
    with store.transaction() as session:
        rows = session.scalars(
            select(AssessmentRow).where(AssessmentRow.system_id == system_id).order_by(AssessmentRow.id)
        ).all()
        return [_record(r) for r in rows]


@dataclass(frozen=True)
class OverdueReview:
    """A review past its due date plus grace, or one due and not yet made (the tick has not run)."""

    system_id: str
    due: dt.date
    days_late: int
    alerts: int
    assessed: bool
    """False when no tick has reviewed it yet (a tick that did not run is itself worth knowing)."""
    assessment_id: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "system_id": self.system_id,
            "due": self.due.isoformat(),
            "days_late": self.days_late,
            "alerts": self.alerts,
            "assessed": self.assessed,
            "assessment_id": self.assessment_id,
        }


def overdue(
    store: Store, today: dt.date, *, exclude_systems: tuple[str, ...] | list[str] = ()
) -> list[OverdueReview]:
    """Reviews overdue on ``today``: entries not signed off past due + grace, and plans whose
    review is past due + grace with no entry (no tick ran). Most days late first."""
    hidden = set(exclude_systems)
    out: dict[str, OverdueReview] = {}
    with store.transaction() as session:
        waiting = session.execute(
            select(
                AssessmentRow.id,
                AssessmentRow.system_id,
                AssessmentRow.cycle_due,
                AssessmentRow.alerts,
                AssessmentRow.evidence_json,
            ).where(AssessmentRow.status == "needs-review")
        )
        for row_id, system_id, cycle_due, alerts, evidence_json in waiting:
            grace = int(json.loads(evidence_json).get("interval", {}).get("grace_days", 0))
            if system_id in hidden or today <= cycle_due + dt.timedelta(days=grace):
                continue
            late = (today - cycle_due).days
            known = out.get(system_id)
            if known is None or late > known.days_late:
                out[system_id] = OverdueReview(system_id, cycle_due, late, alerts, True, row_id)
        for plan in session.scalars(select(ReviewPlanRow).where(ReviewPlanRow.active.is_(True))):
            if plan.system_id in hidden or plan.system_id in out:
                continue
            if today > plan.next_due + dt.timedelta(days=plan.grace_days):
                out[plan.system_id] = OverdueReview(
                    plan.system_id, plan.next_due, (today - plan.next_due).days, 0, False, None
                )
    return sorted(out.values(), key=lambda o: (-o.days_late, o.system_id))


@dataclass(frozen=True)
class ItemFlag:
    """A compliance item that needs review, and why."""

    system_id: str
    jurisdiction: str
    obligation_id: str
    reason: str
    raised_on: dt.date

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "raised_on": self.raised_on.isoformat()}


def open_flags(store: Store, system_id: str | None = None) -> list[ItemFlag]:
    """The items still flagged "needs review" (of one system, or all)."""
    with store.transaction() as session:
        query = select(ItemFlagRow).where(ItemFlagRow.cleared_on.is_(None))
        if system_id is not None:
            query = query.where(ItemFlagRow.system_id == system_id)
        rows = session.scalars(
            query.order_by(ItemFlagRow.system_id, ItemFlagRow.jurisdiction, ItemFlagRow.obligation_id)
        )
        return [ItemFlag(r.system_id, r.jurisdiction, r.obligation_id, r.reason, r.raised_on) for r in rows]


def sign_off(store: Store, system_id: str, by: str, on: dt.date) -> list[int]:
    """A responsible person closes every review of ``system_id`` waiting for sign-off, and clears its
    "needs review" flags. Returns the entries closed; none waiting is an :class:`InputError`."""
    name = by.strip()
    if not name or len(name) > _MAX_NAME or not name.isprintable():
        raise InputError(
            f"--by: give the name of the person signing off (1–{_MAX_NAME} printable characters)"
        )
    with store.transaction() as session:
        if session.get(ReviewPlanRow, system_id) is None:
            raise InputError.of("no review plan for {system_id!r}", system_id=system_id)
        ids = list(
            session.scalars(
                select(AssessmentRow.id).where(
                    AssessmentRow.system_id == system_id, AssessmentRow.status == "needs-review"
                )
            )
        )
        if not ids:
            raise InputError.of("{system_id}: no review is waiting for sign-off", system_id=system_id)
        session.execute(
            update(AssessmentRow)
            .where(AssessmentRow.id.in_(ids))
            .values(status="signed-off", signed_off_on=on, signed_off_by=name)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(ItemFlagRow)
            .where(ItemFlagRow.system_id == system_id, ItemFlagRow.cleared_on.is_(None))
            .values(cleared_on=on)
            .execution_options(synchronize_session=False)
        )
        return ids
