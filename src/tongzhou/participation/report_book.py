"""Public incident reports in the store: submitting one, the reporter's private view, the moderators' list.

The reporter gets a status token (``tzr_`` + 256 random bits, URL-safe). Only its SHA-256 is stored,
so a copy of the database does not open anyone's report, and a guessed or altered token finds
nothing (the portal answers 404, like any unknown page). The report's own id (``rpt-…``) is for
moderators and opens nothing on its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from tongzhou.participation._tables import DECISIONS, EVIDENCE, REPORT_INCIDENTS, REPORTS
from tongzhou.participation.errors import ReportProblem
from tongzhou.participation.submission import MAX_TEXT_CHARS, ReportSubmission, clean_text
from tongzhou.store import Store

TOKEN_PREFIX = "tzr_"


class ReportState(StrEnum):
    """Where a report stands."""

    received = "received"
    """Waiting for a moderator."""
    needs_info = "needs-info"
    """A moderator asked the reporter for more; the reporter answers on the status page."""
    accepted = "accepted"
    """Part of at least one incident (a new one, or one it was merged into)."""
    rejected = "rejected"
    """Refused, with the reason the reporter sees."""


OPEN_STATES = frozenset({ReportState.received, ReportState.needs_info})
"""States a moderator may still decide from (accept, merge, ask, reject)."""


class Action(StrEnum):
    """One entry in a report's history."""

    submitted = "submitted"
    accept = "accept"
    """Accepted as a new incident."""
    merge = "merge"
    """Joined to incidents already recorded."""
    ask = "ask"
    """More information asked of the reporter."""
    reject = "reject"
    reply = "reply"
    """The reporter added information."""
    accept_failed = "accept-failed"
    """Recording or publishing the accepted incident failed; the acceptance was undone (text: the error)."""


def now_us() -> int:
    """Microseconds since the epoch (the store's time unit)."""
    return time.time_ns() // 1000


def _iso(us: int) -> str:
    return dt.datetime.fromtimestamp(us / 1e6, dt.UTC).isoformat(timespec="seconds")


def token_digest(token: str) -> str:
    """The stored form of a status token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Decision:
    """One entry of a report's history."""

    action: Action
    actor: str
    text: str
    incident_ids: list[str]
    at: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "action": self.action.value,
            "actor": self.actor,
            "text": self.text,
            "incident_ids": self.incident_ids,
            "at": self.at,
        }


@dataclass(frozen=True, slots=True)
class EvidenceInfo:
    """An attached file, without its bytes."""

    id: int
    filename: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Report:
    """A report with its files, history and incidents."""

    id: str
    state: ReportState
    system_id: str | None
    system_text: str
    what_happened: str
    occurred_on: str
    harm_types: list[str]
    links: list[str]
    contact: str | None
    submitted: str
    updated: str
    evidence: list[EvidenceInfo] = field(default_factory=list)
    history: list[Decision] = field(default_factory=list)
    incident_ids: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str | None:
        """The last moderator's words the reporter should read (a question or a rejection)."""
        for decision in reversed(self.history):
            if decision.action in (Action.ask, Action.reject, Action.accept, Action.merge):
                return decision.text or None
        return None

    def reporter_view(self) -> dict[str, Any]:
        """What the status link shows: everything but the contact and the moderators' names."""
        return {
            "state": self.state.value,
            "system": self.system_text,
            "system_id": self.system_id,
            "what_happened": self.what_happened,
            "occurred_on": self.occurred_on,
            "harm_types": self.harm_types,
            "links": self.links,
            "evidence": [
                {"filename": e.filename, "media_type": e.media_type, "size": e.size} for e in self.evidence
            ],
            "submitted": self.submitted,
            "history": [
                {k: v for k, v in d.to_dict().items() if k != "actor"}
                | (
                    {"text": ""} if d.action is Action.accept_failed else {}
                )  # an error is the site's business
                for d in self.history
            ],
            "incident_ids": self.incident_ids,
        }

    def to_dict(self) -> dict[str, Any]:
        """The moderators' view."""
        return {
            "id": self.id,
            "state": self.state.value,
            "system_id": self.system_id,
            "system": self.system_text,
            "what_happened": self.what_happened,
            "occurred_on": self.occurred_on,
            "harm_types": self.harm_types,
            "links": self.links,
            "contact": self.contact,
            "submitted": self.submitted,
            "updated": self.updated,
            "evidence": [
                {
                    "id": e.id,
                    "filename": e.filename,
                    "media_type": e.media_type,
                    "size": e.size,
                    "sha256": e.sha256,
                }
                for e in self.evidence
            ],
            "history": [d.to_dict() for d in self.history],
            "incident_ids": self.incident_ids,
        }


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the reporter gets back: the report's id and the private status token (shown once)."""

    report_id: str
    token: str


class ReportBook:
    """Reports in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def submit(self, submission: ReportSubmission) -> Receipt:
        """Store a checked report with its files and its first history entry, in one transaction."""
        if submission.system_id is not None:
            from tongzhou.systems.registry import SystemRegistry

            registry = SystemRegistry(self.store)
            if not registry.exists(submission.system_id):
                raise ReportProblem(
                    422, "Pick the system from the registry, or describe it in your own words."
                )
            system_text = submission.system_text or registry.get(submission.system_id).name
        else:
            system_text = submission.system_text
        report_id = f"rpt-{secrets.token_hex(8)}"
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        moment = now_us()
        with self.store.transaction() as session:
            session.execute(
                REPORTS.insert().values(
                    id=report_id,
                    token_sha256=token_digest(token),
                    state=ReportState.received.value,
                    system_id=submission.system_id,
                    system_text=system_text,
                    what_happened=submission.what_happened,
                    occurred_on=submission.occurred_on.isoformat(),
                    harm_types_json=json.dumps(list(submission.harm_types)),
                    links_json=json.dumps(list(submission.links)),
                    contact=submission.contact,
                    submitted_us=moment,
                    updated_us=moment,
                )
            )
            if submission.evidence:
                session.execute(
                    EVIDENCE.insert(),
                    [
                        {
                            "report_id": report_id,
                            "filename": e.filename,
                            "media_type": e.media_type,
                            "size": e.size,
                            "sha256": e.sha256,
                            "content": e.content,
                        }
                        for e in submission.evidence
                    ],
                )
            session.execute(
                DECISIONS.insert().values(
                    report_id=report_id,
                    action=Action.submitted.value,
                    actor="reporter",
                    text="",
                    incident_ids_json="[]",
                    at_us=moment,
                )
            )
        return Receipt(report_id, token)

    def id_of_token(self, token: str) -> str:
        """The report a status token opens; :class:`ReportProblem` 404 for any other string."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            raise ReportProblem(404, "No report has this status link.")
        with self.store.engine.connect() as conn:
            found = conn.execute(
                select(REPORTS.c.id).where(REPORTS.c.token_sha256 == token_digest(token))
            ).scalar_one_or_none()
        if found is None:
            raise ReportProblem(404, "No report has this status link.")
        return str(found)

    def by_token(self, token: str) -> Report:
        """The report a status token opens (404 otherwise)."""
        return self.get(self.id_of_token(token))

    def get(self, report_id: str) -> Report:
        """One report with its files, history and incidents; 404 when unknown."""
        with self.store.engine.connect() as conn:
            row = conn.execute(select(REPORTS).where(REPORTS.c.id == report_id[:32])).mappings().first()
            if row is None:
                raise ReportProblem(404, "No report with this id.")
            files = conn.execute(
                select(
                    EVIDENCE.c.id,
                    EVIDENCE.c.filename,
                    EVIDENCE.c.media_type,
                    EVIDENCE.c.size,
                    EVIDENCE.c.sha256,
                )
                .where(EVIDENCE.c.report_id == report_id)
                .order_by(EVIDENCE.c.id)
            ).all()
            history = conn.execute(
                select(
                    DECISIONS.c.action,
                    DECISIONS.c.actor,
                    DECISIONS.c.text,
                    DECISIONS.c.incident_ids_json,
                    DECISIONS.c.at_us,
                )
                .where(DECISIONS.c.report_id == report_id)
                .order_by(DECISIONS.c.id)
            ).all()
            incidents = (
                conn.execute(
                    select(REPORT_INCIDENTS.c.incident_id)
                    .where(REPORT_INCIDENTS.c.report_id == report_id)
                    .order_by(REPORT_INCIDENTS.c.incident_id)
                )
                .scalars()
                .all()
            )
        return Report(
            id=row["id"],
            state=ReportState(row["state"]),
            system_id=row["system_id"],
            system_text=row["system_text"],
            what_happened=row["what_happened"],
            occurred_on=row["occurred_on"],
            harm_types=json.loads(row["harm_types_json"]),
            links=json.loads(row["links_json"]),
            contact=row["contact"],
            submitted=_iso(row["submitted_us"]),
            updated=_iso(row["updated_us"]),
            evidence=[EvidenceInfo(int(f[0]), f[1], f[2], int(f[3]), f[4]) for f in files],
            history=[Decision(Action(h[0]), h[1], h[2], json.loads(h[3]), _iso(h[4])) for h in history],
            incident_ids=list(incidents),
        )

    def list(self, state: ReportState | None = None, *, limit: int = 100) -> list[Report]:
        """Reports, oldest first (a moderation queue), optionally in one state; without files' history."""
        query = select(REPORTS.c.id).order_by(REPORTS.c.submitted_us, REPORTS.c.id).limit(limit)
        if state is not None:
            query = query.where(REPORTS.c.state == state.value)
        with self.store.engine.connect() as conn:
            ids = conn.execute(query).scalars().all()
        return [self.get(i) for i in ids]

    def reply(self, token: str, text: str) -> Report:
        """The reporter adds information (a report waiting for a moderator or asked for more)."""
        report_id = self.id_of_token(token)
        added = clean_text(text, "information", MAX_TEXT_CHARS, required=True)
        moment = now_us()
        with self.store.transaction() as session:
            changed = session.execute(
                REPORTS.update()
                .where(REPORTS.c.id == report_id, REPORTS.c.state.in_([s.value for s in OPEN_STATES]))
                .values(state=ReportState.received.value, updated_us=moment)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise ReportProblem(409, "This report has been decided; it takes no more information.")
            session.execute(
                DECISIONS.insert().values(
                    report_id=report_id,
                    action=Action.reply.value,
                    actor="reporter",
                    text=added,
                    incident_ids_json="[]",
                    at_us=moment,
                )
            )
        return self.get(report_id)

    def evidence_file(self, report_id: str, evidence_id: int) -> tuple[str, str, bytes]:
        """(file name, media type, bytes) of one attached file; 404 when it is not this report's."""
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(EVIDENCE.c.filename, EVIDENCE.c.media_type, EVIDENCE.c.content).where(
                    EVIDENCE.c.id == evidence_id, EVIDENCE.c.report_id == report_id
                )
            ).first()
        if row is None:
            raise ReportProblem(404, "No such file in this report.")
        return str(row[0]), str(row[1]), bytes(row[2])
