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


def expand_with_outputs(paths: Iterable[Path], out_dir: Path | None) -> list[tuple[Path, Path | None]]:
    """(file, its output folder): files under a named directory keep their relative folders in ``out_dir``."""
    jobs: list[tuple[Path, Path | None]] = []
    for path in paths:
        if path.is_dir():
            for file in expand([path]):
                target = out_dir / file.parent.relative_to(path) if out_dir is not None else None
                jobs.append((file, target))
        else:
            jobs.append((path, out_dir))
    return jobs


def _label(
    job: tuple[Path, Path | None], producer: str, key_name: str, options: dict[str, Any]
) -> dict[str, Any]:
    from tongzhou.errors import InputError
    from tongzhou.labels.files import label_file
    from tongzhou.labels.keys import signing_key

    source, out_dir = job
    try:
        key = signing_key(key_name, create=False)
        return label_file(source, producer, out_dir=out_dir, key=key, **options).to_dict()
    except InputError as exc:
        return {"source": str(source), "error": exc.bilingual()}


def label_many(
    jobs: list[tuple[Path, Path | None]],
    producer: str,
    key_name: str,
    workers: int | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    **options: Any,
) -> Iterator[dict[str, Any]]:
    """Label files (in input order) in ``workers`` processes; each result is a LabelResult dict or an error.

    ``options`` go to :func:`tongzhou.labels.files.label_file` (in_place, c2pa, explicit, lang, wording).
    The key is loaded by name in each worker (private keys are not sent between processes).
    """
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    job = partial(_label, producer=producer, key_name=key_name, options=options)
    if workers <= 1 or len(jobs) < 4:
        for result in map(job, jobs):
            if on_done:
                on_done(result)
            yield result
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(job, jobs, chunksize=max(1, len(jobs) // (workers * 8))):
            if on_done:
                on_done(result)
            yield result
