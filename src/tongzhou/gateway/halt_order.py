"""Halt orders: the signed PAUSE / TERMINATE / RESUME documents of the emergency shutdown protocol.

An order is a small JSON object (see docs/gateway.md, "Halt-order protocol"),
serialised with RFC 8785 canonical JSON and wrapped in a DSSE v1 envelope signed
with Ed25519 (``tongzhou.attest``). The payload type names the protocol version.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.attest import canonical_json, sign_envelope
from tongzhou.gateway.model_names import model_key

PAYLOAD_TYPE = "application/vnd.tongzhou.halt-order+json; version=1"
"""DSSE ``payloadType`` of a halt order (protocol version 1)."""

ORDER_TYPE = "tongzhou.halt-order"


class HaltOrderError(ValueError):
    """An order that is refused; ``reason`` is a stable code (see docs/gateway.md)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class HaltAction(StrEnum):
    """What an order asks for."""

    PAUSE = "PAUSE"
    """Stop serving until RESUME or until ``expires_at``."""
    TERMINATE = "TERMINATE"
    """Stop serving until an explicit RESUME; ``expires_at`` bounds only when it may be delivered."""
    RESUME = "RESUME"
    """Lift earlier PAUSE / TERMINATE orders within its scope."""


SCOPE_KINDS = ("all", "system", "model", "organisation")


@dataclass(frozen=True)
class HaltScope:
    """What an order applies to: everything, or one system, model or organisation (by id)."""

    kind: str
    """One of ``all``, ``system``, ``model``, ``organisation``."""
    id: str | None = None
    """The system / model / organisation id; ``None`` for ``all``."""

    @classmethod
    def parse(cls, text: str) -> HaltScope:
        """Parse ``all`` or ``KIND:ID`` (e.g. ``model:smollm2-135m-instruct``)."""
        if text == "all":
            return cls("all")
        kind, sep, ident = text.partition(":")
        if not sep or kind not in SCOPE_KINDS or kind == "all" or not ident:
            raise HaltOrderError(
                "malformed",
                f"scope {text!r} is not 'all' or KIND:ID with KIND in system, model, organisation",
            )
        return cls(kind, ident)

    def __str__(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}:{self.id}"

    def to_json(self) -> dict[str, Any]:
        """The wire form: ``{"kind": ..., "id": ...}`` (no ``id`` for ``all``)."""
        return {"kind": "all"} if self.kind == "all" else {"kind": self.kind, "id": self.id}

    def covers(self, system_id: str, organisation: str, models: AbstractSet[str] | None) -> bool:
        """Whether a request served by this system / organisation falls in this scope. ``models``:
        the keys (:func:`model_key`) of the models the request may run on, empty when it runs none,
        ``None`` when it may run any (the gateway cannot tell which: a model scope covers it)."""
        if self.kind == "all":
            return True
        if self.kind == "system":
            return self.id == system_id
        if self.kind == "organisation":
            return self.id == organisation
        return models is None or model_key(str(self.id)) in models

    def contains(self, other: HaltScope) -> bool:
        """Whether lifting this scope lifts ``other`` too (``all`` contains every scope)."""
        return self.kind == "all" or self == other


def _parse_time(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise HaltOrderError("malformed", f"order field {name!r} must be an RFC 3339 UTC string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise HaltOrderError("malformed", f"order field {name!r} is not a timestamp: {value!r}") from exc
    if parsed.tzinfo is None:
        raise HaltOrderError("malformed", f"order field {name!r} has no time zone (use Z)")
    return parsed.astimezone(UTC)


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with ``Z`` and microseconds, the protocol's timestamp form."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(payload: Mapping[str, Any], name: str, *, limit: int = 2000, required: bool = True) -> str:
    value = payload.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise HaltOrderError("malformed", f"order field {name!r} must be a non-empty string")
    if len(value) > limit:
        raise HaltOrderError("malformed", f"order field {name!r} is longer than {limit} characters")
    return value


@dataclass(frozen=True)
class HaltOrder:
    """One halt order (the signed payload)."""

    order_id: str
    """Unique id chosen by the issuer (a UUID is recommended)."""
    action: HaltAction
    """PAUSE, TERMINATE or RESUME."""
    scope: HaltScope
    """What it applies to."""
    issuer: str
    """Who issues it (must match the trust policy entry of the signing key when that entry names one)."""
    reason: str
    """Why: shown to every client that is refused."""
    issued_at: datetime
    """When it was issued (UTC); replay and staleness checks use it."""
    expires_at: datetime | None
    """PAUSE lapses then; no order is accepted after it. ``None``: no expiry."""
    nonce: str
    """Random value; an order whose nonce was seen before is a replay."""
    lifts: tuple[str, ...] = field(default=())
    """RESUME only: the order ids it lifts (empty: every active order within its scope)."""

    @classmethod
    def create(
        cls,
        action: HaltAction | str,
        scope: HaltScope | str,
        issuer: str,
        reason: str,
        *,
        expires_in: timedelta | None = None,
        lifts: tuple[str, ...] = (),
        now: datetime | None = None,
    ) -> HaltOrder:
        """A new order with a fresh id and nonce, issued now."""
        issued = (now or datetime.now(UTC)).astimezone(UTC)
        return cls(
            order_id=str(uuid.uuid4()),
            action=HaltAction(action),
            scope=scope if isinstance(scope, HaltScope) else HaltScope.parse(scope),
            issuer=issuer,
            reason=reason,
            issued_at=issued,
            expires_at=issued + expires_in if expires_in is not None else None,
            nonce=secrets.token_hex(16),
            lifts=tuple(lifts),
        )

    def to_json(self) -> dict[str, Any]:
        """The payload object as it is signed."""
        body: dict[str, Any] = {
            "type": ORDER_TYPE,
            "version": 1,
            "order_id": self.order_id,
            "action": self.action.value,
            "scope": self.scope.to_json(),
            "issuer": self.issuer,
            "reason": self.reason,
            "issued_at": format_time(self.issued_at),
            "expires_at": format_time(self.expires_at) if self.expires_at else None,
            "nonce": self.nonce,
        }
        if self.lifts:
            body["lifts"] = list(self.lifts)
        return body

    @classmethod
    def from_json(cls, payload: object) -> HaltOrder:
        """Parse and validate a payload object; raise :class:`HaltOrderError` (``malformed``)."""
        if not isinstance(payload, Mapping):
            raise HaltOrderError("malformed", "order payload is not a JSON object")
        if payload.get("type") != ORDER_TYPE or payload.get("version") != 1:
            raise HaltOrderError("malformed", f"order payload is not a {ORDER_TYPE} version 1")
        try:
            action = HaltAction(str(payload.get("action")))
        except ValueError as exc:
            raise HaltOrderError("malformed", "order action must be PAUSE, TERMINATE or RESUME") from exc
        scope_obj = payload.get("scope")
        if not isinstance(scope_obj, Mapping) or scope_obj.get("kind") not in SCOPE_KINDS:
            raise HaltOrderError("malformed", "order scope must be {kind: all|system|model|organisation, id}")
        kind = str(scope_obj["kind"])
        scope = HaltScope("all") if kind == "all" else HaltScope(kind, _text(scope_obj, "id", limit=256))
        expires = payload.get("expires_at")
        lifts = payload.get("lifts", [])
        if not isinstance(lifts, list) or not all(isinstance(x, str) for x in lifts):
            raise HaltOrderError("malformed", "order field 'lifts' must be a list of order ids")
        if lifts and action is not HaltAction.RESUME:
            raise HaltOrderError("malformed", "only a RESUME order may name orders it lifts")
        nonce = _text(payload, "nonce", limit=256)
        if len(nonce) < 16:
            raise HaltOrderError("malformed", "order nonce must have at least 16 characters")
        return cls(
            order_id=_text(payload, "order_id", limit=256),
            action=action,
            scope=scope,
            issuer=_text(payload, "issuer", limit=256),
            reason=_text(payload, "reason"),
            issued_at=_parse_time(payload.get("issued_at"), "issued_at"),
            expires_at=None if expires is None else _parse_time(expires, "expires_at"),
            nonce=nonce,
            lifts=tuple(lifts),
        )

    def sign(self, private_key: Ed25519PrivateKey) -> dict[str, Any]:
        """The DSSE envelope carrying this order, signed by ``private_key``."""
        return sign_envelope(canonical_json(self.to_json()), PAYLOAD_TYPE, private_key)

    def describe(self) -> str:
        """One line for people: ``PAUSE of all by X: reason (order id)``."""
        return f"{self.action.value} of {self.scope} by {self.issuer}: {self.reason} (order {self.order_id})"


def parse_payload(payload: bytes) -> HaltOrder:
    """Parse the verified DSSE payload bytes of an order."""
    try:
        obj = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HaltOrderError("malformed", f"order payload is not JSON: {exc}") from exc
    return HaltOrder.from_json(obj)
