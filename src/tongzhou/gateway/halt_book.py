"""The halt book: verifies incoming orders against the trust policy and keeps the persisted halt state.

State lives in one JSON file replaced atomically (temp file + fsync + rename) on
every change, so a gateway that restarts — or crashes — comes back exactly as
halted as it was. The file is read before the gateway accepts its first
request; an unreadable state file stops the gateway from starting rather than
letting it serve while an order may be in force (fail safe).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tongzhou.atomic_file import write_bytes_atomic
from tongzhou.attest import EnvelopeError, verify_envelope_signatures
from tongzhou.errors import InputError
from tongzhou.gateway.halt_order import (
    PAYLOAD_TYPE,
    HaltAction,
    HaltOrder,
    HaltOrderError,
    HaltScope,
    format_time,
    parse_payload,
)
from tongzhou.gateway.halt_quorum import PendingQuorum, QuorumBook
from tongzhou.gateway.model_names import model_key
from tongzhou.gateway.policy import GatewayPolicy
from tongzhou.gateway.quorum_rule import QuorumRule

CIRCUIT_BREAKER_KEY = "circuit-breaker"
"""``key_id`` recorded for halts raised by an early-warning rule rather than a signed order."""


@dataclass(frozen=True)
class ActiveHalt:
    """An order in force, and how it arrived."""

    order: HaltOrder
    key_id: str
    """The key that signed it (or ``circuit-breaker``)."""
    received_at: datetime
    source: str
    """Delivery channel: ``api``, ``url:<url>``, ``file:<path>``, ``taxii:<url>``, ``rule:<id>``."""
    quorum: tuple[str, ...] = ()
    """The issuers whose signatures met a quorum rule (empty: one signature sufficed)."""

    def to_json(self) -> dict[str, Any]:
        """JSON form (the state file and ``GET /governance/halt-state``)."""
        body = {
            "order": self.order.to_json(),
            "key_id": self.key_id,
            "received_at": format_time(self.received_at),
            "source": self.source,
        }
        if self.quorum:
            body["quorum"] = list(self.quorum)
        return body

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> ActiveHalt:
        """Inverse of :meth:`to_json`."""
        return cls(
            HaltOrder.from_json(obj["order"]),
            str(obj["key_id"]),
            datetime.fromisoformat(str(obj["received_at"]).replace("Z", "+00:00")),
            str(obj["source"]),
            tuple(str(i) for i in obj.get("quorum", ())),
        )

    def in_force(self, now: datetime) -> bool:
        """PAUSE lapses at ``expires_at``; TERMINATE stays until RESUME."""
        expires = self.order.expires_at
        return self.order.action is HaltAction.TERMINATE or expires is None or now < expires


@dataclass(frozen=True)
class Receipt:
    """What an accepted order did."""

    order: HaltOrder
    key_id: str
    halted: ActiveHalt | None
    """The new halt (PAUSE / TERMINATE)."""
    lifted: tuple[str, ...]
    """Order ids lifted (RESUME)."""
    quorum: PendingQuorum | None = None
    """The quorum set this order counted towards, when a quorum rule governs it."""
    counted: tuple[str, ...] = ()
    """The issuers this order newly counted towards that quorum."""
    lifted_by: str | None = None
    """A PAUSE / TERMINATE that arrived after a RESUME issued later than it: that RESUME's id (the
    order is recorded, not put in force, so the outcome does not depend on delivery order)."""

    @property
    def pending(self) -> bool:
        """Whether the order waits for more issuers (accepted as a contribution, not acted on)."""
        return self.quorum is not None and not self.quorum.complete

    def to_json(self) -> dict[str, Any]:
        """JSON answer of ``POST /governance/halt-orders``."""
        body: dict[str, Any] = {
            "accepted": True,
            "order_id": self.order.order_id,
            "action": self.order.action.value,
            "scope": str(self.order.scope),
            "key_id": self.key_id,
            "lifted": list(self.lifted),
        }
        if self.quorum is not None:
            body["pending"] = self.pending
            body["quorum"] = {
                "required": self.quorum.required,
                "signed": len(self.quorum.issuers),
                "issuers": list(self.quorum.issuers),
                "counted": list(self.counted),
                "first_order_id": self.quorum.order.order_id,
                "window_ends": format_time(self.quorum.window_ends),
            }
        if self.lifted_by is not None:
            body["lifted_by"] = self.lifted_by
        return body


@dataclass(frozen=True)
class _Verified:
    """An order whose signatures and trust checked (and, from :meth:`HaltBook._verified`, its time
    window and replay)."""

    order: HaltOrder
    key_id: str
    """The key that signed it as its issuer."""
    signers: tuple[tuple[str, str], ...]
    """``(issuer, key id)`` of every verified signature whose trust entry permits the order."""
    payload_sha256: str


HaltListener = Callable[[ActiveHalt], None]


class HaltBook:
    """Verifies orders, applies them, persists the state and tells listeners about new halts."""

    def __init__(self, policy: GatewayPolicy) -> None:
        self.policy = policy
        self.path = policy.state_path()
        self._trusted = policy.trusted_keys()
        self._lock = threading.Lock()
        self._active: list[ActiveHalt] = []
        self._seen: dict[str, str] = {}  # nonce or "id:<order_id>" -> forget-after (RFC 3339)
        self._resumes: list[HaltOrder] = []  # RESUMEs not yet stale: they also lift orders that arrive late
        self.ledger_seq = 0
        """The last halt-ledger entry applied (a fleet's shared ledger; 0 without one)."""
        self.shared = False
        """Set when several processes share the state file: writes then never go back in the ledger."""
        self._listeners: list[HaltListener] = []
        self._quorum = QuorumBook()
        self._load()

    # ---- persistence -------------------------------------------------------------------------
    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self._active = [ActiveHalt.from_json(a) for a in data["active"]]
            self._seen = {str(k): str(v) for k, v in data["seen"].items()}
            self._quorum = QuorumBook(PendingQuorum.from_json(p) for p in data.get("pending", ()))
            self._resumes = [HaltOrder.from_json(r) for r in data.get("resumes", [])]
            self.ledger_seq = int(data.get("ledger_seq", 0))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"halt state file {self.path} is unreadable ({exc}); refusing to start while an order "
                "may be in force. Restore it from backup, or remove it deliberately to clear all halts."
            ) from exc

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        state: dict[str, Any] = {
            "version": 1,
            "active": [a.to_json() for a in self._active],
            "seen": self._seen,
            "pending": self._quorum.to_json(),
        }
        if self._resumes:
            state["resumes"] = [r.to_json() for r in self._resumes]
        if self.ledger_seq:
            state["ledger_seq"] = self.ledger_seq
        body = json.dumps(state, ensure_ascii=False, indent=1).encode("utf-8")
        with self._file_lock():
            if self.shared and self._saved_seq() > self.ledger_seq:
                return  # another worker already wrote a later state: never go back
            # 0600 as before (the state names who ordered what); durable: fsync of the file and its
            # directory, so an order in force survives power loss.
            write_bytes_atomic(self.path, body, mode=0o600, durable=True, temp_prefix=".halt-state.")

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        if not self.shared:
            yield
            return
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _saved_seq(self) -> int:
        try:
            return int(json.loads(self.path.read_text(encoding="utf-8")).get("ledger_seq", 0))
        except (OSError, ValueError, TypeError, AttributeError):
            return 0

    # ---- queries -----------------------------------------------------------------------------
    def add_listener(self, listener: HaltListener) -> None:
        """Call ``listener(halt)`` whenever a new halt takes effect."""
        self._listeners.append(listener)

    def halting(
        self, models: str | AbstractSet[str] | None, now: datetime | None = None
    ) -> ActiveHalt | None:
        """The order that stops a request now, or None (the hot path: no I/O). ``models``: one model
        name, or the keys (:func:`model_key`) of the models the request may run on (empty: none;
        ``None``: it may run any, so every model-scoped halt stops it too)."""
        if not self._active:
            return None
        keys = frozenset((model_key(models),)) if isinstance(models, str) else models
        moment = now or datetime.now(UTC)
        service = self.policy.service
        for halt in self._active:
            if halt.in_force(moment) and halt.order.scope.covers(
                service.system_id, service.organisation, keys
            ):
                return halt
        return None

    def in_force(self, order_id: str) -> bool:
        """Whether the order ``order_id`` is still in force (not lifted, not lapsed)."""
        moment = datetime.now(UTC)
        return any(h.order.order_id == order_id and h.in_force(moment) for h in self._active)

    def active(self, now: datetime | None = None) -> list[ActiveHalt]:
        """Every halt in force."""
        moment = now or datetime.now(UTC)
        return [h for h in self._active if h.in_force(moment)]

    def snapshot(self, now: datetime | None = None) -> dict[str, Any]:
        """JSON view of the state (``GET /governance/halt-state``, ``gateway halt status``) at ``now``."""
        moment = now or datetime.now(UTC)
        active = self.active(moment)
        return {
            "halted": bool(active),
            "active": [a.to_json() for a in active],
            "pending": [p.to_json() for p in self._quorum.pending(moment)],
            "service": self.policy.service.model_dump(),
            "state_file": str(self.path),
        }

    # ---- verification ------------------------------------------------------------------------
    def verify(self, envelope: object, now: datetime | None = None) -> tuple[HaltOrder, str]:
        """Check signature, trust, time window and replay; return ``(order, key_id)`` or raise."""
        checked = self._verified(envelope, now or datetime.now(UTC))
        return checked.order, checked.key_id

    def authenticate(self, envelope: object) -> tuple[HaltOrder, str]:
        """Check the signature and the trust policy (not time or replay); ``(order, key_id)`` or raise."""
        checked = self._authenticated(envelope)
        return checked.order, checked.key_id

    def _verified(self, envelope: object, moment: datetime) -> _Verified:
        checked = self._authenticated(envelope)
        order = checked.order
        halt = self.policy.halt
        if order.expires_at is not None and order.expires_at <= moment:
            raise HaltOrderError(
                "expired", f"order {order.order_id} expired at {format_time(order.expires_at)}"
            )
        if order.issued_at > moment + timedelta(seconds=halt.max_clock_skew_seconds):
            raise HaltOrderError(
                "not-yet-valid",
                f"order {order.order_id} is issued in the future ({format_time(order.issued_at)})",
            )
        if order.issued_at < moment - timedelta(seconds=halt.max_order_age_seconds):
            raise HaltOrderError(
                "stale", f"order {order.order_id} was issued more than {halt.max_order_age_seconds:g} s ago"
            )
        if self._seen_before(checked, moment):
            raise HaltOrderError("replayed", f"order {order.order_id} (or its nonce) was received before")
        return checked

    def _seen_before(self, checked: _Verified, moment: datetime) -> bool:
        """Whether the order (its id or nonce) was received before, other than as exactly an order
        waiting for its quorum: a copy of that with more signatures is a contribution, not a replay."""
        order = checked.order
        seen = order.nonce in self._seen or f"id:{order.order_id}" in self._seen
        return seen and not self._quorum.holds(order, checked.payload_sha256, moment)

    def _authenticated(self, envelope: object) -> _Verified:
        if not isinstance(envelope, Mapping):
            raise HaltOrderError("malformed", "a halt order must be a DSSE envelope (JSON object)")
        if "signatures" not in envelope or not envelope.get("signatures"):
            raise HaltOrderError(
                "unsigned", "the order carries no signature; only signed orders are accepted"
            )
        keys = {kid: key for kid, (key, _entry) in self._trusted.items()}
        try:
            payload, payload_type, kids = verify_envelope_signatures(envelope, keys)
        except EnvelopeError as exc:
            reason = {"unknown-key": "untrusted-key", "bad-signature": "bad-signature"}.get(
                exc.reason, "malformed"
            )
            raise HaltOrderError(reason, str(exc)) from exc
        if payload_type != PAYLOAD_TYPE:
            raise HaltOrderError("malformed", f"payloadType {payload_type!r} is not {PAYLOAD_TYPE!r}")
        order = parse_payload(payload)
        # The order's issuer must have signed it; co-signatures by other trusted issuers count
        # towards a quorum (each only for what its own trust entry permits).
        own = [kid for kid in kids if self._trusted[kid][1].issuer == order.issuer]
        if not own:
            kid = kids[0]
            raise HaltOrderError(
                "not-authorised",
                f"order names issuer {order.issuer!r} but key {kid} belongs to "
                f"{self._trusted[kid][1].issuer!r}",
            )
        permitted = [kid for kid in own if self._trusted[kid][1].permits(order.action, order.scope)]
        if not permitted:
            kid = own[0]
            raise HaltOrderError(
                "not-authorised",
                f"key {kid} ({order.issuer}) may not order {order.action.value} on {order.scope}",
            )
        digest = hashlib.sha256(payload).hexdigest()
        signers = tuple(
            (self._trusted[kid][1].issuer, kid)
            for kid in kids
            if self._trusted[kid][1].permits(order.action, order.scope)
        )
        return _Verified(order, permitted[0], signers, digest)

    # ---- quorum ------------------------------------------------------------------------------
    def _quorum_rule(self, order: HaltOrder, moment: datetime) -> QuorumRule | None:
        """The strictest quorum rule governing ``order`` now, or None (one signature suffices)."""
        lifted: frozenset[HaltAction] = frozenset()
        if order.action is HaltAction.RESUME:
            lifted = frozenset(
                h.order.action for h in self._active if h.in_force(moment) and _lifts(order, h.order)
            )
        rules = [r for r in self.policy.halt.quorum if r.governs(order.action, order.scope, lifted)]
        return max(rules, key=lambda r: r.required, default=None)

    def _eligible(self, rule: QuorumRule, order: HaltOrder) -> set[str]:
        """The issuers whose signatures count under ``rule`` for ``order``: listed by the rule (or
        every trusted issuer) and permitted by their trust entry to order it."""
        entries = [entry for _key, entry in self._trusted.values()]
        able = {e.issuer for e in entries if e.permits(order.action, order.scope)}
        return able & set(rule.issuers) if rule.issuers else able

    # ---- applying ----------------------------------------------------------------------------
    def receive(
        self,
        envelope: object,
        source: str,
        now: datetime | None = None,
        record: Callable[[HaltOrder], None] | None = None,
    ) -> Receipt:
        """Verify and apply a signed order; persist before returning; raise :class:`HaltOrderError`.

        An order that a quorum rule governs is counted and kept pending until enough issuers have
        signed; only then does the first order of its set take effect. ``record(order)``, when
        given, is called after verification and before the order counts or applies (the fleet's
        halt ledger, which so holds every verified contribution, pending or not); an error it
        raises refuses the order."""
        moment = now or datetime.now(UTC)
        with self._lock:
            checked = self._verified(envelope, moment)
            if record is not None:
                record(checked.order)  # the fleet's ledger: raises if the fleet already has this order
            receipt = self._take(checked, source, moment)
            self._save()
        if receipt.halted is not None:
            self._notify(receipt.halted)
        return receipt

    def adopt(
        self,
        envelope: object,
        seq: int,
        source: str,
        at: datetime | None = None,
        now: datetime | None = None,
    ) -> Receipt | None:
        """Apply entry ``seq`` of the fleet's ledger, which accepted it at ``at``: verified for
        signature and trust (not for time: another gateway accepted it when it was fresh); None if
        it changes nothing here (this book already has the order, or already counted its issuers).

        It takes the same path as a received order, at the moment ``at``: a contribution to a quorum
        counts as it counted where it was accepted, its window measured in ledger time, so every
        gateway reaches the same decision, and a gateway reading old entries never completes a quorum
        whose window had passed. Raise :class:`HaltOrderError` for an entry this gateway's trust
        policy refuses."""
        moment = now or datetime.now(UTC)
        counted_at = min(at, moment) if at is not None else moment
        with self._lock:
            self.ledger_seq = max(self.ledger_seq, seq)
            try:
                checked = self._authenticated(envelope)
            except HaltOrderError:
                self._save()
                raise
            order = checked.order
            seen = order.nonce in self._seen or f"id:{order.order_id}" in self._seen
            if self._seen_before(checked, counted_at):
                self._save()
                return None
            receipt = self._take(checked, source, counted_at)
            self._save()
        if seen and receipt.pending and not receipt.counted:
            return None  # this gateway's own contribution, back from the ledger: counted already
        if receipt.halted is not None:
            self._notify(receipt.halted)
        return receipt

    def _take(self, checked: _Verified, source: str, moment: datetime) -> Receipt:
        """Count (quorum) and apply a verified order at ``moment``; the caller holds the lock and saves."""
        order, kid = checked.order, checked.key_id
        max_age = timedelta(seconds=self.policy.halt.max_order_age_seconds)
        forget = format_time(order.issued_at + max_age)
        # Forget a nonce only once its order is stale: at the forget-after moment itself the
        # order is not yet stale (``stale`` is strictly older), so it must still be remembered.
        self._seen = {k: v for k, v in self._seen.items() if v >= format_time(moment)}
        self._seen[order.nonce] = forget
        self._seen[f"id:{order.order_id}"] = forget
        # A RESUME is remembered until it is stale, so that an order it lifts which arrives after
        # it (another host, a slower channel) is lifted too: the state is the same whatever the
        # order of delivery. An order older than a forgotten RESUME is itself stale and refused.
        self._resumes = [r for r in self._resumes if r.issued_at + max_age >= moment]
        self._quorum.expire(moment)
        quorum: PendingQuorum | None = None
        counted: tuple[str, ...] = ()
        rule = self._quorum_rule(order, moment)
        if rule is not None:
            quorum, counted = self._quorum.collect(
                order,
                kid,
                checked.payload_sha256,
                checked.signers,
                required=rule.required,
                eligible=self._eligible(rule, order),
                window=timedelta(seconds=rule.window_seconds),
                moment=moment,
                source=source,
            )
            if not quorum.complete:
                return Receipt(order, kid, None, (), quorum=quorum, counted=counted)
            order, kid = quorum.order, quorum.key_id
        halted: ActiveHalt | None = None
        lifted: tuple[str, ...] = ()
        lifted_by: str | None = None
        if order.action is HaltAction.RESUME:
            lifted = self._lift(order)
            self._resumes.append(order)
        else:
            lifted_by = next((r.order_id for r in self._resumes if _lifts(r, order)), None)
            if lifted_by is None:
                halted = ActiveHalt(order, kid, moment, source, quorum.issuers if quorum else ())
                self._active.append(halted)
        self._active = [h for h in self._active if h.in_force(moment)]
        return Receipt(order, kid, halted, lifted, quorum=quorum, counted=counted, lifted_by=lifted_by)

    def _lift(self, resume: HaltOrder) -> tuple[str, ...]:
        lifted: list[str] = []
        kept: list[ActiveHalt] = []
        for halt in self._active:
            if _lifts(resume, halt.order):
                lifted.append(halt.order.order_id)
            else:
                kept.append(halt)
        self._active = kept
        return tuple(lifted)

    def trip(self, rule_id: str, reason: str, action: HaltAction = HaltAction.PAUSE) -> ActiveHalt:
        """Halt the whole system because an early-warning rule said so (lifted by a signed RESUME)."""
        order = HaltOrder.create(
            action, HaltScope("system", self.policy.service.system_id), f"rule:{rule_id}", reason
        )
        halt = ActiveHalt(order, CIRCUIT_BREAKER_KEY, datetime.now(UTC), f"rule:{rule_id}")
        with self._lock:
            self._active.append(halt)
            self._save()
        self._notify(halt)
        return halt

    def _notify(self, halt: ActiveHalt) -> None:
        for listener in self._listeners:
            listener(halt)


def _lifts(resume: HaltOrder, order: HaltOrder) -> bool:
    """Whether RESUME ``resume`` lifts ``order``: its scope contains the order's, it was issued no
    earlier, and it names the order (or names none)."""
    named = not resume.lifts or order.order_id in resume.lifts
    return named and resume.scope.contains(order.scope) and order.issued_at <= resume.issued_at
