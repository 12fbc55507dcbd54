"""The OpenAI-compatible reverse proxy: governance on every request to ``/v1/*``.

The proxy is one of the gateway's doors: it asks the :class:`~.governor.Governor` below it (halt
book, audit, early warning, energy, requests in flight) and never calls back into whatever routes
requests to it (:mod:`.app`). Every request is checked against the halt book before it is forwarded, audited
(request and response, hash-chained), labelled per policy, and its output fed
to the early-warning rules and the energy accounts. Streams are registered
while open so that a halt order can cut them within the configured bound.

The HTTP work is done by :mod:`tongzhou.gateway.http_server` (clients) and
:mod:`tongzhou.gateway.upstream_pool` (the upstream): lean HTTP/1.1 on asyncio
protocols and httptools, chosen by measurement (docs/gateway.md, Performance).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any
from urllib.parse import unquote

from tongzhou.gateway.gateway_request import GatewayRequest
from tongzhou.gateway.governor import Governor
from tongzhou.gateway.halt_book import ActiveHalt
from tongzhou.gateway.http_server import ClientConnection
from tongzhou.gateway.http_wire import end_to_end, error_body, header_line, parse_json
from tongzhou.gateway.in_flight import InFlight, halted_body, json_bytes
from tongzhou.gateway.request_body import UnclearBody, read_request_body
from tongzhou.gateway.response_labels import LABEL_FIELD, ResponseLabeller
from tongzhou.gateway.sse_relay import choice_text, relay_stream
from tongzhou.gateway.upstream_pool import UpstreamAnswer, UpstreamError, UpstreamPool

FORWARDING_HEADERS = frozenset(
    {
        b"forwarded",
        b"x-forwarded-for",
        b"x-forwarded-host",
        b"x-forwarded-proto",
        b"x-forwarded-port",
        b"x-forwarded-prefix",
        b"x-forwarded-server",
        b"x-real-ip",
        b"x-client-ip",
        b"true-client-ip",
    }
)
"""What proxies tell the server behind them about the client. A client's own copies are lies the
upstream might log or trust (rate limits, allow lists), so they are dropped and the gateway says
``X-Forwarded-For: <peer address>`` itself (docs/gateway.md, "Endpoints")."""
REQUEST_DROP = frozenset({b"host", b"content-length", b"accept-encoding", b"expect"}) | FORWARDING_HEADERS
"""Client headers the gateway replaces: its own Host and length; identity encoding, so that the
answers it inspects (labels, early warning) are plain JSON; the forwarding headers."""
RESPONSE_DROP = frozenset({b"content-length"})
GENERATING_PATHS = frozenset({"chat/completions", "completions"})
_LISTING: frozenset[str] = frozenset()
"""``GET /v1/models`` runs no model: only halts of the whole service stop it (docs/gateway.md)."""
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _clean(text: str) -> str:
    """``text`` without lone surrogates (JSON allows "\\ud800"; UTF-8 and the audit log do not)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _climbs_out(tail: str) -> bool:
    """Whether a path tail (percent-decoded once) has a ``..`` segment as any server behind the
    gateway might read it: decoded again (``%252e``), split at backslashes (Windows and some Java
    servers), or with ``;`` path parameters dropped (``..;`` is ``..`` to Tomcat)."""
    if ".." not in tail and "%" not in tail:
        return False  # the usual case, decided without splitting
    text = tail
    for _ in range(3):
        if "%" not in text:
            break
        text = unquote(text, errors="replace")
    return any(segment.split(";", 1)[0] == ".." for segment in text.replace("\\", "/").split("/"))


def _halt_header(halt: ActiveHalt) -> bytes:
    return header_line("X-Tongzhou-Halt-Order", halt.order.order_id)


class Proxy:
    """Forwards ``/v1/<tail>`` to one upstream OpenAI-compatible base URL (…/v1), governed."""

    def __init__(self, governor: Governor, pool: UpstreamPool, labeller: ResponseLabeller) -> None:
        self.governor = governor
        self.pool = pool
        self.labeller = labeller
        # The governor's parts, held here too: the hot path reads them on every request.
        self.policy = governor.policy
        self.book = governor.book
        self.audit = governor.audit
        self.warnings = governor.warnings
        self.energy = governor.energy
        self.in_flight = governor.in_flight
        self.audit_content = governor.audit_content
        # Request ids: a random prefix per process and a counter (unique without a urandom call each).
        self._id_prefix = os.urandom(8).hex()
        self._id_counter = 0

    # ---- proxying ----------------------------------------------------------------------------
    async def handle(self, request: GatewayRequest, reply: ClientConnection) -> None:
        """Forward ``/v1/<tail>`` to the upstream, governed."""
        raw_tail = request.path[4:]
        tail = _clean(unquote(raw_tail, errors="replace")) if "%" in raw_tail else raw_tail
        if _climbs_out(tail):  # never let a client step outside the upstream's /v1
            message = "path segments '..' are not allowed"
            reply.send_json(400, error_body(message, "invalid_request_error", "bad_path"))
            return
        method, body = request.method, request.body
        model: str | None = None
        stream = False
        payload: Any = None
        self._id_counter += 1
        request_id = f"{self._id_prefix}{self._id_counter:016x}"
        if body and method == "POST":
            try:
                read = read_request_body(body)
            except UnclearBody as exc:
                self._reject(reply, request_id, tail, exc)
                return
            payload, stream = read.payload, read.stream
            model = _clean(read.model) if read.model is not None else None
        elif tail.startswith("models/"):
            model = tail[7:]  # GET /v1/models/{model}: about that model
        # The models the upstream may run for this request (docs/gateway.md, "Model-scoped halts").
        listing = method in ("GET", "HEAD") and tail.rstrip("/") == "models"
        served = _LISTING if listing else self.policy.upstream.served(model)
        halt = self.book.halting(served)
        if halt is not None:
            self._refuse(reply, request_id, tail, model, halt)
            return
        self.audit.append(
            "request",
            {
                "id": request_id,
                "method": method,
                "path": tail,
                "model": model,
                "stream": stream,
                "client": request.remote,
                "body": self.audit_content(body),
            },
        )
        self.audit.flush()  # the record reaches the OS before the request reaches the upstream
        pool = self.pool
        target = pool.prefix + b"/" + raw_tail.encode("latin-1")
        if request.query:
            target += b"?" + request.query
        head = [
            method.encode("ascii"),
            b" ",
            target,
            b" HTTP/1.1\r\n",
            pool.host_header,
            end_to_end(request.headers, REQUEST_DROP),
        ]
        if request.remote:
            head.append(b"X-Forwarded-For: " + request.remote.encode("ascii", "replace") + b"\r\n")
        if body or method in BODY_METHODS:
            head += [b"Content-Length: ", str(len(body)).encode("ascii"), b"\r\n"]
        head += [b"\r\n", body]
        started = time.perf_counter()
        flight = InFlight(model, asyncio.current_task(), served)
        self.in_flight.add(flight)
        try:
            try:
                answer = await pool.send(b"".join(head), stream=stream, head=method == "HEAD")
            except asyncio.CancelledError:
                if flight.cut_by is None:  # the client went away
                    self.audit.append("response", {"id": request_id, "status": None, "error": "client-gone"})
                    raise
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()  # the cut was ours: this request is answered, not abandoned
                cut_by = flight.cut_by
                self.audit.append(
                    "response", {"id": request_id, "status": 503, "cut_by": cut_by.order.order_id}
                )
                reply.send_json(503, halted_body(cut_by), _halt_header(cut_by))
                return
            except UpstreamError as exc:
                self.warnings.observe_error(model)
                self.audit.append("response", {"id": request_id, "status": 502, "error": str(exc)})
                message = f"upstream unreachable: {exc}"
                reply.send_json(502, error_body(message, "upstream_error", "bad_gateway"))
                return
            if answer.stream is not None:
                flight.stream = answer.stream
                await relay_stream(self.governor, self.labeller, reply, flight, request_id, tail, payload)
                return
            generating = method == "POST" and tail in GENERATING_PATHS
            self._relay_whole(reply, answer, request_id, model, generating, started, payload)
        finally:
            self.in_flight.discard(flight)

    def _refuse(
        self, reply: ClientConnection, request_id: str, tail: str, model: str | None, halt: ActiveHalt
    ) -> None:
        self.audit.append(
            "refused", {"id": request_id, "path": tail, "model": model, "order_id": halt.order.order_id}
        )
        reply.send_json(503, halted_body(halt), _halt_header(halt))

    def _reject(self, reply: ClientConnection, request_id: str, tail: str, problem: UnclearBody) -> None:
        """Answer a body the gateway will not guess at: 503 if a halt could cover it (it may name any
        model), else 400; audited either way, and nothing is forwarded."""
        halt = self.book.halting(None)
        if halt is not None:
            self._refuse(reply, request_id, tail, None, halt)
            return
        self.audit.append(
            "rejected", {"id": request_id, "path": tail, "code": problem.code, "message": str(problem)}
        )
        reply.send_json(400, error_body(str(problem), "invalid_request_error", problem.code))

    def _relay_whole(
        self,
        reply: ClientConnection,
        answer: UpstreamAnswer,
        request_id: str,
        model: str | None,
        generating: bool,
        started: float,
        payload: Any,
    ) -> None:
        status, data = answer.status, answer.body
        extra = b""
        output = ""
        label_id: str | None = None
        if generating and status == 200:
            try:
                parsed = parse_json(data)
            except (json.JSONDecodeError, UnicodeDecodeError):
                parsed = None
            if isinstance(parsed, dict):
                output = "".join(choice_text(c) for c in parsed.get("choices") or [])
                usage = parsed.get("usage")
                tokens = usage.get("completion_tokens") if isinstance(usage, dict) else None
                self.energy.record(tokens if isinstance(tokens, int) else None)
                if self.labeller.enabled:
                    label_json = self.labeller.label_completion(parsed, request_id)
                    if label_json:
                        extra = header_line(LABEL_FIELD, label_json)
                        label_id = request_id
                    data = json_bytes(parsed)
        if status >= 500:
            self.warnings.observe_error(model)
        elif generating:
            self.warnings.observe_output(model, payload, output)
        self.audit.append(
            "response",
            {
                "id": request_id,
                "status": status,
                "label": label_id,
                "us": int((time.perf_counter() - started) * 1_000_000),
                "output": self.audit_content(output if generating else data),
            },
        )
        reply.send(status, end_to_end(answer.headers, RESPONSE_DROP) + extra, data)
