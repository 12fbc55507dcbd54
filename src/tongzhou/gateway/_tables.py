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
    entry_key: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the signed payload and the signing key ids; unique, so an envelope delivered twice
    (two channels, two hosts, a replay) is one row, while a copy of an order with more signatures
    (a quorum's co-signatures) is a row of its own."""
    order_id: Mapped[str] = mapped_column(String(256), index=True)
    """The order's id (every gateway refuses a second order with the same id or nonce itself)."""
    nonce: Mapped[str] = mapped_column(String(256))
    """The order's nonce."""
    envelope: Mapped[str] = mapped_column(Text)
    """The DSSE envelope as received (JSON): every gateway re-verifies it before applying it."""
    source: Mapped[str] = mapped_column(String(1024))
    """The channel that brought it (``api``, ``taxii:<url>`` …)."""
    accepted_by: Mapped[str] = mapped_column(String(255))
    """``<host>/<pid>`` of the gateway worker that accepted it."""
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
