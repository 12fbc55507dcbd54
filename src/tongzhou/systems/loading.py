"""Read a SystemProfile from YAML or JSON; every error names the file, the field path and the problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tongzhou.errors import InputError
from tongzhou.systems.profile import SystemProfile

MAX_PROFILE_BYTES = 1_000_000
"""A profile is a few kilobytes; anything over 1 MB is refused before parsing."""


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(document)"


def describe_validation_error(exc: ValidationError, source: str) -> str:
    """One line per problem: ``source: field.path: what is wrong``."""
    lines = [f"{source}: invalid system profile ({exc.error_count()} problem(s)) / 系统档案无效:"]
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-after[")))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see docs/systems.md)"
        lines.append(f"  - {_field_path(loc)}: {msg}")
    return "\n".join(lines)


def profile_from_data(data: Any, source: str = "<profile>") -> SystemProfile:
    """Validate already-parsed data; raise :class:`InputError` naming ``source`` and each field path."""
    if data is None:
        raise InputError.of("{source} is empty: a system profile must be a mapping of fields", source=source)
    if not isinstance(data, dict):
        kinds = {list: "a list", str: "a single string", int: "a number", float: "a number"}
        raise InputError.of(
            "{source}: a system profile must be a mapping of fields (id: …, name: …), not {kind}",
            source=source,
            kind=kinds.get(type(data), "a value"),
        )
    try:
        return SystemProfile.model_validate(data)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, source)) from None


def parse_profile_text(text: str, source: str, *, suffix: str = ".yaml") -> Any:
    """Parse YAML (or JSON, by suffix) text into plain data; syntax errors name the line."""
    try:
        if suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{source}: not valid YAML{where}: {problem}") from None


def load_profile(path: str | Path) -> SystemProfile:
    """Load and validate one profile file (``.yaml``, ``.yml`` or ``.json``)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such profile file")
    size = p.stat().st_size
    if size > MAX_PROFILE_BYTES:
        raise InputError(f"{p}: {size} bytes is over the {MAX_PROFILE_BYTES}-byte limit for a profile")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return profile_from_data(parse_profile_text(text, str(p), suffix=p.suffix), str(p))


def dump_profile(profile: SystemProfile, fmt: str = "yaml") -> str:
    """Serialise a profile as YAML or JSON (unknown facts omitted, so it loads back identically)."""
    data = profile.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    raise InputError(f"unknown export format {fmt!r}; use yaml or json")
