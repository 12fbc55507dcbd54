"""Atomic file writes: readers see the old file or the new one, never a half-written one.

Every module writes its artefacts through here (principle 7: nothing is written half-way).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from tongzhou.errors import InputError


def write_bytes_atomic(
    path: Path, data: bytes, *, mode: int = 0o644, durable: bool = False, temp_prefix: str | None = None
) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    ``mode`` is applied before the rename (use 0o600 for secrets); ``durable`` also fsyncs, so the
    file survives power loss and not only a crash of this process. On any error the temporary file
    is removed and ``path`` is left as it was. ``temp_prefix`` names the temporary file, so that
    a directory walk can skip writes in progress (default: ``.<name>.``).
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a directory; give a file name to write / 这是目录，请给出要写入的文件名")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(
            f"cannot write {path}: {path.parent} is not a directory / 无法写入：上级路径不是目录"
        ) from None
    prefix = temp_prefix if temp_prefix is not None else f".{path.name}."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: Path, text: str, *, mode: int = 0o644, durable: bool = False) -> None:
    """:func:`write_bytes_atomic` for UTF-8 text."""
    write_bytes_atomic(path, text.encode("utf-8"), mode=mode, durable=durable)
