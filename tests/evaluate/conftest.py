"""Fixtures for the evaluate tests: a real stub OpenAI-compatible server in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import free_port, wait_http


class StubServer:
    """A running ``tongzhou.evaluate.stub_server`` process."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int) -> None:
        self.proc = proc
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}/v1"

    def stats(self) -> dict[str, Any]:
        """Requests counted and prompts seen by the server."""
        return httpx.get(f"http://127.0.0.1:{self.port}/stats", timeout=5).json()  # type: ignore[no-any-return]

    def ref(self, model: str = "stub") -> str:
        """A CLI model reference for this server."""
        return f"openai:{self.base_url}#{model}"


@pytest.fixture
def stub_server() -> Iterator[Callable[..., StubServer]]:
    """Start stub servers with options (``reply=``, ``delay=``, ``fail_first=``, ``retry_after=``)."""
    started: list[subprocess.Popen[bytes]] = []

    def start(
        reply: str = "mixed", delay: float = 0.0, fail_first: int = 0, retry_after: str = "0"
    ) -> StubServer:
        port = free_port()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tongzhou.evaluate.stub_server",
                "--port",
                str(port),
                "--reply",
                reply,
                "--delay",
                str(delay),
                "--fail-first",
                str(fail_first),
                "--retry-after",
                retry_after,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(proc)
        wait_http(f"http://127.0.0.1:{port}/v1/models", timeout=30, process=proc)
        return StubServer(proc, port)

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
