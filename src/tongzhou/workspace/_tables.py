"""The compliance workspace's tables: one plan per registered system, its jurisdictions, the tracked
items (one per dated obligation) and the evidence attached to them.

Items are never deleted by a re-plan: an obligation the law no longer gives is marked inactive, so
its owner, status and evidence come back if it returns (a later as-of date, a corrected rule).
``system_id`` names a row of ``systems_profile`` without a foreign key: the two modules migrate on
their own branches, in no fixed order. Readers join the registry, so the work of a system that was
removed is not shown (and comes back if the same id is registered again).
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
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


class CompliancePlanRow(Base):
    """The plan of one system: which as-of date, rules and profile its items were derived from."""

    __tablename__ = "workspace_plan"

    system_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    jurisdictions: Mapped[str] = mapped_column(String(255))
    """Comma-separated jurisdiction codes the plan covers; empty for every jurisdiction."""
    rules_dir: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The overlay directory of rule files (``--rules``), or None for the bundled rules."""
    ruleset_version: Mapped[str] = mapped_column(Text)
    profile_sha256: Mapped[str] = mapped_column(String(71))
    revision: Mapped[int] = mapped_column(Integer)
    """1 for the first plan, +1 for each re-plan."""
    planned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PlanJurisdictionRow(Base):
    """One jurisdiction of a plan: scope, the headline on the as-of date and the questions left open.

    ``headline_tier`` is the tier that applies on the plan's as-of date (or a stricter conditional
    one), as ``tongzhou classify`` heads its answer; a tier that bites later is in the text only.
    """

    __tablename__ = "workspace_jurisdiction"

    system_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    binding: Mapped[bool] = mapped_column(Boolean)
    in_scope: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    """None when the scope itself is undetermined."""
    headline_tier: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tier_label: Mapped[str | None] = mapped_column(String(255), nullable=True)
    tier_rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    headline_status: Mapped[str] = mapped_column(String(16))
    """``applies``, ``conditional``, ``out_of_scope`` or ``none`` (nothing applies yet)."""
    headline_text: Mapped[str] = mapped_column(Text)
    """The headline in words, with what changes later ("... ; from 2027-12-02: high-risk AI system")."""
    undetermined_json: Mapped[str] = mapped_column(Text)
    """The classification's undetermined rules (JSON list), shown as open questions."""


class ComplianceItemRow(Base):
    """A dated obligation of a system, tracked: owner, due date from the law, status."""

    __tablename__ = "workspace_item"
    __table_args__ = (
        UniqueConstraint("system_id", "jurisdiction", "obligation_id", name="uq_workspace_item_obligation"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    system_id: Mapped[str] = mapped_column(String(64), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(16))
    regime: Mapped[str] = mapped_column(String(64))
    obligation_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(Text)
    title_zh: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(255))
    addressee: Mapped[str] = mapped_column(String(16))
    binding: Mapped[bool] = mapped_column(Boolean)
    """False for a voluntary mapping (NIST AI RMF, ISO/IEC 42001): never overdue."""
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    """The date the obligation bites (the rule's ``applies_from``, after any transition)."""
    applies_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean)
    """False once a re-plan no longer finds the obligation (kept with its owner and evidence)."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class EvidenceRow(Base):
    """A piece of evidence attached to an item: what it is, which file, its SHA-256."""

    __tablename__ = "workspace_evidence"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("workspace_item.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    """``attestation``, ``label-report``, ``energy-report`` or ``file``."""
    artefact: Mapped[str] = mapped_column(String(64))
    """The crosswalk artefact id it stands for (e.g. ``safety-evaluation-report``)."""
    name: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(71))
    size: Mapped[int] = mapped_column(BigInteger)
    details_json: Mapped[str] = mapped_column(Text)
    """What was read from the evidence (signer key, run id, label counts...) as JSON."""
    attached_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    attached_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


PLANS = _table(CompliancePlanRow)
PLAN_JURISDICTIONS = _table(PlanJurisdictionRow)
ITEMS = _table(ComplianceItemRow)
EVIDENCE = _table(EvidenceRow)
