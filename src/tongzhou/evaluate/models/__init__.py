"""Model adapters: OpenAI-compatible HTTP, local GGUF (llama-cpp-python), and Python callables."""

from __future__ import annotations

from typing import Any

from tongzhou.errors import InputError
from tongzhou.evaluate.models.base import (
    DEFAULT_PARAMETERS,
    Completion,
    Message,
    ModelAdapter,
    ModelError,
    ModelInfo,
    RetryableError,
)
from tongzhou.evaluate.models.callable_adapter import CallableChatModel, import_callable
from tongzhou.evaluate.models.gguf_adapter import GgufChatModel
from tongzhou.evaluate.models.openai_adapter import OpenAIChatModel

__all__ = [
    "DEFAULT_PARAMETERS",
    "CallableChatModel",
    "Completion",
    "GgufChatModel",
    "Message",
    "ModelAdapter",
    "ModelError",
    "ModelInfo",
    "OpenAIChatModel",
    "RetryableError",
    "model_from_ref",
]


def model_from_ref(ref: str, parameters: dict[str, Any] | None = None, **options: Any) -> ModelAdapter:
    """Build an adapter from a CLI model reference.

    * ``bundled`` — the bundled SmolLM2-135M-Instruct GGUF, in a child process (llama.cpp)
    * ``gguf:PATH`` — any GGUF file, in a child process
    * ``openai:BASE_URL#MODEL`` — an OpenAI-compatible endpoint (key from ``TONGZHOU_EVAL_API_KEY``)
    * ``callable:package.module:function`` — a Python function ``fn(messages) -> str``
    """
    from pathlib import Path

    if ref == "bundled":
        return GgufChatModel(parameters=parameters)
    kind, sep, rest = ref.partition(":")
    if not sep or not rest:
        raise InputError(
            f"unknown model reference {ref!r}: use bundled, gguf:PATH, openai:BASE_URL#MODEL "
            "or callable:module:function"
        )
    if kind == "gguf":
        path = Path(rest).expanduser()
        if not path.is_file():
            raise InputError(f"GGUF file not found: {path}")
        return GgufChatModel(path, parameters=parameters)
    if kind == "openai":
        base, hash_, model = rest.partition("#")
        if not hash_ or not model or not base.startswith(("http://", "https://")):
            raise InputError(f"openai model reference must be openai:http(s)://HOST/v1#MODEL, got {ref!r}")
        return OpenAIChatModel(base, model, parameters=parameters, **options)
    if kind == "callable":
        return CallableChatModel(import_callable(rest), parameters=parameters)
    raise InputError(
        f"unknown model kind {kind!r} in {ref!r}: use bundled, gguf:PATH, openai:BASE_URL#MODEL "
        "or callable:module:function"
    )
