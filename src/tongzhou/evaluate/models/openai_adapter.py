"""OpenAI-compatible Chat Completions over HTTP (vLLM, Ollama, llama.cpp's server, commercial APIs).

aiohttp, not httpx or the openai SDK: measured on the 2-core build machine against a local stub, a
bare aiohttp loop ran ≈ 12,500 req/s, the openai SDK ≈ 860 and httpx's AsyncClient ≈ 430 (issue 3;
re-measured by ``benchmarks/eval_overhead.py``).
"""

from __future__ import annotations

import email.utils
import json
import os
import time
from typing import Any

import aiohttp

from tongzhou.evaluate.models.base import (
    DEFAULT_PARAMETERS,
    Completion,
    Message,
    ModelError,
    ModelInfo,
    RetryableError,
)

API_KEY_ENV = "TONGZHOU_EVAL_API_KEY"
"""Environment variable read for the bearer token (``OPENAI_API_KEY`` is the fallback)."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class OpenAIChatModel:
    """A model behind ``POST {base_url}/chat/completions``."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        parameters: dict[str, Any] | None = None,
        api_key: str | None = None,
        api_key_env: str = API_KEY_ENV,
        timeout_s: float = 120.0,
        concurrency_limit: int | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.parameters = {**DEFAULT_PARAMETERS, **(parameters or {})}
        self._api_key = api_key or os.environ.get(api_key_env) or os.environ.get("OPENAI_API_KEY")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self.concurrency_limit = concurrency_limit
        self.info = ModelInfo(
            kind="openai",
            name=model,
            identity=f"openai:{self.base_url}#{model}",
            parameters=dict(self.parameters),
        )

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # limit=0: the runner's worker count is the concurrency bound, not the connector.
            connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, headers=self._headers()
            )
        return self._session

    async def complete(self, messages: list[Message]) -> Completion:
        """POST the messages; 429/5xx/timeouts raise :class:`RetryableError`, else :class:`ModelError`."""
        body = {"model": self.model, "messages": messages, **self.parameters}
        try:
            async with self._client().post(f"{self.base_url}/chat/completions", json=body) as resp:
                raw = await resp.read()
                if resp.status == 429 or resp.status >= 500:
                    raise RetryableError(
                        f"HTTP {resp.status} from {self.base_url}",
                        retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                    )
                if resp.status >= 400:
                    raise ModelError(f"HTTP {resp.status} from {self.base_url}: {raw[:300]!r}")
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError) as exc:
            raise RetryableError(f"{type(exc).__name__}: {exc}") from exc
        try:
            data = json.loads(raw)
            text = data["choices"][0]["message"].get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ModelError(f"malformed chat completion from {self.base_url}: {raw[:300]!r}") from exc
        usage = data.get("usage") or {}
        tokens = usage.get("completion_tokens")
        return Completion(text=str(text), completion_tokens=int(tokens) if isinstance(tokens, int) else None)

    async def aclose(self) -> None:
        """Close the HTTP session."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
