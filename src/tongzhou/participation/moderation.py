"""A moderator's decisions on a report: accept (a new incident), merge (into incidents already
recorded), ask the reporter for more, or reject with a reason. Every decision is a history entry
with its author, time and words; nothing is deleted.

Accepting records an :class:`~tongzhou.threats.incidents.IncidentRecord` (source ``public-report``,
``source_ref`` the report's id, so its id is deterministic), publishes it as STIX in the public TAXII
collection and, when the report names a registered system, leaves a notice for its provider. The
record and its publication are written first and are idempotent (the same report gives the same
incident id; TAXII stores an object version once); the state change, history entry, links and notice
follow in one transaction that only succeeds while the report is still open. A failure between the
two leaves the report open, and accepting it again completes it.
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
from tongzhou.participation.report_book import OPEN_STATES, Action, Report, ReportBook, ReportState, now_us
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

    def _open(self, report_id: str) -> Report:
        report = self.book.get(report_id)
        if report.state not in OPEN_STATES and report.state is not ReportState.accepted:
            raise ReportProblem(409, "This report was rejected; its decision stands.")
        return report

    def _decide(
        self,
        report_id: str,
        moderator: str,
        action: Action,
        text: str,
        *,
        new_state: ReportState,
        incident_ids: list[str] = [],  # noqa: B006 (read only)
        notify_system: str | None = None,
        from_states: frozenset[ReportState] = OPEN_STATES,
    ) -> Report:
        moment = now_us()
        with self.store.transaction() as session:
            changed = session.execute(
                REPORTS.update()
                .where(REPORTS.c.id == report_id, REPORTS.c.state.in_([s.value for s in from_states]))
                .values(state=new_state.value, updated_us=moment)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise ReportProblem(409, "Another moderator decided this report first; reload it.")
            session.execute(
                DECISIONS.insert().values(
                    report_id=report_id,
                    action=action.value,
                    actor=moderator,
                    text=text,
                    incident_ids_json=json.dumps(incident_ids),
                    at_us=moment,
                )
            )
            linked = set(
                session.execute(
                    select(REPORT_INCIDENTS.c.incident_id).where(REPORT_INCIDENTS.c.report_id == report_id)
                ).scalars()
            )
            new_links = [i for i in incident_ids if i not in linked]
            if new_links:
                session.execute(
                    REPORT_INCIDENTS.insert(), [{"report_id": report_id, "incident_id": i} for i in new_links]
                )
            if notify_system and new_links:
                session.execute(
                    NOTICES.insert(),
                    [
                        {
                            "system_id": notify_system,
                            "incident_id": i,
                            "report_id": report_id,
                            "created_us": moment,
                        }
                        for i in new_links
                    ],
                )
        return self.book.get(report_id)

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
        report = self._open(report_id)
        if report.state not in OPEN_STATES:
            raise ReportProblem(
                409, "This report was already accepted; merge it into more incidents instead."
            )
        title = clean_text(title, "title", MAX_TITLE_CHARS, required=True)
        note = clean_text(note, "note", MAX_TEXT_CHARS, required=False)
        provider = None
        if report.system_id:
            from tongzhou.systems.registry import SystemRegistry

            provider = SystemRegistry(self.store).get(report.system_id).provider.name
        try:
            record = IncidentRecord(
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
            raise ReportProblem(
                422, "The incident could not be recorded: {reason}", reason=str(exc)
            ) from None
        save_incident(self.store, record)
        publish_incident(self.store, record)
        updated = self._decide(
            report_id,
            moderator,
            Action.accept,
            note,
            new_state=ReportState.accepted,
            incident_ids=[record.id],
            notify_system=report.system_id,
        )
        return updated, record

    def merge(self, report_id: str, moderator: str, incident_ids: list[str], *, note: str = "") -> Report:
        """Join the report to incidents already recorded (any number; an accepted report may join more)."""
        self._open(report_id)
        wanted = list(dict.fromkeys(i.strip() for i in incident_ids if i.strip()))
        if not wanted or len(wanted) > MAX_MERGE:
            raise ReportProblem(422, "Name from 1 to {count} incidents to merge into.", count=MAX_MERGE)
        resolved = []
        for incident_id in wanted:
            try:
                record = get_incident(self.store, incident_id)
            except InputError:
                raise ReportProblem(422, "No incident {id} is recorded.", id=incident_id[:80]) from None
            if record.id != incident_id:  # a prefix matched: a moderator names incidents in full
                raise ReportProblem(422, "No incident {id} is recorded.", id=incident_id[:80])
            resolved.append(record.id)
        note = clean_text(note, "note", MAX_TEXT_CHARS, required=False)
        report = self.book.get(report_id)
        return self._decide(
            report_id,
            moderator,
            Action.merge,
            note,
            new_state=ReportState.accepted,
            incident_ids=resolved,
            notify_system=report.system_id,
            from_states=OPEN_STATES | {ReportState.accepted},
        )

    def ask(self, report_id: str, moderator: str, question: str) -> Report:
        """Ask the reporter for more; they answer on the status page."""
        report = self._open(report_id)
        if report.state not in OPEN_STATES:
            raise ReportProblem(
                409, "This report was already accepted; merge it into more incidents instead."
            )
        question = clean_text(question, "question", MAX_TEXT_CHARS, required=True)
        return self._decide(report_id, moderator, Action.ask, question, new_state=ReportState.needs_info)

    def reject(self, report_id: str, moderator: str, reason: str) -> Report:
        """Refuse the report, with the reason the reporter will read."""
        report = self._open(report_id)
        if report.state not in OPEN_STATES:
            raise ReportProblem(
                409, "This report was already accepted; merge it into more incidents instead."
            )
        reason = clean_text(reason, "reason", MAX_TEXT_CHARS, required=True)
        return self._decide(report_id, moderator, Action.reject, reason, new_state=ReportState.rejected)
