"""The gateway as one request handler: ``/v1/*`` to the proxy, ``/governance/*`` to the governance API.

:class:`Gateway` only assembles the parts and routes; the governance state lives in the
:class:`~.governor.Governor` that the proxy, the governance API and the order channels share.
"""

from __future__ import annotations

from tongzhou.gateway.audit_record import DEFAULT_WORKER
from tongzhou.gateway.gateway_request import GatewayRequest
from tongzhou.gateway.governance_api import answer_governance
from tongzhou.gateway.governor import Governor
from tongzhou.gateway.http_server import ClientConnection
from tongzhou.gateway.http_wire import error_body
from tongzhou.gateway.order_delivery import start_pollers
from tongzhou.gateway.policy import GatewayPolicy
from tongzhou.gateway.proxy import Proxy
from tongzhou.gateway.response_labels import ResponseLabeller
from tongzhou.gateway.upstream_pool import UpstreamPool


class Gateway:
    """The governance gateway in front of one upstream OpenAI-compatible base URL (…/v1)."""

    def __init__(self, upstream: str, policy: GatewayPolicy, *, worker: str = DEFAULT_WORKER) -> None:
        upstream = upstream.rstrip("/")
        pool = UpstreamPool(upstream, timeout=policy.upstream_timeout_seconds)  # a bad URL fails first
        self.governor = Governor(upstream, policy, worker=worker)  # worker: its audit chain
        self.proxy = Proxy(self.governor, pool, ResponseLabeller(policy.labels))

    @property
    def policy(self) -> GatewayPolicy:
        """The policy the gateway enforces."""
        return self.governor.policy

    async def start(self) -> None:
        """Start the order channels, the governor's background work, and audit the start."""
        await self.governor.start(start_pollers(self.governor))

    async def close(self) -> None:
        """Stop background work, close the upstream pool, audit the stop and release the log."""
        self.proxy.pool.close()
        await self.governor.close()

    async def handle(self, request: GatewayRequest, reply: ClientConnection) -> None:
        """Answer one request: ``/v1/*`` is proxied, ``/governance/*`` answered by the governance API."""
        path = request.path
        if path.startswith("/v1/"):
            await self.proxy.handle(request, reply)
        elif path.startswith("/governance/"):
            answer_governance(self.governor, request, reply)
        else:
            message = f"no endpoint {path[:200]}; the gateway serves /v1/* (proxied) and /governance/*"
            reply.send_json(404, error_body(message, "not_found", "not_found"))
