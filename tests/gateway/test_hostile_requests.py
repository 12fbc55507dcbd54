"""Hostile and malformed requests on the wire: smuggling attempts, injected header bytes, hop-by-hop
and Host headers, absolute-form targets and path traversal. Each is answered with a clear error (or
forwarded harmlessly), and what reaches the upstream is checked on a real scripted upstream."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gateway.conftest import Issuers, write_policy
from tests.gateway.scripted_upstream import (
    ScriptedUpstream,
    json_answer,
    raw_exchange,
    scripted_upstream,
    split_answers,
)
from tongzhou.gateway.policy import GatewayPolicy, load_policy
from tongzhou.gateway.server import GatewayThread

OK = b'{"ok": true}'
HEAD = b"POST /v1/completions HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n"


@pytest.fixture
def plain_policy(issuers: Issuers, tmp_path: Path) -> GatewayPolicy:
    policy = load_policy(write_policy(tmp_path, "max_body_bytes: 4096"))
    policy.labels.explicit = policy.labels.implicit = False
    return policy


@pytest.fixture
def upstream() -> Iterator[ScriptedUpstream]:
    with scripted_upstream(lambda _r: [json_answer(OK)]) as running:
        yield running


@pytest.fixture
def gateway(upstream: ScriptedUpstream, plain_policy: GatewayPolicy) -> Iterator[GatewayThread]:
    with GatewayThread(upstream.base_url, plain_policy) as running:
        yield running


def refusal(gateway: GatewayThread, data: bytes) -> tuple[int, str]:
    """The one answer to ``data``: its status and error message; the connection must close after it."""
    (answer,) = split_answers(raw_exchange(gateway.port, data))
    assert answer.headers["connection"] == "close"
    return answer.status, json.loads(answer.body)["error"]["message"]


@pytest.mark.parametrize(
    ("framing", "message"),
    [
        (b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "can't be present with"),
        (b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", "can't be present with"),
        (b"Content-Length: 2\r\nContent-Length: 3\r\n", "Duplicate Content-Length"),
        (b"Content-Length: 2\r\nContent-Length: 2\r\n", "Duplicate Content-Length"),
        (b"Content-Length: 2, 2\r\n", "Invalid character in Content-Length"),
        (b"Content-Length: +2\r\n", "Invalid character in Content-Length"),
        (b"Content-Length: -2\r\n", "Invalid character in Content-Length"),
        (b"Content-Length: 1 2\r\n", "Invalid character in Content-Length"),
        (b"Content-Length: 0x2\r\n", "Invalid character in Content-Length"),
        (b"Content-Length: 99999999999999999999999\r\n", "Content-Length overflow"),
        (b"Transfer-Encoding: chunked, identity\r\n", "Transfer-Encoding"),
        (b"Transfer-Encoding: chunked, chunked\r\n", "Transfer-Encoding"),
        (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", "Transfer-Encoding"),
        (b"Transfer-Encoding: gzip\r\n", "Transfer-Encoding"),
        (b"Transfer-Encoding: xchunked\r\n", "Transfer-Encoding"),
        (b"Transfer-Encoding : chunked\r\n", "Invalid header field char"),
    ],
)
def test_ambiguous_body_framing_is_refused_and_nothing_is_forwarded(
    gateway: GatewayThread, upstream: ScriptedUpstream, framing: bytes, message: str
) -> None:
    status, text = refusal(gateway, HEAD + framing + b"\r\n2\r\n{}\r\n0\r\n\r\n")
    # 400 from httptools' own checks; 501 from the gateway's, for a coding it does not decode.
    assert status in (400, 501) and message in text
    assert upstream.requests == []


def test_a_transfer_coding_other_than_chunked_gets_501(
    gateway: GatewayThread, upstream: ScriptedUpstream
) -> None:
    # httptools itself accepts "gzip, chunked"; forwarded, the still-compressed body would pass for plain.
    status, text = refusal(gateway, HEAD + b"Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    assert status == 501 and "only Transfer-Encoding: chunked" in text
    assert upstream.requests == []


@pytest.mark.parametrize(
    ("chunks", "message"),
    [
        (b"FFFFFFFFFFFFFFFFF1\r\n{}\r\n0\r\n\r\n", "Chunk size overflow"),
        (b"2g\r\n{}\r\n0\r\n\r\n", "Invalid character in chunk size"),
        (b"-2\r\n{}\r\n0\r\n\r\n", "Invalid character in chunk size"),
        (b"2\n{}\n0\n\n", "Missing expected CR"),
        (b"2;\n{}\r\n0\r\n\r\n", "Missing expected CR"),
    ],
)
def test_malformed_chunks_are_refused(
    gateway: GatewayThread, upstream: ScriptedUpstream, chunks: bytes, message: str
) -> None:
    status, text = refusal(gateway, HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + chunks)
    assert status == 400 and message in text
    assert upstream.requests == []


def test_chunk_extensions_are_ignored_and_trailer_fields_never_become_headers(
    gateway: GatewayThread, upstream: ScriptedUpstream
) -> None:
    body = b'{"model": "m"}'
    data = (
        HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\n" + body[:5] + b"\r\n" + b"%x;x\r\n" % (len(body) - 5) + body[5:] + b"\r\n"
        b"0\r\nAuthorization: Bearer smuggled\r\nX-Trailer: 1\r\n\r\n"
    )
    (answer,) = split_answers(raw_exchange(gateway.port, data))
    assert answer.status == 200
    (seen,) = upstream.requests
    assert seen.body == body and seen.headers[b"content-length"] == b"%d" % len(body)
    assert b"authorization" not in seen.headers and b"x-trailer" not in seen.headers


@pytest.mark.parametrize("where", [b"0;ext=", b"0\r\nX-Endless: "])
def test_endless_chunk_extensions_and_trailers_get_431_without_being_buffered(
    gateway: GatewayThread, upstream: ScriptedUpstream, where: bytes
) -> None:
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(HEAD + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n" + where)
        try:
            for _ in range(64):  # 4 MiB of one extension or trailer that never ends
                sock.sendall(b"v" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the gateway may close before the client is done
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    assert answer.startswith(b"HTTP/1.1 431") and b"chunk extensions and trailer fields" in answer
    assert upstream.requests == []


def test_a_body_shorter_than_declared_swallows_the_next_request_and_smuggles_nothing(
    gateway: GatewayThread, upstream: ScriptedUpstream
) -> None:
    # The second request's bytes are the rest of the first body: the gateway must not see two
    # requests, and the upstream gets one request framed by the gateway's own Content-Length.
    hidden = b"GET /v1/secret HTTP/1.1\r\nHost: gw\r\n\r\n"
    data = (
        b"POST /v1/completions HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n{}" % (2 + len(hidden)) + hidden
    )
    (answer,) = split_answers(raw_exchange(gateway.port, data))
    assert answer.status == 400 and json.loads(answer.body)["error"]["code"] == "bad_json"
    assert upstream.requests == []
    text = b'"' + hidden.replace(b"\r\n", b"\\r\\n") + b'"'  # now as a JSON string: forwarded as a body
    data = b"POST /v1/completions HTTP/1.1\r\nHost: gw\r\nContent-Length: %d\r\n\r\n" % len(text) + text
    (answer,) = split_answers(
        raw_exchange(gateway.port, data + b"GET /v1/models HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
    )[:1]
    assert answer.status == 200
    assert [r.line for r in upstream.requests] == [
        b"POST /v1/completions HTTP/1.1",
        b"GET /v1/models HTTP/1.1",
    ]
    assert upstream.requests[0].body == text


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"X-A: a\rX-B: b\r\n", "Missing expected LF"),
        (b"X-A: a\nX-B: b\r\n", "Missing expected CR"),
        (b"X-A: a\x00b\r\n", "Invalid header value char"),
        (b"X-A: a\x01b\r\n", "Invalid header value char"),
        (b"X-A: a\x7fb\r\n", "Invalid header value char"),
        (b"X-A: a\r\n folded\r\n", "Unexpected whitespace"),
        (b": no name\r\n", "Invalid header token"),
    ],
)
def test_control_bytes_in_headers_are_refused_before_anything_is_forwarded(
    gateway: GatewayThread, upstream: ScriptedUpstream, header: bytes, message: str
) -> None:
    status, text = refusal(
        gateway, b"GET /v1/models HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n" + header + b"\r\n"
    )
    assert status == 400 and message in text
    assert upstream.requests == []


@pytest.mark.parametrize("hosts", [b"", b"Host: a\r\nHost: b\r\n"])
def test_an_http_1_1_request_without_exactly_one_host_gets_400(
    gateway: GatewayThread, upstream: ScriptedUpstream, hosts: bytes
) -> None:
    status, text = refusal(gateway, b"GET /v1/models HTTP/1.1\r\n" + hosts + b"\r\n")
    assert status == 400 and "exactly one Host header" in text
    assert upstream.requests == []


def test_the_upstream_gets_its_own_host_and_no_connection_named_headers(
    gateway: GatewayThread, upstream: ScriptedUpstream
) -> None:
    data = (
        b"GET /v1/models HTTP/1.1\r\nHost: evil.example\r\nConnection: X-Hop, close\r\n"
        b"Connection: x-other\r\nX-Hop: 1\r\nX-Other: 2\r\nX-Kept: 3\r\n\r\n"
    )
    (answer,) = split_answers(raw_exchange(gateway.port, data))
    assert answer.status == 200
    (seen,) = upstream.requests
    assert seen.headers[b"host"] == f"127.0.0.1:{upstream.port}".encode()
    assert seen.headers[b"x-kept"] == b"3"
    assert b"x-hop" not in seen.headers and b"x-other" not in seen.headers


@pytest.mark.parametrize(
    "line",
    [
        b"GET http://evil.example/v1/models HTTP/1.1",
        b"GET http://evil.example/ HTTP/1.1",
        b"CONNECT evil.example:443 HTTP/1.1",
        b"OPTIONS * HTTP/1.1",
    ],
)
def test_other_request_target_forms_never_reach_any_upstream(
    gateway: GatewayThread, upstream: ScriptedUpstream, line: bytes
) -> None:
    # The gateway only ever connects to its configured upstream; these targets are not /v1/... at all.
    (answer,) = split_answers(
        raw_exchange(gateway.port, line + b"\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    )
    assert answer.status == 404 and answer.headers["connection"] == "close"
    assert upstream.requests == [] and upstream.connections == 0


def test_an_upgrade_request_is_answered_as_plain_http_and_the_connection_closes(
    gateway: GatewayThread, upstream: ScriptedUpstream
) -> None:
    data = (
        b"GET /v1/models HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade, HTTP2-Settings\r\n"
        b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n"
    )
    answers = split_answers(raw_exchange(gateway.port, data))
    # One answer, no stray refusal after it that a client could take for its next request's.
    assert [a.status for a in answers] == [200] and answers[0].headers["connection"] == "close"
    assert b"upgrade" not in upstream.requests[0].headers


@pytest.mark.parametrize(
    "path",
    [
        b"/v1/../governance/health",
        b"/v1/models/..",
        b"/v1/%2e%2e/admin",
        b"/v1/%2E%2E/admin",
        b"/v1/..%2fadmin",
        b"/v1/%252e%252e/admin",  # decoded twice by some servers
        b"/v1/..\\admin",  # a separator to Windows and some Java servers
        b"/v1/..%5cadmin",
        b"/v1/..;/admin",  # a path parameter to Tomcat: the segment is ".."
    ],
)
def test_path_traversal_out_of_v1_is_refused(
    gateway: GatewayThread, upstream: ScriptedUpstream, path: bytes
) -> None:
    status, text = refusal(gateway, b"GET " + path + b" HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
    assert status == 400 and "'..'" in text
    assert upstream.requests == []


def test_paths_that_stay_inside_v1_are_forwarded_under_the_upstream_prefix(
    gateway: GatewayThread, upstream: ScriptedUpstream
) -> None:
    paths = [b"/v1//evil.example/x", b"/v1/./models", b"/v1/a..b/c", b"/v1/models%2Fx"]
    data = b"".join(b"GET " + p + b" HTTP/1.1\r\nHost: gw\r\n\r\n" for p in paths)
    answers = split_answers(
        raw_exchange(gateway.port, data + b"GET /v1/models HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
    )
    assert [a.status for a in answers] == [200] * 5
    assert [r.line.split()[1] for r in upstream.requests][:4] == paths
    assert upstream.connections == 1
