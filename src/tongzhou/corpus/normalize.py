"""Normalisation that defeats trivial keyword evasion, on whole byte buffers at memory speed.

The scanner folds the *text* for what can be folded byte-wise and folds the *keywords* for the rest:

- ASCII case → lower case;
- full-width ASCII (U+FF01–U+FF5E, e.g. ``ＢＯＭＢ``) → ASCII;
- inserted spaces and symbols are deleted: ASCII whitespace (except the newline that separates items)
  and punctuation, control bytes, CJK punctuation (U+3000–U+301F), full-width punctuation, zero-width
  characters and general punctuation (U+2000–U+2027, U+2030–U+205E), the middle dot and the katakana
  middle dot;
- traditional/simplified Chinese is handled on the keyword side: every Chinese keyword is expanded
  to its traditional spellings (OpenCC ``s2t``/``s2tw``/``s2hk``, whole-word and per character), see
  :func:`tongzhou.corpus.variants.chinese_variants`.

:func:`normalize_buffer` does this on a buffer of many items (newline separated) with one numpy pass
to find the multi-byte forms and one ``bytes.translate`` for the rest; :func:`normalize_text` is the
same mapping on a ``str`` (used for keywords and as the reference in tests).
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

# Bytes deleted from the text: ASCII whitespace other than "\n", ASCII punctuation, other control bytes.
# 0x01 is also the marker written over the continuation bytes of folded multi-byte characters.
_ASCII_DELETE = bytes(
    sorted({*(string.punctuation + " \t\r\x0b\x0c").encode(), *range(0x00, 0x09), *range(0x0E, 0x20), 0x7F})
)
_LOWER = bytes(c + 32 if 65 <= c <= 90 else c for c in range(256))

_MARK = 0x01


def _is_deleted_char(ch: str) -> bool:
    """Whether a character counts as an inserted separator (the str-side twin of the byte rules)."""
    cp = ord(ch)
    if cp < 0x80:
        return ch != "\n" and cp in _ASCII_DELETE
    return (
        0x3000 <= cp <= 0x301F
        or 0x2000 <= cp <= 0x2027
        or 0x2030 <= cp <= 0x205E
        or cp in (0x00B7, 0x30FB, 0xFEFF, 0x00A0)
        or (0xFF01 <= cp <= 0xFF5E and chr(cp - 0xFEE0) in string.punctuation)
    )


def normalize_text(text: str) -> str:
    """Normalise a string the way :func:`normalize_buffer` normalises bytes (keywords, tests)."""
    out: list[str] = []
    for ch in text:
        cp = ord(ch)
        if 0xFF01 <= cp <= 0xFF5E:
            ch = chr(cp - 0xFEE0)
        if _is_deleted_char(ch):
            continue
        out.append(ch.lower() if ch.isascii() else ch)
    return "".join(out)


def _fold_multibyte(buf: bytes) -> bytes | bytearray:
    """Replace full-width ASCII by ASCII and mark multi-byte separators for deletion.

    Works on the UTF-8 lead bytes 0xC2 (U+00A0, U+00B7), 0xE2 (U+2000–U+205F), 0xE3 (U+3000–U+30FF)
    and 0xEF (U+FEFF, U+FF00–U+FFFF) only; every other byte is left alone. Returns ``buf`` unchanged
    when there is nothing to fold.
    """
    a = np.frombuffer(buf, dtype=np.uint8)
    if a.size < 2:
        return buf
    head = a[:-1]
    lead = np.flatnonzero(((head & 0xFE) == 0xE2) | (head == 0xEF) | (head == 0xC2))
    if lead.size == 0:
        return buf
    # Guard: a 3-byte lead at the very end of a buffer has no continuation bytes to read.
    lead = lead[(lead + 2 < a.size) | (a[lead] == 0xC2)]
    b0 = a[lead]
    b1 = a[lead + 1]
    b2 = a[np.minimum(lead + 2, a.size - 1)]
    two = b0 == 0xC2
    # U+00A0 (no-break space) and U+00B7 (middle dot): 2-byte separators.
    sep2 = two & ((b1 == 0xA0) | (b1 == 0xB7))
    three = ~two
    # Code point of 3-byte sequences (only meaningful where `three`).
    cp = (
        ((b0.astype(np.int32) & 0x0F) << 12)
        | ((b1.astype(np.int32) & 0x3F) << 6)
        | (b2.astype(np.int32) & 0x3F)
    )
    fw = three & (cp >= 0xFF01) & (cp <= 0xFF5E)
    ascii_of_fw = np.where(fw, cp - 0xFEE0, 0).astype(np.uint8)
    punct = np.zeros(256, dtype=bool)
    punct[list(string.punctuation.encode())] = True
    fw_sep = fw & punct[ascii_of_fw]
    fw_char = fw & ~fw_sep
    sep3 = three & (
        ((cp >= 0x3000) & (cp <= 0x301F))
        | ((cp >= 0x2000) & (cp <= 0x2027))
        | ((cp >= 0x2030) & (cp <= 0x205E))
        | (cp == 0x30FB)
        | (cp == 0xFEFF)
        | fw_sep
    )
    if not (sep2.any() or sep3.any() or fw_char.any()):
        return buf
    out = bytearray(buf)
    view = np.frombuffer(out, dtype=np.uint8)
    d2 = lead[sep2]
    view[d2] = _MARK
    view[d2 + 1] = _MARK
    d3 = lead[sep3]
    view[d3] = _MARK
    view[d3 + 1] = _MARK
    view[d3 + 2] = _MARK
    fc = lead[fw_char]
    view[fc] = ascii_of_fw[fw_char]
    view[fc + 1] = _MARK
    view[fc + 2] = _MARK
    return out


def _build_kernel() -> Any:
    """A one-pass normaliser compiled by numba (≈ 1 GB/s); None when numba is not installed."""
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency; the numpy path stays correct
        return None
    delete = np.zeros(256, dtype=np.bool_)
    delete[list(_ASCII_DELETE)] = True
    lower = np.frombuffer(_LOWER, dtype=np.uint8).copy()
    lower[delete] = 0  # one table: 0 marks a deleted byte, anything else is the folded byte
    punct = np.zeros(256, dtype=np.bool_)
    punct[list(string.punctuation.encode())] = True

    def kernel(src: Any, dst: Any, delete: Any, lower: Any, punct: Any) -> int:  # pragma: no cover - jitted
        n = src.shape[0]
        i = 0
        o = 0
        while i < n:
            b = src[i]
            if b < 0x80:
                m = lower[b]  # 0 = deleted
                if m:
                    dst[o] = m
                    o += 1
                i += 1
            elif 0xE4 <= b <= 0xE9 and i + 2 < n:
                # CJK Unified Ideographs (U+4000-9FFF): copied as a whole, the common case in Chinese text.
                dst[o] = b
                dst[o + 1] = src[i + 1]
                dst[o + 2] = src[i + 2]
                o += 3
                i += 3
            elif b == 0xC2 and i + 1 < n:
                b1 = src[i + 1]
                if b1 != 0xA0 and b1 != 0xB7:
                    dst[o] = b
                    dst[o + 1] = b1
                    o += 2
                i += 2
            elif (b == 0xE2 or b == 0xE3 or b == 0xEF) and i + 2 < n:
                b1 = src[i + 1]
                b2 = src[i + 2]
                cp = ((np.int32(b) & 0x0F) << 12) | ((np.int32(b1) & 0x3F) << 6) | (np.int32(b2) & 0x3F)
                if (
                    0x3000 <= cp <= 0x301F
                    or 0x2000 <= cp <= 0x2027
                    or 0x2030 <= cp <= 0x205E
                    or cp == 0x30FB
                    or cp == 0xFEFF
                ):
                    pass
                elif 0xFF01 <= cp <= 0xFF5E:
                    c = cp - 0xFEE0
                    if not punct[c]:
                        dst[o] = lower[c]
                        o += 1
                else:
                    dst[o] = b
                    dst[o + 1] = b1
                    dst[o + 2] = b2
                    o += 3
                i += 3
            else:
                dst[o] = b
                o += 1
                i += 1
        return o

    try:
        compiled = numba.njit(cache=True, nogil=True)(kernel)
    except RuntimeError:  # no writable cache location (read-only install): compile per process
        compiled = numba.njit(nogil=True)(kernel)

    def run(buf: bytes) -> bytes:
        src = np.frombuffer(buf, dtype=np.uint8)
        dst = np.empty(src.shape[0], dtype=np.uint8)
        size = compiled(src, dst, delete, lower, punct)
        return dst[:size].tobytes()

    return run


_KERNEL: list[Any] = []


def _kernel() -> Any:
    if not _KERNEL:
        _KERNEL.append(_build_kernel())
    return _KERNEL[0]


def normalize_buffer(buf: bytes, use_numba: bool = True) -> bytes:
    """Normalise a UTF-8 buffer of newline-separated items; newlines are kept, so item order holds.

    The result is what the keyword automaton scans; offsets in it map to items by counting newlines.
    With numba installed one compiled pass does everything; otherwise numpy finds the multi-byte
    forms and ``bytes.translate`` does the rest (same output, about half the speed).
    """
    kernel = _kernel() if use_numba else None
    if kernel is not None:
        out: bytes = kernel(buf)
        return out
    folded = _fold_multibyte(buf)
    return (
        bytes(folded).translate(_LOWER, _ASCII_DELETE)
        if isinstance(folded, bytearray)
        else (folded.translate(_LOWER, _ASCII_DELETE))
    )


def fold_case_width(buf: bytes) -> bytes:
    """Case and full-width folding only, separators kept (the stream ``word``-mode keywords scan)."""
    a = np.frombuffer(buf, dtype=np.uint8)
    if a.size >= 3:
        lead = np.flatnonzero(a[:-2] == 0xEF)
        if lead.size:
            b1 = a[lead + 1]
            b2 = a[lead + 2]
            cp = 0xF000 | ((b1.astype(np.int32) & 0x3F) << 6) | (b2.astype(np.int32) & 0x3F)
            fw = (cp >= 0xFF01) & (cp <= 0xFF5E)
            if fw.any():
                out = bytearray(buf)
                view = np.frombuffer(out, dtype=np.uint8)
                pos = lead[fw]
                view[pos] = (cp[fw] - 0xFEE0).astype(np.uint8)
                view[pos + 1] = _MARK
                view[pos + 2] = _MARK
                return bytes(out).translate(_LOWER, bytes([_MARK]))
    return buf.translate(_LOWER)
