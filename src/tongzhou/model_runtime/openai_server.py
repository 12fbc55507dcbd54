"""A GGUF model (usually the bundled SmolLM2) behind llama-cpp-python's OpenAI-compatible server.

One child process, ``python -m llama_cpp.server``, on loopback and a free port: the upstream that
the gateway demo and the tests put the gateway (or an HTTP evaluation) in front of. A server that
dies, starting or answering (a native crash such as SIGILL), becomes the bilingual
:class:`~tongzhou.errors.BackendCrashError` quoting the end of its log.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from tongzhou.model_runtime.model_process import runtime_library
from tongzhou.model_runtime.native_crash import crash_error

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    """Whether ``GET /v1/models`` answers 200 (straight to loopback: no proxy settings apply)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        connection.request("GET", "/v1/models")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


class ModelServer:
    """``with ModelServer(model, log, alias=...) as server: server.base_url`` (…/v1)."""

    def __init__(
        self,
        model: Path,
        log: Path,
        *,
        alias: str,
        n_ctx: int = 2048,
        n_threads: int = 2,
        seed: int | None = None,
        startup_seconds: float = 180.0,
    ) -> None:
        self.model = model
        self.log = log
        """The server's stdout and stderr (quoted when it dies)."""
        self.alias = alias
        """The model name the server reports in ``/v1/models``."""
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.seed = seed
        self.startup_seconds = startup_seconds
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``, the OpenAI base URL."""
        return f"http://{HOST}:{self.port}/v1"

    def _command(self) -> list[str]:
        command = [
            sys.executable,
            "-X",
            "faulthandler",  # a native crash leaves the Python stack in the log that check_alive quotes
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model),
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--model_alias",
            self.alias,
            "--n_threads",
            str(self.n_threads),
        ]
        if self.seed is not None:
            command += ["--seed", str(self.seed)]
        return command

    def start(self) -> ModelServer:
        """Start the server and wait until it answers (``startup_seconds`` at most)."""
        self.port = free_port()
        with self.log.open("wb") as handle:
            self._process = subprocess.Popen(self._command(), stdout=handle, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            self.check_alive("starting")
            if _answers(self.port):
                return self
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(
            f"the model server did not answer within {self.startup_seconds:g} s; see {self.log}"
        )

    def check_alive(self, doing: str) -> None:
        """Raise the clear bilingual error if the server has died (``doing``: what it was asked to do)."""
        process = self._process
        if process is None or process.poll() is None:
            return
        tail = self.log.read_text(encoding="utf-8", errors="replace")[-4000:] if self.log.is_file() else ""
        tail += f"\n(full log: {self.log})"
        raise crash_error(f"{runtime_library()} server", process.returncode, doing, tail)

    def stop(self) -> None:
        """Terminate the server (killed if it has not exited within 20 s)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
