"""The OpenAI-compatible reverse proxy (aiohttp server + one pooled aiohttp client session).

Stack chosen by measurement (benchmarks/gateway_overhead.py): a raw aiohttp
server with a pooled aiohttp client adds less latency than FastAPI/Starlette
in front of httpx on the same machine; see docs/gateway.md for the figures.

Every request is checked against the halt book before it is forwarded, audited
(request and response, hash-chained), labelled per policy, and its output fed
to the early-warning rules. Streams are registered while open so that a halt
order can cut them within the configured bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
import uuid
from typing import Any

import aiohttp
from aiohttp import web

from tongzhou.gateway.audit_log import AuditLog
from tongzhou.gateway.early_warning import EarlyWarning
from tongzhou.gateway.energy_periods import EnergyPeriods
from tongzhou.gateway.halt_book import ActiveHalt, HaltBook
from tongzhou.gateway.halt_order import HaltAction, HaltOrderError
from tongzhou.gateway.in_flight import InFlight, halted_body, json_bytes
from tongzhou.gateway.policy import GatewayPolicy
from tongzhou.gateway.response_labels import LABEL_FIELD, ResponseLabeller
from tongzhou.gateway.sse_relay import choice_text, relay_stream

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "accept-encoding",
    }
)
RESPONSE_SKIP = frozenset(
    {"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive"}
)
GENERATING_PATHS = frozenset({"chat/completions", "completions"})
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
}
MAX_ORDER_BYTES = 64 * 1024


def _clean(text: str) -> str:
    """``text`` without lone surrogates (JSON allows "\\ud800"; UTF-8 and the audit log do not)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Gateway:
    """The governance gateway in front of one upstream OpenAI-compatible base URL (…/v1)."""

    def __init__(self, upstream: str, policy: GatewayPolicy) -> None:
        self.upstream = upstream.rstrip("/")
        self.policy = policy
        self.book = HaltBook(policy)
        self.audit = AuditLog(
            policy.audit_dir(), retention_days=policy.audit.retention_days, fsync=policy.audit.fsync
        )
        self.labeller = ResponseLabeller(policy.labels)
        self.warnings = EarlyWarning(policy.early_warning, self.book, self.audit)
        self.energy = EnergyPeriods(self.audit, policy.energy_period_seconds or 0)
        self.in_flight: set[InFlight] = set()
        self.session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._background: list[asyncio.Task[None]] = []
        self.book.add_listener(self._on_halt)

    # ---- lifecycle ---------------------------------------------------------------------------
    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application(client_max_size=self.policy.max_body_bytes)
        app.router.add_post("/governance/halt-orders", self.post_order)
        app.router.add_get("/governance/halt-state", self.get_state)
        app.router.add_get("/governance/health", self.get_health)
        app.router.add_get("/governance/alerts", self.get_alerts)
        app.router.add_get("/governance/energy", self.get_energy)
        app.router.add_route("*", "/v1/{tail:.*}", self.proxy)
        app.on_startup.append(self._startup)
        app.on_cleanup.append(self._cleanup)
        return app

    async def _startup(self, _app: web.Application) -> None:
        self._loop = asyncio.get_running_loop()
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, keepalive_timeout=60)
        self.session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=None, sock_read=self.policy.upstream_timeout_seconds),
        )
        self.warnings.session = self.session
        from tongzhou.gateway.order_delivery import start_pollers

        self._background = start_pollers(self)
        self._background.append(asyncio.create_task(self.warnings.refresh_indicators()))
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

    async def _cleanup(self, _app: web.Application) -> None:
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.session is not None:
            await self.session.close()
        self.audit.append("gateway-stop", {})
        self.audit.close()

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
                if halt.order.scope.covers(service.system_id, service.organisation, flight.model):
                    flight.cut(halt)

        self._loop.call_soon_threadsafe(self._loop.call_later, delay, cut_streams)

    def receive_order(self, envelope: object, source: str) -> dict[str, Any]:
        """Verify and apply an order from any channel; audit acceptance or refusal; raise if refused."""
        try:
            receipt = self.book.receive(envelope, source)
        except HaltOrderError as exc:
            self.audit.append(
                "halt-order-refused",
                {
                    "source": source,
                    "reason": exc.reason,
                    "message": str(exc),
                    "envelope_sha256": _digest(json.dumps(envelope).encode()),
                },
            )
            raise
        self.audit.append("halt-order", {"source": source, **receipt.to_json()})
        return receipt.to_json()

    async def post_order(self, request: web.Request) -> web.Response:
        """``POST /governance/halt-orders``: deliver one signed order (DSSE envelope)."""
        body = await request.content.read(MAX_ORDER_BYTES + 1)
        if len(body) > MAX_ORDER_BYTES:
            return web.json_response(
                {
                    "accepted": False,
                    "reason": "malformed",
                    "message": f"order larger than {MAX_ORDER_BYTES} bytes",
                },
                status=413,
            )
        try:
            envelope = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return web.json_response(
                {"accepted": False, "reason": "malformed", "message": f"not JSON: {exc}"}, status=400
            )
        try:
            result = self.receive_order(envelope, "api")
        except HaltOrderError as exc:
            return web.json_response(
                {"accepted": False, "reason": exc.reason, "message": str(exc)},
                status=ORDER_STATUS.get(exc.reason, 400),
            )
        return web.json_response(result)

    async def get_state(self, _request: web.Request) -> web.Response:
        """``GET /governance/halt-state``."""
        return web.json_response(self.book.snapshot())

    async def get_health(self, _request: web.Request) -> web.Response:
        """``GET /governance/health``."""
        seq, head = self.audit.head
        return web.json_response(
            {
                "ok": True,
                "upstream": self.upstream,
                "halted": bool(self.book.active()),
                "in_flight": len(self.in_flight),
                "audit_head": {"seq": seq, "hash": head},
            }
        )

    async def _energy_periods(self) -> None:
        while True:
            await asyncio.sleep(self.energy.period_seconds)
            self.energy.close_period()  # in the loop: audit records come from one thread

    async def get_energy(self, _request: web.Request) -> web.Response:
        """``GET /governance/energy``: energy, J/token and Wh/1,000 queries of recent periods."""
        return web.json_response(
            {"period_seconds": self.policy.energy_period_seconds, "periods": list(self.energy.recent)}
        )

    async def get_alerts(self, _request: web.Request) -> web.Response:
        """``GET /governance/alerts``: recent early-warning alerts."""
        return web.json_response({"alerts": list(self.warnings.recent)})

    # ---- proxying ----------------------------------------------------------------------------
    def _audit_content(self, data: bytes | str) -> dict[str, Any]:
        raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
        field: dict[str, Any] = {"sha256": _digest(raw), "bytes": len(raw)}
        if self.policy.audit.content == "full":
            field["text"] = raw.decode("utf-8", errors="replace")
        return field

    async def proxy(self, request: web.Request) -> web.StreamResponse:
        """Forward ``/v1/<tail>`` to the upstream, governed."""
        tail = _clean(request.match_info["tail"])
        if ".." in tail.split("/"):  # never let a client step outside the upstream's /v1
            return web.json_response(
                {
                    "error": {
                        "message": "path segments '..' are not allowed",
                        "type": "invalid_request_error",
                        "code": "bad_path",
                    }
                },
                status=400,
            )
        body = await request.read()
        model: str | None = None
        stream = False
        payload: Any = None
        if body and request.method == "POST":
            try:
                payload = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                return web.json_response(
                    {
                        "error": {
                            "message": f"request body is not JSON: {exc}",
                            "type": "invalid_request_error",
                            "code": "bad_json",
                        }
                    },
                    status=400,
                )
            if isinstance(payload, dict):
                model = _clean(payload["model"]) if isinstance(payload.get("model"), str) else None
                stream = payload.get("stream") is True
        request_id = uuid.uuid4().hex
        halt = self.book.halting(model)
        if halt is not None:
            self.audit.append(
                "refused", {"id": request_id, "path": tail, "model": model, "order_id": halt.order.order_id}
            )
            return web.json_response(
                halted_body(halt), status=503, headers={"X-Tongzhou-Halt-Order": halt.order.order_id}
            )
        self.audit.append(
            "request",
            {
                "id": request_id,
                "method": request.method,
                "path": tail,
                "model": model,
                "stream": stream,
                "client": request.remote,
                "body": self._audit_content(body),
            },
        )
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        url = f"{self.upstream}/{tail}"
        if request.query_string:
            url += "?" + request.query_string
        assert self.session is not None
        started = time.perf_counter()
        generating = tail in GENERATING_PATHS and request.method == "POST"
        flight = InFlight(model)
        self.in_flight.add(flight)
        fetch = asyncio.ensure_future(self._call_upstream(request.method, url, body, headers, stream))
        flight.task = fetch
        try:
            try:
                upstream, data = await fetch
            except asyncio.CancelledError:
                if flight.cut_by is None:
                    raise
                self.audit.append(
                    "response", {"id": request_id, "status": 503, "cut_by": flight.cut_by.order.order_id}
                )
                return web.json_response(
                    halted_body(flight.cut_by),
                    status=503,
                    headers={"X-Tongzhou-Halt-Order": flight.cut_by.order.order_id},
                )
            except (TimeoutError, aiohttp.ClientError) as exc:
                self.warnings.observe_error(model)
                self.audit.append(
                    "response", {"id": request_id, "status": 502, "error": str(exc) or type(exc).__name__}
                )
                return web.json_response(
                    {
                        "error": {
                            "message": f"upstream unreachable: {exc}",
                            "type": "upstream_error",
                            "code": "bad_gateway",
                        }
                    },
                    status=502,
                )
            try:
                if data is None:
                    flight.upstream = upstream
                    return await relay_stream(self, request, flight, request_id, tail, payload)
                return await self._relay_whole(
                    upstream, data, request_id, model, generating, started, payload
                )
            finally:
                upstream.release()
        finally:
            self.in_flight.discard(flight)
            if not fetch.done():
                fetch.cancel()

    async def _call_upstream(
        self, method: str, url: str, body: bytes, headers: dict[str, str], stream: bool
    ) -> tuple[aiohttp.ClientResponse, bytes | None]:
        """Send the request; read the whole answer unless it is an event stream (then ``None``)."""
        assert self.session is not None
        upstream = await self.session.request(method, url, data=body or None, headers=headers)
        if (
            stream
            and upstream.status == 200
            and "text/event-stream" in upstream.headers.get("Content-Type", "")
        ):
            return upstream, None
        try:
            return upstream, await upstream.read()
        finally:
            upstream.release()

    async def _relay_whole(
        self,
        upstream: aiohttp.ClientResponse,
        data: bytes,
        request_id: str,
        model: str | None,
        generating: bool,
        started: float,
        payload: Any,
    ) -> web.Response:
        headers = {k: v for k, v in upstream.headers.items() if k.lower() not in RESPONSE_SKIP}
        output = ""
        label_id: str | None = None
        if generating and upstream.status == 200:
            try:
                answer = json.loads(data)
            except (json.JSONDecodeError, UnicodeDecodeError):
                answer = None
            if isinstance(answer, dict):
                output = "".join(choice_text(c) for c in answer.get("choices") or [])
                usage = answer.get("usage")
                tokens = usage.get("completion_tokens") if isinstance(usage, dict) else None
                self.energy.record(tokens if isinstance(tokens, int) else None)
                if self.labeller.enabled:
                    label_json = self.labeller.label_completion(answer, request_id)
                    if label_json:
                        headers[LABEL_FIELD] = label_json
                        label_id = request_id
                    data = json_bytes(answer)
        if upstream.status >= 500:
            self.warnings.observe_error(model)
        elif generating:
            self.warnings.observe_output(model, payload, output)
        self.audit.append(
            "response",
            {
                "id": request_id,
                "status": upstream.status,
                "label": label_id,
                "us": int((time.perf_counter() - started) * 1_000_000),
                "output": self._audit_content(output if generating else data),
            },
        )
        return web.Response(body=data, status=upstream.status, headers=headers)
