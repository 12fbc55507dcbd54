"""A moderator's decisions on a report: accept (a new incident), merge (into incidents already
recorded), ask the reporter for more, or reject with a reason. Every decision is a history entry
with its author, time and words; nothing is deleted.

Each decision is one transaction that changes the report only if it is still in the state the
moderator's call read: of two moderators deciding the same report at once, one decision stands and
the other is refused (409), whatever the order the database serialises them in.

Accepting builds an :class:`~tongzhou.threats.incidents.IncidentRecord` (source ``public-report``,
``source_ref`` the report's id, so its id is deterministic) and checks it before anything is written;
then claims the report (state, history entry, link, provider notice: one transaction), and only then
records the incident and publishes it as STIX in the public TAXII collection — so a report another
moderator rejected in the meantime is never published. Should recording or publishing fail after the
claim, the claim is undone in one transaction that says so in the history (``accept-failed``, with the
error) and puts the report back in the state it was in; the moderator may accept it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from tongzhou.errors import InputError
from tongzhou.participation._tables import DECISIONS, NOTICES, REPORT_INCIDENTS, REPORTS
from tongzhou.participation.errors import ReportProblem
from tongzhou.participation.publication import publish_incident
from tongzhou.participation.report_book import Action, Report, ReportBook, ReportState, now_us
from tongzhou.participation.submission import MAX_TEXT_CHARS, clean_text
from tongzhou.store import Store
from tongzhou.threats.incidents import IncidentRecord, get_incident, save_incident

MAX_TITLE_CHARS = 200
MAX_MERGE = 20


@dataclass(frozen=True, slots=True)
class Seriousness:
    """What the moderator established about the harm (the reporter's word alone does not set it):
    the EU AI Act Art. 3(49) criteria that decide an Art. 73 deadline."""

    harm_realised: bool = True
    """False: a hazard (harm plausible, not yet occurred)."""
    serious: bool = False
    death: bool = False
    critical_infrastructure: bool = False
    widespread_infringement: bool = False


class Moderation:
    """Decisions on reports, by a named moderator."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.book = ReportBook(store)

    def _decide(
        self,
        report: Report,
        moderator: str,
        action: Action,
        text: str,
        *,
        new_state: ReportState,
        incident_ids: list[str] | None = None,
    ) -> Report:
        """Record one decision, only if the report is still in the state ``report`` was read in."""
        incident_ids = incident_ids or []
        moment = now_us()
        with self.store.transaction() as session:
            changed = session.execute(
                REPORTS.update()
                .where(REPORTS.c.id == report.id, REPORTS.c.state == report.state.value)
                .values(state=new_state.value, updated_us=moment)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise ReportProblem(409, "Another moderator decided this report first; reload it.")
            session.execute(
                DECISIONS.insert().values(
                    report_id=report.id,
                    action=action.value,
                    actor=moderator,
                    text=text,
                    incident_ids_json=json.dumps(incident_ids),
                    at_us=moment,
                )
            )
            linked = set(
                session.execute(
                    select(REPORT_INCIDENTS.c.incident_id).where(REPORT_INCIDENTS.c.report_id == report.id)
                ).scalars()
            )
            new_links = [i for i in incident_ids if i not in linked]
            if new_links:
                session.execute(
                    REPORT_INCIDENTS.insert(), [{"report_id": report.id, "incident_id": i} for i in new_links]
                )
            if report.system_id and new_links:
                session.execute(
                    NOTICES.insert(),
                    [
                        {
                            "system_id": report.system_id,
                            "incident_id": i,
                            "report_id": report.id,
                            "created_us": moment,
                        }
                        for i in new_links
                    ],
                )
        return self.book.get(report.id)

    def _undecided(self, report_id: str) -> Report:
        report = self.book.get(report_id)
        if report.state is ReportState.rejected:
            raise ReportProblem(409, "This report was rejected; its decision stands.")
        if report.state is ReportState.accepted:
            raise ReportProblem(
                409, "This report was already accepted; merge it into more incidents instead."
            )
        return report

    def _record(self, report: Report, title: str, seriousness: Seriousness) -> IncidentRecord:
        provider = None
        if report.system_id:
            from tongzhou.systems.registry import SystemRegistry

            provider = SystemRegistry(self.store).get(report.system_id).provider.name
        try:
            return IncidentRecord(
                title=title,
                description=report.what_happened,
                harm_types=list(report.harm_types),
                harm_realised=seriousness.harm_realised,
                serious=seriousness.serious,
                death=seriousness.death,
                critical_infrastructure=seriousness.critical_infrastructure,
                widespread_infringement=seriousness.widespread_infringement,
                # The Art. 73 clock runs from the provider's awareness: the portal tells the provider now.
                aware=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                occurred=f"{report.occurred_on}T00:00:00Z",
                ai_system=report.system_id or report.system_text,
                provider=provider,
                source="public-report",
                source_ref=report.id,
            )
        except InputError as exc:
            raise ReportProblem(422, "The incident could not be recorded: {reason}", reason=exc) from None

    def accept(
        self,
        report_id: str,
        moderator: str,
        *,
        title: str,
        seriousness: Seriousness = Seriousness(),
        note: str = "",
    ) -> tuple[Report, IncidentRecord]:
        """Make the report a new incident, published in the public TAXII collection."""
        report = self.book.get(report_id)
        title = clean_text(title, "title", MAX_TITLE_CHARS, required=True)
        note = clean_text(note, "note", MAX_TEXT_CHARS, required=False)
        record = self._record(report, title, seriousness)
        seen = self._undecided(report_id)
        report = self._decide(
            seen, moderator, Action.accept, note, new_state=ReportState.accepted, incident_ids=[record.id]
        )
        try:
            save_incident(self.store, record)
            publish_incident(self.store, record)
        except Exception as exc:
            self._undo_accept(report, seen.state, record.id, f"{type(exc).__name__}: {exc}"[:500])
            raise
        return report, record

    def _undo_accept(self, report: Report, back_to: ReportState, incident_id: str, error: str) -> None:
        with self.store.transaction() as session:
            session.execute(
                REPORTS.update()
                .where(REPORTS.c.id == report.id)
                .values(state=back_to.value, updated_us=now_us())
            )
            for table in (REPORT_INCIDENTS, NOTICES):
                session.execute(
                    table.delete().where(table.c.report_id == report.id, table.c.incident_id == incident_id)
                )
            session.execute(
                DECISIONS.insert().values(
                    report_id=report.id,
                    action=Action.accept_failed.value,
                    actor="system",
                    text=error,
                    incident_ids_json=json.dumps([incident_id]),
                    at_us=now_us(),
                )
            )

    def merge(self, report_id: str, moderator: str, incident_ids: list[str], *, note: str = "") -> Report:
        """Join the report to incidents already recorded (any number; an accepted report may join more)."""
        report = self.book.get(report_id)
        if report.state is ReportState.rejected:
            raise ReportProblem(409, "This report was rejected; its decision stands.")
        wanted = list(dict.fromkeys(i.strip() for i in incident_ids if i.strip()))
        if not wanted or len(wanted) > MAX_MERGE:
            raise ReportProblem(422, "Name from 1 to {count} incidents to merge into.", count=MAX_MERGE)
        for incident_id in wanted:
            if not incident_exists(self.store, incident_id):
                raise ReportProblem(422, "No incident {id} is recorded.", id=incident_id[:80])
        note = clean_text(note, "note", MAX_TEXT_CHARS, required=False)
        return self._decide(
            report, moderator, Action.merge, note, new_state=ReportState.accepted, incident_ids=wanted
        )

    def ask(self, report_id: str, moderator: str, question: str) -> Report:
        """Ask the reporter for more; they answer on the status page."""
        report = self._undecided(report_id)
        question = clean_text(question, "question", MAX_TEXT_CHARS, required=True)
        return self._decide(report, moderator, Action.ask, question, new_state=ReportState.needs_info)

    def reject(self, report_id: str, moderator: str, reason: str) -> Report:
        """Refuse the report, with the reason the reporter will read."""
        report = self._undecided(report_id)
        reason = clean_text(reason, "reason", MAX_TEXT_CHARS, required=True)
        return self._decide(report, moderator, Action.reject, reason, new_state=ReportState.rejected)


def incident_exists(store: Store, incident_id: str) -> bool:
    """Whether an incident with exactly this id is recorded."""
    try:
        return get_incident(store, incident_id).id == incident_id
    except InputError:
        return False
