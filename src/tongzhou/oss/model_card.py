"""The metadata a Hugging Face-style folder carries about itself: the model card's YAML front matter
(``README.md``) and the model's ``config.json``.

Model card metadata is the YAML block between the first two ``---`` lines of ``README.md``
(Hugging Face Hub documentation, "Model Cards": ``license``, ``license_name``, ``base_model``,
``base_model_relation``, ``datasets``, ``language``, ``pipeline_tag``, ``library_name``, ``tags``,
``model-index``); the same block in a dataset card carries ``license``, ``task_categories``,
``language``... ``config.json`` is the Transformers configuration (``model_type``,
``architectures``, ``torch_dtype``). Either file, when present and malformed, is refused with the
line where it breaks: a BOM built from half-read metadata would say less than the folder does, and
silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tongzhou.errors import InputError

MAX_METADATA_BYTES = 4 << 20
"""A README or config.json larger than this is refused rather than read (real ones are kilobytes)."""


@dataclass(frozen=True)
class FolderMetadata:
    """What ``README.md`` front matter and ``config.json`` say, as found (keys unchanged)."""

    card: dict[str, Any] = field(default_factory=dict)
    """The model or dataset card's front matter; empty when there is no README.md or no front matter."""
    config: dict[str, Any] = field(default_factory=dict)
    """``config.json``; empty when absent."""


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_METADATA_BYTES:
            raise InputError(
                f"{path}: {size:,} bytes is more than the {MAX_METADATA_BYTES:,} read for metadata",
                zh=f"{path}：文件过大，超过元数据读取上限",
            )
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", zh=f"{path}：不是 UTF-8 文本"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})", zh=f"{path}：无法读取") from None


def front_matter(text: str, source: Path) -> dict[str, Any]:
    """The YAML mapping between the opening ``---`` line and the next one; {} when there is none."""
    lines = text.removeprefix("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        raise InputError(
            f"{source}: the YAML front matter opened on line 1 is never closed with '---'",
            zh=f"{source}：YAML 前置元数据缺少结束行 '---'",
        )
    try:
        value = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InputError(
            f"{source}: the YAML front matter is malformed{where}: {problem}",
            zh=f"{source}：YAML 前置元数据格式错误{where}",
        ) from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(
            f"{source}: the YAML front matter must be a mapping of keys, not {type(value).__name__}",
            zh=f"{source}：YAML 前置元数据必须是键值映射",
        )
    return value


def read_config(path: Path) -> dict[str, Any]:
    """``config.json`` as a JSON object; malformed JSON names its line and column."""
    try:
        value = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            zh=f"{path}：JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）",
        ) from None
    if not isinstance(value, dict):
        raise InputError(f"{path}: must be a JSON object", zh=f"{path}：必须是 JSON 对象")
    return value


def read_folder_metadata(folder: Path) -> FolderMetadata:
    """Front matter of ``folder/README.md`` and ``folder/config.json``, each when present."""
    readme, config = folder / "README.md", folder / "config.json"
    card = front_matter(_read_text(readme), readme) if readme.is_file() else {}
    return FolderMetadata(card, read_config(config) if config.is_file() else {})
