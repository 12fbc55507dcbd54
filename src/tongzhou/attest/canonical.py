"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme): same value, same bytes.

Everything Tongzhou signs or hashes goes through :func:`canonical_json`, so a
report re-serialised by anyone who follows RFC 8785 hashes to the same digest.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any


class CanonicalJsonError(ValueError):
    """A value that has no canonical JSON form (NaN, infinity, a non-string key, an unknown type)."""


def _format_number(value: float) -> str:
    # RFC 8785 §3.2.2.3: numbers serialise as ECMAScript's Number.prototype.toString.
    if math.isnan(value) or math.isinf(value):
        raise CanonicalJsonError(f"{value!r} has no JSON representation")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    exponent = int(exp_text) if exp_text else 0
    int_part, _, frac_part = mantissa.partition(".")
    digits = (int_part + frac_part).lstrip("0")
    # Position of the decimal point relative to the start of `digits` (ECMAScript's n).
    point = len(int_part.lstrip("0")) + exponent if int_part.strip("0") else exponent - (
        len(frac_part) - len(frac_part.lstrip("0"))
    )
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= point <= 21:
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * (-point) + digits
    e = point - 1
    exp = f"e{'+' if e >= 0 else '-'}{abs(e)}"
    if k == 1:
        return sign + digits + exp
    return sign + digits[0] + "." + digits[1:] + exp


def _escape_string(text: str) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20:
            named = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
            out.append(named.get(ch, f"\\u{code:04x}"))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _utf16_key(text: str) -> bytes:
    # RFC 8785 §3.2.3: members are sorted by the UTF-16 code units of their names.
    return text.encode("utf-16-be")


def _serialise(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_format_number(value))
    elif isinstance(value, str):
        out.append(_escape_string(value))
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise CanonicalJsonError(f"object key {key!r} is not a string")
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(_escape_string(key))
            out.append(":")
            _serialise(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _serialise(item, out)
        out.append("]")
    else:
        raise CanonicalJsonError(f"cannot canonicalise a {type(value).__name__}")


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON-compatible value."""
    out: list[str] = []
    _serialise(value, out)
    return "".join(out).encode("utf-8")


def canonical_sha256(value: Any) -> str:
    """``sha256:<hex>`` of the canonical bytes of ``value``."""
    return "sha256:" + hashlib.sha256(canonical_json(value)).hexdigest()
