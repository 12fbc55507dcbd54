"""Gateway fleets as real processes for the tests: workers behind one port, hosts sharing a ledger."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import free_port, wait_http
from tests.gateway.conftest import write_policy

CHAT = {"model": "stub-model", "messages": [{"role": "user", "content": "hello"}]}


def fleet_policy(directory: Path, ledger_url: str | None, extra: str = "") -> Path:
    """The test policy (tests/gateway/conftest.py) with ``halt.ledger.url`` set (if given)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = write_policy(directory, extra)
    if ledger_url is not None:
        text = path.read_text(encoding="utf-8").replace(
            "halt:\n", f"halt:\n  ledger: {{url: '{ledger_url}', poll_seconds: 0.2}}\n", 1
        )
        path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def gateway_process(
    upstream: str, policy: Path, log: Path, workers: int = 1, home: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``tongzhou gateway serve --workers N`` on a free port; yields (base URL, the process)."""
    env = dict(os.environ)
    if home is not None:
        env["TONGZHOU_HOME"] = str(home)
    port = free_port()
    command = [sys.executable, "-m", "tongzhou.cli.main", "gateway", "serve", "--upstream", upstream]
    command += ["--policy", str(policy), "--port", str(port), "--workers", str(workers)]
    with log.open("ab") as handle:
        proc = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/governance/health", timeout=120, process=proc)
        # The banner comes once every worker listens (health answers as soon as one does).
        poll(lambda: "tongzhou gateway on" in log.read_text(errors="replace"), 120, "every worker listening")
        yield base, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def health(base: str) -> dict[str, Any]:
    """``/governance/health`` on a new connection (so SO_REUSEPORT may pick any worker)."""
    answer: dict[str, Any] = httpx.get(f"{base}/governance/health", timeout=10).json()
    return answer


def poll(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Wait until ``condition()`` holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


def worker_pids(base: str, count: int, timeout: float = 60) -> set[int]:
    """The pids of ``count`` distinct workers answering on ``base`` (asked on new connections)."""
    seen: set[int] = set()

    def enough() -> bool:
        with suppress(httpx.HTTPError):
            seen.add(int(health(base)["pid"]))
        return len(seen) >= count

    poll(enough, timeout, f"{count} workers answering at {base}")
    return seen


def every_worker(base: str, pids: set[int], check: Callable[[dict[str, Any]], bool], timeout: float) -> None:
    """Wait until each worker in ``pids`` has answered ``/governance/health`` with ``check`` true."""
    pending = set(pids)

    def all_seen() -> bool:
        try:
            answer = health(base)
        except httpx.HTTPError:
            return False
        if check(answer):
            pending.discard(int(answer["pid"]))
        return not pending

    poll(all_seen, timeout, f"every worker of {sorted(pids)} satisfying the check (left: {sorted(pending)})")


def deliver(base: str, envelope: dict[str, Any]) -> httpx.Response:
    """POST one signed order to a gateway."""
    return httpx.post(f"{base}/governance/halt-orders", json=envelope, timeout=30)


def chat_status(base: str) -> int:
    """Status of one chat completion through the gateway, on a new connection."""
    return httpx.post(f"{base}/v1/chat/completions", json=CHAT, timeout=30).status_code


class TcpRelay:
    """A TCP relay on loopback to a real server (PostgreSQL), that a test can cut and restore: a
    database outage as the gateway sees it (connections reset, new ones refused)."""

    def __init__(self, target: tuple[str, int]) -> None:
        import socket
        import threading

        self._socket = socket
        self._threading = threading
        self.target = target
        self.port = free_port()
        self._listener: Any = None
        self._open: list[Any] = []
        self._lock = threading.Lock()

    def start(self) -> TcpRelay:
        """Accept connections and relay them to the target."""
        sock = self._socket.socket()
        sock.setsockopt(self._socket.SOL_SOCKET, self._socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(64)
        self._listener = sock
        self._threading.Thread(target=self._accept, args=(sock,), daemon=True).start()
        return self

    def _accept(self, listener: Any) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = self._socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, server]
            for a, b in ((client, server), (server, client)):
                self._threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: Any, sink: Any) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with suppress(OSError):
                    s.close()

    def stop(self) -> None:
        """Refuse new connections and reset the open ones."""
        if self._listener is not None:
            with suppress(OSError):  # wakes the thread blocked in accept(); close() alone would not
                self._listener.shutdown(self._socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for s in self._open:
                try:
                    s.shutdown(self._socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self._open.clear()
