"""Clients and upstreams that try to hold a connection or the gateway's memory: endless bodies,
pipelined floods never read, slowloris heads and bodies, idle keep-alive connections, endless and
giant-headed upstream answers. The only timings asserted are the configured bounds (plus slack)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.gateway.conftest import Issuers, write_policy
from tests.gateway.scripted_upstream import (
    Action,
    ScriptedUpstream,
    json_answer,
    raw_exchange,
    scripted_upstream,
    split_answers,
)
from tongzhou.gateway.http_request_reader import DISCARD_LIMIT
from tongzhou.gateway.http_server import MAX_QUEUED
from tongzhou.gateway.policy import GatewayPolicy, load_policy
from tongzhou.gateway.server import GatewayThread
from tongzhou.gateway.upstream_pool import MAX_ANSWER_BYTES

TIMEOUTS = (
    "client_timeouts: {header_seconds: 0.5, body_seconds: 0.5, keep_alive_seconds: 0.5, send_seconds: 0.5}"
)
SLACK = 3.0
"""Seconds past a configured timeout within which the gateway must have acted (sweep, linger)."""
BIG = b"x" * 65536
LARGE_ANSWER = b"x" * (256 * 1024)
HEALTH = b"GET /governance/health HTTP/1.1\r\nHost: gw\r\n\r\n"


def make_policy(tmp_path: Path, extra: str = "") -> GatewayPolicy:
    policy = load_policy(write_policy(tmp_path, "max_body_bytes: 4096\n" + extra))
    policy.labels.explicit = policy.labels.implicit = False
    return policy


@pytest.fixture
def plain_policy(issuers: Issuers, tmp_path: Path) -> GatewayPolicy:
    return make_policy(tmp_path)


@pytest.fixture
def quick_policy(issuers: Issuers, tmp_path: Path) -> GatewayPolicy:
    return make_policy(tmp_path, TIMEOUTS)


@pytest.fixture
def big_upstream() -> Iterator[ScriptedUpstream]:
    """Answers every request with 256 KiB."""
    with scripted_upstream(lambda _r: [json_answer(LARGE_ANSWER)]) as running:
        yield running


def read_until_closed(sock: socket.socket) -> bytes:
    answer = b""
    try:
        while chunk := sock.recv(1 << 20):
            answer += chunk
    except ConnectionResetError:
        pass
    return answer


def closed_within(sock: socket.socket, seconds: float) -> tuple[bytes, float]:
    """What the gateway sends until it closes the connection, and how long that took."""
    sock.settimeout(seconds)
    started = time.monotonic()
    data = read_until_closed(sock)
    return data, time.monotonic() - started


def test_an_endless_chunked_body_gets_413_without_being_read_to_its_end(plain_policy: GatewayPolicy) -> None:
    with (
        scripted_upstream(lambda _r: [json_answer(b"{}")]) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
        socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock,
    ):
        sock.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n")
        sent = 0
        try:
            while sent < 4 * DISCARD_LIMIT:  # "endless": far past what the gateway drains
                sock.sendall(b"10000\r\n" + BIG + b"\r\n")
                sent += len(BIG)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 413") and b"max_body_bytes" in answer
    assert upstream.requests == []  # and the connection closed: read_until_closed returned


def test_pipelined_requests_never_read_are_not_answered_ahead_without_bound(
    big_upstream: ScriptedUpstream, plain_policy: GatewayPolicy
) -> None:
    count = MAX_QUEUED - 6  # 62 MiB of answers if the gateway kept answering a client that reads nothing
    request = b"GET /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n"
    with (
        GatewayThread(big_upstream.base_url, plain_policy) as gateway,
        socket.socket() as sock,
    ):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.connect(("127.0.0.1", gateway.port))
        sock.sendall(request * (count - 1) + request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        time.sleep(1.0)
        answered_unread = len(big_upstream.requests)
        sock.settimeout(10)
        answers = read_until_closed(sock)
    # Bounded by the socket buffers (a few MiB) and the read-ahead of 32, not by the client.
    assert answered_unread < count // 2
    # Back-pressure loses nothing: every request is answered, in order, once the client reads.
    assert answers.count(b"HTTP/1.1 200 OK\r\n") == count and len(big_upstream.requests) == count


def test_a_client_that_reads_nothing_is_dropped_after_send_seconds(
    big_upstream: ScriptedUpstream, quick_policy: GatewayPolicy
) -> None:
    with (
        GatewayThread(big_upstream.base_url, quick_policy) as gateway,
        socket.socket() as sock,
    ):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.connect(("127.0.0.1", gateway.port))
        sock.sendall(b"GET /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n" * 200)
        time.sleep(0.2)
        assert len(gateway._server.connections) == 1  # stalled, waiting for the client to read
        deadline = time.monotonic() + 0.5 + SLACK
        while gateway._server.connections and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not gateway._server.connections  # the gateway let go of it
        sock.settimeout(10)
        answers = read_until_closed(sock)
    assert 0 < answers.count(b"HTTP/1.1 200 OK\r\n") < 200


def test_one_read_of_very_many_pipelined_requests_queues_a_bounded_number(
    plain_policy: GatewayPolicy,
) -> None:
    with (
        scripted_upstream(lambda _r: [json_answer(b"{}")]) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
    ):
        answers = split_answers(raw_exchange(gateway.port, HEALTH * 5000))
    *served, refused = answers
    assert [a.status for a in served] == [200] * len(served) and len(served) <= MAX_QUEUED
    assert refused.status == 429 and refused.headers["connection"] == "close"
    assert b"pipelined requests unanswered" in refused.body


@pytest.mark.parametrize(
    ("head", "trickle", "part"),
    [
        (b"GET /v1/models HTTP/1.1\r\nHost: gw\r\nX-Slow: ", b"v", b"headers"),
        (b"POST /v1/completions HTTP/1.1\r\nHost: gw\r\nContent-Length: 4000\r\n\r\n", b"x", b"body"),
        (
            b"POST /v1/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"1\r\nx\r\n",
            b"body",
        ),
    ],
)
def test_a_slowloris_request_gets_408_within_the_configured_timeout(
    quick_policy: GatewayPolicy, head: bytes, trickle: bytes, part: bytes
) -> None:
    with (
        scripted_upstream(lambda _r: [json_answer(b"{}")]) as upstream,
        GatewayThread(upstream.base_url, quick_policy) as gateway,
        socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock,
    ):
        sock.sendall(head)
        started = time.monotonic()
        stop = threading.Event()

        def drip() -> None:  # a byte (or chunk) every 50 ms, forever: never idle, never done
            try:
                while not stop.wait(0.05):
                    sock.sendall(trickle)
            except OSError:
                pass

        dripper = threading.Thread(target=drip, daemon=True)
        dripper.start()
        answer, _ = closed_within(sock, 0.5 + SLACK + 2)
        took = time.monotonic() - started
        stop.set()
        dripper.join(5)
    assert answer.startswith(b"HTTP/1.1 408") and b"request " + part + b" not complete within 0.5 s" in answer
    assert took < 0.5 + SLACK  # closed (after the 2 s linger at most), not held while it drips
    assert upstream.requests == []


def test_an_idle_keep_alive_connection_is_closed_after_keep_alive_seconds(
    quick_policy: GatewayPolicy,
) -> None:
    with (
        scripted_upstream(lambda _r: [json_answer(b"{}")]) as upstream,
        GatewayThread(upstream.base_url, quick_policy) as gateway,
        socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock,
    ):
        sock.sendall(HEALTH)
        first = sock.recv(65536)
        rest, took = closed_within(sock, 0.5 + SLACK)
    assert first.startswith(b"HTTP/1.1 200") and rest == b"" and took < 0.5 + SLACK


def test_an_endless_upstream_answer_without_length_gives_502_at_the_size_bound(
    plain_policy: GatewayPolicy,
) -> None:
    block = b"y" * (1 << 20)
    script: list[Action] = [b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"]
    script += [block] * (2 * MAX_ANSWER_BYTES // len(block))
    with (
        scripted_upstream(lambda _r: script) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
    ):
        answer = httpx.get(f"{gateway.base_url}/v1/models", timeout=30)
    assert answer.status_code == 502 and "larger than" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nX-Giant: " + b"v" * (1 << 20),  # one header that never ends
        b"HTTP/1.1 100 Continue\r\n\r\n" * 40_000,  # interim answers without end
    ],
)
def test_giant_upstream_headers_give_502(plain_policy: GatewayPolicy, head: bytes) -> None:
    with (
        scripted_upstream(lambda _r: [head, 5.0]) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
    ):
        answer = httpx.get(f"{gateway.base_url}/v1/models", timeout=30)
    assert answer.status_code == 502 and "headers are larger than" in answer.json()["error"]["message"]


def test_an_endless_event_stream_line_ends_the_stream_with_an_error(plain_policy: GatewayPolicy) -> None:
    piece = b"y" * 65536
    script: list[Action] = [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"10006\r\ndata: " + piece + b"\r\n"
    ]
    script += [b"10000\r\n" + piece + b"\r\n"] * 64  # 4 MiB without a newline
    with (
        scripted_upstream(lambda _r: script) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
        httpx.stream(
            "POST",
            f"{gateway.base_url}/v1/chat/completions",
            json={"model": "m", "stream": True, "messages": []},
            timeout=30,
        ) as r,
    ):
        body = r.read()
    assert b"event-stream line longer than" in body and b'"bad_gateway"' in body
