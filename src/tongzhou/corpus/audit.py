"""Run an audit over a corpus: plan units, audit them (one process, a local pool, or Ray), merge.

The merge is deterministic: counters add up, duplicates are judged in unit order, the sample is the
bottom-k of a seeded hash; so one worker, many workers and a Ray cluster give the same numbers.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tongzhou.atomic_file import open_atomic
from tongzhou.corpus.automaton import KeywordScanner
from tongzhou.corpus.dedup import duplicate_masks
from tongzhou.corpus.keywords import KeywordLibrary, load_library
from tongzhou.corpus.partial import SourceTally, UnitResult, merge_samples
from tongzhou.corpus.readers import WorkUnit, plan_units
from tongzhou.corpus.unit import AuditSettings, process_unit, remove_part
from tongzhou.errors import InputError


@dataclass
class SourceResult:
    """Merged figures of one source."""

    name: str
    """Source name."""
    tally: SourceTally
    """Summed counters."""
    exact_duplicates: int = 0
    """Items whose exact text occurred earlier in the corpus."""
    near_duplicates: int = 0
    """Items that are near duplicates (MinHash LSH) or exact duplicates of an earlier item."""


@dataclass
class AuditResult:
    """An audit's merged figures before they are judged."""

    sources: dict[str, SourceResult]
    """Per source, in the order sources were given."""
    total: SourceResult
    """All sources together."""
    sample: list[dict[str, Any]]
    """The review sample (bottom-k by seeded key)."""
    units: int
    """Number of work units."""
    workers: int
    """Worker processes used (Ray: CPUs requested)."""
    engine: str
    """``local`` or ``ray``."""
    backend: str
    """Keyword automaton backend."""
    elapsed_s: float
    """Wall time of the scan."""
    settings: AuditSettings
    """Options used."""
    redacted: list[str] = field(default_factory=list)
    """Redacted output files written."""


# -- local pool ------------------------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _init_worker(scanner: KeywordScanner, settings: AuditSettings) -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    _WORKER["scanner"] = scanner
    _WORKER["settings"] = settings


def _run_unit(job: tuple[int, WorkUnit]) -> UnitResult:
    index, unit = job
    return process_unit(unit, index, _WORKER["settings"], _WORKER["scanner"])


def _local_results(
    units: list[WorkUnit], settings: AuditSettings, scanner: KeywordScanner, workers: int
) -> Iterator[UnitResult]:
    jobs = list(enumerate(units))
    if workers <= 1 or len(units) == 1:
        for index, unit in jobs:
            yield process_unit(unit, index, settings, scanner)
        return
    ctx = mp.get_context("spawn")
    with ctx.Pool(
        processes=min(workers, len(units)), initializer=_init_worker, initargs=(scanner, settings)
    ) as pool:
        yield from pool.imap(_run_unit, jobs)


# -- merge -----------------------------------------------------------------------------------------
def merge_results(
    results: Iterable[UnitResult], source_order: list[str], settings: AuditSettings
) -> tuple[dict[str, SourceResult], SourceResult, list[dict[str, Any]], list[UnitResult]]:
    """Merge unit results (any arrival order) into per-source and total figures."""
    ordered = sorted(results, key=lambda r: r.unit_index)
    sources = {name: SourceResult(name, SourceTally()) for name in source_order}
    total = SourceResult("(all)", SourceTally())
    for r in ordered:
        sources[r.source].tally.add(r.tally)
        total.tally.add(r.tally)
    if settings.dedup and ordered:
        exact = np.concatenate([r.exact for r in ordered])
        bands = np.concatenate([r.bands for r in ordered])
        owner = np.concatenate([np.full(r.exact.size, source_order.index(r.source)) for r in ordered])
        exact_dup, near_dup = duplicate_masks(exact, bands)
        total.exact_duplicates = int(exact_dup.sum())
        total.near_duplicates = int(near_dup.sum())
        for i, name in enumerate(source_order):
            mine = owner == i
            sources[name].exact_duplicates = int((exact_dup & mine).sum())
            sources[name].near_duplicates = int((near_dup & mine).sum())
    sample = merge_samples([r.sample for r in ordered], settings.sample_size)
    return sources, total, sample, ordered


def run_audit(
    paths: list[str | Path],
    library: KeywordLibrary | None = None,
    settings: AuditSettings | None = None,
    workers: int = 1,
    ray_address: str | None = None,
    backend: str = "auto",
    scanner: KeywordScanner | None = None,
) -> AuditResult:
    """Audit the corpus at ``paths``; ``ray_address`` (``auto``, ``local``, ``ray://…``) runs on Ray Data."""
    settings = settings or AuditSettings()
    if settings.sample_size < 0:
        raise InputError("sample size must be >= 0")
    units = plan_units(paths)  # a bad path fails before the automaton is built (about 1.7 s)
    scanner = scanner or KeywordScanner(library or load_library(), backend=backend)
    source_order = list(dict.fromkeys(u.source for u in units))
    started = time.perf_counter()
    tmp_redact = None
    if settings.redact_dir:
        Path(settings.redact_dir).mkdir(parents=True, exist_ok=True)
        tmp_redact = tempfile.mkdtemp(dir=settings.redact_dir, prefix=".parts-")
        settings = AuditSettings(**{**settings.__dict__, "redact_dir": tmp_redact})
    try:
        if ray_address:
            from tongzhou.corpus.ray_engine import ray_results

            raw = ray_results(units, settings, scanner, ray_address, workers)
            engine = "ray"
        else:
            raw = list(_local_results(units, settings, scanner, workers))
            engine = "local"
        sources, total, sample, ordered = merge_results(raw, source_order, settings)
        redacted = _assemble_redacted(ordered, source_order, tmp_redact) if tmp_redact else []
    finally:
        if tmp_redact:
            shutil.rmtree(tmp_redact, ignore_errors=True)
    return AuditResult(
        sources,
        total,
        sample,
        len(units),
        max(1, workers),
        engine,
        scanner.backend,
        time.perf_counter() - started,
        settings,
        redacted,
    )


def _assemble_redacted(ordered: list[UnitResult], source_order: list[str], tmp_dir: str) -> list[str]:
    """Concatenate part files per source in unit order; each output appears whole or not at all."""
    out_dir = Path(tmp_dir).parent
    written = []
    for source in source_order:
        target = out_dir / f"{_safe_name(source)}.redacted.jsonl"
        with open_atomic(target) as out:
            for r in ordered:
                if r.source == source and r.redacted_part:
                    with open(r.redacted_part, "rb") as part:
                        shutil.copyfileobj(part, out, 1 << 20)
                    remove_part(r.redacted_part)
        written.append(str(target))
    return written


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "source"
