"""A local GGUF model through llama-cpp-python (the bundled SmolLM2-135M-Instruct by default)."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

from tongzhou.bundled_model import bundled_model_path, file_sha256
from tongzhou.evaluate.models.base import DEFAULT_PARAMETERS, Completion, Message, ModelError, ModelInfo


class GgufChatModel:
    """A GGUF file loaded in-process. One generation at a time (llama.cpp contexts are not thread-safe)."""

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
        self._llm: Any = None
        self._lock = threading.Lock()
        self.concurrency_limit: int | None = 1
        self.info = ModelInfo(
            kind="gguf",
            name=self.path.name,
            identity=file_sha256(self.path),
            parameters=dict(self.parameters),
        )

    def _load(self) -> Any:
        if self._llm is None:
            from llama_cpp import Llama  # imported lazily: loading the library costs ~0.5 s

            self._llm = Llama(
                model_path=str(self.path),
                n_ctx=self._n_ctx,
                n_threads=self._n_threads,
                seed=int(self.parameters.get("seed", 1234)),
                verbose=False,
            )
        return self._llm

    def _generate(self, messages: list[Message]) -> Completion:
        with self._lock:
            llm = self._load()
            params = dict(self.parameters)
            out = llm.create_chat_completion(messages=messages, **params)
        text = out["choices"][0]["message"].get("content") or ""
        tokens = (out.get("usage") or {}).get("completion_tokens")
        return Completion(text=str(text), completion_tokens=tokens if isinstance(tokens, int) else None)

    async def complete(self, messages: list[Message]) -> Completion:
        """Generate in a worker thread so the event loop (progress, storage) keeps running."""
        return await asyncio.to_thread(self._generate, messages)

    async def aclose(self) -> None:
        """Free the weights."""
        with self._lock:
            if self._llm is not None:
                close = getattr(self._llm, "close", None)
                if close is not None:
                    close()
                self._llm = None
