"""The halt ledger: the one list of accepted orders that every worker and host of a gateway fleet obeys.

A gateway that accepts an order (from any channel) appends its signed envelope here before it
answers; every gateway polls the ledger every ``halt.ledger.poll_seconds`` and applies the orders
it has not applied yet, in ledger order, after verifying each signature itself (the database is
shared infrastructure, not a trusted issuer). SQLite serves the workers of one host; PostgreSQL
the hosts of a fleet.

Two properties the rest of the gateway relies on:

- **One row per envelope.** The signed payload with its signing key ids is unique, so an order
  delivered twice (two channels, two hosts, a replay) is appended once; the second delivery learns
  it was a replay. A copy of an order with more signatures (co-signed towards a quorum) is a row
  of its own, so co-signatures delivered to different gateways combine; every gateway still
  applies an order id or nonce once (its halt book remembers them).
- **No reader skips a row.** A reader asks for rows after the last one it applied. On PostgreSQL
  a sequence number is taken at insert but becomes visible at commit, so two writers could commit
  out of order and a reader between the two commits would skip the earlier one for good. Appends
  therefore take an exclusive table lock (orders are rare; plain reads are not blocked). SQLite
  serialises writers by itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError

from tongzhou.errors import InputError
from tongzhou.gateway._tables import HaltLedgerRecord
from tongzhou.store import Store, database_url, open_store

CONNECT_TIMEOUT_SECONDS = 2
"""A PostgreSQL server that does not answer within this is counted as down (an outage is noticed
within one poll plus this, and an order received meanwhile waits at most this long)."""


class LedgerUnavailable(Exception):
    """The ledger's database cannot be reached (or refused the query)."""


@dataclass(frozen=True)
class LedgerEntry:
    """One accepted order as the ledger holds it."""

    seq: int
    envelope: Any
    """The DSSE envelope (parsed JSON)."""
    source: str
    accepted_by: str
    received_at: datetime


def resolve_ledger_url(url: str) -> str:
    """``store`` → the Tongzhou store (``TONGZHOU_DATABASE_URL``, else SQLite in the home);
    a PostgreSQL URL gets a connect timeout unless it names one."""
    resolved = database_url() if url == "store" else url
    try:
        parsed = make_url(resolved.replace("postgres://", "postgresql://", 1))
        parsed.get_dialect()  # an unknown database or a missing driver is a policy error, not an outage
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise InputError.of(
            "halt.ledger.url {url!r} is not a database URL this gateway can use ({exc}); give "
            "postgresql://user@host/db, sqlite:///path or store",
            url=url,
            exc=exc,
        ) from exc
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_SECONDS)})
        return parsed.render_as_string(hide_password=False)
    return resolved


def worker_name() -> str:
    """``<host>/<pid>``: which gateway process accepted an order."""
    return f"{socket.gethostname()}/{os.getpid()}"


class HaltLedger:
    """The ledger in one database; tracks whether that database is reachable."""

    def __init__(self, url: str) -> None:
        self.url = resolve_ledger_url(url)
        self._store: Store | None = None
        self._lock = threading.Lock()
        self.reachable = True
        self.down_since: datetime | None = None
        self.error: str | None = None
        self._connect()

    @property
    def display_url(self) -> str:
        """The URL with any password hidden (status endpoints, logs)."""
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def is_postgresql(self) -> bool:
        """Whether the ledger lives in PostgreSQL (several hosts) rather than SQLite (one host)."""
        return make_url(self.url).get_backend_name() == "postgresql"

    def _connect(self) -> Store | None:
        with self._lock:
            if self._store is None:
                try:
                    self._store = open_store(self.url)  # migrates: creates the table on first use
                except SQLAlchemyError as exc:
                    self._failed(exc)
                    return None
            return self._store

    def _failed(self, exc: BaseException) -> None:
        if self.reachable:
            self.down_since = datetime.now(UTC)
        self.reachable = False
        self.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:500]

    def _ok(self) -> None:
        self.reachable = True
        self.down_since = None
        self.error = None

    def append(self, envelope: Any, order_id: str, nonce: str, source: str) -> int | None:
        """Append an accepted order; its ``seq``, or None when the ledger already holds that envelope
        (the same payload signed by the same keys). Raise :class:`LedgerUnavailable` when the
        database cannot be reached."""
        store = self._connect()
        if store is None:
            raise LedgerUnavailable(self.error or "ledger unreachable")
        row = {
            "entry_key": entry_key(envelope),
            "order_id": order_id,
            "nonce": nonce,
            "envelope": json.dumps(envelope, ensure_ascii=False, sort_keys=True),
            "source": source[:1024],
            "accepted_by": worker_name()[:255],
            "received_at": datetime.now(UTC),
        }
        try:
            with store.transaction() as session:
                if self.is_postgresql:
                    session.execute(text("LOCK TABLE gateway_halt_ledger IN EXCLUSIVE MODE"))
                seq = session.execute(
                    insert(HaltLedgerRecord).values(**row).returning(HaltLedgerRecord.seq)
                ).scalar_one()
        except IntegrityError:
            self._ok()
            return None
        except SQLAlchemyError as exc:
            self._failed(exc)
            raise LedgerUnavailable(self.error or "ledger unreachable") from exc
        self._ok()
        return int(seq)

    def entries_after(self, seq: int) -> list[LedgerEntry]:
        """The orders after ``seq``, in ledger order. Raise :class:`LedgerUnavailable` on an outage."""
        store = self._connect()
        if store is None:
            raise LedgerUnavailable(self.error or "ledger unreachable")
        try:
            with store.transaction() as session:
                rows = session.execute(
                    select(HaltLedgerRecord).where(HaltLedgerRecord.seq > seq).order_by(HaltLedgerRecord.seq)
                ).scalars()
                entries = [
                    LedgerEntry(
                        r.seq,
                        _parse(r.envelope),
                        r.source,
                        r.accepted_by,
                        r.received_at if r.received_at.tzinfo else r.received_at.replace(tzinfo=UTC),
                    )
                    for r in rows
                ]
        except SQLAlchemyError as exc:
            self._failed(exc)
            raise LedgerUnavailable(self.error or "ledger unreachable") from exc
        self._ok()
        return entries

    def status(self) -> dict[str, Any]:
        """JSON view for ``/governance/health`` and ``/governance/halt-state``."""
        return {
            "url": self.display_url,
            "reachable": self.reachable,
            "down_since": self.down_since.isoformat().replace("+00:00", "Z") if self.down_since else None,
            "error": self.error,
        }

    def close(self) -> None:
        """Release pooled connections."""
        if self._store is not None:
            self._store.close()


def entry_key(envelope: Any) -> str:
    """SHA-256 over an envelope's payload and the key ids that signed it: what makes two
    deliveries one ledger row. Signatures are not part of it (re-encoding one changes nothing), nor
    their order; a malformed envelope is keyed by its whole JSON."""
    try:
        keyids = sorted({str(s["keyid"]) for s in envelope["signatures"]})
        material: Any = [str(envelope["payload"]), keyids]
    except (TypeError, KeyError, AttributeError):
        material = envelope
    text_form = json.dumps(material, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text_form.encode("utf-8")).hexdigest()


def _parse(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None  # refused as malformed when verified: a damaged row never halts or resumes
