"""Running the gateway: in the foreground (the CLI) or in a background thread (demo, tests, embedding)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType

from aiohttp import web

from tongzhou.gateway.policy import GatewayPolicy
from tongzhou.gateway.proxy import Gateway


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:
        return asyncio.new_event_loop()


def serve(upstream: str, policy: GatewayPolicy, host: str = "127.0.0.1", port: int = 8088) -> None:
    """Serve until interrupted (SIGINT / SIGTERM close streams, flush the audit head and exit)."""
    gateway = Gateway(upstream, policy)
    loop = _new_loop()
    asyncio.set_event_loop(loop)
    web.run_app(
        gateway.app(),
        host=host,
        port=port,
        print=None,
        access_log=None,
        loop=loop,
        handle_signals=True,
        shutdown_timeout=5,
    )


class GatewayThread:
    """A gateway in a daemon thread: ``with GatewayThread(url, policy) as gw: gw.base_url``."""

    def __init__(self, upstream: str, policy: GatewayPolicy, host: str = "127.0.0.1", port: int = 0) -> None:
        self.gateway = Gateway(upstream, policy)
        self.host = host
        self.port = port
        self._loop = _new_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tongzhou-gateway", daemon=True)
        self._error: BaseException | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running gateway."""
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.gateway.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None:
            sockets = getattr(server, "sockets", None) or []
            self.port = int(sockets[0].getsockname()[1])

    def start(self) -> GatewayThread:
        """Start and wait until the gateway listens."""
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        """Stop serving, close the audit log."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        future = asyncio.run_coroutine_threadsafe(runner.cleanup(), self._loop)
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
