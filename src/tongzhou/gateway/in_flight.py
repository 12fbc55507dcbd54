"""Requests in flight and how a halt order stops them (cancel the upstream call, or cut the stream)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from tongzhou.gateway.halt_book import ActiveHalt


class StreamCut(Exception):
    """Raised inside a stream's upstream reader when a halt order cuts the stream."""


class InFlight:
    """A request being answered: cuttable while waiting for the upstream and while streaming."""

    def __init__(self, model: str | None) -> None:
        self.model = model
        self.task: asyncio.Future[Any] | None = None
        """The upstream call (until the upstream answers)."""
        self.upstream: aiohttp.ClientResponse | None = None
        """The upstream stream being relayed (after it answered)."""
        self.cut_by: ActiveHalt | None = None

    def cut(self, halt: ActiveHalt) -> None:
        """Stop it: cancel the pending upstream call, or wake the stream reader with :class:`StreamCut`."""
        if self.cut_by is not None:
            return
        self.cut_by = halt
        if self.upstream is not None:
            self.upstream.content.set_exception(StreamCut(halt.order.order_id))
        elif self.task is not None and not self.task.done():
            self.task.cancel()


def halted_body(halt: ActiveHalt) -> dict[str, Any]:
    """The OpenAI-style error body of a refused (or cut) request: names the order and its reason."""
    order = halt.order
    return {
        "error": {
            # The reason is the issuer's own words (often already bilingual): quoted once, not repeated.
            "message": f"Service halted by order {order.order_id} / 服务已按停止令暂停: "
            f"{order.action.value} of {order.scope} by {order.issuer}; reason 原因: {order.reason}",
            "type": "service_halted",
            "code": "halted",
            "halt_order": {**order.to_json(), "key_id": halt.key_id, "source": halt.source},
        }
    }


def json_bytes(value: Any) -> bytes:
    """UTF-8 JSON; lone surrogates from the upstream are kept as ``\\uXXXX`` escapes (valid JSON)."""
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value).encode("ascii")
