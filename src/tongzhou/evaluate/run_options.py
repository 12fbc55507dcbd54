"""What a run is asked to do (:class:`RunOptions`), what it did (:class:`RunResult`), and its cache keys."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tongzhou.evaluate.models.base import Message

__all__ = ["CacheKeys", "RunOptions", "RunResult", "cache_key", "generation_parameters"]


@dataclass
class RunOptions:
    """How a run draws and queries."""

    limit: int | None = None
    """Items drawn per bank (None: the whole bank)."""
    seed: int = 0
    """Seed of the draw (the model's own sampling seed is a generation parameter)."""
    concurrency: int = 8
    """Requests in flight at most (also capped by the adapter's own limit)."""
    max_retries: int = 4
    """Retries per request after the first try; never unbounded."""
    timeout_s: float = 180.0
    """Per-call timeout (each try)."""
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    retry_after_cap_s: float = 300.0
    """A server's Retry-After is honoured up to this many seconds."""
    progress: bool = True
    flush_rows: int = 512
    flush_interval_s: float = 0.25


@dataclass
class RunResult:
    """What one invocation did."""

    run_id: str
    status: str
    items: int
    queried: int = 0
    """Requests that reached the model (cache misses that were answered)."""
    from_cache: int = 0
    tokens: int = 0
    """Completion tokens the model reported for the queried answers."""
    retries: int = 0
    errors: int = 0
    error_messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    energy: dict[str, Any] | None = None


def cache_key(identity: str, messages: Sequence[Message], parameters: dict[str, Any]) -> str:
    """``sha256:<hex>`` of model identity + messages + generation parameters."""
    return CacheKeys(identity, parameters).key(messages)


class CacheKeys:
    """Cache keys for one model: the identity and parameters are hashed once, then each item's messages."""

    def __init__(self, identity: str, parameters: dict[str, Any]) -> None:
        head = json.dumps({"model": identity, "parameters": parameters}, sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))
        self._prefix = hashlib.sha256(head.encode("utf-8"))

    def key(self, messages: Sequence[Message]) -> str:
        digest = self._prefix.copy()
        digest.update(json.dumps(list(messages), sort_keys=True, ensure_ascii=False,
                                 separators=(",", ":")).encode("utf-8"))
        return "sha256:" + digest.hexdigest()


def generation_parameters(**given: float | int | None) -> dict[str, Any]:
    """The generation parameters that were given (``temperature=None`` leaves the model's own)."""
    return {name: value for name, value in given.items() if value is not None}
