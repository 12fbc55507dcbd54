"""The gateway's upstream side on the wire, against a scripted real TCP upstream: keep-alive reuse,
chunked and close-delimited answers, upstreams that die mid-answer, what is (not) forwarded."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.gateway.conftest import Issuers, write_policy
from tests.gateway.scripted_upstream import (
    Action,
    SeenRequest,
    json_answer,
    raw_exchange,
    scripted_upstream,
    split_answers,
)
from tongzhou.gateway.audit_log import verify_audit_log
from tongzhou.gateway.policy import GatewayPolicy, load_policy
from tongzhou.gateway.server import GatewayThread

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
COMPLETION = json.dumps(
    {
        "choices": [{"message": {"role": "assistant", "content": "Hello there."}}],
        "usage": {"completion_tokens": 3},
    }
).encode()


@pytest.fixture
def plain_policy(issuers: Issuers, tmp_path: Path) -> GatewayPolicy:
    policy = load_policy(write_policy(tmp_path))
    policy.labels.explicit = policy.labels.implicit = False
    return policy


def audit_records(policy: GatewayPolicy) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for f in sorted(policy.audit_dir().glob("audit-*.jsonl"))
        for line in f.read_text().splitlines()
    ]


def test_keep_alive_upstream_connections_are_reused(plain_policy: GatewayPolicy) -> None:
    with (
        scripted_upstream(lambda _r: [json_answer(COMPLETION)]) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
    ):
        for _ in range(5):
            answer = httpx.post(f"{gateway.base_url}/v1/chat/completions", json=CHAT, timeout=10)
            assert answer.status_code == 200 and answer.json()["usage"]["completion_tokens"] == 3
    assert len(upstream.requests) == 5 and upstream.connections == 1


def test_a_chunked_upstream_answer_is_relayed_whole(plain_policy: GatewayPolicy) -> None:
    pieces = [COMPLETION[i : i + 9] for i in range(0, len(COMPLETION), 9)]
    script: list[Action] = [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ]
    for piece in pieces:
        script += [b"%x\r\n%b\r\n" % (len(piece), piece), 0.005]
    script.append(b"0\r\n\r\n")
    with (
        scripted_upstream(lambda _r: script) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
    ):
        answer = httpx.post(f"{gateway.base_url}/v1/chat/completions", json=CHAT, timeout=10)
        again = httpx.post(f"{gateway.base_url}/v1/chat/completions", json=CHAT, timeout=10)
    assert answer.status_code == 200 and answer.content == COMPLETION
    assert answer.headers["content-length"] == str(len(COMPLETION))
    assert again.content == COMPLETION and upstream.connections == 1


def test_a_body_delimited_by_closing_the_connection_is_relayed(plain_policy: GatewayPolicy) -> None:
    script: list[Action] = [b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n", COMPLETION, None]
    with (
        scripted_upstream(lambda _r: script) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
    ):
        answer = httpx.post(f"{gateway.base_url}/v1/chat/completions", json=CHAT, timeout=10)
    assert answer.status_code == 200 and answer.content == COMPLETION


def test_upstream_dying_mid_answer_gives_502_and_an_audited_error(plain_policy: GatewayPolicy) -> None:
    script: list[Action] = [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n",
        COMPLETION[:20],
        None,
    ]
    with (
        scripted_upstream(lambda _r: script) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
    ):
        answer = httpx.post(f"{gateway.base_url}/v1/chat/completions", json=CHAT, timeout=10)
        assert answer.status_code == 502
        assert "in the middle of its answer" in answer.json()["error"]["message"]
        gateway.stop()
    (response,) = [r for r in audit_records(plain_policy) if r["kind"] == "response"]
    assert response["data"]["status"] == 502  # type: ignore[index]
    assert verify_audit_log(plain_policy.audit_dir()).ok


def test_an_unreachable_upstream_gives_502(plain_policy: GatewayPolicy) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the socket closes
    with GatewayThread(f"http://127.0.0.1:{port}/v1", plain_policy) as gateway:
        answer = httpx.post(f"{gateway.base_url}/v1/chat/completions", json=CHAT, timeout=10)
    assert answer.status_code == 502 and "cannot connect" in answer.json()["error"]["message"]


def test_malformed_upstream_http_gives_502(plain_policy: GatewayPolicy) -> None:
    with (
        scripted_upstream(lambda _r: [b"SPEAKING GIBBERISH\r\n\r\n", None]) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
    ):
        answer = httpx.get(f"{gateway.base_url}/v1/models", timeout=10)
    assert answer.status_code == 502 and "malformed HTTP" in answer.json()["error"]["message"]


def test_an_idle_connection_closed_by_the_upstream_is_replaced_without_an_error(
    plain_policy: GatewayPolicy,
) -> None:
    # The upstream answers with keep-alive, then closes the idle connection (as servers do after
    # their keep-alive timeout): the next request must not fail.
    with (
        scripted_upstream(lambda _r: [json_answer(COMPLETION), 0.05, None]) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
    ):
        codes = []
        for _ in range(3):
            codes.append(
                httpx.post(f"{gateway.base_url}/v1/chat/completions", json=CHAT, timeout=10).status_code
            )
            time.sleep(0.2)
    assert codes == [200, 200, 200] and upstream.connections == 3


def test_paths_queries_and_headers_are_forwarded_end_to_end_only(plain_policy: GatewayPolicy) -> None:
    with (
        scripted_upstream(
            lambda _r: [json_answer(b'{"ok": true}', extra=b"Keep-Alive: timeout=5\r\n")]
        ) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
    ):
        answer = raw_exchange(
            gateway.port,
            b"GET /v1/models/a%20b?limit=2&x=%2F HTTP/1.1\r\nHost: gw\r\nX-Client: yes\r\n"
            b"Connection: close, X-Secret\r\nX-Secret: hop\r\nKeep-Alive: 5\r\nTE: trailers\r\n"
            b"Proxy-Authorization: Basic abc\r\nAccept-Encoding: gzip\r\n\r\n",
        )
    (seen,) = upstream.requests
    assert seen.line == b"GET /v1/models/a%20b?limit=2&x=%2F HTTP/1.1"
    assert (
        seen.headers[b"x-client"] == b"yes" and seen.headers[b"host"] == f"127.0.0.1:{upstream.port}".encode()
    )
    for hop in (b"x-secret", b"keep-alive", b"te", b"proxy-authorization", b"accept-encoding"):
        assert hop not in seen.headers
    (relayed,) = split_answers(answer)
    assert relayed.status == 200 and "keep-alive" not in relayed.headers


def sse(*events: bytes) -> bytes:
    return b"".join(b"data: " + e + b"\n\n" for e in events)


def delta(text: str) -> bytes:
    return json.dumps(
        {"id": "s", "object": "chat.completion.chunk", "choices": [{"delta": {"content": text}}]}
    ).encode()


def chunked(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data)


STREAM_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_event_streams_split_anywhere_are_relayed_line_by_line(plain_policy: GatewayPolicy) -> None:
    body = sse(delta("Hel"), delta("lo"), b"[DONE]")
    cuts = [0, 5, 6, 31, 60, 61, len(body)]
    script: list[Action] = [STREAM_HEAD]
    for a, b in zip(cuts, cuts[1:], strict=False):
        script += [chunked(body[a:b]), 0.01]
    script.append(b"0\r\n\r\n")
    with (
        scripted_upstream(lambda _r: script) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
    ):
        with httpx.stream(
            "POST", f"{gateway.base_url}/v1/chat/completions", json={**CHAT, "stream": True}, timeout=10
        ) as r:
            relayed = r.read()
        gateway.stop()
    assert relayed == body
    (response,) = [r for r in audit_records(plain_policy) if r["kind"] == "response"]
    assert response["data"]["stream"] == "complete"  # type: ignore[index]
    assert response["data"]["output"]["bytes"] == len("Hello")  # type: ignore[index]


def test_upstream_dying_mid_stream_cuts_the_stream_with_an_error_event(plain_policy: GatewayPolicy) -> None:
    script: list[Action] = [STREAM_HEAD, chunked(sse(delta("partial"))), 0.05, None]
    with (
        scripted_upstream(lambda _r: script) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
    ):
        with httpx.stream(
            "POST", f"{gateway.base_url}/v1/chat/completions", json={**CHAT, "stream": True}, timeout=10
        ) as r:
            lines = [line for line in r.iter_lines() if line.startswith("data:")]
        gateway.stop()
    assert json.loads(lines[0][5:])["choices"][0]["delta"]["content"] == "partial"
    assert "[DONE]" not in lines[-1] and json.loads(lines[-1][5:])["error"]["code"] == "bad_gateway"
    (response,) = [r for r in audit_records(plain_policy) if r["kind"] == "response"]
    assert str(response["data"]["stream"]).startswith("upstream-error")  # type: ignore[index]
    assert verify_audit_log(plain_policy.audit_dir()).ok


def test_a_halt_cuts_a_stream_from_a_slow_upstream(plain_policy: GatewayPolicy, issuers: Issuers) -> None:
    script: list[Action] = [STREAM_HEAD]
    for i in range(40):
        script += [chunked(sse(delta(f"w{i} "))), 0.05]
    script += [chunked(sse(b"[DONE]")), b"0\r\n\r\n"]
    with (
        scripted_upstream(lambda _r: script) as upstream,
        GatewayThread(upstream.base_url, plain_policy) as gateway,
        httpx.stream(
            "POST", f"{gateway.base_url}/v1/chat/completions", json={**CHAT, "stream": True}, timeout=10
        ) as r,
    ):
        lines = r.iter_lines()
        next(line for line in lines if line.startswith("data:"))
        order = issuers.order("TERMINATE", reason="cut the slow stream")
        httpx.post(
            f"{gateway.base_url}/governance/halt-orders", json=order.sign(issuers.regulator), timeout=10
        )
        rest = [line for line in lines if line.startswith("data:")]
    assert "[DONE]" not in "".join(rest)
    assert json.loads(rest[-1][5:])["error"]["halt_order"]["order_id"] == order.order_id


def test_upstream_error_answers_are_relayed_with_their_status(plain_policy: GatewayPolicy) -> None:
    error = json.dumps({"error": {"message": "model overloaded"}}).encode()
    seen: list[SeenRequest] = []

    def script(request: SeenRequest) -> list[Action]:
        seen.append(request)
        return [json_answer(error, status=b"503 Service Unavailable")]

    with scripted_upstream(script) as upstream, GatewayThread(upstream.base_url, plain_policy) as gateway:
        answer = httpx.post(f"{gateway.base_url}/v1/chat/completions", json=CHAT, timeout=10)
    assert answer.status_code == 503 and answer.json()["error"]["message"] == "model overloaded"
    assert json.loads(seen[0].body) == CHAT
