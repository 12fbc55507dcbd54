"""GB 45438 labels on gateway responses: every choice, streamed or not, carries a label that verifies."""

from __future__ import annotations

import json

import httpx
import pytest

from tongzhou.gateway.policy import GatewayPolicy, LabelPolicy
from tongzhou.gateway.response_labels import ResponseLabeller
from tongzhou.gateway.server import GatewayThread
from tongzhou.labels.keys import signing_key
from tongzhou.labels.text import label_text, verify_text

CHAT = {"model": "stub-model", "messages": [{"role": "user", "content": "hi"}]}


def test_every_choice_is_labelled_as_label_text_would(tongzhou_home: object) -> None:
    labeller = ResponseLabeller(LabelPolicy(language="en", position="prefix"))
    body = {
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "first"}},
            {"index": 1, "text": "second, 第二"},
            {"index": 2, "message": {"content": None}},  # nothing to label
            "not a choice",
        ]
    }
    header = labeller.label_completion(body, "chatcmpl-1")
    first, second = body["choices"][0]["message"]["content"], body["choices"][1]["text"]
    assert first.startswith("[") and first.endswith("\n\nfirst")
    assert header is not None and json.loads(header) == body["AIGC"]
    assert [label["ProduceID"] for label in body["AIGC_choices"]] == ["chatcmpl-1", "chatcmpl-1-1"]
    for text, label in zip((first, second), body["AIGC_choices"], strict=True):
        assert verify_text(text, json.dumps(label)).valid
    # The very label the general API makes for the same text, key and id.
    reference = label_text(
        "first",
        LabelPolicy().producer,
        explicit="prefix",
        lang="en",
        produce_id="chatcmpl-1",
        key=signing_key(),
    )
    assert header == reference.label_json and first == reference.text


def test_labels_off_leave_the_answer_alone(tongzhou_home: object) -> None:
    labeller = ResponseLabeller(LabelPolicy(explicit=False, implicit=False))
    body = {"choices": [{"message": {"content": "as is"}}]}
    assert not labeller.enabled and labeller.label_completion(body, "x") is None
    assert body == {"choices": [{"message": {"content": "as is"}}]}


def test_a_lone_surrogate_is_replaced_before_it_is_labelled(tongzhou_home: object) -> None:
    labeller = ResponseLabeller(LabelPolicy(explicit=False))
    delivered, label = labeller.label("bad \ud800 text", "id-9")
    assert delivered == "bad ? text" and label is not None and verify_text(delivered, label).valid


@pytest.mark.parametrize("stream", [False, True])
def test_labels_through_a_running_gateway_verify(
    stub_upstream: str, policy: GatewayPolicy, stream: bool
) -> None:
    with GatewayThread(stub_upstream, policy) as gateway:
        url = f"{gateway.base_url}/v1/chat/completions"
        answer = httpx.post(url, json={**CHAT, "stream": stream}, timeout=10)
    assert answer.status_code == 200
    if not stream:
        body = answer.json()
        content = body["choices"][0]["message"]["content"]
        assert json.loads(answer.headers["AIGC"]) == body["AIGC"]
        assert verify_text(content, answer.headers["AIGC"]).valid
        return
    events = [json.loads(line[6:]) for line in answer.text.splitlines() if line.startswith("data: {")]
    delivered = "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e.get("choices"))
    assert delivered.startswith("[") and "Hello from the stub upstream." in delivered
    assert verify_text(delivered, json.dumps(events[-1]["AIGC"])).valid
