"""The corpus keyword scanner: every library entry (and its spellings) compiled once, scanned over bytes.

The matching itself is the shared keyword automaton (:mod:`tongzhou.keyword_automaton`, backends
``hyperscan``, ``ahocorasick-rs``, ``pyahocorasick``; ``benchmarks/corpus_scan.py`` prints all three
side by side). A scan takes a buffer of newline-separated items, normalises it
(:mod:`tongzhou.corpus.normalize`), runs the automaton once over the whole buffer, and maps match
offsets to items by counting newlines.
Result: the distinct ``(item index, entry id)`` pairs.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from tongzhou.corpus.keywords import KeywordLibrary
from tongzhou.corpus.normalize import fold_case_width, normalize_buffer, normalize_text
from tongzhou.corpus.variants import chinese_variants
from tongzhou.keyword_automaton import BACKENDS, PatternMatcher, Scan, available_backends, choose_backend

__all__ = ["BACKENDS", "KeywordScanner", "available_backends"]


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


def _warm_normaliser() -> None:
    normalize_buffer("warm ＡＢ，中文\n".encode())  # compiles (or loads) the numba normaliser now


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
        self.backend = choose_backend(backend)
        # Word-mode entries: Hyperscan regexes over the raw buffer, or (every other backend) literals
        # matched by ahocorasick-rs with word boundaries checked per hit.
        regex = self.backend == "hyperscan"
        # Distinct literal patterns (normalised spellings) → the entries they stand for.
        pattern_index: dict[bytes, int] = {}
        owners: list[list[int]] = []
        word_patterns: list[bytes] = []
        word_owner: list[int] = []
        for entry_id, entry in enumerate(library.entries):
            if entry.mode == "word":
                word_patterns.append(_word_regex(entry.keyword) if regex else _word_literal(entry.keyword))
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
        self._literals = PatternMatcher(self.patterns, self.backend)
        self._word_lengths = [len(p) for p in word_patterns]
        self._words = (
            PatternMatcher(word_patterns, "hyperscan" if regex else "ahocorasick-rs", regex=regex)
            if word_patterns
            else None
        )
        _warm_normaliser()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        _warm_normaliser()

    def _scan_words(self, buf: bytes) -> tuple[list[int], list[int]]:
        assert self._words is not None
        ids, ends = self._words.scan(buf)
        if self._words.regex:
            return ids, ends
        # Fallback: the buffer arrives case- and width-folded; word boundaries checked per hit.
        lengths = self._word_lengths
        kept_ids: list[int] = []
        kept_ends: list[int] = []
        for pid, end in zip(ids, ends, strict=True):
            start = end - lengths[pid]
            before_ok = start == 0 or not _is_word_byte(buf[start - 1])
            if before_ok and (end == len(buf) or not _is_word_byte(buf[end])):
                kept_ids.append(pid)
                kept_ends.append(end)
        return kept_ids, kept_ends

    # -- scanning ----------------------------------------------------------------------------
    def scan(self, buf: bytes) -> np.ndarray:
        """Distinct ``(item, entry)`` pairs in a buffer of newline-separated items, shape ``(n, 2)``.

        Item ``i`` is the text between the ``i``-th and ``i+1``-th newline (0-based).
        """
        pairs = [self._pairs(normalize_buffer(buf), self._literals.scan, owners=None)]
        if self._words is not None:
            words_buf = buf if self._words.regex else fold_case_width(buf)
            pairs.append(self._pairs(words_buf, self._scan_words, owners=self._word_owner))
        allp = np.concatenate(pairs) if len(pairs) > 1 else pairs[0]
        if allp.size == 0:
            return allp.reshape(0, 2)
        width = max(1, len(self.library.entries))
        keys = np.unique(allp[:, 0] * width + allp[:, 1])
        return np.stack([keys // width, keys % width], axis=1)

    def _pairs(self, norm: bytes, scanner: Scan, owners: np.ndarray | None) -> np.ndarray:
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
