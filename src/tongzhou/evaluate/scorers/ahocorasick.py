"""A small Aho-Corasick automaton: all keyword hits in one pass over the text.

Pure Python (no C dependency); case-folded, so it serves Chinese and English alike.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator


class KeywordAutomaton:
    """Multi-pattern matcher built once from ``(keyword, value)`` pairs."""

    def __init__(self, keywords: Iterable[tuple[str, str]]) -> None:
        self._goto: list[dict[str, int]] = [{}]
        self._fail: list[int] = [0]
        self._out: list[list[tuple[str, str]]] = [[]]
        for word, value in keywords:
            word = word.casefold()
            if not word:
                continue
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
            self._out[node].append((word, value))
        self._build()

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
