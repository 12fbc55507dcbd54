"""The gateway's own endpoints under ``/governance/``: halt orders in, state, health, alerts, energy.

Each endpoint reads or drives the :class:`~.governor.Governor`; none knows the proxy."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from tongzhou.gateway.gateway_request import GatewayRequest
from tongzhou.gateway.governor import Governor
from tongzhou.gateway.halt_order import HaltOrderError
from tongzhou.gateway.http_server import ClientConnection
from tongzhou.gateway.http_wire import error_body, parse_json

ORDER_STATUS = {
    "malformed": 400,
    "unsigned": 401,
    "untrusted-key": 403,
    "bad-signature": 403,
    "not-authorised": 403,
    "replayed": 409,
    "expired": 422,
    "stale": 422,
    "not-yet-valid": 422,
    "ledger-unavailable": 503,
}
MAX_ORDER_BYTES = 64 * 1024


def post_order(governor: Governor, request: GatewayRequest) -> tuple[int, Any]:
    """``POST /governance/halt-orders``: deliver one signed order (DSSE envelope); ``202`` when it
    only counts towards a quorum still short of issuers."""
    body = request.body
    if len(body) > MAX_ORDER_BYTES:
        message = f"order larger than {MAX_ORDER_BYTES} bytes"
        return 413, {"accepted": False, "reason": "malformed", "message": message}
    try:
        envelope = parse_json(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return 400, {"accepted": False, "reason": "malformed", "message": f"not JSON: {exc}"}
    try:
        receipt = governor.receive_order(envelope, "api")
    except HaltOrderError as exc:
        return ORDER_STATUS.get(exc.reason, 400), {
            "accepted": False,
            "reason": exc.reason,
            "message": str(exc),
        }
    # 202: counted towards a quorum that is not yet met; nothing was acted on (docs/gateway.md, Quorum).
    return (202 if receipt.get("pending") else 200), receipt


def get_state(governor: Governor, _request: GatewayRequest) -> tuple[int, Any]:
    """``GET /governance/halt-state``."""
    snapshot = governor.book.snapshot()
    if governor.shared is not None:
        snapshot["ledger"] = governor.shared.status()
    return 200, snapshot


def get_health(governor: Governor, _request: GatewayRequest) -> tuple[int, Any]:
    """``GET /governance/health``."""
    seq, head = governor.audit.head
    health: dict[str, Any] = {
        "ok": True,
        "upstream": governor.upstream,
        "halted": bool(governor.book.active()),
        "in_flight": len(governor.in_flight),
        "audit_head": {"seq": seq, "hash": head},
        "pid": os.getpid(),
    }
    if governor.shared is not None:
        ledger = governor.shared.status()
        health["ledger"] = ledger
        health["ok"] = bool(ledger["reachable"])  # serving, but no longer hearing the fleet's orders
    return 200, health


def get_alerts(governor: Governor, _request: GatewayRequest) -> tuple[int, Any]:
    """``GET /governance/alerts``: recent early-warning alerts."""
    return 200, {"alerts": list(governor.warnings.recent)}


def get_energy(governor: Governor, _request: GatewayRequest) -> tuple[int, Any]:
    """``GET /governance/energy``: energy, J/token and Wh/1,000 queries of recent periods."""
    return 200, {
        "period_seconds": governor.policy.energy_period_seconds,
        "periods": list(governor.energy.recent),
    }


Endpoint = Callable[[Governor, GatewayRequest], tuple[int, Any]]
ENDPOINTS: dict[str, tuple[str, Endpoint]] = {
    "/governance/halt-orders": ("POST", post_order),
    "/governance/halt-state": ("GET", get_state),
    "/governance/health": ("GET", get_health),
    "/governance/alerts": ("GET", get_alerts),
    "/governance/energy": ("GET", get_energy),
}


def answer_governance(governor: Governor, request: GatewayRequest, reply: ClientConnection) -> None:
    """Answer a request for one of :data:`ENDPOINTS` (404 / 405 otherwise)."""
    route = ENDPOINTS.get(request.path)
    if route is None:
        known = ", ".join(ENDPOINTS)
        reply.send_json(
            404, error_body(f"no endpoint {request.path}; known: {known}", "not_found", "not_found")
        )
        return
    method, endpoint = route
    if request.method != method:
        reply.send_json(
            405,
            error_body(
                f"{request.path} takes {method}, not {request.method}", "invalid_request_error", "bad_method"
            ),
            f"Allow: {method}\r\n".encode("ascii"),
        )
        return
    status, value = endpoint(governor, request)
    reply.send_json(status, value)
