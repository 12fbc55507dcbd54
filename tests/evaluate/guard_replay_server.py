"""A loopback OpenAI-compatible server that replays guard-model answers recorded in their documented
formats (we cannot download guard weights here). Run: ``python guard_replay_server.py PORT REPLIES.json``.

``REPLIES.json``: ``{"chat": [[substring of the assistant message, answer]], "completions":
[[substring of the prompt, answer, {token: logprob} or null]]}``; the first rule whose substring is
in the request answers; no rule → ``"default"``. Every request body is kept (``GET /requests``).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from aiohttp import web


def make_app(replies: dict[str, Any]) -> web.Application:
    seen: list[dict[str, Any]] = []

    def pick(kind: str, text: str) -> list[Any]:
        for rule in replies.get(kind, []):
            if rule[0] in text:
                return list(rule)
        return ["", replies.get("default", ""), None]

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append({"path": "chat", **body})
        messages = body["messages"]
        answer = pick("chat", str(messages[-1]["content"]))[1]
        return web.json_response(
            {
                "object": "chat.completion",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}
                ],
            }
        )

    async def completions(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append({"path": "completions", **body})
        rule = pick("completions", str(body["prompt"]))
        choice: dict[str, Any] = {"index": 0, "text": rule[1], "finish_reason": "stop", "logprobs": None}
        if body.get("logprobs") and rule[2]:
            first = next(iter(rule[2]))
            choice["logprobs"] = {
                "tokens": [first],
                "token_logprobs": [rule[2][first]],
                "top_logprobs": [rule[2]],
            }
        return web.json_response({"object": "text_completion", "choices": [choice]})

    async def models(request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "guard", "object": "model"}]})

    async def requests(request: web.Request) -> web.Response:
        return web.json_response(seen)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_post("/v1/completions", completions)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/requests", requests)
    return app


if __name__ == "__main__":
    port, path = int(sys.argv[1]), sys.argv[2]
    with open(path, encoding="utf-8") as f:
        web.run_app(make_app(json.load(f)), host="127.0.0.1", port=port, print=None)
