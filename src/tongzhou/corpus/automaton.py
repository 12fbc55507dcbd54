"""The keyword automaton: every library entry (and its spellings) compiled once, scanned over byte buffers.

Backends, chosen by measurement (``benchmarks/corpus_scan.py`` prints all three side by side):

- ``hyperscan`` (Intel Hyperscan, SIMD multi-literal matching; x86-64 wheels) — the default;
- ``ahocorasick-rs`` (Rust ``aho-corasick`` crate over ``bytes``) — the portable fallback;
- ``pyahocorasick`` (C automaton; UTF-8 bytes seen as latin-1 ``str``, one char per byte).

A scan takes a buffer of newline-separated items, normalises it (:mod:`tongzhou.corpus.normalize`),
runs the automaton once over the whole buffer, and maps match offsets to items by counting newlines.
Result: the distinct ``(item index, entry id)`` pairs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from tongzhou.corpus.keywords import KeywordLibrary
from tongzhou.corpus.normalize import fold_case_width, normalize_buffer, normalize_text
from tongzhou.corpus.variants import chinese_variants
from tongzhou.errors import InputError

BACKENDS = ("hyperscan", "ahocorasick-rs", "pyahocorasick")

# Compiled Hyperscan databases of this process, by pattern digest (a library compiles once per process).
_HS_CACHE: dict[str, bytes] = {}


def _digest(patterns: list[bytes], literal: bool) -> str:
    h = hashlib.sha256(b"L" if literal else b"R")
    for p in patterns:
        h.update(len(p).to_bytes(4, "little"))
        h.update(p)
    return h.hexdigest()


def available_backends() -> list[str]:
    """Backends importable here, in order of preference."""
    found = []
    for name, module in (
        ("hyperscan", "hyperscan"),
        ("ahocorasick-rs", "ahocorasick_rs"),
        ("pyahocorasick", "ahocorasick"),
    ):
        try:
            __import__(module)
            found.append(name)
        except ImportError:
            continue
    return found


def _word_regex(keyword: str) -> bytes:
    folded = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in keyword).lower()
    parts = [re.escape(w.encode("utf-8")) for w in folded.split()]
    return rb"\b" + rb"[\s\W_]+".join(parts) + rb"\b"


class KeywordScanner:
    """A compiled library. Pickles with its compiled Hyperscan databases, so workers do not recompile."""

    def __init__(self, library: KeywordLibrary, backend: str = "auto") -> None:
        self.library = library
        if backend == "auto":
            found = available_backends()
            if not found:
                raise InputError("no keyword automaton installed: pip install hyperscan (or ahocorasick-rs)")
            backend = found[0]
        if backend not in BACKENDS:
            raise InputError(f"unknown automaton backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        self.backend = backend
        # Distinct literal patterns (normalised spellings) → the entries they stand for.
        pattern_index: dict[bytes, int] = {}
        owners: list[list[int]] = []
        word_patterns: list[bytes] = []
        word_owner: list[int] = []
        for entry_id, entry in enumerate(library.entries):
            if entry.mode == "word":
                word_patterns.append(_word_regex(entry.keyword))
                word_owner.append(entry_id)
                continue
            for spelling in chinese_variants(entry.keyword):
                lit = normalize_text(spelling).encode("utf-8")
                if not lit:
                    continue
                pid = pattern_index.setdefault(lit, len(pattern_index))
                if pid == len(owners):
                    owners.append([])
                if entry_id not in owners[pid]:
                    owners[pid].append(entry_id)
        self.patterns: list[bytes] = list(pattern_index)
        # CSR map pattern id → entry ids.
        self._owner_ptr = np.zeros(len(owners) + 1, dtype=np.int64)
        self._owner_ptr[1:] = np.cumsum([len(o) for o in owners])
        self._owner_ids = np.array([e for o in owners for e in o], dtype=np.int64)
        self._word_owner = np.array(word_owner, dtype=np.int64)
        self._word_patterns = word_patterns
        self._hs_blobs: dict[str, bytes] = {}
        self._compile()

    def _compile(self) -> None:
        self._scan_literals = self._compile_literals()
        self._scan_words = self._compile_words()

    def __getstate__(self) -> dict[str, Any]:
        # Workers get the compiled automaton, not the work of compiling it again.
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_scan_")}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._compile()

    def _hyperscan_db(self, key: str, patterns: list[bytes], literal: bool) -> Any:
        import hyperscan

        blob = self._hs_blobs.get(key) or _HS_CACHE.get(_digest(patterns, literal))
        if blob is not None:
            loaded = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
            loaded.scratch = hyperscan.Scratch(loaded)
            return loaded
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(
            expressions=patterns,
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=0,
            literal=literal,
        )
        blob = hyperscan.dumpb(db)
        self._hs_blobs[key] = blob
        _HS_CACHE[_digest(patterns, literal)] = blob
        return db

    # -- compilation -------------------------------------------------------------------------
    def _compile_literals(self) -> Callable[[bytes], tuple[list[int], list[int]]]:
        pats = self.patterns
        if not pats:
            return lambda buf: ([], [])
        if self.backend == "hyperscan":
            db = self._hyperscan_db("literals", pats, literal=True)

            def scan_hs(buf: bytes) -> tuple[list[int], list[int]]:
                ids: list[int] = []
                ends: list[int] = []

                def on_match(pid: int, start: int, end: int, flags: int, ctx: object) -> None:
                    ids.append(pid)
                    ends.append(end)

                db.scan(buf, match_event_handler=on_match)
                return ids, ends

            return scan_hs
        if self.backend == "ahocorasick-rs":
            import ahocorasick_rs

            ac = ahocorasick_rs.BytesAhoCorasick(pats)

            def scan_rs(buf: bytes) -> tuple[list[int], list[int]]:
                found = ac.find_matches_as_indexes(buf, overlapping=True)
                return [m[0] for m in found], [m[2] for m in found]

            return scan_rs
        import ahocorasick

        auto = ahocorasick.Automaton()
        for pid, pat in enumerate(pats):
            auto.add_word(pat.decode("latin-1"), pid)
        auto.make_automaton()

        def scan_py(buf: bytes) -> tuple[list[int], list[int]]:
            ids: list[int] = []
            ends: list[int] = []
            for end, pid in auto.iter(buf.decode("latin-1")):
                ids.append(pid)
                ends.append(end + 1)
            return ids, ends

        return scan_py

    def _compile_words(self) -> Callable[[bytes], tuple[list[int], list[int]]] | None:
        pats = self._word_patterns
        if not pats:
            return None
        if self.backend == "hyperscan":
            db = self._hyperscan_db("words", pats, literal=False)

            def scan_hs(buf: bytes) -> tuple[list[int], list[int]]:
                ids: list[int] = []
                ends: list[int] = []

                def on_match(pid: int, start: int, end: int, flags: int, ctx: object) -> None:
                    ids.append(pid)
                    ends.append(end)

                db.scan(buf, match_event_handler=on_match)
                return ids, ends

            return scan_hs
        compiled = re.compile(b"|".join(b"(" + p + b")" for p in pats))

        def scan_re(buf: bytes) -> tuple[list[int], list[int]]:
            ids: list[int] = []
            ends: list[int] = []
            for m in compiled.finditer(buf):
                ids.append((m.lastindex or 1) - 1)
                ends.append(m.end())
            return ids, ends

        return scan_re

    # -- scanning ----------------------------------------------------------------------------
    def scan(self, buf: bytes) -> np.ndarray:
        """Distinct ``(item, entry)`` pairs in a buffer of newline-separated items, shape ``(n, 2)``.

        Item ``i`` is the text between the ``i``-th and ``i+1``-th newline (0-based).
        """
        pairs = [self._pairs(normalize_buffer(buf), self._scan_literals, owners=None)]
        if self._scan_words is not None:
            pairs.append(self._pairs(fold_case_width(buf), self._scan_words, owners=self._word_owner))
        allp = np.concatenate(pairs) if len(pairs) > 1 else pairs[0]
        if allp.size == 0:
            return allp.reshape(0, 2)
        return np.unique(allp, axis=0)

    def _pairs(
        self, norm: bytes, scanner: Callable[[bytes], tuple[list[int], list[int]]], owners: np.ndarray | None
    ) -> np.ndarray:
        ids, ends = scanner(norm)
        if not ids:
            return np.zeros((0, 2), dtype=np.int64)
        newlines = np.flatnonzero(np.frombuffer(norm, dtype=np.uint8) == 10)
        items = np.searchsorted(newlines, np.asarray(ends, dtype=np.int64) - 1, side="left")
        pid = np.asarray(ids, dtype=np.int64)
        if owners is not None:
            return np.stack([items, owners[pid]], axis=1)
        counts = self._owner_ptr[pid + 1] - self._owner_ptr[pid]
        if int(counts.max()) == 1:
            return np.stack([items, self._owner_ids[self._owner_ptr[pid]]], axis=1)
        rep_items = np.repeat(items, counts)
        starts = np.repeat(self._owner_ptr[pid], counts)
        offsets = np.arange(rep_items.size) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.stack([rep_items, self._owner_ids[starts + offsets]], axis=1)
