"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme): same value, same bytes.

Everything Tongzhou signs or hashes goes through :func:`canonical_json`, so a
report re-serialised by anyone who follows RFC 8785 hashes to the same digest.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import math
from typing import Any

_encode_basestring = json.encoder.encode_basestring


class CanonicalFragment:
    """JSON text already in canonical form, embedded verbatim: a large sub-document (a report's
    per-item results) is serialised once and reused in the document that contains it.

    Deliberately not a ``str`` subclass: the standard library's encoder would quote it as a string,
    so the fast path of :func:`canonical_text` refuses it (``TypeError``) and the exact path embeds it.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"CanonicalFragment({self.text[:40]!r}...)"


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
    # RFC 8785 §3.2.2.2 escapes exactly what the standard library's JSON string encoder escapes
    # with ensure_ascii=False: '"', '\\', \b \f \n \r \t by name, other controls as \\u00xx
    # (lowercase hex), everything else verbatim. Its C implementation is ~50x a Python loop.
    return _encode_basestring(text)


def _utf16_key(text: str) -> bytes:
    # RFC 8785 §3.2.3: members are sorted by the UTF-16 code units of their names.
    return text.encode("utf-16-be")


def _sorted_keys(value: dict[Any, Any]) -> list[str]:
    for key in value:
        if type(key) is not str:
            raise CanonicalJsonError(f"object key {key!r} is not a string")
    keys = sorted(value)
    # Code-point order equals UTF-16 order unless a key holds a character at or above U+D800.
    if any(key and max(key) >= "\ud800" for key in keys):
        keys.sort(key=_utf16_key)
    return keys


def _serialise(value: Any, out: list[str]) -> None:
    kind = type(value)
    # Exact-type dispatch first (the common case), then isinstance for subclasses.
    if kind is str:
        out.append(_encode_basestring(value))
    elif kind is CanonicalFragment:
        out.append(value.text)
    elif kind is dict:
        out.append("{")
        for i, key in enumerate(_sorted_keys(value)):
            if i:
                out.append(",")
            out.append(_encode_basestring(key))
            out.append(":")
            _serialise(value[key], out)
        out.append("}")
    elif kind is list or kind is tuple:
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _serialise(item, out)
        out.append("]")
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        # Subclasses (IntEnum…) by their integer value, as the standard library's encoder does.
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_format_number(float.__float__(value)))
    elif isinstance(value, str):
        out.append(_escape_string(value))
    elif isinstance(value, dict):
        _serialise(dict(value), out)
    elif isinstance(value, list | tuple):
        _serialise(list(value), out)
    else:
        raise CanonicalJsonError(f"cannot canonicalise a {type(value).__name__}")


_stdlib_text = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
).encode


_LEAF_TYPES = frozenset({str, int, bool, type(None)})
_STR_ONLY = {str}


def _ecmascript_float(value: float) -> bool:
    # Finite, and Python's repr (what the standard library writes) is ECMAScript's form already.
    return math.isfinite(value) and repr(value) == _format_number(value)


def _plain_items(items: Any) -> bool:
    if set(map(type, items)) <= _LEAF_TYPES:  # one C-level pass for the common all-scalar case
        return True
    return all(map(_plain, items))


def _plain(value: Any) -> bool:
    """Whether ``value`` is built only of exact dict (with exact str keys), list, tuple, str, int, bool,
    None, and floats whose repr is their ECMAScript form."""
    kind = type(value)
    if kind is dict:
        if value and set(map(type, value)) != _STR_ONLY:
            return False
        return _plain_items(value.values())
    if kind is list or kind is tuple:
        return _plain_items(value)
    if kind is float:
        return _ecmascript_float(value)
    return kind in _LEAF_TYPES


def _fast_text(value: Any) -> str | None:
    """The standard library's C encoder output when it provably equals RFC 8785, else None.

    For a :func:`_plain` value, ``json.dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` writes what :func:`exact_canonical_text` writes: strings and keys through
    the same escaping function (``encode_basestring``), ints as ``int.__repr__``, floats as ``repr``
    (checked equal to the ECMAScript form), ``true``/``false``/``null``, lists and tuples as arrays,
    no whitespace. Keys are sorted by code point, which equals RFC 8785's UTF-16 order unless a
    character at or above U+D800 occurs — so any such character in the output (one C-speed ``max``,
    free for ASCII text) sends the value to the exact path, as does anything not plain (subclasses,
    :class:`CanonicalFragment`, NaN, non-string keys, sets) or nested too deeply.
    """
    try:
        if not _plain(value):
            return None
        text: str = _stdlib_text(value)
    except RecursionError:
        return None
    if not text.isascii() and max(text) >= "\ud800":
        return None
    return text


def canonical_text(value: Any) -> str:
    """The RFC 8785 canonical text of a JSON-compatible value (before UTF-8 encoding)."""
    fast = _fast_text(value)
    if fast is not None:
        return fast
    return exact_canonical_text(value)


def exact_canonical_text(value: Any) -> str:
    """:func:`canonical_text` by the pure-Python serialiser alone (the reference the fast path must equal)."""
    out: list[str] = []
    _serialise(value, out)
    return "".join(out)


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON-compatible value."""
    return encode_canonical(canonical_text(value))


def encode_canonical(text: str) -> bytes:
    """UTF-8 bytes of canonical text; a lone surrogate raises :class:`CanonicalJsonError`."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate is not Unicode text (RFC 8785 §3.2.2.2)
        raise CanonicalJsonError(f"string with a lone surrogate has no canonical form: {exc}") from exc


def canonical_sha256(value: Any) -> str:
    """``sha256:<hex>`` of the canonical bytes of ``value``."""
    return "sha256:" + hashlib.sha256(canonical_json(value)).hexdigest()
