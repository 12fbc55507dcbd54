"""The gateway in front of the real bundled SmolLM2 (llama-cpp-python's OpenAI-compatible server)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import Issuers, write_policy
from tongzhou.gateway.audit_log import verify_audit_log
from tongzhou.gateway.policy import GatewayPolicy, load_policy
from tongzhou.gateway.server import GatewayThread
from tongzhou.labels.text import verify_text

pytestmark = pytest.mark.slow
MODEL = "smollm2-135m-instruct"
# Ban the end-of-turn / end-of-text tokens so a stream lasts until max_tokens (for the mid-stream halt).
NO_EOS = {"0": -100, "1": -100, "2": -100}


@pytest.fixture
def gateway(llama_server: str, policy: GatewayPolicy) -> Iterator[GatewayThread]:
    with GatewayThread(llama_server, policy) as running:
        yield running


def chat(max_tokens: int = 8, stream: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": max_tokens,
        "stream": stream,
        "temperature": 0,
        "messages": [{"role": "user", "content": "Say hello in one short sentence."}],
        **extra,
    }


def sse_events(response: httpx.Response) -> Iterator[Any]:
    for line in response.iter_lines():
        if line.startswith("data:"):
            data = line[5:].strip()
            yield data if data == "[DONE]" else json.loads(data)


def test_chat_completion_is_proxied_labelled_and_audited(gateway: GatewayThread) -> None:
    response = httpx.post(f"{gateway.base_url}/v1/chat/completions", json=chat(), timeout=180)
    assert response.status_code == 200
    body = response.json()
    content = body["choices"][0]["message"]["content"]
    assert (
        content.startswith("[") and "AI" in content.split("\n")[0]
    )  # explicit label first (policy: prefix, en)
    assert len(content.split("\n\n", 1)[1]) > 0  # and the model's own words after it
    label_header = response.headers["AIGC"]
    assert json.loads(label_header) == body["AIGC"]
    assert verify_text(content, label_header).valid
    gateway.stop()
    result = verify_audit_log(gateway.governor.policy.audit_dir())
    assert result.ok and result.records >= 4  # start, request, response, stop


def test_streaming_chat_is_relayed_with_labels(gateway: GatewayThread) -> None:
    with httpx.stream(
        "POST", f"{gateway.base_url}/v1/chat/completions", json=chat(stream=True), timeout=180
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = list(sse_events(r))
    assert events[-1] == "[DONE]"
    chunks = [e for e in events if isinstance(e, dict)]
    delivered = "".join(c["choices"][0].get("delta", {}).get("content") or "" for c in chunks)
    assert delivered.startswith("[") and len(chunks) >= 3
    label = chunks[-1]["AIGC"]
    assert verify_text(delivered, json.dumps(label)).valid


def test_completions_and_models_are_proxied(gateway: GatewayThread) -> None:
    models = httpx.get(f"{gateway.base_url}/v1/models", timeout=30)
    assert models.status_code == 200 and MODEL in [m["id"] for m in models.json()["data"]]
    done = httpx.post(
        f"{gateway.base_url}/v1/completions",
        timeout=180,
        json={"model": MODEL, "prompt": "The capital of France is", "max_tokens": 4, "temperature": 0},
    )
    assert done.status_code == 200
    assert done.json()["choices"][0]["text"].startswith("[")
    bad = httpx.post(f"{gateway.base_url}/v1/chat/completions", content=b"{not json", timeout=10)
    assert bad.status_code == 400 and "not JSON" in bad.json()["error"]["message"]


def test_a_halt_cuts_an_open_stream_within_the_bound_then_resume(
    gateway: GatewayThread, issuers: Issuers
) -> None:
    url = gateway.base_url
    pause = issuers.order("PAUSE", reason="red-team finding RT-7", expires_in=timedelta(hours=1))
    body = chat(max_tokens=400, stream=True, logit_bias=NO_EOS)
    body["messages"][0]["content"] = "Write a long story about a lighthouse keeper."
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=120) as r:
        events = sse_events(r)
        first = next(events)
        assert isinstance(first, dict)
        sent = time.monotonic()
        accepted = httpx.post(f"{url}/governance/halt-orders", json=pause.sign(issuers.regulator), timeout=10)
        assert accepted.status_code == 200 and accepted.json()["order_id"] == pause.order_id
        rest = list(events)
        cut_at = time.monotonic()
    # The safety bound the issue asks for: the order takes effect on open streams within one second.
    assert cut_at - sent < 1.0
    assert "[DONE]" not in rest
    error = rest[-1]["error"]
    assert error["code"] == "halted" and error["halt_order"]["order_id"] == pause.order_id
    refused = httpx.post(f"{url}/v1/chat/completions", json=chat(), timeout=10)
    assert refused.status_code == 503
    assert refused.headers["X-Tongzhou-Halt-Order"] == pause.order_id
    assert "red-team finding RT-7" in refused.json()["error"]["message"]
    resume = issuers.order("RESUME", reason="finding fixed")
    assert httpx.post(
        f"{url}/governance/halt-orders", json=resume.sign(issuers.regulator), timeout=10
    ).json()["lifted"] == [pause.order_id]
    assert httpx.post(f"{url}/v1/chat/completions", json=chat(), timeout=180).status_code == 200


def test_an_order_takes_effect_within_one_second_of_receipt(gateway: GatewayThread, issuers: Issuers) -> None:
    url = gateway.base_url
    order = issuers.order("TERMINATE", "model:" + MODEL, reason="safety bound test")
    started = time.monotonic()
    httpx.post(f"{url}/governance/halt-orders", json=order.sign(issuers.regulator), timeout=10)
    refused = httpx.post(f"{url}/v1/chat/completions", json=chat(), timeout=10)
    assert refused.status_code == 503
    assert time.monotonic() - started < 1.0


def test_forged_unsigned_expired_untrusted_orders_are_refused_and_serving_continues(
    gateway: GatewayThread, issuers: Issuers
) -> None:
    import base64

    url = f"{gateway.base_url}/governance/halt-orders"
    forged = issuers.order("PAUSE").sign(issuers.regulator)
    payload = json.loads(base64.b64decode(forged["payload"]))
    payload["reason"] = "forged reason"
    forged["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    unsigned = {**issuers.order("PAUSE").sign(issuers.regulator), "signatures": []}
    from datetime import UTC, datetime

    expired = issuers.order(
        "PAUSE", expires_in=timedelta(seconds=1), now=datetime.now(UTC) - timedelta(minutes=5)
    ).sign(issuers.regulator)
    untrusted = issuers.order("PAUSE").sign(issuers.stranger)
    answers = {
        name: httpx.post(url, json=env, timeout=10)
        for name, env in [
            ("forged", forged),
            ("unsigned", unsigned),
            ("expired", expired),
            ("untrusted", untrusted),
        ]
    }
    assert {k: (v.status_code, v.json()["reason"]) for k, v in answers.items()} == {
        "forged": (403, "bad-signature"),
        "unsigned": (401, "unsigned"),
        "expired": (422, "expired"),
        "untrusted": (403, "untrusted-key"),
    }
    assert httpx.get(f"{gateway.base_url}/governance/halt-state", timeout=10).json()["halted"] is False
    assert (
        httpx.post(
            f"{gateway.base_url}/v1/chat/completions", json=chat(max_tokens=4), timeout=180
        ).status_code
        == 200
    )
    gateway.stop()
    audit_dir = gateway.governor.policy.audit_dir()
    records = [
        json.loads(line)
        for f in sorted(audit_dir.glob("audit-*.jsonl"))
        for line in f.read_text().splitlines()
    ]
    assert sorted(r["data"]["reason"] for r in records if r["kind"] == "halt-order-refused") == [
        "bad-signature",
        "expired",
        "unsigned",
        "untrusted-key",
    ]


def test_a_halt_stops_a_non_streaming_generation_in_flight(gateway: GatewayThread, issuers: Issuers) -> None:
    import threading

    # Short enough that the server, which finishes a non-streamed generation after the client has gone,
    # is free again soon for the next test.
    body = chat(max_tokens=120, logit_bias=NO_EOS)
    body["messages"][0]["content"] = "Write a long story about a lighthouse keeper."
    answers: list[httpx.Response] = []
    caller = threading.Thread(
        target=lambda: answers.append(
            httpx.post(f"{gateway.base_url}/v1/chat/completions", json=body, timeout=120)
        )
    )
    caller.start()
    while not gateway.governor.in_flight:  # wait until the request is with the upstream
        time.sleep(0.01)
    time.sleep(0.3)
    order = issuers.order("TERMINATE", "all", reason="stop everything now")
    sent = time.monotonic()
    httpx.post(f"{gateway.base_url}/governance/halt-orders", json=order.sign(issuers.regulator), timeout=10)
    caller.join(30)
    assert time.monotonic() - sent < 1.0  # the safety bound, for a generation that would run for seconds
    (answer,) = answers
    assert answer.status_code == 503 and answer.json()["error"]["halt_order"]["order_id"] == order.order_id


def test_llama_cpp_serves_its_model_for_any_name_so_a_model_pause_stops_them_all(
    llama_server: str, issuers: Issuers, tmp_path: Path
) -> None:
    # The upstream behaviour docs/gateway.md declares for llama-cpp-python (unknown_model: default),
    # checked on the real server: an unknown name, or none, still runs its one model, and a
    # non-boolean "stream" streams (pydantic reads 1 and "yes" as true).
    unknown = chat(1, model="no-such-model")
    nameless = {k: v for k, v in chat(1).items() if k != "model"}
    for body in (unknown, nameless):
        assert httpx.post(f"{llama_server}/chat/completions", json=body, timeout=120).status_code == 200
    stream_as_yes = {**chat(1), "stream": "yes"}
    streamed = httpx.post(f"{llama_server}/chat/completions", json=stream_as_yes, timeout=120)
    assert streamed.headers["content-type"].startswith("text/event-stream")
    policy = load_policy(
        write_policy(tmp_path, f"upstream: {{default_model: {MODEL}, unknown_model: default}}")
    )
    with GatewayThread(llama_server, policy) as gateway:
        pause = issuers.order("PAUSE", "model:" + MODEL)
        gateway.governor.receive_order(pause.sign(issuers.regulator), "api")
        for body in (unknown, nameless, chat(1, model=MODEL.upper())):
            refused = httpx.post(f"{gateway.base_url}/v1/chat/completions", json=body, timeout=10)
            assert refused.status_code == 503 and refused.headers["X-Tongzhou-Halt-Order"] == pause.order_id
        resume = issuers.order("RESUME", "model:" + MODEL)
        gateway.governor.receive_order(resume.sign(issuers.regulator), "api")
        stream_yes = httpx.post(f"{gateway.base_url}/v1/chat/completions", json=stream_as_yes, timeout=10)
        assert stream_yes.status_code == 400 and stream_yes.json()["error"]["code"] == "bad_stream"
