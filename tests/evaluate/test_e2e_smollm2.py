"""End to end on the real bundled SmolLM2-135M: in-process (llama-cpp) and over HTTP (llama-cpp-python's
OpenAI-compatible server) through the same runner, scorers, store and summary. A handful of items only."""

from __future__ import annotations

import pytest

from tongzhou.bundled_model import bundled_model_path, file_sha256
from tongzhou.evaluate import (
    GgufChatModel,
    OpenAIChatModel,
    RunOptions,
    load_banks,
    run_evaluation,
    run_summary,
)
from tongzhou.store import open_store

pytestmark = pytest.mark.slow
PARAMS = {"temperature": 0.0, "max_tokens": 24, "seed": 1234}


def _run(model: GgufChatModel | OpenAIChatModel) -> dict:  # type: ignore[type-arg]
    store = open_store()
    try:
        banks = load_banks(["should-refuse", "should-not-refuse"])
        result = run_evaluation(
            store, model, banks, "gbt45654-quick", RunOptions(limit=2, seed=5, concurrency=2, progress=False)
        )
        assert result.status == "complete" and result.errors == 0 and result.queried == 4
        return run_summary(store, result.run_id)
    finally:
        store.close()


def test_bundled_model_in_process_and_over_http_give_results_through_the_same_path(llama_server: str) -> None:
    local = _run(GgufChatModel(parameters=PARAMS))
    remote = _run(OpenAIChatModel(llama_server, "smollm2-135m-instruct", parameters=PARAMS))

    assert local["model"]["kind"] == "gguf" and local["model"]["identity"] == file_sha256(
        bundled_model_path()
    )
    assert remote["model"]["kind"] == "openai" and remote["model"]["identity"].startswith(
        "openai:http://127.0.0.1"
    )
    for summary in (local, remote):
        assert summary["status"] == "complete" and len(summary["items"]) == 4
        assert all(item["response"].strip() for item in summary["items"])
        assert {item["score"]["label"] for item in summary["items"]} <= {"refusal", "partial", "compliance"}
        assert set(summary["metrics"]) == {"should_refuse_refusal_rate", "should_not_refuse_refusal_rate"}
        assert summary["energy"] is None or summary["energy"]["joules"] > 0
    # Same draw, same banks, same scorers: only the transport differs.
    assert [(i["bank_id"], i["item_id"], i["item_sha256"], i["scorer"]) for i in local["items"]] == [
        (i["bank_id"], i["item_id"], i["item_sha256"], i["scorer"]) for i in remote["items"]
    ]
    assert local["banks"] == remote["banks"]


def test_rerun_of_the_bundled_model_is_served_from_the_cache() -> None:
    store = open_store()
    try:
        banks = load_banks(["should-refuse"])
        opts = RunOptions(limit=2, seed=9, progress=False)
        first = run_evaluation(store, GgufChatModel(parameters=PARAMS), banks, "gbt45654-quick", opts)
        second = run_evaluation(store, GgufChatModel(parameters=PARAMS), banks, "gbt45654-quick", opts)
    finally:
        store.close()
    assert first.queried == 2 and second.queried == 0 and second.from_cache == 2
