"""Relaying an upstream Server-Sent Events stream (``"stream": true``) through the gateway."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from tongzhou.gateway.governor import Governor
from tongzhou.gateway.http_server import ClientConnection
from tongzhou.gateway.http_wire import error_body, header_line, json_bytes, parse_json
from tongzhou.gateway.in_flight import InFlight, StreamCut, halted_body
from tongzhou.gateway.response_labels import LABEL_FIELD, ResponseLabeller
from tongzhou.gateway.upstream_pool import MAX_EVENT_LINE_BYTES, UpstreamError, UpstreamStream


def choice_text(choice: Any) -> str:
    """The text a completion choice carries (chat delta, chat message, or text completion)."""
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


async def _lines(stream: UpstreamStream) -> AsyncIterator[list[bytes]]:
    """The stream's complete lines (each with its ``\n``), in batches as they arrive; a last line
    without a newline comes at the end."""
    carry = b""
    while data := await stream.read():
        if carry:
            data = carry + data
        cut = data.rfind(b"\n") + 1
        carry = data[cut:]
        if len(carry) > MAX_EVENT_LINE_BYTES:  # a line that never ends would be kept whole
            raise UpstreamError(
                f"the upstream sent an event-stream line longer than {MAX_EVENT_LINE_BYTES} bytes"
            )
        if cut:
            yield data[:cut].splitlines(keepends=True)
    if carry:
        yield [carry]


async def relay_stream(
    governor: Governor,
    labeller: ResponseLabeller,
    reply: ClientConnection,
    flight: InFlight,
    request_id: str,
    tail: str,
    payload: Any,
) -> None:
    """Relay an upstream SSE stream: labels, audit, early warning, energy; ends early when a halt cuts it."""
    stream, model = flight.stream, flight.model
    assert stream is not None
    reply.start_stream(
        200,
        b"Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        + header_line("X-Tongzhou-Request-Id", request_id),
    )
    prefix, suffix = labeller.explicit_parts() if labeller.enabled else ("", "")
    chat = tail == "chat/completions"
    parts: list[str] = []
    last_event: dict[str, Any] | None = None
    stream_tokens: int | None = None
    outcome = "complete"
    upstream_error: str | None = None
    try:
        # An order may have arrived while the upstream was answering the headers.
        halt = flight.cut_by or governor.book.halting(flight.served)
        if halt is not None:
            flight.cut_by = None
            flight.cut(halt)
        async for lines in _lines(stream):
            out: list[bytes] = []
            for line in lines:
                if not line.startswith(b"data:"):
                    out.append(line)
                    continue
                data = line[5:].strip()
                if data == b"[DONE]":
                    if last_event is not None and labeller.enabled:
                        out.append(
                            _label_event(labeller, last_event, chat, prefix, parts, suffix, request_id)
                        )
                    out.append(line if line.endswith(b"\n") else line + b"\n")
                    continue
                try:
                    event = parse_json(data)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    out.append(line)
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
                        out.append(delta_event(event, chat, prefix))
                    last_event = event
                out.append(line)
            await reply.write(b"".join(out))
    except StreamCut:
        outcome = "cut"
    except (ConnectionResetError, asyncio.CancelledError):
        outcome = "client-gone"
        raise
    except UpstreamError as exc:
        upstream_error = str(exc)
        outcome = f"upstream-error: {exc}"
        governor.warnings.observe_error(model)
    finally:
        stream.close()  # a no-op after a complete body; otherwise the connection is not reusable
        output = "".join(parts)
        governor.audit.append(
            "response",
            {
                "id": request_id,
                "status": 200,
                "stream": outcome,
                "output": governor.audit_content(output),
                "cut_by": flight.cut_by.order.order_id if flight.cut_by else None,
            },
        )
    if flight.cut_by is not None:
        with contextlib.suppress(ConnectionResetError):
            error = json_bytes(halted_body(flight.cut_by)).decode("utf-8")
            await reply.write(f"data: {error}\n\n".encode())
    elif upstream_error is not None:
        # Tell the client why the stream ends without [DONE], in the stream's own format.
        with contextlib.suppress(ConnectionResetError):
            body = error_body(f"upstream stream broke off: {upstream_error}", "upstream_error", "bad_gateway")
            await reply.write(b"data: " + json_bytes(body) + b"\n\n")
    else:
        governor.warnings.observe_output(model, payload, output)
    governor.energy.record(
        stream_tokens if stream_tokens is not None else len(parts), estimated=stream_tokens is None
    )
    reply.end_stream()


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


def _label_event(
    labeller: ResponseLabeller,
    template: dict[str, Any],
    chat: bool,
    prefix: str,
    parts: list[str],
    suffix: str,
    request_id: str,
) -> bytes:
    delivered = prefix + "".join(parts) + suffix
    label_json = labeller.implicit_for(delivered, request_id)
    extra = {LABEL_FIELD: json.loads(label_json)} if label_json else None
    return delta_event(template, chat, suffix, extra)
