"""Many files at once: expand directories, run in worker processes, report progress."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from tongzhou.labels.fileio import TEMP_PREFIX
from tongzhou.labels.files import inspect_file


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named, plus every regular file under named directories (sorted; our temp files skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(TEMP_PREFIX))
        else:
            files.append(path)
    return files


def _inspect(path: Path, trusted: set[str] | None, declared: bool) -> dict[str, Any]:
    return inspect_file(path, trusted, declared).to_dict()


def inspect_many(
    paths: list[Path],
    trusted_key_ids: set[str] | None = None,
    declared: bool = False,
    workers: int | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Inspect ``paths`` (in input order), in ``workers`` processes when there are several files."""
    workers = workers or min(len(paths), os.cpu_count() or 1)
    job = partial(_inspect, trusted=trusted_key_ids, declared=declared)
    if workers <= 1 or len(paths) < 4:
        results: Iterable[dict[str, Any]] = map(job, paths)
        for result in results:
            if on_done:
                on_done(result)
            yield result
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(job, paths, chunksize=max(1, len(paths) // (workers * 8))):
            if on_done:
                on_done(result)
            yield result
