"""What every model adapter is: an async chat function with a stable identity."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from tongzhou.evaluate.contract import ModelSummary

Message = dict[str, str]
"""A chat message: ``{"role": "user" | "system" | "assistant", "content": str}``."""


@dataclass(frozen=True)
class Completion:
    """One model answer."""

    text: str
    """The assistant message's content."""
    completion_tokens: int | None = None
    """Tokens generated, when the model reports them."""


@dataclass(frozen=True)
class ModelInfo:
    """Who answered: recorded with every run (the ``model`` field of the run summary)."""

    kind: str
    """``gguf``, ``openai`` or ``callable``."""
    name: str
    """Human name: the model name at the endpoint, the GGUF file name, or the callable's path."""
    identity: str
    """Stable identity: ``sha256:<hex>`` of the weights, or endpoint + model name; part of the cache key."""
    parameters: dict[str, Any] = field(default_factory=dict)
    """Generation parameters (temperature, max_tokens, seed, ...), also part of the cache key."""

    def to_dict(self) -> ModelSummary:
        """The JSON form used in the run summary."""
        return {
            "kind": self.kind,
            "name": self.name,
            "identity": self.identity,
            "parameters": dict(self.parameters),
        }


class RetryableError(Exception):
    """A transient failure (timeout, 429, 5xx, connection reset): the runner retries it with backoff."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        """Seconds the server asked us to wait (``Retry-After``), if it said."""


class ModelError(Exception):
    """A permanent failure (bad request, unknown model): retrying will not help."""


class ModelAdapter(Protocol):
    """An async chat model. ``concurrency_limit`` caps what the runner sends at once (None = no cap)."""

    info: ModelInfo
    concurrency_limit: int | None

    async def complete(self, messages: list[Message]) -> Completion:
        """Answer ``messages`` with the adapter's generation parameters."""
        ...

    async def aclose(self) -> None:
        """Release connections or weights."""
        ...


DEFAULT_PARAMETERS: dict[str, Any] = {"temperature": 0.0, "max_tokens": 96, "seed": 1234}
"""Greedy decoding with a fixed seed: runs are repeatable and the cache is meaningful."""
