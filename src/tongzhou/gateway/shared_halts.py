"""One halt for a fleet: this gateway's halt book kept in step with the fleet's halt ledger.

- **Receiving** an order (any channel): verified here as before, appended to the ledger, then
  applied here; the answer is given only once the ledger holds it, so every other worker and host
  will apply it within one poll. An order the ledger already holds (delivered twice, replayed,
  sent to two hosts) is refused as ``replayed``: it acts once. A contribution to a quorum is
  appended too, pending or not, so co-signatures delivered to different workers or hosts combine.
- **Following**: every poll applies the ledger's new entries in ledger order, each verified
  against this gateway's own trust policy (a row in the database is not an issuer) and counted
  against its own quorum rules, at the moment the ledger accepted it (the same at every gateway).
- **Outage** (fail closed): while the ledger cannot be reached the state here stays as it was, so
  a halt in force stays in force. A PAUSE or TERMINATE received meanwhile is applied here at once
  and appended to the ledger when it is back; a RESUME is refused (``ledger-unavailable``, 503),
  since this gateway cannot know whether the fleet still holds a later halt. The status endpoints
  say so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tongzhou.gateway.halt_book import HaltBook, Receipt
from tongzhou.gateway.halt_ledger import HaltLedger, LedgerEntry, LedgerUnavailable
from tongzhou.gateway.halt_order import HaltAction, HaltOrder, HaltOrderError
from tongzhou.messages import bilingual

log = logging.getLogger("tongzhou.gateway.shared_halts")


@dataclass(frozen=True)
class Adoption:
    """What applying one ledger entry here did: a receipt, nothing (already applied), or a refusal."""

    entry: LedgerEntry
    receipt: Receipt | None
    refusal: HaltOrderError | None = None


class SharedHalts:
    """A :class:`HaltBook` that takes its orders from, and gives them to, a :class:`HaltLedger`."""

    def __init__(self, book: HaltBook, ledger: HaltLedger) -> None:
        self.book = book
        self.ledger = ledger
        book.shared = True
        self._outbox: list[tuple[Any, HaltOrder, str]] = []
        """Halts accepted here during an outage, for the ledger once it is back."""

    def receive(self, envelope: object, source: str) -> Receipt:
        """Verify, append to the ledger, apply here; raise :class:`HaltOrderError` if refused."""

        def record(order: HaltOrder) -> None:
            try:
                seq = self.ledger.append(envelope, order.order_id, order.nonce, source)
            except LedgerUnavailable as exc:
                if order.action is HaltAction.RESUME:
                    raise HaltOrderError(
                        "ledger-unavailable",
                        bilingual(
                            "the fleet's halt ledger cannot be reached ({exc}); a RESUME is refused until "
                            "it is back, since a later halt may be in force elsewhere",
                            exc=exc,
                        ),
                    ) from exc
                self._outbox.append((envelope, order, source))  # halts: safe to apply here alone
                return
            if seq is None:
                raise HaltOrderError(
                    "replayed", f"order {order.order_id} (or its nonce) is already in the fleet's halt ledger"
                )

        return self.book.receive(envelope, source, record=record)

    def fetch(self) -> list[LedgerEntry]:
        """The ledger's entries this gateway has not applied (blocking: call from a thread). Also
        hands the outbox to the ledger once it answers. Raise :class:`LedgerUnavailable`."""
        while self._outbox:
            envelope, order, source = self._outbox[0]
            self.ledger.append(envelope, order.order_id, order.nonce, source)  # None: already there
            self._outbox.pop(0)
        return self.ledger.entries_after(self.book.ledger_seq)

    def adopt(self, entries: list[LedgerEntry]) -> list[Adoption]:
        """Apply fetched entries in ledger order (in the thread that owns the audit log)."""
        done: list[Adoption] = []
        for entry in entries:
            if entry.seq <= self.book.ledger_seq:
                continue
            source = f"ledger:{entry.seq} ({entry.source} at {entry.accepted_by})"
            try:
                receipt = self.book.adopt(entry.envelope, entry.seq, source, at=entry.received_at)
            except HaltOrderError as exc:
                log.warning("halt ledger entry %s refused (%s): %s", entry.seq, exc.reason, exc)
                done.append(Adoption(entry, None, exc))
                continue
            done.append(Adoption(entry, receipt))
        return done

    def sync(self) -> list[Adoption]:
        """Fetch and apply at once (start-up, before listening: a restarted worker starts in the
        fleet's current state); on an outage, keep the state file's and say so in the status."""
        try:
            return self.adopt(self.fetch())
        except LedgerUnavailable as exc:
            log.warning("halt ledger unreachable at start, keeping the saved halt state: %s", exc)
            return []

    def status(self) -> dict[str, Any]:
        """The ledger's part of ``/governance/health`` and ``/governance/halt-state``."""
        status = self.ledger.status()
        status["applied_seq"] = self.book.ledger_seq
        status["unshared_orders"] = [order.order_id for _e, order, _s in self._outbox]
        if not self.ledger.reachable:
            halted = bool(self.book.active())
            status["effect"] = (
                "fail closed: the orders in force stay in force; RESUME is refused until the ledger is "
                "back; a PAUSE or TERMINATE received here applies here at once / 账本不可达：已生效的"
                "停止令继续生效，恢复令暂不受理"
                if halted
                else "state kept as last read; a PAUSE or TERMINATE received here applies here at once, "
                "and RESUME is refused until the ledger is back / 账本不可达：保持最后状态"
            )
        status["checked_at"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        return status
