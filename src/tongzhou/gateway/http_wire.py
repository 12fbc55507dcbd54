"""HTTP/1.1 framing shared by the gateway's server side and its upstream pool.

Headers travel as ``(name, value)`` byte pairs exactly as httptools hands them over,
so a request or answer is forwarded without decoding and re-encoding every header.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

Headers = list[tuple[bytes, bytes]]
"""Header fields as received: name (original case) and value, both bytes."""

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


def header_value(headers: Headers, name: bytes) -> bytes | None:
    """The first value of header ``name`` (lower case), or None."""
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def end_to_end(headers: Headers, also_drop: frozenset[bytes]) -> bytes:
    """The header block (``Name: value\\r\\n`` lines) without hop-by-hop headers, without those the
    ``Connection`` header names, and without ``also_drop`` (lower-case names)."""
    drop = HOP_BY_HOP | also_drop
    named: set[bytes] = set()
    for key, value in headers:
        if key.lower() == b"connection":
            named.update(token.strip().lower() for token in value.split(b","))
    if named:
        drop = drop | named
    return b"".join(key + b": " + value + b"\r\n" for key, value in headers if key.lower() not in drop)


def header_line(name: str, value: str) -> bytes:
    """One header line; refuses values that would split the header block."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"header {name} value contains a line break")
    return f"{name}: {value}\r\n".encode()


def json_bytes(value: Any) -> bytes:
    """UTF-8 JSON; lone surrogates from the upstream are kept as ``\\uXXXX`` escapes (valid JSON)."""
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value).encode("ascii")


def error_body(message: str, kind: str, code: str) -> dict[str, Any]:
    """An OpenAI-style error object, so clients of the upstream understand the gateway's own errors."""
    return {"error": {"message": message, "type": kind, "code": code}}
