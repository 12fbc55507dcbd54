"""Relaying an upstream Server-Sent Events stream (``"stream": true``) through the gateway."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from tongzhou.gateway.in_flight import InFlight, StreamCut, halted_body, json_bytes
from tongzhou.gateway.response_labels import LABEL_FIELD

if TYPE_CHECKING:
    from tongzhou.gateway.proxy import Gateway


def choice_text(choice: Any) -> str:
    if not isinstance(choice, dict):
        return ""
    for holder, key in (
        (choice.get("delta"), "content"),
        (choice.get("message"), "content"),
        (choice, "text"),
    ):
        if isinstance(holder, dict) and isinstance(holder.get(key), str):
            return str(holder[key])
    return ""


async def relay_stream(
    gateway: Gateway, request: web.Request, flight: InFlight, request_id: str, tail: str, payload: Any
) -> web.StreamResponse:
    """Relay an upstream SSE stream: labels, audit, early warning, energy; ends early when a halt cuts it."""
    upstream, model = flight.upstream, flight.model
    assert upstream is not None
    response = web.StreamResponse(
        status=200,
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Tongzhou-Request-Id": request_id,
        },
    )
    await response.prepare(request)
    prefix, suffix = gateway.labeller.explicit_parts() if gateway.labeller.enabled else ("", "")
    chat = tail == "chat/completions"
    parts: list[str] = []
    last_event: dict[str, Any] | None = None
    stream_tokens: int | None = None
    outcome = "complete"
    try:
        # An order may have arrived while the upstream was answering the headers.
        halt = flight.cut_by or gateway.book.halting(model)
        if halt is not None:
            flight.cut_by = None
            flight.cut(halt)
        async for line in upstream.content:
            if not line.startswith(b"data:"):
                await response.write(line)
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                if last_event is not None and gateway.labeller.enabled:
                    await _write_label_event(
                        gateway, response, last_event, chat, prefix, parts, suffix, request_id
                    )
                await response.write(line + (b"\n" if not line.endswith(b"\n") else b""))
                continue
            try:
                event = json.loads(data)
            except (json.JSONDecodeError, UnicodeDecodeError):
                await response.write(line)
                continue
            if isinstance(event, dict):
                choices = event.get("choices") or []
                text = "".join(choice_text(c) for c in choices)
                if text:
                    parts.append(text)
                usage = event.get("usage")
                if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
                    stream_tokens = usage["completion_tokens"]
                if last_event is None and prefix and choices:
                    last_event = event
                    await response.write(delta_event(event, chat, prefix))
                last_event = event
            await response.write(line)
    except StreamCut:
        outcome = "cut"
    except (ConnectionResetError, asyncio.CancelledError):
        outcome = "client-gone"
        raise
    except aiohttp.ClientError as exc:
        outcome = f"upstream-error: {exc}"
        gateway.warnings.observe_error(model)
    finally:
        output = "".join(parts)
        gateway.audit.append(
            "response",
            {
                "id": request_id,
                "status": 200,
                "stream": outcome,
                "output": gateway._audit_content(output),
                "cut_by": flight.cut_by.order.order_id if flight.cut_by else None,
            },
        )
    if flight.cut_by is not None:
        with contextlib.suppress(ConnectionResetError):
            error = json_bytes(halted_body(flight.cut_by)).decode("utf-8")
            await response.write(f"data: {error}\n\n".encode())
        upstream.close()
    else:
        gateway.warnings.observe_output(model, payload, output)
    gateway.energy.record(
        stream_tokens if stream_tokens is not None else len(parts), estimated=stream_tokens is None
    )
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response


def delta_event(
    template: dict[str, Any], chat: bool, text: str, extra: dict[str, Any] | None = None
) -> bytes:
    """One SSE data event carrying ``text`` as a content delta, shaped like ``template``."""
    choice: dict[str, Any] = {"index": 0, "finish_reason": None}
    if chat:
        choice["delta"] = {"content": text}
    else:
        choice["text"] = text
    event = {k: v for k, v in template.items() if k in ("id", "object", "created", "model")}
    event["choices"] = [choice]
    if extra:
        event.update(extra)
    return b"data: " + json_bytes(event) + b"\n\n"


async def _write_label_event(
    gateway: Gateway,
    response: web.StreamResponse,
    template: dict[str, Any],
    chat: bool,
    prefix: str,
    parts: list[str],
    suffix: str,
    request_id: str,
) -> None:
    delivered = prefix + "".join(parts) + suffix
    label_json = gateway.labeller.implicit_for(delivered, request_id)
    extra = {LABEL_FIELD: json.loads(label_json)} if label_json else None
    await response.write(delta_event(template, chat, suffix, extra))
