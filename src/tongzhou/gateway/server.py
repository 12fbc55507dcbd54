"""Running the gateway: in the foreground (the CLI) or in a background thread (demo, tests, embedding)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
from collections.abc import Callable
from types import TracebackType

from tongzhou.errors import InputError
from tongzhou.gateway.app import Gateway
from tongzhou.gateway.audit_record import DEFAULT_WORKER
from tongzhou.gateway.governor import Governor
from tongzhou.gateway.http_server import ClientConnection, check_timeouts, close_idle
from tongzhou.gateway.policy import GatewayPolicy

SHUTDOWN_SECONDS = 5.0
"""On stop, answers in progress get this long to finish before they are cancelled."""


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:
        return asyncio.new_event_loop()


class GatewayServer:
    """A :class:`Gateway` listening on ``host:port`` (port 0: any free port)."""

    def __init__(self, gateway: Gateway, host: str, port: int, reuse_port: bool = False) -> None:
        self.gateway = gateway
        self.host = host
        self.port = port
        self.reuse_port = reuse_port
        """Listen with SO_REUSEPORT beside the other workers of ``tongzhou gateway --workers``."""
        self.connections: set[ClientConnection] = set()
        self._server: asyncio.Server | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the gateway's background work and listen."""
        loop = asyncio.get_running_loop()
        max_body = self.gateway.policy.max_body_bytes
        timeouts = self.gateway.policy.client_timeouts
        flush = self.gateway.governor.audit.flush  # records reach the OS before the answers they describe
        try:
            self._server = await loop.create_server(
                lambda: ClientConnection(self.gateway.handle, max_body, self.connections, timeouts, flush),
                self.host,
                self.port,
                backlog=1024,
                reuse_address=True,
                reuse_port=self.reuse_port or None,
            )
        except OSError as exc:
            raise InputError(
                f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc} (choose another --port)"
            ) from exc
        await self.gateway.start()
        if self.port == 0:
            sockets: tuple[socket.socket, ...] = tuple(self._server.sockets or ())
            inet = [s for s in sockets if s.family in (socket.AF_INET, socket.AF_INET6)]
            self.port = int(inet[0].getsockname()[1])
        self._sweeper = loop.create_task(self._sweep())

    async def _sweep(self) -> None:
        # A fifth of the shortest timeout apart: each is applied at most 20 % late.
        t = self.gateway.policy.client_timeouts
        interval = min(t.header_seconds, t.body_seconds, t.keep_alive_seconds) / 5
        while True:
            await asyncio.sleep(interval)
            check_timeouts(self.connections)

    async def stop(self) -> None:
        """Stop listening, let answers in progress finish (up to :data:`SHUTDOWN_SECONDS`), close."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._server is not None:
            self._server.close()
        close_idle(self.connections, -1.0)
        deadline = asyncio.get_running_loop().time() + SHUTDOWN_SECONDS
        while self.connections and asyncio.get_running_loop().time() < deadline:
            close_idle(self.connections, -1.0)  # each closes as soon as its answer is written
            await asyncio.sleep(0.05)
        for connection in list(self.connections):
            connection.abort()
        await asyncio.sleep(0)  # let cancelled answers write their audit records
        await self.gateway.close()


def serve(
    upstream: str,
    policy: GatewayPolicy,
    host: str = "127.0.0.1",
    port: int = 8088,
    announce: Callable[[str], None] | None = None,
    reuse_port: bool = False,
    worker: str = DEFAULT_WORKER,
) -> None:
    """Serve until interrupted (SIGINT / SIGTERM close streams, flush the audit head and exit).
    ``announce(base_url)`` is called once the gateway listens: never for a start that failed (an
    unreadable halt state file, a busy port), so a banner cannot claim a gateway that is not there.
    ``worker`` names this process's audit chain (one per worker of ``--workers N``)."""
    gateway = Gateway(upstream, policy, worker=worker)  # reads the halt state: fails here, first
    loop = _new_loop()
    asyncio.set_event_loop(loop)
    server = GatewayServer(gateway, host, port, reuse_port)
    stopping = asyncio.Event()

    async def main() -> None:
        await server.start()
        if announce is not None:
            announce(f"http://{host}:{server.port}")
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        await stopping.wait()
        await server.stop()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


class GatewayThread:
    """A gateway in a daemon thread: ``with GatewayThread(url, policy) as gw: gw.base_url``."""

    def __init__(self, upstream: str, policy: GatewayPolicy, host: str = "127.0.0.1", port: int = 0) -> None:
        self.gateway = Gateway(upstream, policy)
        self._server = GatewayServer(self.gateway, host, port)
        self.host = host
        self._loop = _new_loop()
        self._running = False
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tongzhou-gateway", daemon=True)
        self._error: BaseException | None = None

    @property
    def governor(self) -> Governor:
        """The running gateway's governance state (halt book, audit log, requests in flight…)."""
        return self.gateway.governor

    @property
    def port(self) -> int:
        """The port the gateway listens on."""
        return self._server.port

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running gateway."""
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._server.start())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._running = True
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> GatewayThread:
        """Start and wait until the gateway listens."""
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        """Stop serving, close the audit log."""
        if not self._running:
            return
        self._running = False
        future = asyncio.run_coroutine_threadsafe(self._server.stop(), self._loop)
        with contextlib.suppress(Exception):
            future.result(15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(15)

    def __enter__(self) -> GatewayThread:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
