"""The parent side: a GGUF model served by a child process, so a native crash cannot take the caller down.

llama.cpp is native code; when it dies (an instruction the CPU lacks, a memory fault) the process
that loaded it dies too, silently for the user. :class:`ModelProcess` keeps it in a child
(:mod:`.model_worker`) and turns the child's death into a
:class:`~tongzhou.errors.BackendCrashError` that names the library, the signal and the fix.

Cost: one JSON line each way per answer (tens of microseconds beside tens of milliseconds of
generation) and one interpreter start (~0.5 s) per loaded model.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from tongzhou.model_runtime.native_crash import crash_error


class ModelRefusedError(Exception):
    """llama-cpp-python refused a request or the model file with a Python error (not a crash)."""


@dataclass(frozen=True)
class LoadOptions:
    """How the child loads the model."""

    n_ctx: int = 2048
    """Context length in tokens."""
    n_threads: int = 1
    """llama.cpp worker threads."""
    seed: int = 1234
    """Sampling seed (greedy decoding ignores it)."""


def runtime_library() -> str:
    """``llama.cpp (llama-cpp-python 0.3.36)``: the native library the child loads, named for messages."""
    try:
        version = metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        version = "not installed"
    return f"llama.cpp (llama-cpp-python {version})"


class ModelProcess:
    """One child process holding one loaded GGUF model; answers one chat request at a time (thread-safe).

    The child starts on the first :meth:`chat` (or :meth:`start`) and stops on :meth:`close`. When it
    dies, the call in progress raises :class:`~tongzhou.errors.BackendCrashError`; so does every later
    call, without restarting it (a library that crashed once on this CPU will crash again).
    """

    def __init__(self, model_path: Path, options: LoadOptions | None = None, *, load_timeout_s: float = 300):
        self.model_path = Path(model_path)
        self.options = options or LoadOptions()
        self.load_timeout_s = load_timeout_s
        self.library = runtime_library()
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._crash: Exception | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start the child and wait until the model is loaded."""
        with self._lock:
            self._ensure_started()

    def chat(self, messages: list[dict[str, str]], params: dict[str, Any]) -> dict[str, Any]:
        """The OpenAI-style chat completion for ``messages`` (llama-cpp-python's create_chat_completion)."""
        with self._lock:
            proc = self._ensure_started()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(json.dumps({"messages": messages, "params": params}).encode("utf-8") + b"\n")
                proc.stdin.flush()
            except BrokenPipeError:
                pass  # the child is gone: readline() below sees the end and we report how it died
            reply = proc.stdout.readline()
            if not reply:
                raise self._died("answering")
            answer = json.loads(reply)
            if not answer.get("ok"):
                raise ModelRefusedError(str(answer.get("error")))
            completion: dict[str, Any] = answer["completion"]
            return completion

    def close(self) -> None:
        """Stop the child (end of input, then a kill after 5 s) and free its memory."""
        with self._lock:
            proc, self._proc = self._proc, None
            if proc is not None:
                try:
                    if proc.stdin is not None:
                        proc.stdin.close()
                    proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    proc.kill()
                    proc.wait()
                finally:
                    if proc.stdout is not None:
                        proc.stdout.close()
            if self._stderr is not None:
                self._stderr.close()
                self._stderr = None

    def __enter__(self) -> ModelProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        if self._crash is not None:
            raise self._crash
        if self._proc is not None:
            return self._proc
        load = {
            "model_path": str(self.model_path),
            "n_ctx": self.options.n_ctx,
            "n_threads": self.options.n_threads,
            "seed": self.options.seed,
        }
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 -- lives as long as the child; closed in close()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tongzhou.model_runtime.model_worker", json.dumps(load)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env={**os.environ, "PYTHONFAULTHANDLER": "1"},
        )
        assert self._proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._proc.stdout, selectors.EVENT_READ)
            if not selector.select(self.load_timeout_s):
                self._proc.kill()
                self._proc.wait()
                raise self._died(f"loading the model (no answer within {self.load_timeout_s:.0f} s)")
        ready = self._proc.stdout.readline()
        if not ready:
            raise self._died("loading the model")
        hello = json.loads(ready)
        if not hello.get("ready"):
            self._proc.wait()
            self._proc = None
            # Permanent (a bad file, a bad parameter): later calls fail the same way without a new child.
            self._crash = ModelRefusedError(
                f"{self.library} could not load {self.model_path}: {hello.get('error')}"
            )
            raise self._crash
        return self._proc

    def _died(self, doing: str) -> Exception:
        """The error for a child that stopped answering; remembered so later calls fail the same way."""
        proc = self._proc
        assert proc is not None
        try:
            returncode = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            returncode = proc.wait()
        tail = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            tail = self._stderr.read()[-4000:].decode("utf-8", "replace")
        self._crash = crash_error(self.library, returncode, doing, tail)
        self._proc = None
        return self._crash
