"""The governor: what the gateway enforces, whichever door a request or an order comes through.

It owns the halt book, the audit log, the early-warning rules, the energy periods, the requests in
flight (so that a halt can cut them) and :meth:`Governor.receive_order`, the one way an order from
any channel is verified, applied and audited. It knows nothing of HTTP: the proxy
(:mod:`.proxy`), the governance API (:mod:`.governance_api`) and the order channels
(:mod:`.order_delivery`) sit above it and call down into it; none of them knows another, and the
governor never calls back up (the layer contract in pyproject.toml keeps it so).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from typing import Any

import aiohttp

from tongzhou.gateway.audit_head import SignedHead
from tongzhou.gateway.audit_head_signer import AuditHeadSigner, load_head_key
from tongzhou.gateway.audit_log import AuditLog
from tongzhou.gateway.audit_record import DEFAULT_WORKER
from tongzhou.gateway.early_warning import EarlyWarning
from tongzhou.gateway.energy_periods import EnergyPeriods
from tongzhou.gateway.halt_book import ActiveHalt, HaltBook, Receipt
from tongzhou.gateway.halt_ledger import HaltLedger, LedgerUnavailable
from tongzhou.gateway.halt_order import HaltAction, HaltOrderError
from tongzhou.gateway.in_flight import InFlight
from tongzhou.gateway.policy import GatewayPolicy
from tongzhou.gateway.shared_halts import Adoption, SharedHalts

log = logging.getLogger("tongzhou.gateway.governor")


def digest(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``, as the audit log names bodies and envelopes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Governor:
    """The governance state of one gateway in front of ``upstream`` (its …/v1 base URL)."""

    def __init__(self, upstream: str, policy: GatewayPolicy, *, worker: str = DEFAULT_WORKER) -> None:
        self.upstream = upstream
        """The governed upstream, as the audit's start record and ``/governance/health`` name it."""
        self.policy = policy
        self.book = HaltBook(policy)  # reads the halt state: a bad file stops the start here
        self.audit = AuditLog(
            policy.audit_dir(),
            worker=worker,
            retention_days=policy.audit.retention_days,
            fsync=policy.audit.fsync,
        )
        self.heads: AuditHeadSigner | None = None
        """Signs the audit heads over every worker's chain (None: switched off in the policy)."""
        if policy.audit.head_key:
            try:
                self.heads = AuditHeadSigner(self.audit, load_head_key(policy.audit.head_key))
            except Exception:
                self.audit.close()  # a gateway that cannot sign does not start, and frees its log
                raise
        self.warnings = EarlyWarning(policy.early_warning, self.book, self.audit)
        self.energy = EnergyPeriods(self.audit, policy.energy_period_seconds or 0)
        self.in_flight: set[InFlight] = set()
        """Requests being answered, each cuttable by a halt that covers it."""
        self.session: aiohttp.ClientSession | None = None
        """For the side channels (order URLs, alert webhooks); the upstream has its own pool."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._background: list[asyncio.Task[None]] = []
        self._signing: asyncio.Future[SignedHead | None] | None = None
        self._full_content = policy.audit.content == "full"
        self.book.add_listener(self._on_halt)
        self.shared: SharedHalts | None = None
        """The fleet's halt ledger (``halt.ledger``), kept in step with the halt book; None alone."""
        if policy.halt.ledger.url:
            self.shared = SharedHalts(self.book, HaltLedger(policy.halt.ledger.url))
            self._audit_adoptions(self.shared.sync())  # before listening: start in the fleet's state

    # ---- lifecycle ---------------------------------------------------------------------------
    async def start(self, channels: list[asyncio.Task[None]]) -> None:
        """Open the side-channel session, start the indicator feeds and the energy meters, keep the
        order ``channels`` (tasks, cancelled on :meth:`close`) and audit the start."""
        self._loop = asyncio.get_running_loop()
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        self.warnings.session = self.session
        self._background = [*channels, asyncio.create_task(self.warnings.refresh_indicators())]
        if self.shared is not None:
            self._background.append(asyncio.create_task(self._follow_ledger(self.shared)))
        if self.policy.energy_period_seconds:
            self.energy.start()
            self._background.append(asyncio.create_task(self._energy_periods()))
        self.audit.append(
            "gateway-start",
            {
                "upstream": self.upstream,
                "service": self.policy.service.model_dump(),
                "halted": [h.order.order_id for h in self.book.active()],
            },
        )
        if self.heads is not None:
            self.heads.sign()  # anchors what an earlier run left unanchored, and this start
            self._background.append(asyncio.create_task(self._sign_heads(self.heads)))

    async def close(self) -> None:
        """Stop background work, audit the stop and release the log."""
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._signing is not None:
            with contextlib.suppress(Exception):
                await self._signing  # a head being signed in its thread is finished, not cut off
        if self.session is not None:
            await self.session.close()
        if self.shared is not None:
            self.shared.ledger.close()
        self.audit.append("gateway-stop", {})
        if self.heads is not None:
            with contextlib.suppress(OSError):  # a full disk must not keep the log locked
                self.heads.sign()
        self.audit.close()

    async def _sign_heads(self, heads: AuditHeadSigner) -> None:
        interval = self.policy.audit.head_interval_seconds
        while True:
            await asyncio.sleep(interval)
            try:
                # Several workers share the directory: whoever signed less than half a period ago
                # spares the others a head of their own. In a thread: the file reads, the lock
                # and the signature (0.85 ms at p50 with 4 workers, tens at p99 on a busy disk)
                # stay off the event loop; the audit log takes appends from any thread.
                signing = asyncio.ensure_future(asyncio.to_thread(heads.sign, min_interval=interval / 2))
                self._signing = signing
                await asyncio.shield(signing)  # cancelled at close: the signing itself finishes
            except OSError as exc:  # a full disk: try again next period, and say so in the chain
                self.audit.append("audit-head-failed", {"error": str(exc)[:500]})

    async def _energy_periods(self) -> None:
        while True:
            await asyncio.sleep(self.energy.period_seconds)
            self.energy.close_period()  # in the loop: audit records come from one thread

    async def _follow_ledger(self, shared: SharedHalts) -> None:
        interval = self.policy.halt.ledger.poll_seconds
        while True:
            try:
                entries = await asyncio.to_thread(shared.fetch)
                if entries:
                    self._audit_adoptions(shared.adopt(entries))  # in the loop: one thread writes records
            except LedgerUnavailable:
                pass  # the state stays as it is (fail closed); the status says so
            except Exception:  # e.g. the state file unwritable: keep following, never stop hearing orders
                log.exception("applying the halt ledger failed; retrying at the next poll")
            await asyncio.sleep(interval)

    def _audit_adoptions(self, adoptions: list[Adoption]) -> None:
        for done in adoptions:
            where = {
                "source": "ledger",
                "ledger_seq": done.entry.seq,
                "via": done.entry.source,
                "accepted_by": done.entry.accepted_by,
            }
            if done.refusal is not None:
                self.audit.append(
                    "halt-order-refused",
                    {
                        **where,
                        "reason": done.refusal.reason,
                        "message": str(done.refusal),
                        "envelope_sha256": digest(json.dumps(done.entry.envelope).encode()),
                    },
                )
            elif done.receipt is not None:
                self.audit.append("halt-order", {**where, **done.receipt.to_json()})

    # ---- halts -------------------------------------------------------------------------------
    def _on_halt(self, halt: ActiveHalt) -> None:
        """Audit the halt and cut covered streams (TERMINATE at once, PAUSE within the bound)."""
        self.audit.append("halt", halt.to_json())
        if self._loop is None:
            return
        delay = 0.0 if halt.order.action is HaltAction.TERMINATE else self.policy.halt.stream_cut_seconds
        service = self.policy.service

        def cut_streams() -> None:
            if not self.book.in_force(halt.order.order_id):
                return  # lifted (or lapsed) during the grace period: nothing to cut
            for flight in list(self.in_flight):
                if halt.order.scope.covers(service.system_id, service.organisation, flight.served):
                    flight.cut(halt)

        self._loop.call_soon_threadsafe(self._loop.call_later, delay, cut_streams)

    def receive_order(self, envelope: object, source: str) -> dict[str, Any]:
        """Verify and apply an order from any channel; audit acceptance or refusal; raise if refused."""
        try:
            receipt: Receipt = (
                self.book.receive(envelope, source)
                if self.shared is None
                else self.shared.receive(envelope, source)
            )
        except HaltOrderError as exc:
            self.audit.append(
                "halt-order-refused",
                {
                    "source": source,
                    "reason": exc.reason,
                    "message": str(exc),
                    "envelope_sha256": digest(json.dumps(envelope).encode()),
                },
            )
            raise
        self.audit.append("halt-order", {"source": source, **receipt.to_json()})
        return receipt.to_json()

    # ---- audit -------------------------------------------------------------------------------
    def audit_content(self, data: bytes | str) -> dict[str, Any]:
        """The audit log's view of a body or output: its hash and size (and text, if configured)."""
        raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
        field: dict[str, Any] = {"sha256": digest(raw), "bytes": len(raw)}
        if self._full_content:
            field["text"] = raw.decode("utf-8", errors="replace")
        return field
