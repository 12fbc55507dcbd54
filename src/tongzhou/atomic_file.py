"""Atomic file writes: readers see the old file or the new one, never a half-written one.

Every module writes its artefacts through here (principle 7: nothing is written half-way): whole
values with :func:`write_bytes_atomic`, :func:`write_text_atomic` and :func:`write_json_atomic`;
streams with :func:`open_atomic`; files that another program writes by path (a PDF printed by
Chromium) with :func:`atomic_target`. In every case the data goes to a temporary file beside the
target, which is renamed over it only when complete; on any error the temporary file is removed
and the target is left as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from tongzhou.errors import InputError


def _temp_beside(path: Path, temp_prefix: str | None, suffix: str) -> tuple[int, str]:
    """Check ``path`` can be written and open a temporary file in its directory."""
    if path.is_dir():
        raise InputError.of("{path} is a directory; give a file name to write", path=path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError.of(
            "cannot write {path}: {parent} is not a directory", path=path, parent=path.parent
        ) from None
    prefix = temp_prefix if temp_prefix is not None else f".{path.name}."
    return tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)


def _commit(tmp: str, path: Path, mode: int, durable: bool) -> None:
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    if durable:
        # The rename itself lives in the directory: without this fsync a power loss can bring the
        # old file back even though the new one's bytes reached the disk.
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _discard(tmp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)


@contextlib.contextmanager
def open_atomic(
    path: Path, *, mode: int = 0o644, durable: bool = False, temp_prefix: str | None = None
) -> Iterator[IO[bytes]]:
    """A binary file handle whose contents replace ``path`` when the ``with`` block ends without error.

    ``mode`` is applied before the rename (use 0o600 for secrets); ``durable`` also fsyncs the file
    and its directory, so the write survives power loss and not only a crash of this process.
    ``temp_prefix`` names the temporary file, so that a directory walk can skip writes in progress
    (default: ``.<name>.``). If the block raises, the temporary file is removed and ``path`` is
    left as it was.
    """
    path = Path(path)
    fd, tmp = _temp_beside(path, temp_prefix, ".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        _commit(tmp, path, mode, durable)
    except BaseException:
        _discard(tmp)
        raise


@contextlib.contextmanager
def atomic_target(path: Path, *, mode: int = 0o644, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside ``path`` for another program to write; renamed over ``path`` on success.

    For writers that take a file name rather than bytes (Chromium printing a PDF). ``suffix`` keeps
    the extension such a writer may look at. If the block raises, the temporary file is removed.
    """
    path = Path(path)
    fd, tmp = _temp_beside(path, None, suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        _commit(tmp, path, mode, durable=False)
    except BaseException:
        _discard(tmp)
        raise


def write_bytes_atomic(
    path: Path, data: bytes, *, mode: int = 0o644, durable: bool = False, temp_prefix: str | None = None
) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    ``mode``, ``durable`` and ``temp_prefix`` are those of :func:`open_atomic`.
    """
    with open_atomic(path, mode=mode, durable=durable, temp_prefix=temp_prefix) as handle:
        handle.write(data)


def write_text_atomic(path: Path, text: str, *, mode: int = 0o644, durable: bool = False) -> None:
    """:func:`write_bytes_atomic` for UTF-8 text."""
    write_bytes_atomic(path, text.encode("utf-8"), mode=mode, durable=durable)


def write_json_atomic(
    path: Path, value: Any, *, indent: int = 1, mode: int = 0o644, durable: bool = False
) -> Path:
    """Write ``value`` as UTF-8 JSON (Chinese as is, ``indent`` spaces, a final newline); return ``path``."""
    text = json.dumps(value, ensure_ascii=False, indent=indent) + "\n"
    write_text_atomic(path, text, mode=mode, durable=durable)
    return path
