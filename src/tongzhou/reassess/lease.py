"""A lease in the database so that one tick runs at a time, across processes and machines.

The lease is one row (``reassess_lease``, name ``tick``). Taking it is one INSERT, or — when the
row is there — one conditional UPDATE that only succeeds if the lease has expired. Both are atomic
on SQLite (one writer at a time) and on PostgreSQL (the UPDATE re-checks its WHERE clause on the
row version it waited for, and a concurrent INSERT loses on the primary key), so two ticks started
at once cannot both hold it. A holder renews the lease while it works; one that crashes stops
renewing, and its lease runs out after ``ttl`` so the next tick is not blocked for ever.

Times are the wall clock of the machine taking the lease (UTC), never the tick's ``--as-of`` day:
machines sharing a database need clocks within a small part of ``ttl`` of each other (NTP).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError

from tongzhou.reassess._tables import LeaseRow
from tongzhou.store import Store

TICK_LEASE = "tick"
DEFAULT_TTL = dt.timedelta(minutes=15)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def default_holder() -> str:
    """``host:pid:random``: names the process in the lease row (for people reading it)."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Lease:
    """A named lease held (or not) by ``holder``."""

    store: Store
    name: str = TICK_LEASE
    ttl: dt.timedelta = DEFAULT_TTL
    holder: str = field(default_factory=default_holder)

    def acquire(self) -> bool:
        """Take the lease if nobody holds it or the holder's lease has expired; True when taken."""
        now = _now()
        values = {"holder": self.holder, "acquired_at": now, "expires_at": now + self.ttl}
        try:
            with self.store.transaction() as session:
                session.execute(insert(LeaseRow).values(name=self.name, **values))
            return True
        except IntegrityError:
            pass
        with self.store.transaction() as session:
            taken = session.connection().execute(
                update(LeaseRow).where(LeaseRow.name == self.name, LeaseRow.expires_at < now).values(**values)
            )
            return taken.rowcount == 1

    def renew(self) -> bool:
        """Push the expiry out by ``ttl``; False when the lease is no longer ours (expired, then taken)."""
        with self.store.transaction() as session:
            done = session.connection().execute(
                update(LeaseRow)
                .where(LeaseRow.name == self.name, LeaseRow.holder == self.holder)
                .values(expires_at=_now() + self.ttl)
            )
            return done.rowcount == 1

    def release(self) -> None:
        """Give the lease back (only if still ours)."""
        with self.store.transaction() as session:
            session.execute(
                delete(LeaseRow)
                .where(LeaseRow.name == self.name, LeaseRow.holder == self.holder)
                .execution_options(synchronize_session=False)
            )

    def current(self) -> tuple[str, dt.datetime] | None:
        """Who holds the lease and until when (expired or not), or None."""
        with self.store.transaction() as session:
            row = session.get(LeaseRow, self.name)
            return None if row is None else (row.holder, row.expires_at)


class LeaseHeld(Exception):
    """Another process holds the tick lease."""

    def __init__(self, holder: str, expires_at: dt.datetime) -> None:
        super().__init__(f"another tick holds the lease ({holder}) until {expires_at.isoformat()}")
        self.holder = holder
        self.expires_at = expires_at
