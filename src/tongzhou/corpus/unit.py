"""Audit one work unit: keywords, personal information, statistics, duplicates and the sample, per batch."""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tongzhou.corpus.automaton import KeywordScanner
from tongzhou.corpus.dedup import BANDS, band_keys, exact_hashes
from tongzhou.corpus.partial import SourceTally, UnitResult
from tongzhou.corpus.pii import PiiPrefilter, find_pii, redact
from tongzhou.corpus.readers import DEFAULT_TEXT_FIELDS, WorkUnit, iter_batches
from tongzhou.corpus.stats import char_histogram, language_of, length_histogram

SAMPLE_TEXT_LIMIT = 4000
"""Characters of an item kept in the sampling file (reviewers see the start of very long items)."""


@dataclass(frozen=True)
class AuditSettings:
    """Options every unit is audited with (picklable; shipped to workers once)."""

    sample_size: int = 4000
    """Items drawn for manual review (bottom-k of a seeded hash: uniform, same for any worker count)."""
    seed: int = 0
    """Seed of the sample."""
    text_fields: tuple[str, ...] = DEFAULT_TEXT_FIELDS
    """JSONL fields / Parquet columns holding the text."""
    batch_bytes: int = 8 << 20
    """Bytes read per batch (bounds memory per worker)."""
    dedup: bool = True
    """Compute exact and near-duplicate rates."""
    redact_dir: str | None = None
    """Where to write redacted part files (None: no redaction output)."""


def sample_key(seed: int, item_id: str) -> int:
    """Seeded 64-bit key of an item; the sample is the items with the smallest keys."""
    digest = hashlib.blake2b(
        item_id.encode("utf-8", "surrogatepass"), digest_size=8, key=seed.to_bytes(8, "little", signed=True)
    ).digest()
    return int.from_bytes(digest, "little")


_PREFILTER: list[PiiPrefilter] = []


def _pii_by_item(texts: list[str], buf: bytes) -> dict[int, list[tuple[str, int, int]]]:
    """Identifiers per item index: a Hyperscan prefilter over the batch, exact detectors on candidates."""
    if not _PREFILTER:
        _PREFILTER.append(PiiPrefilter())
    newlines = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10)
    found: dict[int, list[tuple[str, int, int]]] = {}
    for i in _PREFILTER[0].candidate_items(buf, newlines, len(texts)):
        spans = find_pii(texts[i])
        if spans:
            found[i] = spans
    return found


def process_unit(unit: WorkUnit, index: int, settings: AuditSettings, scanner: KeywordScanner) -> UnitResult:
    """Audit one unit; memory is bounded by the batch size plus 72 bytes per item for duplicates."""
    tally = SourceTally()
    entry_risk = [e.risk for e in scanner.library.entries]
    heap: list[tuple[int, str, dict[str, Any]]] = []
    exact_parts: list[np.ndarray] = []
    band_parts: list[np.ndarray] = []
    redact_fh = None
    redacted_path = None
    if settings.redact_dir:
        redacted_path = str(Path(settings.redact_dir) / f".part-{index:06d}.jsonl")
        redact_fh = open(redacted_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in finally
    try:
        for batch in iter_batches(unit, settings.batch_bytes, settings.text_fields):
            texts = [t if "\n" not in t else t.replace("\n", " ") for t in batch.texts]
            n = len(texts)
            tally.items += n
            tally.raw_bytes += batch.raw_bytes
            tally.malformed += batch.malformed
            if n == 0:
                continue
            buf = "\n".join(texts).encode("utf-8", "surrogatepass")
            # Keywords: one automaton pass over the whole batch.
            pairs = scanner.scan(buf)
            hits: dict[int, list[int]] = {}
            for item, entry in pairs.tolist():
                hits.setdefault(item, []).append(entry)
            tally.flagged_items += len(hits)
            for entries in hits.values():
                tally.entry_items.update(entries)
                tally.risk_items.update({entry_risk[e] for e in entries})
            # Personal information: one regex pass over the whole batch.
            lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
            pii_spans = _pii_by_item(texts, buf)
            tally.pii_items += len(pii_spans)
            pii_items = {i: Counter(kind for kind, _, _ in spans) for i, spans in pii_spans.items()}
            for c in pii_items.values():
                tally.pii_counts.update(c)
            # Statistics.
            tally.chars += int(lens.sum())
            tally.length_hist = tally.length_hist + length_histogram(lens.tolist())
            tally.languages.update(language_of(t) for t in texts)
            tally.char_hist += char_histogram(texts)
            if settings.dedup:
                exact_parts.append(exact_hashes(texts))
                band_parts.append(band_keys(texts))
            # Sample (bottom-k of a seeded hash of the item id).
            k = settings.sample_size
            for i, item_id in enumerate(batch.item_ids):
                if k <= 0:
                    break
                key = sample_key(settings.seed, item_id)
                if len(heap) >= k and -heap[0][0] <= key:
                    continue
                record = {
                    "item_id": item_id,
                    "source": unit.source,
                    "key": key,
                    "text": texts[i][:SAMPLE_TEXT_LIMIT],
                    "truncated": len(texts[i]) > SAMPLE_TEXT_LIMIT,
                    "keywords": sorted({scanner.library.entries[e].keyword for e in hits.get(i, [])}),
                    "risks": sorted({entry_risk[e] for e in hits.get(i, [])}),
                    "pii": dict(pii_items.get(i, {})),
                    "verdict": None,
                }
                if len(heap) >= k:
                    heapq.heapreplace(heap, (-key, item_id, record))
                else:
                    heapq.heappush(heap, (-key, item_id, record))
            if redact_fh is not None:
                for i, item_id in enumerate(batch.item_ids):
                    found = pii_spans.get(i)
                    out = redact(texts[i], found) if found else batch.texts[i]
                    redact_fh.write(json.dumps({"id": item_id, "text": out}, ensure_ascii=False) + "\n")
    finally:
        if redact_fh is not None:
            redact_fh.close()
    exact = np.concatenate(exact_parts) if exact_parts else np.zeros(0, dtype=np.uint64)
    bands = np.concatenate(band_parts) if band_parts else np.zeros((0, BANDS), dtype=np.uint64)
    return UnitResult(index, unit.source, tally, exact, bands, heap, redacted_path)


def remove_part(path: str | None) -> None:
    """Delete a unit's part file (after it was concatenated, or on failure)."""
    if path:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
