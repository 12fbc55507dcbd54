"""The ``sha256:<hex>`` digest of a file, read in 1 MiB chunks (model identities, bundle manifests)."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["file_sha256"]


def file_sha256(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes, read now (no caching)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()
