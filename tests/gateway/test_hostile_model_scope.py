"""Hostile clients against a model-scoped halt and against the body fields the gateway acts on
(issue 20, items 1, 3 and 4). Each case is sent raw to a real gateway in front of a scripted
upstream that records what reaches it: a halted model must never be reached, whatever the
spelling, and a body the gateway and the upstream could read differently is refused, not guessed.

To add a case: append it to the list of the behaviour it must show (``HALTED_SPELLINGS``,
``UNCLEAR_BODIES``, ...); each list says which upstream behaviour it runs against.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gateway.conftest import Issuers, write_policy
from tests.gateway.scripted_upstream import (
    RawAnswer,
    ScriptedUpstream,
    json_answer,
    raw_exchange,
    scripted_upstream,
    split_answers,
)
from tongzhou.gateway.audit_log import verify_audit_log
from tongzhou.gateway.policy import GatewayPolicy, load_policy
from tongzhou.gateway.server import GatewayThread

COMPLETION = json.dumps(
    {"choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]}
).encode()
LLAMA_CPP = "upstream: {models: [stub-model], default_model: stub-model, unknown_model: default}"
"""llama-cpp-python: one model, served for any name and for none."""
VLLM = "upstream: {models: [stub-model, other-model], default_model: stub-model, unknown_model: refused}"
"""vLLM: the listed names; 404 for others; the first model when none is named."""
UNSURE = "upstream: {}"
"""Nothing declared: the gateway cannot tell what an unlisted or missing name runs."""


@pytest.fixture
def upstream() -> Iterator[ScriptedUpstream]:
    with scripted_upstream(lambda _r: [json_answer(COMPLETION)]) as running:
        yield running


def running_gateway(
    upstream: ScriptedUpstream, issuers: Issuers, tmp_path: Path, models: str, scope: str | None
) -> GatewayThread:
    policy: GatewayPolicy = load_policy(write_policy(tmp_path, models))
    policy.labels.explicit = policy.labels.implicit = False
    gateway = GatewayThread(upstream.base_url, policy).start()
    if scope is not None:
        gateway.governor.receive_order(issuers.order("PAUSE", scope).sign(issuers.regulator), "api")
    return gateway


@pytest.fixture
def gateways(upstream: ScriptedUpstream, issuers: Issuers, tmp_path: Path) -> Iterator[list[GatewayThread]]:
    started: list[GatewayThread] = []
    yield started
    for gateway in started:
        gateway.stop()


def post(
    gateway: GatewayThread, body: bytes, path: bytes = b"/v1/chat/completions", extra: bytes = b""
) -> RawAnswer:
    data = (
        b"POST "
        + path
        + b" HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nContent-Type: application/json\r\n"
        + extra
        + b"Content-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    (answer,) = split_answers(raw_exchange(gateway.port, data))
    return answer


def get(gateway: GatewayThread, path: bytes) -> RawAnswer:
    (answer,) = split_answers(
        raw_exchange(gateway.port, b"GET " + path + b" HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
    )
    return answer


def chat(model: object = "stub-model", **fields: object) -> bytes:
    body: dict[str, object] = {"messages": [{"role": "user", "content": "hi"}], **fields}
    if model is not ...:
        body["model"] = model
    return json.dumps(body).encode()


def error_code(answer: RawAnswer) -> str:
    return str(json.loads(answer.body)["error"]["code"])


# ---- item 1: every spelling the upstream serves as the halted model is halted -------------------

HALTED_SPELLINGS = [
    pytest.param(chat("stub-model"), id="exact"),
    pytest.param(chat("Stub-Model"), id="case"),
    pytest.param(chat("stub-model "), id="trailing-blank"),
    pytest.param(chat("\tstub-model"), id="leading-tab"),
    pytest.param(chat("./stub-model"), id="dot-slash"),
    pytest.param(chat("stub-model/"), id="trailing-slash"),
    pytest.param(chat("ｓｔｕｂ－ｍｏｄｅｌ"), id="full-width"),
    pytest.param(chat(...), id="no-model-field"),
    pytest.param(b'{"model":"stub\\u002dmodel","messages":[]}', id="escaped"),
]
"""Under PAUSE of ``model:stub-model``, against each declared upstream behaviour."""


@pytest.mark.parametrize("body", HALTED_SPELLINGS)
@pytest.mark.parametrize("models", [LLAMA_CPP, VLLM, UNSURE], ids=["llama-cpp", "vllm", "unsure"])
def test_a_model_scoped_pause_stops_every_spelling_the_upstream_serves_as_that_model(
    upstream: ScriptedUpstream,
    issuers: Issuers,
    tmp_path: Path,
    gateways: list[GatewayThread],
    models: str,
    body: bytes,
) -> None:
    gateways.append(gateway := running_gateway(upstream, issuers, tmp_path, models, "model:stub-model"))
    answer = post(gateway, body)
    assert answer.status == 503 and error_code(answer) == "halted"
    assert "x-tongzhou-halt-order" in answer.headers
    assert upstream.requests == []


UNCLEAR_BODIES = [
    pytest.param(b'{"model":"stub-model","model":"other"}', "duplicate_key", id="duplicate-model-last-wins"),
    pytest.param(b'{"model":"other","model":"stub-model"}', "duplicate_key", id="duplicate-model-first-wins"),
    pytest.param(
        b'{"model":"other","messages":[{"role":"user","content":"a","content":"b"}]}',
        "duplicate_key",
        id="duplicate-nested",
    ),
    pytest.param(chat(None), "bad_model", id="model-null"),
    pytest.param(chat(["stub-model"]), "bad_model", id="model-list"),
    pytest.param(chat({"id": "stub-model"}), "bad_model", id="model-object"),
    pytest.param(chat(7), "bad_model", id="model-number"),
    pytest.param(chat("other-model", stream=1), "bad_stream", id="stream-1"),
    pytest.param(chat("other-model", stream="yes"), "bad_stream", id="stream-yes"),
    pytest.param(chat("other-model", stream="false"), "bad_stream", id="stream-string-false"),
    pytest.param(chat("other-model", stream=0), "bad_stream", id="stream-0"),
    pytest.param(b"[" * 30_000 + b"]" * 30_000, "too_deep", id="30000-deep"),
    pytest.param(
        b'{"model":"other-model","x":' + b"[" * 30_000 + b"]" * 30_000 + b"}", "too_deep", id="deep-member"
    ),
    pytest.param(b'{"model":"other-model"', "bad_json", id="truncated"),
]
"""Bodies the gateway and an upstream could read differently: 400, with the code; nothing forwarded."""


@pytest.mark.parametrize(("body", "code"), UNCLEAR_BODIES)
def test_an_unclear_body_is_refused_with_400_and_audited(
    upstream: ScriptedUpstream,
    issuers: Issuers,
    tmp_path: Path,
    gateways: list[GatewayThread],
    body: bytes,
    code: str,
) -> None:
    gateways.append(gateway := running_gateway(upstream, issuers, tmp_path, VLLM, None))
    answer = post(gateway, body)
    assert answer.status == 400 and error_code(answer) == code
    assert upstream.requests == []
    gateway.stop()
    records = [
        json.loads(line)
        for s in sorted(gateway.governor.audit.directory.glob("audit-*.jsonl"))
        for line in s.read_bytes().splitlines()
    ]
    assert [r["data"]["code"] for r in records if r["kind"] == "rejected"] == [code]
    assert verify_audit_log(gateway.governor.audit.directory).ok


@pytest.mark.parametrize(("body", "code"), UNCLEAR_BODIES)
@pytest.mark.parametrize("scope", ["all", "model:stub-model"])
def test_while_halted_an_unclear_body_gets_503_not_400_or_500(
    upstream: ScriptedUpstream,
    issuers: Issuers,
    tmp_path: Path,
    gateways: list[GatewayThread],
    body: bytes,
    code: str,
    scope: str,
) -> None:
    # Whatever model an unreadable body meant, it may have been the halted one.
    gateways.append(gateway := running_gateway(upstream, issuers, tmp_path, VLLM, scope))
    answer = post(gateway, body)
    assert answer.status == 503 and error_code(answer) == "halted"
    assert upstream.requests == []


# ---- item 1: what each upstream behaviour lets through ----------------------------------------


@pytest.mark.parametrize(
    ("models", "body", "status"),
    [
        (VLLM, chat("other-model"), 200),  # another served model: not halted
        (VLLM, chat("no-such-model"), 200),  # the upstream refuses it itself; the halted model never runs
        (VLLM, chat("Stub-Model"), 503),
        (VLLM, chat(...), 503),  # no name: the upstream's default, the halted model
        (LLAMA_CPP, chat("other-model"), 503),  # llama-cpp-python runs its one model for any name
        (UNSURE, chat("other-model"), 503),  # unknown behaviour: fail closed
        (UNSURE, chat(...), 503),
    ],
)
def test_a_model_scoped_pause_follows_the_declared_upstream_behaviour(
    upstream: ScriptedUpstream,
    issuers: Issuers,
    tmp_path: Path,
    gateways: list[GatewayThread],
    models: str,
    body: bytes,
    status: int,
) -> None:
    gateways.append(gateway := running_gateway(upstream, issuers, tmp_path, models, "model:stub-model"))
    assert post(gateway, body).status == status
    assert len(upstream.requests) == (status == 200)


@pytest.mark.parametrize(
    ("models", "scope", "path", "status"),
    [
        (UNSURE, "model:stub-model", b"/v1/models", 200),  # the listing runs no model
        (LLAMA_CPP, "model:stub-model", b"/v1/models/", 200),
        (VLLM, "model:stub-model", b"/v1/models/stub-model", 503),  # about the halted model
        (VLLM, "model:stub-model", b"/v1/models/Stub-Model", 503),
        (VLLM, "model:stub-model", b"/v1/models/other-model", 200),
        (UNSURE, "model:stub-model", b"/v1/embeddings/anything", 503),  # no model named: may be any
        (VLLM, "all", b"/v1/models", 503),  # a halt of the whole service stops the listing too
        (VLLM, "system:demo-system", b"/v1/models", 503),
    ],
)
def test_routes_without_a_body_under_a_halt(
    upstream: ScriptedUpstream,
    issuers: Issuers,
    tmp_path: Path,
    gateways: list[GatewayThread],
    models: str,
    scope: str,
    path: bytes,
    status: int,
) -> None:
    gateways.append(gateway := running_gateway(upstream, issuers, tmp_path, models, scope))
    assert get(gateway, path).status == status


def test_a_stream_is_halted_whatever_the_spelling(
    upstream: ScriptedUpstream, issuers: Issuers, tmp_path: Path, gateways: list[GatewayThread]
) -> None:
    gateways.append(gateway := running_gateway(upstream, issuers, tmp_path, LLAMA_CPP, "model:stub-model"))
    assert post(gateway, chat("STUB-model", stream=True)).status == 503
    assert upstream.requests == []


# ---- item 3: streaming is decided as the upstream decides it ----------------------------------


@pytest.mark.parametrize(("value", "forwarded"), [("true", True), ("false", False), ("null", False)])
def test_boolean_and_null_stream_values_pass_and_are_audited_as_sent(
    upstream: ScriptedUpstream,
    issuers: Issuers,
    tmp_path: Path,
    gateways: list[GatewayThread],
    value: str,
    forwarded: bool,
) -> None:
    gateways.append(gateway := running_gateway(upstream, issuers, tmp_path, VLLM, None))
    body = b'{"model":"other-model","messages":[],"stream":' + value.encode() + b"}"
    post(gateway, body)
    assert [r.body for r in upstream.requests] == [body]
    gateway.stop()
    (request,) = [
        json.loads(line)
        for s in gateway.governor.audit.directory.glob("audit-*.jsonl")
        for line in s.read_bytes().splitlines()
        if json.loads(line)["kind"] == "request"
    ]
    assert request["data"]["stream"] is forwarded


# ---- item 4: the wire ------------------------------------------------------------------------


def test_client_forwarding_headers_never_reach_the_upstream(
    upstream: ScriptedUpstream, issuers: Issuers, tmp_path: Path, gateways: list[GatewayThread]
) -> None:
    gateways.append(gateway := running_gateway(upstream, issuers, tmp_path, VLLM, None))
    forged = (
        b"X-Forwarded-For: 10.0.0.1\r\nForwarded: for=10.0.0.1;host=admin.example\r\n"
        b"X-Forwarded-Host: admin.example\r\nX-Forwarded-Proto: https\r\nX-Real-IP: 10.0.0.1\r\n"
        b"X-Forwarded-for: 10.0.0.2\r\n"
    )
    assert post(gateway, chat("other-model"), extra=forged).status == 200
    (seen,) = upstream.requests
    assert seen.headers[b"x-forwarded-for"] == b"127.0.0.1"  # the peer the gateway saw, once
    for name in (b"forwarded", b"x-forwarded-host", b"x-forwarded-proto", b"x-real-ip"):
        assert name not in seen.headers
    assert b"10.0.0" not in b"".join(seen.headers.values())


@pytest.mark.parametrize(
    "framing",
    [
        b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
        b"HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n",
        b"Connection: Upgrade\r\nUpgrade: websocket\r\n",
    ],
)
def test_an_upgrade_request_with_a_body_is_refused_not_forwarded_empty(
    upstream: ScriptedUpstream,
    issuers: Issuers,
    tmp_path: Path,
    gateways: list[GatewayThread],
    framing: bytes,
) -> None:
    gateways.append(gateway := running_gateway(upstream, issuers, tmp_path, VLLM, None))
    answer = post(gateway, chat("other-model"), extra=framing)
    assert answer.status == 400 and "Upgrade" in json.loads(answer.body)["error"]["message"]
    assert answer.headers["connection"] == "close"
    assert upstream.requests == []


def test_a_deeply_nested_halt_order_gets_400_not_500(
    upstream: ScriptedUpstream, issuers: Issuers, tmp_path: Path, gateways: list[GatewayThread]
) -> None:
    gateways.append(gateway := running_gateway(upstream, issuers, tmp_path, VLLM, None))
    answer = post(gateway, b"[" * 30_000 + b"]" * 30_000, path=b"/governance/halt-orders")
    assert answer.status == 400 and json.loads(answer.body)["reason"] == "malformed"


def test_a_deeply_nested_upstream_answer_is_relayed_not_a_500(issuers: Issuers, tmp_path: Path) -> None:
    deep = b"[" * 30_000 + b"]" * 30_000
    with scripted_upstream(lambda _r: [json_answer(deep)]) as upstream:
        gateway = running_gateway(upstream, issuers, tmp_path, VLLM, None)
        try:
            answer = post(gateway, chat("other-model"))
        finally:
            gateway.stop()
    assert answer.status == 200 and answer.body == deep


def test_an_open_stream_to_a_differently_spelt_model_is_cut_by_its_pause(
    stub_upstream: str, issuers: Issuers, tmp_path: Path
) -> None:
    import httpx

    policy = load_policy(write_policy(tmp_path, LLAMA_CPP))
    httpx.post(stub_upstream.removesuffix("/v1") + "/stub/control", json={"chunk_delay": 0.3}, timeout=10)
    body = {"model": " STUB-model", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with (
        GatewayThread(stub_upstream, policy) as gateway,
        httpx.stream("POST", f"{gateway.base_url}/v1/chat/completions", json=body, timeout=30) as answer,
    ):
        lines = (line for line in answer.iter_lines() if line.startswith("data:"))
        next(lines)  # the stream is open
        pause = issuers.order("TERMINATE", "model:stub-model")
        gateway.governor.receive_order(pause.sign(issuers.regulator), "api")
        rest = list(lines)
    assert rest and "data: [DONE]" not in rest
    assert json.loads(rest[-1][5:])["error"]["code"] == "halted"
