"""Requests in flight and how a halt order stops them (cancel the upstream call, or cut the stream)."""

from __future__ import annotations

import asyncio
from typing import Any

from tongzhou.gateway.halt_book import ActiveHalt
from tongzhou.gateway.http_wire import json_bytes
from tongzhou.gateway.upstream_pool import UpstreamStream

__all__ = ["InFlight", "StreamCut", "halted_body", "json_bytes"]


class StreamCut(Exception):
    """Raised inside a stream's upstream reader when a halt order cuts the stream."""


class InFlight:
    """A request being answered: cuttable while waiting for the upstream and while streaming."""

    __slots__ = ("cut_by", "model", "served", "stream", "task")

    def __init__(
        self, model: str | None, task: asyncio.Task[Any] | None, served: frozenset[str] | None = None
    ) -> None:
        self.model = model
        """The model the request names (audit, early warning)."""
        self.served = served
        """The keys of the models the upstream may run for it (None: any), what halts are matched on."""
        self.task = task
        """The task answering the request: cancelled to abandon the upstream call (until it answers)."""
        self.stream: UpstreamStream | None = None
        """The upstream stream being relayed (after it answered)."""
        self.cut_by: ActiveHalt | None = None

    def cut(self, halt: ActiveHalt) -> None:
        """Stop it: cancel the pending upstream call, or wake the stream reader with :class:`StreamCut`."""
        if self.cut_by is not None:
            return
        self.cut_by = halt
        if self.stream is not None:
            self.stream.fail(StreamCut(halt.order.order_id))
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
