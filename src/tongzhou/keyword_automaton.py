"""The keyword automaton: many patterns found in one pass over a text, for evaluation and corpus alike.

Two faces of one idea:

- :class:`KeywordAutomaton` — a pure-Python Aho-Corasick automaton over ``str`` (case-folded), with a
  value per keyword; evaluation's content screen uses it on single responses (no C dependency).
- :class:`PatternMatcher` — patterns compiled once on a native backend and scanned over ``bytes``;
  the corpus audit uses it over large buffers. Backends, chosen by measurement
  (``benchmarks/corpus_scan.py`` prints them side by side):

  - ``hyperscan`` (Intel Hyperscan, SIMD multi-literal matching; x86-64 wheels) — the default;
  - ``ahocorasick-rs`` (Rust ``aho-corasick`` crate over ``bytes``) — the portable fallback;
  - ``pyahocorasick`` (C automaton; UTF-8 bytes seen as latin-1 ``str``, one char per byte).

A scan returns two parallel lists: the pattern id and the end offset (exclusive) of every occurrence,
overlaps included.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from tongzhou.errors import InputError

__all__ = ["BACKENDS", "KeywordAutomaton", "PatternMatcher", "Scan", "available_backends", "choose_backend"]

BACKENDS = ("hyperscan", "ahocorasick-rs", "pyahocorasick")

Scan = Callable[[bytes], tuple[list[int], list[int]]]
"""``buf -> (pattern ids, end offsets)`` for every occurrence in ``buf``."""

# Compiled Hyperscan databases of this process, by pattern digest (a pattern set compiles once per process).
_HS_CACHE: dict[str, bytes] = {}


class KeywordAutomaton:
    """Multi-pattern matcher built once from ``(keyword, value)`` pairs; case-folded, so it serves
    Chinese and English alike."""

    def __init__(self, keywords: Iterable[tuple[str, str]]) -> None:
        self._goto: list[dict[str, int]] = [{}]
        self._fail: list[int] = [0]
        self._out: list[list[tuple[str, str]]] = [[]]
        for word, value in keywords:
            word = word.casefold()
            if word:
                self._out[self._add(word)].append((word, value))
        self._build()

    def _add(self, word: str) -> int:
        node = 0
        for ch in word:
            nxt = self._goto[node].get(ch)
            if nxt is None:
                nxt = len(self._goto)
                self._goto[node][ch] = nxt
                self._goto.append({})
                self._fail.append(0)
                self._out.append([])
            node = nxt
        return node

    def _build(self) -> None:
        queue: deque[int] = deque(self._goto[0].values())
        while queue:
            node = queue.popleft()
            for ch, child in self._goto[node].items():
                queue.append(child)
                fail = self._fail[node]
                while fail and ch not in self._goto[fail]:
                    fail = self._fail[fail]
                target = self._goto[fail].get(ch, 0)
                self._fail[child] = target if target != child else 0
                self._out[child] = self._out[child] + self._out[self._fail[child]]

    def __len__(self) -> int:
        return len(self._goto)

    def iter_matches(self, text: str) -> Iterator[tuple[int, str, str]]:
        """``(end_index, keyword, value)`` for every occurrence (overlaps included)."""
        node = 0
        goto, fail, out = self._goto, self._fail, self._out
        for i, ch in enumerate(text.casefold()):
            while node and ch not in goto[node]:
                node = fail[node]
            node = goto[node].get(ch, 0)
            for word, value in out[node]:
                yield i, word, value


def available_backends() -> list[str]:
    """Native backends importable here, in order of preference."""
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


def choose_backend(backend: str) -> str:
    """``backend`` checked, or the first one installed for ``auto``; :class:`InputError` otherwise."""
    if backend == "auto":
        found = available_backends()
        if not found:
            raise InputError("no keyword automaton installed: pip install hyperscan (or ahocorasick-rs)")
        return found[0]
    if backend not in BACKENDS:
        raise InputError(f"unknown automaton backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return backend


def _digest(patterns: list[bytes], literal: bool) -> str:
    h = hashlib.sha256(b"L" if literal else b"R")
    for p in patterns:
        h.update(len(p).to_bytes(4, "little"))
        h.update(p)
    return h.hexdigest()


class PatternMatcher:
    """Byte patterns compiled once on one backend. ``regex=True`` (Hyperscan only) compiles them as
    caseless, multi-line regular expressions. Pickles with its compiled Hyperscan database, so worker
    processes do not compile again."""

    def __init__(self, patterns: list[bytes], backend: str, *, regex: bool = False) -> None:
        if regex and backend != "hyperscan":
            raise InputError(f"regular-expression patterns need the hyperscan backend, not {backend!r}")
        self.patterns = patterns
        self.backend = backend
        self.regex = regex
        self._blob: bytes | None = None
        self.scan: Scan = self._compile()

    def __getstate__(self) -> dict[str, Any]:
        return {"patterns": self.patterns, "backend": self.backend, "regex": self.regex, "_blob": self._blob}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.scan = self._compile()

    def _compile(self) -> Scan:
        pats = self.patterns
        if not pats:
            return lambda buf: ([], [])
        if self.backend == "hyperscan":
            return self._compile_hyperscan()
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

    def _compile_hyperscan(self) -> Scan:
        import hyperscan

        literal = not self.regex
        flags = 0 if literal else hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_MULTILINE
        digest = _digest(self.patterns, literal)
        blob = self._blob or _HS_CACHE.get(digest)
        if blob is not None:
            db = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
            db.scratch = hyperscan.Scratch(db)
        else:
            db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            db.compile(
                expressions=self.patterns,
                ids=list(range(len(self.patterns))),
                elements=len(self.patterns),
                flags=flags,
                literal=literal,
            )
            blob = hyperscan.dumpb(db)
            _HS_CACHE[digest] = blob
        self._blob = blob

        def scan_hs(buf: bytes) -> tuple[list[int], list[int]]:
            ids: list[int] = []
            ends: list[int] = []

            def on_match(pid: int, start: int, end: int, flags: int, ctx: object) -> None:
                ids.append(pid)
                ends.append(end)

            db.scan(buf, match_event_handler=on_match)
            return ids, ends

        return scan_hs
