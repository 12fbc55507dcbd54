"""The compliance workspace over the store: plan, re-plan, assign, set status, attach evidence.

Every write is one transaction, and every input is checked before it starts, so a refused command
leaves the workspace exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from tongzhou.errors import InputError
from tongzhou.store import Store
from tongzhou.systems._tables import SystemRecord
from tongzhou.workspace._tables import (
    ComplianceItemRow,
    CompliancePlanRow,
    EvidenceRow,
    PlanJurisdictionRow,
)
from tongzhou.workspace.evidence import check_evidence
from tongzhou.workspace.items import ComplianceItem, EvidenceKind, EvidenceRecord, ItemStatus
from tongzhou.workspace.plan_writer import classify_registered, write_plan
from tongzhou.workspace.planning import PlanChange

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tongzhou.attest.policy import TrustPolicy

MAX_OWNER_LENGTH = 255


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _today() -> dt.date:
    return _now().date()


def evidence_record(row: EvidenceRow) -> EvidenceRecord:
    """The record of one evidence row."""
    return EvidenceRecord(
        row.id,
        row.item_id,
        row.kind,
        row.artefact,
        row.name,
        row.path,
        row.sha256,
        row.size,
        json.loads(row.details_json),
        row.attached_by,
        row.attached_at,
    )


def item_record(row: ComplianceItemRow, evidence: list[EvidenceRecord]) -> ComplianceItem:
    """The record of one item row with its evidence."""
    return ComplianceItem(
        row.id,
        row.system_id,
        row.jurisdiction,
        row.regime,
        row.obligation_id,
        row.title,
        row.title_zh,
        row.legal_basis,
        row.addressee,
        row.binding,
        row.due_date,
        row.applies_until,
        row.owner,
        row.status,
        row.active,
        evidence,
    )


class ComplianceWorkspace:
    """Tracked compliance work of registered systems, in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ---- planning -------------------------------------------------------------------------------

    def plan(
        self,
        system_id: str,
        *,
        as_of: dt.date | None = None,
        jurisdictions: str | None = None,
        rules_dir: Path | None = None,
    ) -> PlanChange:
        """Make the first plan of a registered system: one item per dated obligation."""
        with self.store.transaction() as session:
            if session.get(SystemRecord, system_id) is None:
                raise InputError.of(
                    "no registered system {system_id!r} (see `tongzhou systems list`)", system_id=system_id
                )
            if session.get(CompliancePlanRow, system_id) is not None:
                raise InputError.of(
                    "{system_id} already has a plan; use `tongzhou workspace replan {system_id}`",
                    system_id=system_id,
                )
        codes = ",".join(sorted(c.strip().lower() for c in (jurisdictions or "").split(",") if c.strip()))
        rules = None if rules_dir is None else str(Path(rules_dir).resolve())
        return self._apply(system_id, as_of or _today(), codes, rules, first=True)

    def replan(
        self,
        system_id: str,
        *,
        as_of: dt.date | None = None,
        jurisdictions: str | None = None,
        rules_dir: Path | None = None,
        bundled_rules: bool = False,
    ) -> PlanChange:
        """Re-derive the items (a new as-of date, other rules, a changed profile) and say what changed.

        Unnamed settings keep the plan's: the same jurisdictions and rules; the as-of date defaults
        to today. ``bundled_rules`` drops a rules overlay the plan used.
        """
        with self.store.transaction() as session:
            plan = self._require_plan(session, system_id)
            codes, rules = plan.jurisdictions, plan.rules_dir
        if jurisdictions is not None:
            codes = ",".join(sorted(c.strip().lower() for c in jurisdictions.split(",") if c.strip()))
        if bundled_rules:
            rules = None
        if rules_dir is not None:
            rules = str(Path(rules_dir).resolve())
        return self._apply(system_id, as_of or _today(), codes, rules, first=False)

    def _apply(
        self, system_id: str, as_of: dt.date, codes: str, rules: str | None, *, first: bool
    ) -> PlanChange:
        classification, digest = classify_registered(self.store, system_id, as_of, codes, rules)
        with self.store.transaction() as session:
            return write_plan(session, system_id, as_of, codes, rules, classification, digest, first=first)

    def replan_all(
        self, *, as_of: dt.date | None = None, rules_dir: Path | None = None, bundled_rules: bool = False
    ) -> list[PlanChange]:
        """Re-plan every registered system that has a plan, in one transaction.

        Every system is classified first; if any fails (a rules directory that is not one, a
        profile the new rules cannot read), nothing is written.
        """
        day = as_of or _today()
        with self.store.transaction() as session:
            plans = session.execute(
                select(
                    CompliancePlanRow.system_id, CompliancePlanRow.jurisdictions, CompliancePlanRow.rules_dir
                )
                .join(SystemRecord, SystemRecord.id == CompliancePlanRow.system_id)
                .order_by(CompliancePlanRow.system_id)
            ).all()
        prepared = []
        for system_id, codes, rules in plans:
            if bundled_rules:
                rules = None
            if rules_dir is not None:
                rules = str(Path(rules_dir).resolve())
            prepared.append(
                (system_id, codes, rules, *classify_registered(self.store, system_id, day, codes, rules))
            )
        with self.store.transaction() as session:
            return [
                write_plan(session, system_id, day, codes, rules, classification, digest, first=False)
                for system_id, codes, rules, classification, digest in prepared
            ]

    # ---- reading --------------------------------------------------------------------------------

    def items(self, system_id: str | None = None, *, include_inactive: bool = False) -> list[ComplianceItem]:
        """Items (of one system, or all), by system, jurisdiction, due date; with their evidence."""
        with self.store.transaction() as session:
            if system_id is not None:
                self._require_plan(session, system_id)
            # Only registered systems: a removed system's work stays in its tables but is not shown.
            query = select(ComplianceItemRow).join(
                SystemRecord, SystemRecord.id == ComplianceItemRow.system_id
            )
            if system_id is not None:
                query = query.where(ComplianceItemRow.system_id == system_id)
            if not include_inactive:
                query = query.where(ComplianceItemRow.active.is_(True))
            rows = session.scalars(query).all()
            ids = [r.id for r in rows]
            evidence: dict[int, list[EvidenceRecord]] = {}
            if ids:
                for e in session.scalars(
                    select(EvidenceRow).where(EvidenceRow.item_id.in_(ids)).order_by(EvidenceRow.id)
                ):
                    evidence.setdefault(e.item_id, []).append(evidence_record(e))
            items = [item_record(r, evidence.get(r.id, [])) for r in rows]
        return sorted(items, key=lambda i: (i.system_id, i.jurisdiction, i.due_date or dt.date.max, i.id))

    def item(self, item_id: int) -> ComplianceItem:
        """One item with its evidence; an unknown id raises :class:`InputError`."""
        with self.store.transaction() as session:
            row = self._item_row(session, item_id)
            evidence = [
                evidence_record(e)
                for e in session.scalars(
                    select(EvidenceRow).where(EvidenceRow.item_id == item_id).order_by(EvidenceRow.id)
                )
            ]
            return item_record(row, evidence)

    def plan_of(self, system_id: str) -> dict[str, Any]:
        """The plan's settings (as-of date, rules, revision) and its jurisdictions."""
        with self.store.transaction() as session:
            plan = self._require_plan(session, system_id)
            jurisdictions = session.scalars(
                select(PlanJurisdictionRow)
                .where(PlanJurisdictionRow.system_id == system_id)
                .order_by(PlanJurisdictionRow.jurisdiction)
            ).all()
            return {
                "system_id": system_id,
                "as_of": plan.as_of,
                "jurisdictions_filter": plan.jurisdictions,
                "rules_dir": plan.rules_dir,
                "ruleset_version": plan.ruleset_version,
                "profile_sha256": plan.profile_sha256,
                "revision": plan.revision,
                "planned_at": plan.planned_at,
                "jurisdictions": [
                    {
                        "jurisdiction": j.jurisdiction,
                        "name": j.name,
                        "binding": j.binding,
                        "in_scope": j.in_scope,
                        "headline_tier": j.headline_tier,
                        "tier_label": j.tier_label,
                        "headline_status": j.headline_status,
                        "headline_text": j.headline_text,
                        "undetermined": json.loads(j.undetermined_json),
                    }
                    for j in jurisdictions
                ],
            }

    @staticmethod
    def _require_plan(session: Session, system_id: str) -> CompliancePlanRow:
        if session.get(SystemRecord, system_id) is None:
            raise InputError.of(
                "no registered system {system_id!r} (see `tongzhou systems list`)", system_id=system_id
            )
        plan = session.get(CompliancePlanRow, system_id)
        if plan is None:
            raise InputError.of(
                "{system_id} has no plan yet; run `tongzhou workspace plan {system_id}`", system_id=system_id
            )
        return plan

    @staticmethod
    def _item_row(session: Session, item_id: int) -> ComplianceItemRow:
        row = session.get(ComplianceItemRow, item_id)
        if row is None or session.get(SystemRecord, row.system_id) is None:
            raise InputError.of(
                "no workspace item #{item_id} (see `tongzhou workspace list`)", item_id=item_id
            )
        return row

    # ---- changing items -------------------------------------------------------------------------

    def assign(self, item_id: int, owner: str | None) -> ComplianceItem:
        """Give an item an owner (None or empty: nobody)."""
        name = (owner or "").strip() or None
        if name is not None and (len(name) > MAX_OWNER_LENGTH or any(ord(c) < 32 for c in name)):
            raise InputError.of(
                "owner must be at most {length} printable characters", length=MAX_OWNER_LENGTH
            )
        with self.store.transaction() as session:
            row = self._item_row(session, item_id)
            row.owner, row.updated_at = name, _now()
        return self.item(item_id)

    def set_status(self, item_id: int, status: str | ItemStatus) -> ComplianceItem:
        """Move an item to ``status``; ``done`` is refused until the item has evidence on file."""
        chosen = ItemStatus.parse(str(status))
        from tongzhou.workspace.coverage import item_coverage

        item = self.item(item_id)
        if chosen is ItemStatus.DONE:
            siblings = self.items(item.system_id, include_inactive=True)
            if not item_coverage(item, siblings).on_file:
                accepted = ", ".join(item_coverage(item, siblings).accepted) or "any file"
                raise InputError.of(
                    "#{item_id} {obligation_id} has no evidence on file; attach {accepted} first",
                    item_id=item_id,
                    obligation_id=item.obligation_id,
                    accepted=accepted,
                )
        with self.store.transaction() as session:
            row = self._item_row(session, item_id)
            row.status, row.updated_at = chosen.value, _now()
        return self.item(item_id)

    def attach(
        self,
        item_id: int,
        path: Path,
        kind: str | EvidenceKind,
        *,
        artefact: str | None = None,
        policy: TrustPolicy | None = None,
        attached_by: str | None = None,
        roots: tuple[Path, ...] | None = None,
    ) -> EvidenceRecord:
        """Check ``path`` as evidence and attach it to an item (nothing is written if a check fails).

        The artefact must be one the crosswalk accepts for the item's obligation, when the crosswalk
        names any for it.
        """
        from tongzhou.classify.crosswalk import default_crosswalk

        chosen = EvidenceKind.parse(str(kind))
        item = self.item(item_id)
        crosswalk = default_crosswalk()
        with self.store.transaction() as session:
            plan = session.get(CompliancePlanRow, item.system_id)
            profile_sha = None if plan is None else plan.profile_sha256
        checked = check_evidence(
            path,
            chosen,
            artefact,
            known_artefacts=frozenset(crosswalk.artefacts),
            roots=roots,
            policy=policy,
            profile_sha256=profile_sha,
        )
        accepted = sorted({e.artefact for e in crosswalk.evidence_for(item.obligation_id)})
        if accepted and checked.artefact not in accepted:
            raise InputError.of(
                "{artefact} does not serve {obligation_id} ({legal_basis}); the crosswalk accepts {accepted}",
                artefact=checked.artefact,
                obligation_id=item.obligation_id,
                legal_basis=item.legal_basis,
                accepted=", ".join(accepted),
            )
        with self.store.transaction() as session:
            self._item_row(session, item_id)
            row = EvidenceRow(
                item_id=item_id,
                kind=checked.kind.value,
                artefact=checked.artefact,
                name=checked.name[:255],
                path=str(checked.path),
                sha256=checked.sha256,
                size=checked.size,
                details_json=json.dumps(checked.details, ensure_ascii=False, sort_keys=True),
                attached_by=(attached_by or None),
                attached_at=_now(),
            )
            session.add(row)
            session.flush()
            return evidence_record(row)
