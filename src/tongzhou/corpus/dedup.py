"""Exact and near-duplicate detection: one-permutation MinHash (Li, Owen & Zhang 2012) + LSH banding.

Signatures are computed for a whole batch at once (one numba pass; numpy without numba): character
9-gram shingles (about three Chinese words or two English words) are hashed with a polynomial hash
and the splitmix64 finaliser, binned into :data:`BINS` bins by hash, and the minimum per bin is the
signature. LSH bands of :data:`ROWS` bins give a collision probability of
``1 − (1 − J^ROWS)^BANDS`` for Jaccard similarity ``J`` (≈ 0.99 at J = 0.9, 0.77 at 0.8, 0.03 at 0.5).
A band with an empty bin is not used, so short items (≲ 150 characters) are mostly caught only as
exact duplicates. Memory: 8 bytes per band per item plus 8 for the exact hash (72 bytes per item).

An item is a *near duplicate* when it shares a band key or its exact hash with an *earlier* item
(corpus order), so the count is the number of items a deduplicator would remove.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

SHINGLE = 9
BINS = 64
ROWS = 8
BANDS = BINS // ROWS
_EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)
_P = np.uint64(1000003)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (vectorised, wrapping uint64 arithmetic; works in place on a fresh copy)."""
    x = x ^ (x >> np.uint64(30))
    np.multiply(x, np.uint64(0xBF58476D1CE4E5B9), out=x)
    np.bitwise_xor(x, x >> np.uint64(27), out=x)
    np.multiply(x, np.uint64(0x94D049BB133111EB), out=x)
    np.bitwise_xor(x, x >> np.uint64(31), out=x)
    return x


def exact_hashes(texts: list[str]) -> np.ndarray:
    """64-bit BLAKE2b of each text (whitespace-trimmed), as uint64."""
    return np.array(
        [
            int.from_bytes(
                hashlib.blake2b(t.strip().encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little"
            )
            for t in texts
        ],
        dtype=np.uint64,
    )


def band_keys(texts: list[str], use_numba: bool = True) -> np.ndarray:
    """LSH band keys, shape ``(len(texts), BANDS)`` uint64; 0 marks a band that is not used.

    The per-bin minima come from a one-pass numba kernel when numba is installed, else from numpy;
    both give the same keys (tested).
    """
    n = len(texts)
    out = np.zeros((n, BANDS), dtype=np.uint64)
    if n == 0:
        return out
    joined = "\x00".join(t.lower() for t in texts) + "\x00"
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    total = cps.size
    if total < SHINGLE:
        return out
    kernel = _signature_kernel() if use_numba else None
    if kernel is not None:
        flat = np.full(n * BINS, _EMPTY, dtype=np.uint64)
        kernel(cps, flat)
    else:
        flat = _signatures_numpy(cps, n)
    sig = flat.reshape(n, BANDS, ROWS)
    usable = ~(sig == _EMPTY).any(axis=2)
    with np.errstate(over="ignore"):
        key = np.tile(np.arange(1, BANDS + 1, dtype=np.uint64), (n, 1))
        for r in range(ROWS):
            key = _mix(np.bitwise_xor(key, sig[:, :, r]))
    key[key == 0] = np.uint64(1)
    out[usable] = key[usable]
    return out


def _signatures_numpy(cps: np.ndarray, n: int) -> np.ndarray:
    """Minimum per (item, bin) with numpy (the reference; numba does the same in one pass)."""
    total = cps.size
    windows = total - SHINGLE + 1
    with np.errstate(over="ignore"):
        h = cps[:windows].astype(np.uint64)
        for j in range(1, SHINGLE):
            np.multiply(h, _P, out=h)
            np.add(h, cps[j : j + windows], out=h, casting="unsafe")
        h = _mix(h)
    # A window is valid when it holds no separator (all its characters belong to one document):
    # the next separator at or after the window start must lie beyond the window end.
    seps = np.flatnonzero(cps == 0)
    pos = np.arange(windows)
    doc = np.searchsorted(seps, pos, side="left")
    ok = pos + SHINGLE - 1 < seps[np.minimum(doc, seps.size - 1)]
    pos = pos[ok]
    docs = doc[ok]
    hv = h[pos]
    bins = (hv & np.uint64(BINS - 1)).astype(np.int64)
    flat = np.full(n * BINS, _EMPTY, dtype=np.uint64)
    np.minimum.at(flat, docs * BINS + bins, hv >> np.uint64(6))
    return flat


_KERNEL: list[Any] = []


def _signature_kernel() -> Any:
    """One-pass numba version of :func:`_signatures_numpy` (None without numba)."""
    if _KERNEL:
        return _KERNEL[0]
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency
        _KERNEL.append(None)
        return None
    shingle = SHINGLE
    bins = BINS

    def kernel(cps: Any, flat: Any) -> None:  # pragma: no cover - jitted
        p = np.uint64(1000003)
        mask = np.uint64(bins - 1)
        doc = 0
        run = 0
        for i in range(cps.shape[0]):
            if cps[i] == 0:
                doc += 1
                run = 0
                continue
            run += 1
            if run < shingle:
                continue
            h = np.uint64(0)
            for j in range(i - shingle + 1, i + 1):
                h = h * p + np.uint64(cps[j])
            h = h ^ (h >> np.uint64(30))
            h = h * np.uint64(0xBF58476D1CE4E5B9)
            h = h ^ (h >> np.uint64(27))
            h = h * np.uint64(0x94D049BB133111EB)
            h = h ^ (h >> np.uint64(31))
            slot = doc * bins + np.int64(h & mask)
            value = h >> np.uint64(6)
            if value < flat[slot]:
                flat[slot] = value

    try:
        compiled = numba.njit(cache=True, nogil=True)(kernel)
    except RuntimeError:  # no writable cache location
        compiled = numba.njit(nogil=True)(kernel)
    _KERNEL.append(compiled)
    return compiled


def repeated_mask(keys: np.ndarray) -> np.ndarray:
    """For a 1-D key array in corpus order: True where the key (non-zero) occurred earlier."""
    mask = np.zeros(keys.size, dtype=bool)
    if keys.size == 0:
        return mask
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    later = np.concatenate(([False], ordered[1:] == ordered[:-1]))
    mask[order] = later
    return mask & (keys != 0)


def duplicate_masks(exact: np.ndarray, bands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(exact_duplicate, near_duplicate)`` masks over items in corpus order (near includes exact)."""
    exact_dup = repeated_mask(exact)
    near = exact_dup.copy()
    for b in range(bands.shape[1] if bands.ndim == 2 else 0):
        near |= repeated_mask(bands[:, b])
    return exact_dup, near
