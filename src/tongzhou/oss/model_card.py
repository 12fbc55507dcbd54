"""The metadata files a model or dataset folder carries about itself, read once for the whole ``oss``
package: the card's YAML front matter (``README.md``), ``config.json`` and small texts (licences).

Card metadata is the YAML block between the first two ``---`` lines of ``README.md`` (Hugging Face
Hub documentation, "Model Cards", https://huggingface.co/docs/hub/model-cards: ``license``,
``license_name``, ``license_link``, ``base_model``, ``base_model_relation``, ``datasets``,
``language``, ``pipeline_tag``, ``library_name``, ``tags``, ``model-index``, ``model_name``); the same
block in a dataset card carries ``license``, ``task_categories``, ``language``... ``config.json`` is
the Transformers configuration (``model_type``, ``architectures``, ``torch_dtype``; a few models set
``license`` there too).

Bad input is refused with the file and line where it breaks (exit 2), never read half-way: a file over
1 MiB (real cards, configs and licence texts are kilobytes; the Apache-2.0 text is 11 KB), NUL bytes
(binary junk), text that is not UTF-8, YAML or JSON that is malformed, nested too deeply for the
parser, or not a mapping/object. A BOM or licence finding built from half-read metadata would say less
than the folder does, and silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tongzhou.errors import InputError

MAX_TEXT_BYTES = 1024 * 1024
"""A card, config.json or licence text larger than this is refused rather than read."""


def read_text(path: Path, what: str) -> str:
    """A small UTF-8 text file; InputError (exit 2) when it is too large, binary or not UTF-8."""
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= MAX_TEXT_BYTES else b""
    except OSError as exc:
        raise InputError.of(
            "{path}: cannot read {what} ({reason})", path=path, what=what, reason=exc.strerror
        ) from None
    if size > MAX_TEXT_BYTES:
        raise InputError.of(
            "{path}: {what} of {size:,} bytes is over the {limit:,}-byte limit; "
            "it is not a licence text, card or config (check the file)",
            path=path,
            what=what,
            size=size,
            limit=MAX_TEXT_BYTES,
        )
    if b"\x00" in data:
        raise InputError.of("{path}: {what} holds binary data (NUL bytes), not text", path=path, what=what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError.of(
            "{path}: {what} is not UTF-8 text ({reason} at byte {start})",
            path=path,
            what=what,
            reason=exc.reason,
            start=exc.start,
        ) from None


@dataclass(frozen=True)
class FrontMatter:
    """A card's front matter as parsed, with its YAML nodes for line numbers, and the text after it."""

    data: dict[str, Any] = field(default_factory=dict)
    """The mapping as found (keys unchanged); empty when there is no front matter."""
    node: yaml.MappingNode | None = None
    """The composed mapping node (``start_mark.line`` is 0-based within the YAML block)."""
    body: str = ""
    """The text after the front matter."""
    body_first_line: int = 1
    """The 1-based line the body starts at."""


def parse_front_matter(text: str, source: Path) -> FrontMatter:
    """The YAML mapping between the opening ``---`` line and the next ``---`` line."""
    lines = text.removeprefix("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return FrontMatter(body=text)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise InputError.of(
            "{source}:1: the YAML front matter opened with --- is never closed with a --- line", source=source
        )
    block = "\n".join(lines[1:end])
    try:
        node = yaml.compose(block, Loader=yaml.SafeLoader)
        data = yaml.safe_load(block)
    except RecursionError:
        raise InputError.of(
            "{source}: the card's YAML front matter is nested too deeply", source=source
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for 1-based, +1 for the opening ---
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InputError.of(
            "{source}: the YAML front matter is malformed at line {line}: {problem}",
            source=source,
            line=line,
            problem=problem,
        ) from None
    body, first = "\n".join(lines[end + 1 :]), end + 2
    if node is None:
        return FrontMatter(body=body, body_first_line=first)
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise InputError.of(
            "{source}:2: the YAML front matter is a {kind} but must be a mapping: "
            "a card's front matter must be a YAML mapping of `key: value` lines",
            source=source,
            kind=type(data).__name__,
        )
    return FrontMatter(data, node, body, first)


def front_matter(text: str, source: Path) -> dict[str, Any]:
    """The front matter's mapping; {} when the text has none."""
    return parse_front_matter(text, source).data


def read_json_object(path: Path) -> tuple[dict[str, Any], str]:
    """A JSON object file (``config.json``) and its text; malformed JSON names its line and column."""
    text = read_text(path, path.name)
    try:
        value = json.loads(text)
    except RecursionError:
        raise InputError.of("{path}: the JSON is nested too deeply", path=path) from None
    except json.JSONDecodeError as exc:
        raise InputError.of(
            "{path}:{line}: not valid JSON at line {line}, column {column} ({reason})",
            path=path,
            line=exc.lineno,
            column=exc.colno,
            reason=exc.msg,
        ) from None
    if not isinstance(value, dict):
        raise InputError.of("{path}: must be a JSON object", path=path)
    return value, text


def read_config(path: Path) -> dict[str, Any]:
    """``config.json`` as a JSON object."""
    return read_json_object(path)[0]


@dataclass(frozen=True)
class FolderMetadata:
    """What ``README.md`` front matter and ``config.json`` say, as found (keys unchanged)."""

    card: dict[str, Any] = field(default_factory=dict)
    """The model or dataset card's front matter; empty when there is no README.md or no front matter."""
    config: dict[str, Any] = field(default_factory=dict)
    """``config.json``; empty when absent."""


def read_folder_metadata(folder: Path) -> FolderMetadata:
    """Front matter of ``folder/README.md`` and ``folder/config.json``, each when present."""
    readme, config = folder / "README.md", folder / "config.json"
    card = front_matter(read_text(readme, "model card"), readme) if readme.is_file() else {}
    return FolderMetadata(card, read_config(config) if config.is_file() else {})


@dataclass(frozen=True)
class CardValue:
    """One front-matter value: a string, or the strings of a list, with their lines."""

    values: tuple[str, ...]
    """The value (one string) or the list's string items."""
    lines: tuple[int, ...]
    """1-based line in the card of each value."""


@dataclass
class ModelCard:
    """The licence-relevant front matter of a card, with the line of each value."""

    path: Path
    """The README.md it was read from."""
    fields: dict[str, CardValue] = field(default_factory=dict)
    """Key → value, for the keys in :data:`LICENCE_KEYS`."""
    body: str = ""
    """The text after the front matter (searched for "Built with …")."""
    body_first_line: int = 1
    """The line the body starts at."""

    def first(self, key: str) -> tuple[str, int] | None:
        """The first value of ``key`` and its line, or None."""
        value = self.fields.get(key)
        return (value.values[0], value.lines[0]) if value and value.values else None


LICENCE_KEYS = ("license", "license_name", "license_link", "base_model", "datasets", "model_name")
"""The card keys a licence finding reads."""


def read_card(path: Path) -> ModelCard:
    """A card's licence-relevant fields with their lines; a card without front matter has no fields."""
    matter = parse_front_matter(read_text(path, "model card"), path)
    card = ModelCard(path, body=matter.body, body_first_line=matter.body_first_line)
    for key_node, value_node in matter.node.value if matter.node else []:
        key = key_node.value
        if key in LICENCE_KEYS:
            value = matter.data.get(key)
            card.fields[key] = _card_value(path, key, value, value_node, key_node.start_mark.line + 2)
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
                raise InputError.of(
                    "{path}:{line}: {key} items must be strings",
                    path=path,
                    line=item_node.start_mark.line + 2,
                    key=key,
                )
            items.append(str(item))
            item_lines.append(item_node.start_mark.line + 2)
        return CardValue(tuple(items), tuple(item_lines))
    raise InputError.of(
        "{path}:{line}: {key} must be a string or a list of strings", path=path, line=key_line, key=key
    )


def read_config_licence(path: Path) -> tuple[str, int] | None:
    """A ``license`` key in ``config.json`` (rare, but some models set it) and its line; None if absent."""
    data, text = read_json_object(path)
    value = data.get("license")
    if not isinstance(value, str) or not value.strip():
        return None
    line = next((n for n, row in enumerate(text.splitlines(), 1) if '"license"' in row), None)
    return value, line or 1
