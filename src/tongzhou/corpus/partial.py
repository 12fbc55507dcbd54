"""What one work unit contributes to an audit, and how contributions merge (order-independent sums,
order-dependent duplicate arrays concatenated in unit order)."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tongzhou.corpus.stats import CHAR_BINS, LENGTH_BUCKETS


@dataclass
class SourceTally:
    """Counters for one source (sums; merge = add)."""

    items: int = 0
    raw_bytes: int = 0
    chars: int = 0
    malformed: int = 0
    flagged_items: int = 0
    risk_items: Counter[str] = field(default_factory=Counter)
    entry_items: Counter[int] = field(default_factory=Counter)
    pii_counts: Counter[str] = field(default_factory=Counter)
    pii_items: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    length_hist: np.ndarray = field(default_factory=lambda: np.zeros(len(LENGTH_BUCKETS), dtype=np.int64))
    char_hist: np.ndarray = field(default_factory=lambda: np.zeros(CHAR_BINS, dtype=np.int64))

    def add(self, other: SourceTally) -> None:
        """Add another tally into this one."""
        self.items += other.items
        self.raw_bytes += other.raw_bytes
        self.chars += other.chars
        self.malformed += other.malformed
        self.flagged_items += other.flagged_items
        self.risk_items.update(other.risk_items)
        self.entry_items.update(other.entry_items)
        self.pii_counts.update(other.pii_counts)
        self.pii_items += other.pii_items
        self.languages.update(other.languages)
        self.length_hist = self.length_hist + other.length_hist
        self.char_hist = self.char_hist + other.char_hist


@dataclass
class UnitResult:
    """Everything one unit produced."""

    unit_index: int
    """Position of the unit in the plan (duplicates are judged in this order)."""
    source: str
    """Source of the unit."""
    tally: SourceTally
    """Counters."""
    exact: np.ndarray
    """Exact-content hashes of the unit's items, in order."""
    bands: np.ndarray
    """LSH band keys of the unit's items, in order, shape ``(items, BANDS)``."""
    sample: list[tuple[int, str, dict[str, Any]]]
    """Bottom-k candidates ``(-key, item_id, item)``: a max-heap on the key keeping the ``k`` smallest."""
    redacted_part: str | None = None
    """Path of this unit's redacted part file, if redaction output was asked for."""


def merge_samples(heaps: list[list[tuple[int, str, dict[str, Any]]]], k: int) -> list[dict[str, Any]]:
    """The ``k`` items with the smallest keys over all units, ordered by key (a seeded uniform sample)."""
    merged = heapq.nsmallest(k, ((-neg, item_id, item) for heap in heaps for neg, item_id, item in heap))
    return [item for _, _, item in merged]
