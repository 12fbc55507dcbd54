"""The re-assessment tables: review plans, linked attestations, assessment entries, the tick lease,
the notification outbox and the "needs review" flags on compliance items.

``system_id`` names a ``systems_profile`` row without a foreign key (branches migrate in no fixed
order, as in the workspace). Assessments are never rewritten by a later tick: a tick adds an entry
per review cycle, and only the overdue mark and the sign-off change an entry afterwards.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tongzhou.store import Base

# SQLite only aliases INTEGER PRIMARY KEY to the rowid (auto-increment); PostgreSQL wants BIGINT.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class ReviewPlanRow(Base):
    """The review plan of one public-sector system: how often, when next, what is re-checked."""

    __tablename__ = "reassess_plan"

    system_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean)
    """False once the system is no longer registered with a public-body deployer."""
    interval_days: Mapped[int] = mapped_column(Integer)
    grace_days: Mapped[int] = mapped_column(Integer)
    interval_rule: Mapped[str] = mapped_column(String(128))
    """The id of the review-policy rule that set the interval (``default`` when none matched)."""
    interval_basis: Mapped[str] = mapped_column(Text)
    """Where the interval comes from: a legal provision, or "site policy"."""
    checks_json: Mapped[str] = mapped_column(Text)
    """What each review re-checks (JSON list of check ids)."""
    next_due: Mapped[dt.date] = mapped_column(Date, index=True)
    jurisdictions: Mapped[str] = mapped_column(String(255))
    """Comma-separated jurisdiction codes re-classified; empty for every one."""
    rules_dir: Mapped[str | None] = mapped_column(Text, nullable=True)
    """An overlay directory of regime files (``classify --rules``), or None for the bundled rules."""
    endpoint: Mapped[str | None] = mapped_column(Text, nullable=True)
    """``openai:BASE_URL#MODEL``: the system's registered OpenAI-compatible endpoint, if any."""
    suite: Mapped[str] = mapped_column(String(255))
    eval_profile: Mapped[str] = mapped_column(String(64))
    eval_limit: Mapped[int] = mapped_column(Integer)
    api_key_env: Mapped[str | None] = mapped_column(String(128), nullable=True)
    trust_policy: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The trust policy file linked attestations are verified against (None: the site's)."""
    contacts_json: Mapped[str] = mapped_column(Text)
    """The responsible people: JSON list of ``{"name", "email"}`` and ``{"webhook"}`` entries."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LinkedAttestationRow(Base):
    """A signed evaluation (DSSE envelope file) whose standing each review checks again."""

    __tablename__ = "reassess_attestation"
    __table_args__ = (UniqueConstraint("system_id", "path", name="uq_reassess_attestation_path"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(Text)
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AssessmentRow(Base):
    """One review cycle of one system: what the tick found, with its evidence."""

    __tablename__ = "reassess_assessment"
    __table_args__ = (UniqueConstraint("system_id", "cycle_due", name="uq_reassess_assessment_cycle"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(String(64), index=True)
    cycle_due: Mapped[dt.date] = mapped_column(Date)
    """The due date of the review this entry answers (the cycle's identity: one entry per cycle)."""
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    """The day the tick assessed (its ``--as-of``)."""
    status: Mapped[str] = mapped_column(String(16))
    """``needs-review`` until a responsible person signs it off, then ``signed-off``."""
    overdue: Mapped[bool] = mapped_column(Boolean)
    alerts: Mapped[int] = mapped_column(Integer)
    ruleset_version: Mapped[str] = mapped_column(Text)
    profile_sha256: Mapped[str] = mapped_column(String(71))
    classification_json: Mapped[str] = mapped_column(Text)
    """Per jurisdiction the headline tier and the dated obligations (JSON), for the next comparison."""
    findings_json: Mapped[str] = mapped_column(Text)
    """Every finding: ``{"check", "code", "severity", "message", "message_zh"}`` (JSON list)."""
    evidence_json: Mapped[str] = mapped_column(Text)
    """What each check read: verifications, the evaluation run, the policy's digest (JSON)."""
    eval_run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    refusal_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    refusal_low: Mapped[float | None] = mapped_column(Float, nullable=True)
    refusal_high: Mapped[float | None] = mapped_column(Float, nullable=True)
    refusal_n: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    signed_off_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    signed_off_by: Mapped[str | None] = mapped_column(String(255), nullable=True)


class LeaseRow(Base):
    """Who may run the tick now, and until when (a crashed holder's lease runs out)."""

    __tablename__ = "reassess_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class NotificationRow(Base):
    """A message to a responsible person, written with the assessment and delivered after it (outbox)."""

    __tablename__ = "reassess_notification"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_reassess_notification_key"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(512))
    """``assessment:kind:channel:target``: the same message is never queued twice."""
    system_id: Mapped[str] = mapped_column(String(64), index=True)
    assessment_id: Mapped[int] = mapped_column(RowId)
    kind: Mapped[str] = mapped_column(String(16))
    """``review-due`` (a new entry needs review), ``alert`` or ``overdue``."""
    channel: Mapped[str] = mapped_column(String(16))
    """``email`` or ``webhook``."""
    target: Mapped[str] = mapped_column(Text)
    payload_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    """``pending``, ``sent`` or ``failed`` (failed ones are tried again by the next tick)."""
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ItemFlagRow(Base):
    """A compliance item (by its identity across re-plans) that a review found needs looking at again."""

    __tablename__ = "reassess_item_flag"

    system_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(16), primary_key=True)
    obligation_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    assessment_id: Mapped[int] = mapped_column(RowId)
    raised_on: Mapped[dt.date] = mapped_column(Date)
    cleared_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


PLANS = _table(ReviewPlanRow)
ASSESSMENTS = _table(AssessmentRow)
