"""What a model or dataset is made of: every file, its size, SHA-256 and format, in a stable order.

The walk lists first and hashes second, so a folder over the file limit is refused before any byte is
read. Files are hashed streaming in 1 MiB blocks (bounded memory whatever the model's size). Symlinks
are followed, because a Hugging Face cache snapshot is a tree of links into ``blobs/``; a link that
loops, dangles or leads back to a directory being walked is refused with its path. Nothing that is not a
regular file is opened (a FIFO would block the walk).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from tongzhou.errors import InputError
from tongzhou.oss.scanner import sniff

_BLOCK = 1 << 20
_HEAD = 64 << 10
_BY_EXTENSION = {
    ".gguf": "gguf",
    ".safetensors": "safetensors",
    ".onnx": "onnx",
    ".pt": "pytorch",
    ".pth": "pytorch",
    ".bin": "pytorch",
    ".ckpt": "pytorch",
    ".pkl": "pickle",
    ".h5": "hdf5",
    ".keras": "keras",
    ".npy": "npy",
    ".npz": "npz",
    ".json": "json",
    ".jsonl": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".arrow": "arrow",
    ".txt": "text",
    ".md": "markdown",
    ".model": "sentencepiece",
    ".yaml": "yaml",
    ".yml": "yaml",
}
MODEL_FORMATS = frozenset({"gguf", "safetensors", "onnx", "pytorch", "pickle", "hdf5", "keras"})
"""Formats whose presence makes a folder a model rather than a dataset."""


@dataclass(frozen=True)
class InventoryLimits:
    """Bounds on one inventory walk."""

    max_files: int = 100_000
    """More files than this is refused before hashing (a dataset of millions of shards needs splitting)."""


@dataclass(frozen=True)
class InventoryFile:
    """One file of a model or dataset."""

    path: str
    """POSIX path relative to the inventoried folder (the file's name when a single file was given)."""
    size: int
    sha256: str
    """Lower-case hex SHA-256 of the bytes."""
    format: str
    """Format from the bytes (``gguf``, ``safetensors``, ``pickle``, ``zip``...), else from the extension."""


@dataclass(frozen=True)
class Inventory:
    """The files of one artefact (a model or a dataset) rooted at ``root``."""

    root: Path
    files: tuple[InventoryFile, ...]
    single_file: bool
    """True when ``root`` is one file rather than a folder."""

    @property
    def total_bytes(self) -> int:
        """Sum of the file sizes."""
        return sum(f.size for f in self.files)

    @property
    def content_digest(self) -> str:
        """SHA-256 over every (path, size, sha256), sorted: the identity of the content, not of its place."""
        digest = hashlib.sha256()
        for f in self.files:
            digest.update(f"{f.path}\0{f.size}\0{f.sha256}\n".encode())
        return digest.hexdigest()

    def looks_like_model(self) -> bool:
        """A folder with at least one model-weight format in it."""
        return any(f.format in MODEL_FORMATS for f in self.files)


def _stat(path: Path) -> os.stat_result:
    try:
        return path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError.of("{path}: symlink loop", path=path) from None
        if exc.errno == errno.ENOENT:
            if path.is_symlink():
                raise InputError.of("{path}: dangling symlink", path=path) from None
            raise InputError.of("{path}: no such file or directory", path=path) from None
        raise InputError.of("{path}: cannot read ({reason})", path=path, reason=exc.strerror) from None


def _walk(root: Path, limits: InventoryLimits) -> list[tuple[str, Path]]:
    """(relative POSIX path, path) of every regular file under ``root``, sorted, loops refused."""
    found: list[tuple[str, Path]] = []
    walking: set[tuple[int, int]] = set()

    def visit(directory: Path, rel: str, info: os.stat_result) -> None:
        key = (info.st_dev, info.st_ino)
        if key in walking:
            raise InputError.of(
                "{path}: symlink loop (a link leads back to a folder being walked)", path=directory
            )
        walking.add(key)
        try:
            names = sorted(os.listdir(directory))
        except OSError as exc:
            raise InputError.of(
                "{path}: cannot list ({reason})", path=directory, reason=exc.strerror
            ) from None
        for name in names:
            child = directory / name
            child_rel = f"{rel}/{name}" if rel else name
            child_info = _stat(child)
            if stat.S_ISDIR(child_info.st_mode):
                visit(child, child_rel, child_info)
            elif stat.S_ISREG(child_info.st_mode):
                found.append((child_rel, child))
                if len(found) > limits.max_files:
                    raise InputError.of(
                        "{path}: more than {limit:,} files; give a smaller folder",
                        path=root,
                        limit=limits.max_files,
                    )
            else:
                raise InputError.of("{path}: not a regular file (a FIFO, socket or device)", path=child)
        walking.discard(key)

    visit(root, "", _stat(root))
    return found


def _format(head: bytes, name: str) -> str:
    kind = sniff(memoryview(head), name)
    by_name = _BY_EXTENSION.get(os.path.splitext(name)[1].lower())
    if kind == "zip" and by_name in {"pytorch", "keras", "npz"}:
        return by_name
    if kind == "pickle" and by_name == "pytorch":
        return "pytorch"
    if kind in {"other", "json"}:
        if head.startswith(b"PAR1"):
            return "parquet"
        if by_name in {"pytorch", "pickle", "npy"}:  # these are known by their bytes, not their names
            return "other"
        return by_name or ("json" if kind == "json" else "other")
    return kind


def hash_file(path: Path, shown: str) -> InventoryFile:
    """Size, SHA-256 and format of one file, read once in 1 MiB blocks."""
    digest = hashlib.sha256()
    head = b""
    size = 0
    buffer = bytearray(_BLOCK)
    view = memoryview(buffer)
    try:
        with path.open("rb") as handle:
            while True:
                n = handle.readinto(buffer)
                if not n:
                    break
                if len(head) < _HEAD:
                    head += bytes(view[: min(n, _HEAD - len(head))])
                digest.update(view[:n])
                size += n
    except OSError as exc:
        raise InputError.of("{path}: cannot read ({reason})", path=path, reason=exc.strerror) from None
    return InventoryFile(shown, size, digest.hexdigest(), _format(head, path.name))


def take_inventory(path: Path, limits: InventoryLimits | None = None) -> Inventory:
    """List and hash every file of ``path`` (a file or a folder); bad input is an :class:`InputError`."""
    limits = limits or InventoryLimits()
    info = _stat(path)
    if stat.S_ISREG(info.st_mode):
        return Inventory(path, (hash_file(path, path.name),), single_file=True)
    if not stat.S_ISDIR(info.st_mode):
        raise InputError.of("{path}: not a regular file or folder", path=path)
    files = tuple(hash_file(full, rel) for rel, full in _walk(path, limits))
    if not files:
        raise InputError.of("{path}: the folder has no files", path=path)
    return Inventory(path, files, single_file=False)
