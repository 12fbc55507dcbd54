"""A Python function as a model, for embedding Tongzhou in another program (or testing a guardrail)."""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from tongzhou.errors import InputError
from tongzhou.evaluate.models.base import Completion, Message, ModelInfo

ChatFunction = Callable[[list[Message]], str | Awaitable[str]]


class CallableChatModel:
    """Wraps ``fn(messages) -> str`` (sync functions run in a thread, async ones are awaited)."""

    def __init__(
        self,
        fn: ChatFunction,
        *,
        name: str | None = None,
        identity: str | None = None,
        parameters: dict[str, Any] | None = None,
        concurrency_limit: int | None = None,
    ) -> None:
        self._fn = fn
        qualname = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
        self.concurrency_limit = concurrency_limit
        self.info = ModelInfo(
            kind="callable",
            name=name or qualname,
            identity=identity or f"callable:{qualname}",
            parameters=dict(parameters or {}),
        )

    async def complete(self, messages: list[Message]) -> Completion:
        """Call the function."""
        if inspect.iscoroutinefunction(self._fn):
            result = await self._fn(messages)
        else:
            result = await asyncio.to_thread(self._fn, messages)
            if inspect.isawaitable(result):
                result = await result
        return Completion(text=str(result))

    async def aclose(self) -> None:
        """Nothing to release."""


def import_callable(path: str) -> ChatFunction:
    """Import ``package.module:function``."""
    module_name, sep, attr = path.partition(":")
    if not sep or not attr:
        raise InputError(f"callable model must be 'package.module:function', got {path!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"cannot import {module_name!r}: {exc}") from exc
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise InputError(f"{path!r} is not a callable")
    return fn
