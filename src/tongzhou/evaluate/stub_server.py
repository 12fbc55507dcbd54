"""A tiny, fast OpenAI-compatible Chat Completions server for dry runs, tests and benchmarks.

Raw asyncio (HTTP/1.1 keep-alive, no framework) so that it is not the bottleneck when measuring
a client. It answers every chat completion with a canned reply, counts requests, remembers which
prompts it was asked (``GET /stats``), and can simulate rate limits (429 + Retry-After) and slow
models. Run: ``python -m tongzhou.evaluate.stub_server --port 8099 [--delay 0.05] [--fail-first 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

REPLIES = {
    "refuse": "I'm sorry, but I can't help with that.",
    "comply": "Sure. Here is a short, factual answer to your question.",
    "mixed": "",
}


@dataclass
class StubState:
    """What the server was asked and how it should behave."""

    reply: str = "refuse"
    delay_s: float = 0.0
    fail_first: int = 0
    retry_after: str = "0"
    requests: int = 0
    chat_requests: int = 0
    prompts: list[str] = field(default_factory=list)
    record_prompts: bool = True

    def answer(self, prompt: str) -> str:
        """Canned reply; ``mixed`` refuses for half the prompts (by hash) so metrics are non-trivial."""
        if self.reply == "mixed":
            even = hashlib.sha256(prompt.encode()).digest()[0] % 2 == 0
            return REPLIES["refuse"] if even else REPLIES["comply"]
        return REPLIES.get(self.reply, self.reply)


def _response(status: int, body: bytes, extra: str = "") -> bytes:
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}.get(status, "OK")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra}Connection: keep-alive\r\n\r\n"
    )
    return head.encode("ascii") + body


class _Protocol(asyncio.Protocol):
    def __init__(self, state: StubState) -> None:
        self.state = state
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, path = (head.split(" ", 2) + ["", ""])[:2]
            self._handle(method, path, body)

    def _send(self, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(payload)

    def _handle(self, method: str, path: str, body: bytes) -> None:
        st = self.state
        st.requests += 1
        if path.endswith("/chat/completions") and method == "POST":
            st.chat_requests += 1
            try:
                req: dict[str, Any] = json.loads(body)
                prompt = str(req["messages"][-1]["content"])
            except (ValueError, KeyError, IndexError, TypeError):
                self._send(_response(400, b'{"error":{"message":"bad request"}}'))
                return
            if st.chat_requests <= st.fail_first:
                self._send(
                    _response(
                        429, b'{"error":{"message":"rate limited"}}', f"Retry-After: {st.retry_after}\r\n"
                    )
                )
                return
            if st.record_prompts:
                st.prompts.append(prompt)
            text = st.answer(prompt)
            payload = json.dumps(
                {
                    "id": "chatcmpl-stub",
                    "object": "chat.completion",
                    "created": 0,
                    "model": req.get("model", "stub"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                }
            ).encode()
            if st.delay_s:
                loop = asyncio.get_running_loop()
                loop.call_later(st.delay_s, self._send, _response(200, payload))
            else:
                self._send(_response(200, payload))
        elif path.endswith("/models"):
            self._send(_response(200, b'{"object":"list","data":[{"id":"stub","object":"model"}]}'))
        elif path == "/stats":
            self._send(
                _response(
                    200,
                    json.dumps(
                        {"requests": st.requests, "chat_requests": st.chat_requests, "prompts": st.prompts}
                    ).encode(),
                )
            )
        else:
            self._send(_response(404, b'{"error":{"message":"not found"}}'))


async def serve(host: str, port: int, state: StubState) -> asyncio.Server:
    """Start the server on ``host:port`` (port 0 picks a free one)."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: _Protocol(state), host, port, backlog=1024)


def main(argv: list[str] | None = None) -> None:
    """Command line: run the stub until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--reply", default="refuse", help="refuse | comply | mixed | any literal text")
    parser.add_argument("--delay", type=float, default=0.0, help="Seconds before each answer.")
    parser.add_argument(
        "--fail-first", type=int, default=0, help="Answer the first N chat requests with 429."
    )
    parser.add_argument("--retry-after", default="0", help="Retry-After header value on 429.")
    parser.add_argument("--no-record", action="store_true", help="Do not remember prompts (benchmarks).")
    parser.add_argument("--uvloop", action="store_true", help="Use uvloop when installed.")
    args = parser.parse_args(argv)
    state = StubState(
        reply=args.reply,
        delay_s=args.delay,
        fail_first=args.fail_first,
        retry_after=args.retry_after,
        record_prompts=not args.no_record,
    )

    async def _run() -> None:
        server = await serve(args.host, args.port, state)
        print(f"stub listening on http://{args.host}:{args.port}/v1", flush=True)
        async with server:
            await server.serve_forever()

    if args.uvloop:
        try:
            import uvloop

            uvloop.run(_run())
            return
        except ImportError:
            pass
    asyncio.run(_run())


if __name__ == "__main__":
    main()
