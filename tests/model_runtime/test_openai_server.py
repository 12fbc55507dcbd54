"""The shared helper that puts a GGUF model behind llama-cpp-python's OpenAI-compatible server on
loopback (the gateway demo step and the tests' ``llama_server`` fixture both use it)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from tests.model_runtime.test_model_process import CRASHING_RUNTIME
from tongzhou.errors import BackendCrashError
from tongzhou.model_runtime.openai_server import ModelServer


def test_a_server_that_dies_starting_gives_the_library_signal_and_its_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(CRASHING_RUNTIME), os.environ.get("PYTHONPATH", "")])
    )
    log = tmp_path / "server.log"
    server = ModelServer(tmp_path / "model.gguf", log, alias="any")
    with pytest.raises(BackendCrashError) as caught:
        server.start()
    error = caught.value
    assert error.signal == "SIGILL" and error.returncode == -signal.SIGILL
    message = str(error)
    assert "llama.cpp (llama-cpp-python" in message and "server" in message and "非法指令" in message
    assert "while starting" in message and f"(full log: {log})" in message
    assert "Fatal Python error" in message  # the child ran with faulthandler; its report is quoted
    server.stop()  # nothing left to stop: no error


@pytest.mark.slow
def test_the_bundled_model_answers_under_its_alias_on_loopback(llama_server: str) -> None:
    assert llama_server.startswith("http://127.0.0.1:") and llama_server.endswith("/v1")
    models = httpx.get(f"{llama_server}/models", timeout=10).json()
    assert [m["id"] for m in models["data"]] == ["smollm2-135m-instruct"]
