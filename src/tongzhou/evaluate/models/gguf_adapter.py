"""A local GGUF model through llama-cpp-python (the bundled SmolLM2-135M-Instruct by default).

The model runs in a child process (:class:`~tongzhou.model_runtime.ModelProcess`): if llama.cpp dies
there (SIGILL on a CPU it was not built for, SIGSEGV), the run stops with a clear
:class:`~tongzhou.errors.BackendCrashError` and stays resumable instead of the whole CLI vanishing.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from tongzhou.bundled_model import bundled_model_path, file_sha256
from tongzhou.evaluate.models.base import DEFAULT_PARAMETERS, Completion, Message, ModelError, ModelInfo
from tongzhou.model_runtime import LoadOptions, ModelProcess, ModelRefusedError


class GgufChatModel:
    """A GGUF file served by a child process, one generation at a time (a llama.cpp context is one thread)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        parameters: dict[str, Any] | None = None,
        n_ctx: int = 2048,
        n_threads: int | None = None,
    ) -> None:
        self.path = Path(path) if path else bundled_model_path()
        if not self.path.is_file():
            raise ModelError(f"GGUF file not found: {self.path}")
        self.parameters = {**DEFAULT_PARAMETERS, **(parameters or {})}
        self._n_ctx = n_ctx
        # Half the cores: llama.cpp's worker threads spin at barriers, and on a shared 2-core machine two
        # threads measured 10-30x slower than one (64 tokens: 22-74 s vs 2.5 s at load average 9).
        self._n_threads = n_threads or max(1, min(4, (os.cpu_count() or 2) // 2))
        self._process: ModelProcess | None = None
        self.concurrency_limit: int | None = 1
        self.info = ModelInfo(
            kind="gguf",
            name=self.path.name,
            identity=file_sha256(self.path),
            parameters=dict(self.parameters),
        )

    def _load(self) -> ModelProcess:
        if self._process is None:
            self._process = ModelProcess(
                self.path,
                LoadOptions(
                    n_ctx=self._n_ctx, n_threads=self._n_threads, seed=int(self.parameters.get("seed", 1234))
                ),
            )
        return self._process

    def _generate(self, messages: list[Message]) -> Completion:
        try:
            out = self._load().chat(messages, dict(self.parameters))
        except ModelRefusedError as exc:
            raise ModelError(str(exc)) from exc
        text = out["choices"][0]["message"].get("content") or ""
        tokens = (out.get("usage") or {}).get("completion_tokens")
        return Completion(text=str(text), completion_tokens=tokens if isinstance(tokens, int) else None)

    async def complete(self, messages: list[Message]) -> Completion:
        """Generate in a worker thread so the event loop (progress, storage) keeps running."""
        return await asyncio.to_thread(self._generate, messages)

    async def aclose(self) -> None:
        """Stop the child process and free the weights."""
        if self._process is not None:
            await asyncio.to_thread(self._process.close)
