"""Fixtures of the re-assessment tests: public-sector systems in the registry, a real
OpenAI-compatible stub server whose behaviour a test changes between ticks, a real SMTP server
(aiosmtpd) and a real webhook receiver, all on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tongzhou.evaluate.stub_server import StubState, serve
from tongzhou.store import Store
from tongzhou.systems import SystemRegistry, example_profile
from tongzhou.systems.profile import SystemProfile

PUBLIC = ("admissions-completeness-check", "classroom-emotion")
"""The bundled examples whose deployer is a public body."""


def register(store: Store, *names: str) -> None:
    """Register bundled example profiles."""
    registry = SystemRegistry(store)
    for name in names:
        registry.add(example_profile(name))


def public_chatbot(system_id: str = "city-helpdesk") -> SystemProfile:
    """A city's public chat assistant (EU, public body): the system whose endpoint is re-evaluated."""
    base = example_profile("public-chatbot-eu")
    deployer = base.deployer.model_copy(update={"name": "City of Leiden", "public_body": True})  # type: ignore[union-attr]
    return base.model_copy(update={"id": system_id, "name": "City helpdesk assistant", "deployer": deployer})


@dataclass
class StubEndpoint:
    """The stub server on loopback; set ``state.reply`` to change how it answers."""

    url: str
    state: StubState

    @property
    def ref(self) -> str:
        return f"openai:{self.url}#stub"


@contextlib.contextmanager
def running_stub() -> Iterator[StubEndpoint]:
    """tongzhou.evaluate.stub_server on an event loop in a thread, refusing everything at first."""
    state = StubState(reply="refuse")
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        holder["server"] = loop.run_until_complete(serve("127.0.0.1", 0, state))
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    port = holder["server"].sockets[0].getsockname()[1]
    try:
        yield StubEndpoint(f"http://127.0.0.1:{port}/v1", state)
    finally:
        loop.call_soon_threadsafe(holder["server"].close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture
def stub_endpoint() -> Iterator[StubEndpoint]:
    """The stub endpoint for one test (:func:`running_stub`)."""
    with running_stub() as stub:
        yield stub


@dataclass
class WebhookReceiver:
    """A real HTTP server collecting what it was sent; answers ``status`` (a test may change it)."""

    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(receiver.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/tongzhou"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class MailServer:
    """aiosmtpd's SMTP server on loopback; ``messages`` are the e-mails it accepted."""

    host: str
    port: int
    messages: list[Any] = field(default_factory=list)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    box = MailServer("127.0.0.1", 0)

    class Collect(Message):  # type: ignore[misc]
        def handle_message(self, message: Any) -> None:
            box.messages.append(message)

    from tests.conftest import free_port

    box.port = free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def findings(report_alerts: dict[str, list[str]], system_id: str) -> list[str]:
    """The alert codes a tick reported for one system."""
    return report_alerts.get(system_id, [])


def as_json(obj: Any) -> Any:
    return json.loads(json.dumps(obj))
