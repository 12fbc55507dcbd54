"""Partial quorums: orders waiting for more issuers before they take effect.

When a quorum rule (:mod:`.quorum_rule`) governs an order, the halt book hands every verified
contribution here instead of acting on it. Contributions to one decision are those with the same
action, scope and ``lifts``: the signatures inside one envelope, a co-signed copy of an envelope
already received, or separate orders by other issuers. The first order of the set is the one that
takes effect; the others second it. Issuers are counted, not keys or signatures: an issuer who
signs twice, or with two keys, counts once; an issuer the rule does not list counts zero. A set
whose window has passed is dropped, and the next matching order starts counting anew.

Nothing here acts on an order: :class:`QuorumBook` only says when a set is complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tongzhou.gateway.halt_order import HaltOrder, format_time


def _time(text: object) -> datetime:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


@dataclass(frozen=True)
class QuorumSigner:
    """One issuer counted towards a quorum, and the contribution that counted."""

    issuer: str
    """The trust-entry issuer name (what is counted)."""
    key_id: str
    """The key whose signature counted."""
    order_id: str
    """The order it signed (the first order, or a matching one)."""
    received_at: datetime
    source: str
    """Delivery channel, as for an order in force."""

    def to_json(self) -> dict[str, Any]:
        """JSON form (state file, status endpoint, receipts)."""
        return {
            "issuer": self.issuer,
            "key_id": self.key_id,
            "order_id": self.order_id,
            "received_at": format_time(self.received_at),
            "source": self.source,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> QuorumSigner:
        """Inverse of :meth:`to_json`."""
        return cls(
            str(obj["issuer"]),
            str(obj["key_id"]),
            str(obj["order_id"]),
            _time(obj["received_at"]),
            str(obj["source"]),
        )


def decision_key(order: HaltOrder) -> str:
    """What makes orders contributions to one decision: action, scope and the orders it lifts."""
    return f"{order.action.value} {order.scope} {','.join(sorted(order.lifts))}"


@dataclass
class PendingQuorum:
    """An order that has fewer issuers than its rule requires: shown, never acted on."""

    order: HaltOrder
    """The first order of the set: the one that takes effect when the quorum is met."""
    key_id: str
    """The key that signed the first order as its issuer (the halt's ``key_id`` once in force)."""
    required: int
    """k."""
    eligible: tuple[str, ...]
    """The n issuers whose signatures count."""
    opened_at: datetime
    """When the first contribution arrived."""
    window_ends: datetime
    """Contributions after this moment start a new set (the first order's expiry, if earlier)."""
    signers: list[QuorumSigner] = field(default_factory=list)
    payloads: dict[str, str] = field(default_factory=dict)
    """order id → SHA-256 of its signed payload: a co-signed copy of the same order may come back."""

    @property
    def issuers(self) -> tuple[str, ...]:
        """The distinct issuers counted so far."""
        return tuple(sorted({s.issuer for s in self.signers}))

    @property
    def complete(self) -> bool:
        """Whether k distinct eligible issuers have signed."""
        return len(self.issuers) >= self.required

    def to_json(self) -> dict[str, Any]:
        """JSON form (state file, ``GET /governance/halt-state``'s ``pending``, receipts)."""
        return {
            "order": self.order.to_json(),
            "key_id": self.key_id,
            "required": self.required,
            "signed": len(self.issuers),
            "issuers": list(self.issuers),
            "eligible": list(self.eligible),
            "opened_at": format_time(self.opened_at),
            "window_ends": format_time(self.window_ends),
            "signers": [s.to_json() for s in self.signers],
            "payloads": dict(self.payloads),
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> PendingQuorum:
        """Inverse of :meth:`to_json`."""
        return cls(
            HaltOrder.from_json(obj["order"]),
            str(obj["key_id"]),
            int(obj["required"]),
            tuple(str(i) for i in obj["eligible"]),
            _time(obj["opened_at"]),
            _time(obj["window_ends"]),
            [QuorumSigner.from_json(s) for s in obj["signers"]],
            {str(k): str(v) for k, v in obj["payloads"].items()},
        )


class QuorumBook:
    """The partial quorums of one gateway (persisted by the halt book with the rest of its state)."""

    def __init__(self, pending: Iterable[PendingQuorum] = ()) -> None:
        self._pending: dict[str, PendingQuorum] = {decision_key(p.order): p for p in pending}

    def expire(self, moment: datetime) -> list[PendingQuorum]:
        """Drop the sets whose window has passed; return them."""
        gone = [p for p in self._pending.values() if p.window_ends <= moment]
        for pending in gone:
            del self._pending[decision_key(pending.order)]
        return gone

    def holds(self, order: HaltOrder, payload_sha256: str, moment: datetime) -> bool:
        """Whether exactly this order (same id, same signed payload) is waiting within its window: a
        copy of it with more signatures is a contribution, not a replay. Once the window has passed
        it is a replay like any other, so re-sending old contributions cannot restart a count."""
        pending = self._pending.get(decision_key(order))
        return (
            pending is not None
            and pending.window_ends > moment
            and pending.payloads.get(order.order_id) == payload_sha256
        )

    def collect(
        self,
        order: HaltOrder,
        key_id: str,
        payload_sha256: str,
        signers: Iterable[tuple[str, str]],
        *,
        required: int,
        eligible: Iterable[str],
        window: timedelta,
        moment: datetime,
        source: str,
    ) -> tuple[PendingQuorum, tuple[str, ...]]:
        """Count the ``(issuer, key id)`` signatures of a verified order towards its decision.

        Returns the set and the issuers this contribution newly counted. A complete set leaves the
        book (the caller acts on ``set.order``); an incomplete one stays, pending.
        """
        self.expire(moment)
        key = decision_key(order)
        pending = self._pending.get(key)
        if pending is None:
            ends = moment + window
            if order.expires_at is not None:
                ends = min(ends, order.expires_at)
            pending = PendingQuorum(order, key_id, required, tuple(sorted(set(eligible))), moment, ends)
        pending.payloads[order.order_id] = payload_sha256
        counted: list[str] = []
        for issuer, kid in signers:
            if issuer in pending.eligible and issuer not in pending.issuers:
                pending.signers.append(QuorumSigner(issuer, kid, order.order_id, moment, source))
                counted.append(issuer)
        if pending.complete:
            self._pending.pop(key, None)
        else:
            self._pending[key] = pending
        return pending, tuple(counted)

    def pending(self, moment: datetime) -> list[PendingQuorum]:
        """The sets still within their window."""
        return [p for p in self._pending.values() if p.window_ends > moment]

    def to_json(self) -> list[dict[str, Any]]:
        """Every set (the state file)."""
        return [p.to_json() for p in self._pending.values()]
