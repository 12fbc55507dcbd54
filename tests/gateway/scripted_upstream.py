"""A real TCP upstream that answers with scripted bytes: for the HTTP edge cases a well-behaved
server never produces (chunked answers split anywhere, connections dropped mid-answer, idle
keep-alive connections closed under the client), and a raw client to send bytes no HTTP library
would send."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

Action = bytes | float | None
"""Send these bytes; sleep this long; ``None``: close the connection."""


@dataclass
class SeenRequest:
    """A request as the upstream received it."""

    line: bytes
    headers: dict[bytes, bytes]
    body: bytes
    connection: int


@dataclass
class ScriptedUpstream:
    """Answers every request with ``script(request)``; records requests and connections."""

    script: Callable[[SeenRequest], list[Action]]
    requests: list[SeenRequest] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _read_request(reader: BinaryIO, connection: int) -> SeenRequest | None:
    line = reader.readline()
    if not line:
        return None
    headers = {}
    while (raw := reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = raw.partition(b":")
        headers[name.strip().lower()] = value.strip()
    body = reader.read(int(headers.get(b"content-length", b"0")))
    return SeenRequest(line.rstrip(b"\r\n"), headers, body, connection)


@contextmanager
def scripted_upstream(script: Callable[[SeenRequest], list[Action]]) -> Iterator[ScriptedUpstream]:
    """Serve ``script`` on a free loopback port for the duration of the block."""
    upstream = ScriptedUpstream(script)
    lock = threading.Lock()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            with lock:
                upstream.connections += 1
                number = upstream.connections
            reader = self.request.makefile("rb")
            while True:
                request = _read_request(reader, number)
                if request is None:
                    return
                upstream.requests.append(request)
                for action in upstream.script(request):
                    if action is None:
                        return
                    if isinstance(action, float):
                        time.sleep(action)
                    else:
                        self.request.sendall(action)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    with Server(("127.0.0.1", 0), Handler) as server:
        upstream.port = int(server.server_address[1])
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield upstream
        finally:
            server.shutdown()


def json_answer(body: bytes, status: bytes = b"200 OK", extra: bytes = b"") -> bytes:
    """A complete keep-alive answer with a Content-Length."""
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\nContent-Type: application/json\r\n"
        + extra
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


def raw_exchange(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Send ``data`` on a fresh connection and read until the gateway closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@dataclass
class RawAnswer:
    """One answer parsed from a raw byte stream."""

    status: int
    headers: dict[str, str]
    body: bytes


def split_answers(data: bytes) -> list[RawAnswer]:
    """The answers in ``data`` (Content-Length or chunked bodies), in order."""
    answers = []
    while data:
        head, _, data = data.partition(b"\r\n\r\n")
        line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines)}
        status = int(line.split()[1])
        if status == 100:
            continue
        if "content-length" in headers:
            length = int(headers["content-length"])
            body, data = data[:length], data[length:]
        elif headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                size_line, _, data = data.partition(b"\r\n")
                size = int(size_line, 16)
                body, data = body + data[:size], data[size + 2 :]
                if size == 0:
                    break
        else:
            body, data = data, b""
        answers.append(RawAnswer(status, headers, body))
    return answers
