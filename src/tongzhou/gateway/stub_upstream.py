"""A fast, deterministic OpenAI-compatible upstream on loopback (for the overhead benchmark and rule tests).

It is a real HTTP server that answers in microseconds with a fixed reply, so
what a benchmark measures through the gateway is the gateway, not a model.
Run it with ``python -m tongzhou.gateway.stub_upstream --port 9000``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from aiohttp import web


def make_stub_app(
    reply: str = "Hello from the stub upstream.", chunks: int = 4, chunk_delay: float = 0.0, status: int = 200
) -> web.Application:
    """The stub application: ``/v1/models``, ``/v1/chat/completions`` (with SSE), ``/v1/completions``."""
    state: dict[str, Any] = {"status": status, "reply": reply, "chunk_delay": chunk_delay}

    def completion(chat: bool, model: str, text: str) -> dict[str, Any]:
        choice: dict[str, Any] = {"index": 0, "finish_reason": "stop"}
        if chat:
            choice["message"] = {"role": "assistant", "content": text}
        else:
            choice["text"] = text
        return {
            "id": "stub-1",
            "object": "chat.completion" if chat else "text_completion",
            "created": int(time.time()),
            "model": model,
            "choices": [choice],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
        }

    async def models(_request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "stub-model", "object": "model"}]})

    async def generate(request: web.Request) -> web.StreamResponse:
        chat = request.path.endswith("chat/completions")
        body = await request.json()
        model = str(body.get("model") or "stub-model")
        if state["status"] != 200:
            return web.json_response(
                {"error": {"message": "stub failure", "type": "server_error"}}, status=int(state["status"])
            )
        text = str(state["reply"])
        if not body.get("stream"):
            return web.json_response(completion(chat, model, text))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        size = max(1, len(text) // chunks)
        pieces = [text[i : i + size] for i in range(0, len(text), size)]
        for piece in pieces:
            choice: dict[str, Any] = {"index": 0, "finish_reason": None}
            if chat:
                choice["delta"] = {"content": piece}
            else:
                choice["text"] = piece
            event = {
                "id": "stub-1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": [choice],
            }
            await response.write(b"data: " + json.dumps(event).encode() + b"\n\n")
            if state["chunk_delay"]:
                await asyncio.sleep(float(state["chunk_delay"]))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def control(request: web.Request) -> web.Response:
        """``POST /stub/control {"status": 500, "reply": "...", "chunk_delay": 0.5}``: change behaviour."""
        state.update(await request.json())
        return web.json_response(state)

    app = web.Application()
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", generate)
    app.router.add_post("/v1/completions", generate)
    app.router.add_post("/stub/control", control)
    return app


def main() -> None:
    """Command-line entry: serve the stub."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--reply", default="Hello from the stub upstream.")
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    web.run_app(
        make_stub_app(args.reply, chunk_delay=args.chunk_delay),
        host=args.host,
        port=args.port,
        print=None,
        access_log=None,
    )


if __name__ == "__main__":
    main()
