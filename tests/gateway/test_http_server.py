"""The gateway's server side on the wire: keep-alive, pipelining, body framing and limits, bad requests."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gateway.conftest import Issuers, write_policy
from tests.gateway.scripted_upstream import raw_exchange, split_answers
from tongzhou.gateway.audit_log import verify_audit_log
from tongzhou.gateway.policy import GatewayPolicy, load_policy
from tongzhou.gateway.server import GatewayThread

CHAT = json.dumps({"model": "stub-model", "messages": [{"role": "user", "content": "hi"}]}).encode()


def post(path: str, body: bytes, extra: bytes = b"") -> bytes:
    return (
        b"POST "
        + path.encode()
        + b" HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
        + extra
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


@pytest.fixture
def plain_policy(issuers: Issuers, tmp_path: Path) -> GatewayPolicy:
    policy = load_policy(write_policy(tmp_path, "max_body_bytes: 4096"))
    policy.labels.explicit = policy.labels.implicit = False
    return policy


@pytest.fixture
def gateway(stub_upstream: str, plain_policy: GatewayPolicy) -> Iterator[GatewayThread]:
    with GatewayThread(stub_upstream, plain_policy) as running:
        yield running


def test_pipelined_requests_are_answered_in_order(gateway: GatewayThread) -> None:
    data = (
        b"GET /governance/health HTTP/1.1\r\nHost: gw\r\n\r\n"
        + post("/v1/chat/completions", CHAT)
        + b"GET /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n"
        + b"GET /governance/halt-state HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"
    )
    answers = split_answers(raw_exchange(gateway.port, data))
    assert [a.status for a in answers] == [200, 200, 200, 200]
    assert json.loads(answers[0].body)["ok"] is True
    assert json.loads(answers[1].body)["object"] == "chat.completion"
    assert json.loads(answers[2].body)["object"] == "list"
    assert json.loads(answers[3].body)["halted"] is False
    assert answers[3].headers["connection"] == "close"


def test_keep_alive_connection_is_reused(gateway: GatewayThread) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    for _ in range(3):
        connection.request("POST", "/v1/chat/completions", body=CHAT)
        answer = connection.getresponse()
        assert answer.status == 200 and json.loads(answer.read())["choices"]
    first_socket = connection.sock
    connection.request("GET", "/v1/models")
    assert connection.getresponse().read() and connection.sock is first_socket
    connection.close()
    assert gateway.governor.in_flight == set()


def test_chunked_request_body_is_read_whole(gateway: GatewayThread) -> None:
    chunked = b"".join(
        b"%x\r\n%b\r\n" % (len(CHAT[i : i + 7]), CHAT[i : i + 7]) for i in range(0, len(CHAT), 7)
    )
    data = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + chunked + b"0\r\n\r\n"
    )
    (answer,) = split_answers(raw_exchange(gateway.port, data))
    assert answer.status == 200 and json.loads(answer.body)["model"] == "stub-model"


def test_oversize_bodies_get_413_and_nothing_reaches_the_upstream(gateway: GatewayThread) -> None:
    big = b"x" * 5000
    (declared,) = split_answers(raw_exchange(gateway.port, post("/v1/chat/completions", big)))
    assert declared.status == 413 and "max_body_bytes" in json.loads(declared.body)["error"]["message"]
    chunked = b"".join(b"400\r\n" + b"y" * 1024 + b"\r\n" for _ in range(6)) + b"0\r\n\r\n"
    data = b"POST /v1/completions HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked
    (streamed,) = split_answers(raw_exchange(gateway.port, data))
    assert streamed.status == 413 and streamed.headers["connection"] == "close"
    gateway.stop()
    audit_dir = gateway.governor.policy.audit_dir()
    kinds = [
        json.loads(line)["kind"]
        for f in audit_dir.glob("audit-*.jsonl")
        for line in f.read_text().splitlines()
    ]
    assert "request" not in kinds and verify_audit_log(audit_dir).ok


def test_expect_100_continue_is_honoured(gateway: GatewayThread) -> None:
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(CHAT)
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(CHAT)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert split_answers(answer)[0].status == 200


@pytest.mark.parametrize(
    "garbage",
    [
        b"THIS IS NOT HTTP\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nHost: gw\r\nContent-Length: abc\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nBad Header Line\r\n\r\n",
    ],
)
def test_malformed_requests_get_400_and_serving_continues(gateway: GatewayThread, garbage: bytes) -> None:
    (answer,) = split_answers(raw_exchange(gateway.port, garbage))
    assert answer.status == 400
    assert "malformed HTTP request" in json.loads(answer.body)["error"]["message"]
    assert answer.headers["connection"] == "close"
    assert (
        split_answers(
            raw_exchange(gateway.port, post("/v1/chat/completions", CHAT, b"Connection: close\r\n"))
        )[0].status
        == 200
    )


def test_requests_before_a_malformed_one_are_still_answered(gateway: GatewayThread) -> None:
    data = b"GET /v1/models HTTP/1.1\r\nHost: gw\r\n\r\nNOT HTTP AT ALL\r\n\r\n"
    answers = split_answers(raw_exchange(gateway.port, data))
    assert [a.status for a in answers] == [200, 400]


def test_http_1_0_client_gets_its_answer_and_the_connection_closes(gateway: GatewayThread) -> None:
    (answer,) = split_answers(raw_exchange(gateway.port, b"GET /v1/models HTTP/1.0\r\n\r\n"))
    assert answer.status == 200 and json.loads(answer.body)["data"][0]["id"] == "stub-model"


def test_unknown_paths_and_methods_are_refused_clearly(gateway: GatewayThread) -> None:
    data = (
        b"GET /nowhere HTTP/1.1\r\nHost: gw\r\n\r\n"
        b"GET /governance/halt-orders HTTP/1.1\r\nHost: gw\r\n\r\n"
        b"GET /governance/nothing HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"
    )
    missing, wrong_method, unknown = split_answers(raw_exchange(gateway.port, data))
    assert missing.status == 404 and "/v1/*" in json.loads(missing.body)["error"]["message"]
    assert wrong_method.status == 405 and wrong_method.headers["allow"] == "POST"
    assert unknown.status == 404 and "/governance/health" in json.loads(unknown.body)["error"]["message"]


def test_client_leaving_mid_request_is_audited_and_forgotten(gateway: GatewayThread) -> None:
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(post("/v1/chat/completions", CHAT)[:-5])  # the body never completes
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(b"GET /v1/mod")  # nor does this request line
    health = b"GET /governance/health HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"
    (answer,) = split_answers(raw_exchange(gateway.port, health))
    assert answer.status == 200 and json.loads(answer.body)["in_flight"] == 0


def test_oversize_request_lines_and_headers_are_refused(gateway: GatewayThread) -> None:
    long_target = b"GET /v1/models?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: gw\r\n\r\n"
    (target,) = split_answers(raw_exchange(gateway.port, long_target))
    assert target.status == 414 and "longer than" in json.loads(target.body)["error"]["message"]
    many = b"GET /v1/models HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(300)) + b"\r\n"
    (headers,) = split_answers(raw_exchange(gateway.port, many))
    assert headers.status == 431
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        sock.sendall(b"GET /v1/models HTTP/1.1\r\nX-Endless: ")
        time.sleep(0.1)  # the head starts in a read of its own; what follows only makes it longer
        try:
            for _ in range(40):  # one header value that never ends, sent in pieces
                sock.sendall(b"v" * 4096)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the gateway may close before the client is done sending
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    assert answer.startswith(b"HTTP/1.1 431")


def test_http_1_0_clients_get_streams_without_chunked_framing(gateway: GatewayThread) -> None:
    body = json.dumps(
        {"model": "stub-model", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    )
    request = b"POST /v1/chat/completions HTTP/1.0\r\nContent-Length: %d\r\n\r\n%b" % (
        len(body),
        body.encode(),
    )
    (answer,) = split_answers(raw_exchange(gateway.port, request))
    assert answer.status == 200 and "transfer-encoding" not in answer.headers
    assert answer.body.startswith(b"data: {") and answer.body.rstrip().endswith(b"data: [DONE]")
    keep = b"GET /v1/models HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
    first, second = split_answers(raw_exchange(gateway.port, keep + b"GET /v1/models HTTP/1.0\r\n\r\n"))
    assert first.headers["connection"] == "keep-alive" and second.status == 200


def test_a_port_in_use_is_a_clear_error(stub_upstream: str, plain_policy: GatewayPolicy) -> None:
    from tongzhou.errors import InputError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InputError, match=f"cannot listen on 127.0.0.1:{port}"):
            GatewayThread(stub_upstream, plain_policy, port=port).start()
