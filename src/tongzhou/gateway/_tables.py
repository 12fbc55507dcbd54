"""The halt ledger's table: every order any gateway of a fleet accepted, in one global order."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongzhou.store import Base


class HaltLedgerRecord(Base):
    """One accepted halt order (its signed envelope), numbered in the order the fleet applies it."""

    __tablename__ = "gateway_halt_ledger"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """Position in the ledger: every gateway applies orders in this order."""
    order_id: Mapped[str] = mapped_column(String(256), unique=True)
    """The order's id; unique, so an order delivered twice (two channels, two hosts) is one row."""
    nonce: Mapped[str] = mapped_column(String(256), unique=True)
    """The order's nonce; unique for the same reason (a replay with a new id but the old nonce)."""
    envelope: Mapped[str] = mapped_column(Text)
    """The DSSE envelope as received (JSON): every gateway re-verifies it before applying it."""
    source: Mapped[str] = mapped_column(String(1024))
    """The channel that brought it (``api``, ``taxii:<url>`` …)."""
    accepted_by: Mapped[str] = mapped_column(String(255))
    """``<host>/<pid>`` of the gateway worker that accepted it."""
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
