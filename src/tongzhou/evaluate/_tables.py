"""The evaluate module's tables: runs, their samples, and the response cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongzhou.store import Base


class EvalRun(Base):
    """One evaluation run: a model, banks, a standard profile and the parameters that drew the sample."""

    __tablename__ = "eval_runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    """``running`` while it runs, ``complete`` or ``partial`` (interrupted or failed items) after."""
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    banks: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    scorers: Mapped[dict[str, str]] = mapped_column(JSON)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Seed, limit, concurrency and the drawn item ids, so a run can be resumed."""
    energy: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    software_version: Mapped[str] = mapped_column(String(32))
    errors: Mapped[int] = mapped_column(Integer, default=0)


class EvalSample(Base):
    """One scored item of a run."""

    __tablename__ = "eval_samples"

    run_id: Mapped[str] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), primary_key=True)
    bank_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    item_sha256: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8))
    risk_code: Mapped[str] = mapped_column(String(32))
    expected: Mapped[str] = mapped_column(String(16))
    response: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(32))
    passed: Mapped[bool] = mapped_column(Boolean)
    scorer: Mapped[str] = mapped_column(String(64))
    cache_key: Mapped[str] = mapped_column(String(80))


class EvalResponseCache(Base):
    """A model's answer to one request, keyed by sha256(model identity + messages + parameters)."""

    __tablename__ = "eval_response_cache"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    model_identity: Mapped[str] = mapped_column(Text)
    response: Mapped[str] = mapped_column(Text)
    completion_tokens: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
