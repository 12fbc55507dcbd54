"""Reading the files a model or dataset folder states its licence in: the card's YAML front matter,
``config.json`` and licence texts, each bounded and checked so bad input is a clear error.

A Hugging Face card (README.md) opens with YAML between ``---`` lines; the keys read here are
``license`` (a Hub identifier or ``other``), ``license_name``, ``license_link``, ``base_model``,
``datasets`` and ``model_name`` (https://huggingface.co/docs/hub/model-cards). Line numbers are kept
so each finding can point at its line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tongzhou.errors import InputError

MAX_TEXT_BYTES = 1024 * 1024
"""A licence text, card or config larger than this is refused (the Apache-2.0 text is 11 KB)."""


@dataclass(frozen=True)
class CardValue:
    """One front-matter value: a string, or the strings of a list, with their lines."""

    values: tuple[str, ...]
    """The value (one string) or the list's string items."""
    lines: tuple[int, ...]
    """1-based line in the card of each value."""


@dataclass
class ModelCard:
    """The licence-relevant front matter of a card."""

    path: Path
    """The README.md it was read from."""
    fields: dict[str, CardValue] = field(default_factory=dict)
    """Key → value, for the keys listed in the module docstring."""
    body: str = ""
    """The text after the front matter (searched for "Built with …")."""
    body_first_line: int = 1
    """The line the body starts at."""

    def first(self, key: str) -> tuple[str, int] | None:
        """The first value of ``key`` and its line, or None."""
        value = self.fields.get(key)
        return (value.values[0], value.lines[0]) if value and value.values else None


_KEYS = ("license", "license_name", "license_link", "base_model", "datasets", "model_name")


def read_text(path: Path, what: str) -> str:
    """A small UTF-8 text file; InputError (exit 2) when it is too large, binary or not UTF-8."""
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= MAX_TEXT_BYTES else b""
    except OSError as exc:
        raise InputError(
            f"{path}: cannot read {what} ({exc.strerror})", zh=f"{path}：无法读取{what}"
        ) from None
    if size > MAX_TEXT_BYTES:
        raise InputError(
            f"{path}: {what} of {size:,} bytes is over the {MAX_TEXT_BYTES:,}-byte limit; "
            "it is not a licence text or card (check the file)",
            zh=f"{path}：{what}文件过大（{size:,} 字节，上限 {MAX_TEXT_BYTES:,}），请检查文件",
        )
    if b"\x00" in data:
        raise InputError(
            f"{path}: {what} holds binary data (NUL bytes), not text",
            zh=f"{path}：{what}是二进制数据，不是文本",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: {what} is not UTF-8 text (byte {exc.start})", zh=f"{path}：{what}不是 UTF-8 文本"
        ) from None


def read_card(path: Path) -> ModelCard:
    """Parse a card's front matter; a card without front matter has no fields; malformed YAML is an error."""
    text = read_text(path, "model card")
    lines = text.splitlines()
    card = ModelCard(path)
    if not lines or lines[0].strip() != "---":
        card.body = text
        return card
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise InputError(
            f"{path}:1: the YAML front matter opened with --- is never closed with a --- line",
            zh=f"{path}:1：YAML 头部以 --- 开始但没有结束的 --- 行",
        )
    source = "\n".join(lines[1:end])
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except RecursionError:
        raise InputError(
            f"{path}: the card's YAML front matter is nested too deeply",
            zh=f"{path}：模型卡 YAML 头部嵌套过深",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise InputError(
            f"{path}:{line}: the card's YAML front matter is malformed ({problem})",
            zh=f"{path}:{line}：模型卡 YAML 头部格式错误",
        ) from None
    if node is None:
        data = {}
    elif not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise InputError(
            f"{path}:2: the card's front matter must be a YAML mapping (key: value lines)",
            zh=f"{path}:2：模型卡头部必须是 YAML 映射",
        )
    else:
        for key_node, value_node in node.value:
            key = key_node.value
            if key not in _KEYS:
                continue
            card.fields[key] = _card_value(path, key, data.get(key), value_node, key_node.start_mark.line + 2)
    card.body = "\n".join(lines[end + 1 :])
    card.body_first_line = end + 2
    return card


def _card_value(path: Path, key: str, value: object, node: yaml.Node, key_line: int) -> CardValue:
    line = node.start_mark.line + 2  # +1 for 1-based, +1 for the opening --- line
    if value is None:
        return CardValue((), ())
    if isinstance(value, str | int | float):
        return CardValue((str(value),), (line,))
    if isinstance(value, list) and isinstance(node, yaml.SequenceNode):
        items, item_lines = [], []
        for item, item_node in zip(value, node.value, strict=True):
            if not isinstance(item, str | int | float):
                raise InputError(
                    f"{path}:{item_node.start_mark.line + 2}: {key} items must be strings",
                    zh=f"{path}：{key} 的条目必须是字符串",
                )
            items.append(str(item))
            item_lines.append(item_node.start_mark.line + 2)
        return CardValue(tuple(items), tuple(item_lines))
    raise InputError(
        f"{path}:{key_line}: {key} must be a string or a list of strings",
        zh=f"{path}：{key} 必须是字符串或字符串列表",
    )


def read_config_licence(path: Path) -> tuple[str, int] | None:
    """A ``license`` key in ``config.json`` (rare, but some models set it) and its line; None if absent."""
    text = read_text(path, "config.json")
    try:
        data = json.loads(text)
    except RecursionError:
        raise InputError(
            f"{path}: config.json is nested too deeply", zh=f"{path}：config.json 嵌套过深"
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}:{exc.lineno}: config.json is not valid JSON ({exc.msg})",
            zh=f"{path}：config.json 不是有效的 JSON",
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            f"{path}: config.json must be a JSON object", zh=f"{path}：config.json 必须是 JSON 对象"
        )
    value = data.get("license")
    if not isinstance(value, str) or not value.strip():
        return None
    line = next((n for n, row in enumerate(text.splitlines(), 1) if '"license"' in row), None)
    return value, line or 1
