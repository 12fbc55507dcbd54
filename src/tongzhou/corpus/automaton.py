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
    """Hyperscan regex (caseless, multiline) for a ``word``-mode entry on raw text: ASCII or full-width
    letters, no ASCII letter/digit/underscore on either side, any run of spaces/symbols between words."""
    folded = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in keyword).lower()
    words = []
    for word in folded.split():
        parts = []
        for ch in word:
            if ch.isascii() and ch.isalnum():
                forms = {ch, ch.upper()}
                alts = [re.escape(f.encode()) for f in sorted(forms)] + [
                    re.escape(chr(ord(f) + 0xFEE0).encode()) for f in sorted(forms)
                ]
                parts.append(b"(?:" + b"|".join(alts) + b")")
            else:
                parts.append(re.escape(ch.encode("utf-8")))
        words.append(b"".join(parts))
    # Not \b: a full-width letter is a non-word byte to Hyperscan, so "ＭＥＴＨ " has no \b after it.
    return rb"(?:^|[^A-Za-z0-9_])" + rb"[\s\W_]+".join(words) + rb"(?:[^A-Za-z0-9_]|$)"


def _word_literal(keyword: str) -> bytes:
    """Lower-case literal of a ``word``-mode entry for the Aho-Corasick fallbacks (single spaces)."""
    return " ".join(keyword.lower().split()).encode("utf-8")


def _is_word_byte(b: int) -> bool:
    return 48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 or b == 95


def _items_of(buf: bytes, ends: list[int]) -> np.ndarray:
    """Item index (newlines before the match) of each match end; counts newlines incrementally with
    ``bytes.count`` (memchr speed) when matches are few, else with one numpy pass."""
    if len(ends) > 4096:
        newlines = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10)
        return np.searchsorted(newlines, np.asarray(ends, dtype=np.int64) - 1, side="left")
    order = sorted(range(len(ends)), key=ends.__getitem__)
    items = np.empty(len(ends), dtype=np.int64)
    seen = 0
    pos = 0
    for i in order:
        end = ends[i]
        if end > pos:
            seen += buf.count(b"\n", pos, end)
            pos = end
        items[i] = seen
    return items


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
        word_literals: list[bytes] = []
        word_owner: list[int] = []
        for entry_id, entry in enumerate(library.entries):
            if entry.mode == "word":
                word_patterns.append(_word_regex(entry.keyword))
                word_literals.append(_word_literal(entry.keyword))
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
        self._word_literals = word_literals
        self._hs_blobs: dict[str, bytes] = {}
        self._compile()

    def _compile(self) -> None:
        normalize_buffer("warm ＡＢ，中文\n".encode())  # compiles (or loads) the numba normaliser now
        self._scan_literals = self._compile_literals()
        self._scan_words = self._compile_words()

    def __getstate__(self) -> dict[str, Any]:
        # Workers get the compiled automaton, not the work of compiling it again.
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_scan_")}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._compile()

    def _hyperscan_db(self, key: str, patterns: list[bytes], literal: bool, flags: int = 0) -> Any:
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
            flags=flags,
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
        """Scanner for ``word``-mode entries over the *raw* buffer (separators kept)."""
        if not self._word_patterns:
            return None
        if self.backend == "hyperscan":
            import hyperscan

            db = self._hyperscan_db(
                "words",
                self._word_patterns,
                literal=False,
                flags=hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_MULTILINE,
            )

            def scan_hs(buf: bytes) -> tuple[list[int], list[int]]:
                ids: list[int] = []
                ends: list[int] = []

                def on_match(pid: int, start: int, end: int, flags: int, ctx: object) -> None:
                    ids.append(pid)
                    ends.append(end)

                db.scan(buf, match_event_handler=on_match)
                return ids, ends

            return scan_hs
        import ahocorasick_rs

        literals = self._word_literals
        ac = ahocorasick_rs.BytesAhoCorasick(literals)

        def scan_ac(buf: bytes) -> tuple[list[int], list[int]]:
            # Fallback: the buffer arrives case- and width-folded; word boundaries checked per hit.
            low = buf
            ids: list[int] = []
            ends: list[int] = []
            for pid, start, end in ac.find_matches_as_indexes(low, overlapping=True):
                if (start == 0 or not _is_word_byte(low[start - 1])) and (
                    end == len(low) or not _is_word_byte(low[end])
                ):
                    ids.append(pid)
                    ends.append(end)
            return ids, ends

        return scan_ac

    # -- scanning ----------------------------------------------------------------------------
    def scan(self, buf: bytes) -> np.ndarray:
        """Distinct ``(item, entry)`` pairs in a buffer of newline-separated items, shape ``(n, 2)``.

        Item ``i`` is the text between the ``i``-th and ``i+1``-th newline (0-based).
        """
        pairs = [self._pairs(normalize_buffer(buf), self._scan_literals, owners=None)]
        if self._scan_words is not None:
            words_buf = buf if self.backend == "hyperscan" else fold_case_width(buf)
            pairs.append(self._pairs(words_buf, self._scan_words, owners=self._word_owner))
        allp = np.concatenate(pairs) if len(pairs) > 1 else pairs[0]
        if allp.size == 0:
            return allp.reshape(0, 2)
        width = max(1, len(self.library.entries))
        keys = np.unique(allp[:, 0] * width + allp[:, 1])
        return np.stack([keys // width, keys % width], axis=1)

    def _pairs(
        self, norm: bytes, scanner: Callable[[bytes], tuple[list[int], list[int]]], owners: np.ndarray | None
    ) -> np.ndarray:
        ids, ends = scanner(norm)
        if not ids:
            return np.zeros((0, 2), dtype=np.int64)
        items = _items_of(norm, ends)
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
