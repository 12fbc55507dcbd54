"""The consultation service: publish a draft and its new versions, take comments, moderate them,
respond after close. Every door (portal, API, CLI) calls these; each write is one transaction.

Limits are explicit (:data:`LIMITS`); a clock can be passed (``now=``) so tests move through
open and close without waiting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongzhou.consultation._tables import CommentRow, DraftRow, ParagraphRow, VersionRow
from tongzhou.consultation.drafts import Comment, CommentStatus, Draft, DraftKind, DraftVersion, Phase
from tongzhou.consultation.errors import ConsultationError
from tongzhou.consultation.paragraphs import Paragraph, carry_ids, split_markdown
from tongzhou.store import Store

MAX_DRAFT_BYTES = 256 * 1024
"""Largest draft (UTF-8): the largest bundled rule file, eu-ai-act.yaml, is 38 KB."""
MAX_PARAGRAPHS = 1000
MAX_TITLE_CHARS = 200
MAX_COMMENT_CHARS = 5000
MAX_NAME_CHARS = 80
MAX_RESPONSE_CHARS = 10000
MAX_REASON_CHARS = 2000
COMMENTS_PER_HOUR = 10
"""Comments one address may send in an hour (our choice: a person commenting on a long draft)."""
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
_RULE_FILE = re.compile(r"^[a-z0-9][a-z0-9-]{0,100}\.yaml$")


def utc_now() -> dt.datetime:
    """The current moment, in UTC."""
    return dt.datetime.now(dt.UTC)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes for timezone-aware columns: they were written in UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _clean(text: str) -> str:
    # NUL is refused by PostgreSQL text columns and means nothing in a comment.
    return text.replace("\x00", "").replace("\r\n", "\n").strip()


def _sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _draft(row: DraftRow) -> Draft:
    return Draft(
        row.id,
        row.title,
        DraftKind(row.kind),
        row.rule_file,
        _utc(row.opens_at),
        _utc(row.closes_at),
        row.entry_into_force,
        row.created_by,
        _utc(row.created_at),
        row.current_version,
    )


def _comment(row: CommentRow) -> Comment:
    return Comment(
        int(row.id),
        row.draft_id,
        row.version,
        row.paragraph_id,
        row.author,
        row.display_name,
        row.body,
        _utc(row.created_at),
        CommentStatus(row.status),
        row.moderated_by,
        None if row.moderated_at is None else _utc(row.moderated_at),
        row.moderation_reason,
        row.response,
        row.responded_by,
        None if row.responded_at is None else _utc(row.responded_at),
    )


def _paragraphs_of(
    kind: DraftKind, rule_file: str | None, body: str, previous: list[Paragraph], next_number: int
) -> tuple[list[Paragraph], int]:
    if len(body.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise ConsultationError("draft-too-large", limit=MAX_DRAFT_BYTES)
    if not body.strip():
        raise ConsultationError("empty-draft")
    if kind is DraftKind.rules:
        from tongzhou.consultation.rule_drafts import load_draft_ruleset, rule_units

        assert rule_file is not None
        load_draft_ruleset(rule_file, body)  # refuses what the engine would refuse
        paragraphs = rule_units(body)
    else:
        paragraphs, next_number = carry_ids(previous, split_markdown(body), next_number)
    if not paragraphs:
        raise ConsultationError("empty-draft")
    if len(paragraphs) > MAX_PARAGRAPHS:
        raise ConsultationError("too-many-paragraphs", limit=MAX_PARAGRAPHS)
    return paragraphs, next_number


class ConsultationBook:
    """Drafts and comments in one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- drafts ---------------------------------------------------------------------------------

    def publish(
        self,
        draft_id: str,
        title: str,
        body: str,
        *,
        opens_at: dt.datetime,
        closes_at: dt.datetime,
        by: str,
        kind: DraftKind = DraftKind.text,
        rule_file: str | None = None,
        entry_into_force: dt.date | None = None,
        note: str = "",
        now: dt.datetime | None = None,
    ) -> Draft:
        """Publish a new consultation with its first version."""
        now = now or utc_now()
        title, body = _clean(title), body.replace("\x00", "")
        if not _ID.match(draft_id):
            raise ConsultationError("bad-id")
        if not 1 <= len(title) <= MAX_TITLE_CHARS:
            raise ConsultationError("bad-title", limit=MAX_TITLE_CHARS)
        if _utc(closes_at) <= _utc(opens_at):
            raise ConsultationError("bad-dates")
        if kind is DraftKind.rules:
            if rule_file is None or not _RULE_FILE.match(rule_file):
                raise ConsultationError("bad-rule-file-name")
            if entry_into_force is None:
                raise ConsultationError("needs-entry-into-force")
        else:
            rule_file = None
        paragraphs, next_number = _paragraphs_of(kind, rule_file, body, [], 1)
        with self.store.transaction() as session:
            if session.get(DraftRow, draft_id) is not None:
                raise ConsultationError("exists")
            session.add(
                DraftRow(
                    id=draft_id,
                    title=title,
                    kind=kind.value,
                    rule_file=rule_file,
                    opens_at=_utc(opens_at),
                    closes_at=_utc(closes_at),
                    entry_into_force=entry_into_force,
                    created_by=by,
                    created_at=now,
                    current_version=1,
                    next_paragraph=next_number,
                )
            )
            self._add_version(session, draft_id, 1, body, paragraphs, note, by, now)
        return self.draft(draft_id)

    def revise(
        self, draft_id: str, body: str, *, by: str, note: str = "", now: dt.datetime | None = None
    ) -> DraftVersion:
        """Publish a new version of an open or upcoming draft; paragraph ids carry over."""
        now = now or utc_now()
        body = body.replace("\x00", "")
        with self.store.transaction() as session:
            row = session.get(DraftRow, draft_id, with_for_update=True)
            if row is None:
                raise ConsultationError("no-consultation", id=draft_id[:64])
            draft = _draft(row)
            if draft.phase(now) is Phase.closed:
                raise ConsultationError("closed-for-revision")
            previous = self._paragraphs(session, draft_id, row.current_version)
            paragraphs, row.next_paragraph = _paragraphs_of(
                draft.kind, draft.rule_file, body, previous, row.next_paragraph
            )
            row.current_version += 1
            self._add_version(session, draft_id, row.current_version, body, paragraphs, _clean(note), by, now)
            version = row.current_version
        return self.version(draft_id, version)

    @staticmethod
    def _add_version(
        session: Session,
        draft_id: str,
        version: int,
        body: str,
        paragraphs: list[Paragraph],
        note: str,
        by: str,
        now: dt.datetime,
    ) -> None:
        session.add(
            VersionRow(
                draft_id=draft_id,
                version=version,
                body=body,
                sha256=_sha256(body),
                note=note,
                published_by=by,
                published_at=now,
            )
        )
        for position, p in enumerate(paragraphs):
            session.add(
                ParagraphRow(
                    draft_id=draft_id, version=version, paragraph_id=p.id, position=position, source=p.source
                )
            )

    @staticmethod
    def _paragraphs(session: Session, draft_id: str, version: int) -> list[Paragraph]:
        rows = session.scalars(
            select(ParagraphRow)
            .where(ParagraphRow.draft_id == draft_id, ParagraphRow.version == version)
            .order_by(ParagraphRow.position)
        )
        return [Paragraph(r.paragraph_id, r.source) for r in rows]

    def draft(self, draft_id: str) -> Draft:
        """The consultation ``draft_id`` (``not-found`` otherwise)."""
        with self.store.transaction() as session:
            row = session.get(DraftRow, draft_id)
            if row is None:
                raise ConsultationError("no-consultation", id=draft_id[:64])
            return _draft(row)

    def drafts(self) -> list[Draft]:
        """Every consultation, the latest to close first."""
        with self.store.transaction() as session:
            rows = session.scalars(select(DraftRow).order_by(DraftRow.closes_at.desc(), DraftRow.id))
            return [_draft(r) for r in rows]

    def version(self, draft_id: str, version: int | None = None) -> DraftVersion:
        """A version of a draft with its paragraphs (default: the current one)."""
        with self.store.transaction() as session:
            draft = session.get(DraftRow, draft_id)
            if draft is None:
                raise ConsultationError("no-consultation", id=draft_id[:64])
            number = draft.current_version if version is None else version
            row = session.get(VersionRow, (draft_id, number))
            if row is None:
                raise ConsultationError("no-version", id=draft_id[:64], version=number)
            return DraftVersion(
                draft_id,
                number,
                row.body,
                row.sha256,
                row.note,
                row.published_by,
                _utc(row.published_at),
                self._paragraphs(session, draft_id, number),
            )

    def versions(self, draft_id: str) -> list[int]:
        """The version numbers of a draft, oldest first."""
        with self.store.transaction() as session:
            return list(
                session.scalars(
                    select(VersionRow.version)
                    .where(VersionRow.draft_id == draft_id)
                    .order_by(VersionRow.version)
                )
            )

    # -- comments -------------------------------------------------------------------------------

    def comment(
        self,
        draft_id: str,
        paragraph_id: str,
        body: str,
        *,
        author: str | None,
        client_digest: str,
        display_name: str = "",
        now: dt.datetime | None = None,
    ) -> Comment:
        """Take a comment on a paragraph of the current version (pending until moderated).

        ``author`` is the account name (None: anonymous; the door checks the proof of work);
        ``client_digest`` identifies the sender's address for the rate limit.
        """
        now = now or utc_now()
        body, display_name = _clean(body), _clean(display_name)
        if not 1 <= len(body) <= MAX_COMMENT_CHARS:
            raise ConsultationError("comment-length", limit=MAX_COMMENT_CHARS)
        if len(display_name) > MAX_NAME_CHARS:
            raise ConsultationError("name-length", limit=MAX_NAME_CHARS)
        with self.store.transaction() as session:
            row = session.get(DraftRow, draft_id)
            if row is None:
                raise ConsultationError("no-consultation", id=draft_id[:64])
            draft = _draft(row)
            phase = draft.phase(now)
            if phase is Phase.closed:
                raise ConsultationError("closed", closed=draft.closes_at.strftime("%Y-%m-%d %H:%M UTC"))
            if phase is Phase.upcoming:
                raise ConsultationError("not-open", opens=draft.opens_at.strftime("%Y-%m-%d %H:%M UTC"))
            known = session.get(ParagraphRow, (draft_id, draft.current_version, paragraph_id))
            if known is None:
                raise ConsultationError("no-paragraph", paragraph=paragraph_id[:128])
            recent = session.scalar(
                select(func.count())
                .select_from(CommentRow)
                .where(
                    CommentRow.client_digest == client_digest,
                    CommentRow.created_at > now - dt.timedelta(hours=1),
                )
            )
            if (recent or 0) >= COMMENTS_PER_HOUR:
                raise ConsultationError("rate-limited")
            made = CommentRow(
                draft_id=draft_id,
                version=draft.current_version,
                paragraph_id=paragraph_id,
                author=author,
                display_name="" if author else display_name,
                body=body,
                client_digest=client_digest,
                created_at=now,
                status=CommentStatus.pending.value,
                moderation_reason="",
            )
            session.add(made)
            session.flush()
            return _comment(made)

    def comments(self, draft_id: str, *, public_only: bool) -> list[Comment]:
        """The comments on a draft, oldest first; ``public_only``: the approved ones."""
        with self.store.transaction() as session:
            query = select(CommentRow).where(CommentRow.draft_id == draft_id).order_by(CommentRow.id)
            if public_only:
                query = query.where(CommentRow.status == CommentStatus.approved.value)
            return [_comment(r) for r in session.scalars(query)]

    def _own_comment(self, session: Session, draft_id: str, comment_id: int) -> CommentRow:
        row = session.get(CommentRow, comment_id, with_for_update=True)
        if row is None or row.draft_id != draft_id:  # a comment of another draft is not found here
            raise ConsultationError("no-comment", id=draft_id[:64], comment=comment_id)
        return row

    def moderate(
        self,
        draft_id: str,
        comment_id: int,
        decision: str,
        *,
        by: str,
        reason: str = "",
        now: dt.datetime | None = None,
    ) -> Comment:
        """Approve or reject (with a reason) a pending comment."""
        now = now or utc_now()
        reason = _clean(reason)[:MAX_REASON_CHARS]
        if decision not in ("approve", "reject") or (decision == "reject" and not reason):
            raise ConsultationError("bad-decision")
        with self.store.transaction() as session:
            row = self._own_comment(session, draft_id, comment_id)
            if row.status != CommentStatus.pending.value:
                raise ConsultationError("already-moderated")
            row.status = (CommentStatus.approved if decision == "approve" else CommentStatus.rejected).value
            row.moderated_by, row.moderated_at, row.moderation_reason = by, now, reason
            session.flush()
            return _comment(row)

    def respond(
        self, draft_id: str, comment_id: int, text: str, *, by: str, now: dt.datetime | None = None
    ) -> Comment:
        """Publish (or correct) the regulator's response to a comment, once the consultation has closed."""
        now = now or utc_now()
        text = _clean(text)
        if not 1 <= len(text) <= MAX_RESPONSE_CHARS:
            raise ConsultationError("response-length", limit=MAX_RESPONSE_CHARS)
        with self.store.transaction() as session:
            draft_row = session.get(DraftRow, draft_id)
            if draft_row is None:
                raise ConsultationError("no-consultation", id=draft_id[:64])
            if _draft(draft_row).phase(now) is not Phase.closed:
                raise ConsultationError("respond-after-close")
            row = self._own_comment(session, draft_id, comment_id)
            row.response, row.responded_by, row.responded_at = text, by, now
            session.flush()
            return _comment(row)
