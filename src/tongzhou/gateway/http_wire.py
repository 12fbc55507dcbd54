"""HTTP/1.1 framing shared by the gateway's server side and its upstream pool.

Headers travel as ``(name, value)`` byte pairs exactly as httptools hands them over,
so a request or answer is forwarded without decoding and re-encoding every header.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

Headers = list[tuple[bytes, bytes]]
"""Header fields as received: name (lower case) and value, both bytes."""

_STATUS_LINES: dict[int, bytes] = {
    status.value: f"HTTP/1.1 {status.value} {status.phrase}\r\n".encode("ascii") for status in HTTPStatus
}

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
"""Headers that describe one connection, never forwarded (RFC 9110 §7.6.1)."""

JSON_TYPE = b"Content-Type: application/json; charset=utf-8\r\n"


def status_line(status: int) -> bytes:
    """``HTTP/1.1 <status> <reason>\\r\\n``."""
    line = _STATUS_LINES.get(status)
    return line if line is not None else f"HTTP/1.1 {status} Status {status}\r\n".encode("ascii")


def end_to_end(headers: Headers, drop: frozenset[bytes]) -> bytes:
    """The header block (``Name: value\\r\\n`` lines) of ``headers`` (names in lower case) without
    the hop-by-hop ones, those the ``Connection`` header names, and those in ``drop``."""
    out = []
    named: list[bytes] = []
    for key, value in headers:
        if key in drop or key in HOP_BY_HOP:
            if key == b"connection":
                named += [token.strip().lower() for token in value.split(b",")]
            continue
        out.append(key + b": " + value + b"\r\n")
    if named:  # rare: headers that the sender declared hop-by-hop for this connection only
        out = [line for line in out if line.split(b":", 1)[0] not in named]
    return b"".join(out)


def header_line(name: str, value: str) -> bytes:
    """One header line; refuses values that would split the header block."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"header {name} value contains a line break")
    return f"{name}: {value}\r\n".encode()


_DECODER = json.JSONDecoder()
_JSON_SPACE = " \t\n\r"


def parse_json(data: bytes) -> Any:
    """A JSON body (UTF-8, RFC 8259 §8.1) as Python values; raises ``json.JSONDecodeError`` (also for
    nesting too deep to parse) or ``UnicodeDecodeError``. Like ``json.loads`` without its encoding
    detection, which the hot path (every request and answer) does not need."""
    text = data.decode("utf-8")
    start = len(text) - len(text.lstrip(_JSON_SPACE))
    try:
        value, end = _DECODER.raw_decode(text, start)
    except RecursionError:  # 30,000 nested "[": an unreadable body, not a server error
        raise json.JSONDecodeError("nested too deeply", text, start) from None
    if end != len(text) and text[end:].strip(_JSON_SPACE):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def json_bytes(value: Any) -> bytes:
    """UTF-8 JSON; lone surrogates from the upstream are kept as ``\\uXXXX`` escapes (valid JSON)."""
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value).encode("ascii")


def error_body(message: str, kind: str, code: str) -> dict[str, Any]:
    """An OpenAI-style error object, so clients of the upstream understand the gateway's own errors."""
    return {"error": {"message": message, "type": kind, "code": code}}
