"""What a request body asks the upstream for, read as strictly as the upstream could read it.

The gateway decides on the parsed body (which model a halt must stop, whether
the answer streams) while the upstream receives the raw bytes. Any body the
two could read differently is refused with 400 rather than guessed at:

* a duplicate member name in any object (``{"model":"a","model":"b"}``:
  Python keeps the last, other parsers the first);
* a ``model`` that is not a string (``null``, ``["stub-model"]``);
* a ``stream`` that is not ``true``, ``false`` or ``null`` (``1``, ``"yes"``:
  pydantic-based upstreams stream on them, a plain truth test may not);
* nesting deeper than the parser's recursion limit (30,000 ``[``), which
  would otherwise escape as a ``RecursionError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tongzhou.messages import bilingual

_JSON_SPACE = " \t\n\r"


class UnclearBody(ValueError):
    """A body refused with 400; ``code`` is the stable error code the client gets."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        name = next(k for k, _v in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise UnclearBody(
            "duplicate_key",
            bilingual(
                "request body has the member {name!r} twice in one object; send it once", name=name[:100]
            ),
        )
    return obj


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_members)


@dataclass(frozen=True)
class RequestBody:
    """A JSON request body and the two members the gateway acts on."""

    payload: Any
    """The parsed body."""
    model: str | None
    """The ``model`` member; None when the body has none (or is not an object)."""
    stream: bool
    """Whether the upstream will stream its answer (``"stream": true``)."""


def read_request_body(data: bytes) -> RequestBody:
    """Parse a JSON request body (UTF-8) strictly; raise :class:`UnclearBody` saying what to fix."""
    try:
        text = data.decode("utf-8")
        start = len(text) - len(text.lstrip(_JSON_SPACE))
        payload, end = _DECODER.raw_decode(text, start)
        if end != len(text) and text[end:].strip(_JSON_SPACE):
            raise json.JSONDecodeError("Extra data", text, end)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnclearBody("bad_json", bilingual("request body is not JSON") + f": {exc}") from exc
    except RecursionError as exc:
        message = bilingual("request body is nested too deeply to read; flatten it")
        raise UnclearBody("too_deep", message) from exc
    if not isinstance(payload, dict):
        return RequestBody(payload, None, False)
    model = payload.get("model")
    if "model" in payload and not isinstance(model, str):
        message = bilingual("request member 'model' must be a string naming one model")
        raise UnclearBody("bad_model", message)
    stream = payload.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise UnclearBody("bad_stream", bilingual("request member 'stream' must be true or false"))
    return RequestBody(payload, model, stream is True)
