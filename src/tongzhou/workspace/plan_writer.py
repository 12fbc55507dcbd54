"""Writing a plan: classify a registered system, then reconcile its items with the obligations.

:func:`classify_registered` runs before any transaction opens (so a failing classification
writes nothing); :func:`write_plan` does every write of one plan inside the caller's transaction,
so several plans can be written all or nothing (``replan --all``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from tongzhou.errors import InputError
from tongzhou.store import Store
from tongzhou.workspace._tables import ComplianceItemRow, CompliancePlanRow, PlanJurisdictionRow
from tongzhou.workspace.items import ItemStatus
from tongzhou.workspace.planning import ItemChange, PlanChange, PlannedObligation, planned_obligations

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tongzhou.classify.findings import Classification


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _change(row: ComplianceItemRow, old_due: dt.date | None, new_due: dt.date | None) -> ItemChange:
    return ItemChange(
        row.id, row.jurisdiction, row.obligation_id, row.title, row.legal_basis, old_due, new_due
    )


def classify_registered(
    store: Store, system_id: str, as_of: dt.date, jurisdictions: str, rules_dir: str | None
) -> tuple[Classification, str]:
    """The classification of a registered system (unknown id: :class:`InputError`) and its profile hash."""
    from tongzhou.classify.engine import Classifier
    from tongzhou.classify.ruleset import load_ruleset
    from tongzhou.systems.registry import SystemRegistry, profile_digest

    profile = SystemRegistry(store).get(system_id)  # unknown id: InputError
    classifier = Classifier(load_ruleset(overlay=Path(rules_dir))) if rules_dir else Classifier()
    result = classifier.classify(profile, as_of, classifier.parse_jurisdictions(jurisdictions or None))
    digest = profile_digest(profile)[1]
    result.profile_sha256 = digest
    return result, digest


def write_plan(
    session: Session,
    system_id: str,
    as_of: dt.date,
    codes: str,
    rules: str | None,
    classification: Classification,
    digest: str,
    *,
    first: bool,
) -> PlanChange:
    planned = planned_obligations(classification)
    now = _now()
    plan = session.get(CompliancePlanRow, system_id)
    if first and plan is not None:  # planned by someone else meanwhile
        raise InputError.of("{system_id} already has a plan; use replan", system_id=system_id)
    change = PlanChange(
        system_id, 1 if plan is None else plan.revision + 1, as_of, classification.ruleset_version
    )
    if plan is None:
        plan = CompliancePlanRow(system_id=system_id, revision=1)
        session.add(plan)
    else:
        change.previous_as_of = plan.as_of
        change.previous_ruleset_version = plan.ruleset_version
        change.profile_changed = plan.profile_sha256 != digest
        plan.revision += 1
    plan.as_of, plan.jurisdictions, plan.rules_dir = as_of, codes, rules
    plan.ruleset_version, plan.profile_sha256, plan.planned_at = (
        classification.ruleset_version,
        digest,
        now,
    )
    _record_jurisdictions(session, system_id, classification)
    _reconcile(session, system_id, planned, change, now)
    return change


def _record_jurisdictions(session: Session, system_id: str, classification: Classification) -> None:
    existing = session.scalars(
        select(PlanJurisdictionRow).where(PlanJurisdictionRow.system_id == system_id)
    ).all()
    for row in existing:
        session.delete(row)
    session.flush()
    for result in classification.jurisdictions:
        summary = result.summary()
        head = summary.tier
        session.add(
            PlanJurisdictionRow(
                system_id=system_id,
                jurisdiction=result.jurisdiction,
                name=result.name,
                binding=result.binding,
                in_scope=result.in_scope,
                headline_tier=None if head is None else head.id,
                tier_label=None if head is None else head.label,
                tier_rank=None if head is None else head.rank,
                headline_status=summary.status,
                headline_text=summary.text,
                undetermined_json=json.dumps([u.to_dict() for u in result.undetermined], ensure_ascii=False),
            )
        )


def _reconcile(
    session: Session,
    system_id: str,
    planned: dict[tuple[str, str], PlannedObligation],
    change: PlanChange,
    now: dt.datetime,
) -> None:
    rows = {
        (r.jurisdiction, r.obligation_id): r
        for r in session.scalars(select(ComplianceItemRow).where(ComplianceItemRow.system_id == system_id))
    }
    for key, row in sorted(rows.items()):
        if key not in planned and row.active:
            row.active, row.updated_at = False, now
            change.removed.append(_change(row, row.due_date, None))
    fresh: list[tuple[ComplianceItemRow, PlannedObligation]] = []
    for key, ob in sorted(planned.items()):
        known = rows.get(key)
        if known is None:
            row = ComplianceItemRow(
                system_id=system_id,
                jurisdiction=ob.jurisdiction,
                obligation_id=ob.obligation_id,
                owner=None,
                status=ItemStatus.TODO.value,
                active=True,
                created_at=now,
            )
            session.add(row)
            fresh.append((row, ob))
        elif not (row := known).active:
            row.active = True
            change.restored.append(_change(row, row.due_date, ob.due_date))
        elif known.due_date != ob.due_date:
            change.redated.append(_change(row, row.due_date, ob.due_date))
        else:
            change.kept += 1
        row.regime, row.title, row.title_zh = ob.regime, ob.title, ob.title_zh
        row.legal_basis, row.addressee, row.binding = ob.legal_basis, ob.addressee, ob.binding
        if row.due_date != ob.due_date or row.applies_until != ob.applies_until:
            row.updated_at = now
        row.due_date, row.applies_until = ob.due_date, ob.applies_until
        row.updated_at = row.updated_at or now
    session.flush()  # ids for the new rows
    change.added = [_change(row, None, ob.due_date) for row, ob in fresh]
