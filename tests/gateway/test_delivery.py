"""Orders delivered by polling a URL and by a local file (air-gapped sites), in front of the stub upstream."""

from __future__ import annotations

import http.server
import json
import threading
import time
from pathlib import Path

import httpx

from tests.gateway.conftest import Issuers, write_policy
from tongzhou.gateway.policy import load_policy
from tongzhou.gateway.server import GatewayThread

REQUEST = {"model": "stub-model", "messages": [{"role": "user", "content": "hi"}]}


def wait_for(predicate: object, timeout: float = 5.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def status(base: str) -> int:
    return httpx.post(f"{base}/v1/chat/completions", json=REQUEST, timeout=10).status_code


def test_orders_dropped_in_a_directory_take_effect(
    stub_upstream: str, issuers: Issuers, tmp_path: Path
) -> None:
    inbox = tmp_path / "orders"
    inbox.mkdir()
    policy = load_policy(write_policy(tmp_path, ""))
    policy.halt.delivery.files = [str(inbox)]
    policy.halt.delivery.poll_interval_seconds = 0.1
    with GatewayThread(stub_upstream, policy) as gateway:
        assert status(gateway.base_url) == 200
        (inbox / "garbage.json").write_text("{ not json")  # logged and skipped, not fatal
        (inbox / "stranger.json").write_text(json.dumps(issuers.order("PAUSE").sign(issuers.stranger)))
        pause = issuers.order("PAUSE", reason="delivered on a USB stick")
        (inbox / "pause.json").write_text(json.dumps(pause.sign(issuers.regulator)))
        wait_for(lambda: status(gateway.base_url) == 503)
        resume = issuers.order("RESUME", reason="all clear")
        (inbox / "resume.json").write_text(json.dumps([resume.sign(issuers.regulator)]))
        wait_for(lambda: status(gateway.base_url) == 200)
        sources = {h["source"] for h in gateway.governor.book.snapshot()["active"]}
        assert sources == set()


def test_orders_polled_from_a_url_take_effect(stub_upstream: str, issuers: Issuers, tmp_path: Path) -> None:
    published: list[object] = []

    class Feed(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 — http.server's name
            body = json.dumps(published).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    feed = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=feed.serve_forever, daemon=True).start()
    policy = load_policy(write_policy(tmp_path))
    policy.halt.delivery.urls = [f"http://127.0.0.1:{feed.server_address[1]}/orders"]
    policy.halt.delivery.poll_interval_seconds = 0.1
    try:
        with GatewayThread(stub_upstream, policy) as gateway:
            assert status(gateway.base_url) == 200
            order = issuers.order("TERMINATE", "organisation:demo-org", reason="licence revoked")
            published.append(order.sign(issuers.regulator))
            wait_for(lambda: status(gateway.base_url) == 503)
            (halt,) = gateway.governor.book.snapshot()["active"]
            assert halt["source"].startswith("url:") and halt["order"]["order_id"] == order.order_id
    finally:
        feed.shutdown()


def test_hostile_requests_get_clear_errors_and_the_log_stays_valid(
    stub_upstream: str, issuers: Issuers, tmp_path: Path
) -> None:
    from tongzhou.gateway.audit_log import verify_audit_log

    policy = load_policy(write_policy(tmp_path, "max_body_bytes: 2048"))
    with GatewayThread(stub_upstream, policy) as gateway:
        chat = f"{gateway.base_url}/v1/chat/completions"
        lone_surrogate = b'{"model": "m\\ud800", "messages": [{"role": "user", "content": "hi"}]}'
        assert httpx.post(chat, content=lone_surrogate, timeout=10).status_code == 200
        assert httpx.post(chat, content=b"x" * 4096, timeout=10).status_code == 413
        assert httpx.post(chat, content=b"\xff\xfe not json", timeout=10).status_code == 400
        huge_order = httpx.post(
            f"{gateway.base_url}/governance/halt-orders", content=b"[" * 70_000, timeout=10
        )
        assert huge_order.status_code == 413
        assert status(gateway.base_url) == 200
    assert verify_audit_log(policy.audit_dir()).ok


def test_a_pause_lifted_within_the_grace_period_cuts_nothing_started_after_it(
    stub_upstream: str, issuers: Issuers, tmp_path: Path
) -> None:
    # Regression: the PAUSE's delayed stream cut used to fire after RESUME and cut new requests.
    policy = load_policy(write_policy(tmp_path))
    policy.halt.stream_cut_seconds = 1.5
    httpx.post(stub_upstream.removesuffix("/v1") + "/stub/control", json={"chunk_delay": 0.6}, timeout=10)
    with GatewayThread(stub_upstream, policy) as gateway:
        orders = f"{gateway.base_url}/governance/halt-orders"
        httpx.post(orders, json=issuers.order("PAUSE").sign(issuers.regulator), timeout=10)
        httpx.post(orders, json=issuers.order("RESUME").sign(issuers.regulator), timeout=10)
        body = {**REQUEST, "stream": True}
        with httpx.stream("POST", f"{gateway.base_url}/v1/chat/completions", json=body, timeout=30) as r:
            lines = [line for line in r.iter_lines() if line.startswith("data:")]
    assert lines[-1] == "data: [DONE]" and not any('"halted"' in line for line in lines)


def test_an_order_for_another_model_leaves_open_streams_alone(
    stub_upstream: str, issuers: Issuers, tmp_path: Path
) -> None:
    policy = load_policy(write_policy(tmp_path))
    httpx.post(stub_upstream.removesuffix("/v1") + "/stub/control", json={"chunk_delay": 0.3}, timeout=10)
    with GatewayThread(stub_upstream, policy) as gateway:
        body = {**REQUEST, "stream": True}
        with httpx.stream("POST", f"{gateway.base_url}/v1/chat/completions", json=body, timeout=30) as r:
            lines = r.iter_lines()
            next(line for line in lines if line.startswith("data:"))
            other = issuers.order("TERMINATE", "model:another-model", reason="only that model")
            accepted = httpx.post(
                f"{gateway.base_url}/governance/halt-orders", json=other.sign(issuers.regulator), timeout=10
            )
            assert accepted.status_code == 200
            rest = [line for line in lines if line.startswith("data:")]
        assert rest[-1] == "data: [DONE]"
        assert status(gateway.base_url) == 200  # stub-model is not halted
        blocked = {"model": "another-model", "messages": REQUEST["messages"]}
        assert (
            httpx.post(f"{gateway.base_url}/v1/chat/completions", json=blocked, timeout=10).status_code == 503
        )


def test_a_client_cannot_step_outside_the_upstreams_v1(
    stub_upstream: str, issuers: Issuers, tmp_path: Path
) -> None:
    import socket

    policy = load_policy(write_policy(tmp_path))
    # Sent raw: HTTP clients would normalise the '..' away before it reached the gateway.
    with (
        GatewayThread(stub_upstream, policy) as gateway,
        socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock,
    ):
        sock.sendall(b"GET /v1/%2e%2e/stub/control HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400") and b"bad_path" in answer
