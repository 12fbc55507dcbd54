"""The commands of the CLI, enumerated from the typer app, and the bad arguments to drive each with.

Enumerated, not listed: a command added to the app is swept without anyone editing a test.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import typer

try:  # typer ≥ 0.25 carries its own copy of click
    from typer import _click
except ImportError:  # pragma: no cover — older typer on click
    import click as _click  # type: ignore[no-redef]

from tongzhou.cli.main import app

HUGE = "99999999999999999999"


@dataclass(frozen=True)
class Leaf:
    """A command that runs (not a group): its words after `tongzhou`, and its parameters."""

    words: tuple[str, ...]
    params: tuple[Any, ...]

    @property
    def name(self) -> str:
        """``threats pull``."""
        return " ".join(self.words)


def leaves() -> list[Leaf]:
    """Every runnable command of the app, depth first, in the order `--help` lists them."""
    root = typer.main.get_command(app)
    found: list[Leaf] = []

    def walk(command: _click.Command, words: tuple[str, ...], ctx: _click.Context) -> None:
        if isinstance(command, typer.core.TyperGroup):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, f"{' '.join(words)} lists {name} but cannot load it"
                walk(sub, (*words, name), _click.Context(sub, parent=ctx, info_name=name))
            if not command.invoke_without_command:
                return
        if words:
            params = tuple(p for p in command.params if p.name not in ("help",))
            found.append(Leaf(words, params))

    walk(root, (), _click.Context(root, info_name="tongzhou"))
    return found


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released: connecting is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Materials:
    """Things on disk the bad arguments point at."""

    directory: Path
    """An existing, empty directory (given where a file is wanted)."""
    missing: Path
    """A path that does not exist."""
    garbage: Path
    """A file of bytes that are no format at all."""
    dead_url: str
    """http://127.0.0.1:PORT with nothing listening."""

    def reset(self) -> None:
        """Put everything back as it was (a run may have written into the directory or over a file)."""
        for path in (self.directory, self.missing, self.garbage):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        self.directory.mkdir()
        self.garbage.write_bytes(GARBAGE)


GARBAGE = b"\x00\xffnot any format\x01" * 8


def materials(tmp: Path) -> Materials:
    """Create the materials under ``tmp``."""
    made = Materials(tmp / "a-directory", tmp / "no-such-file.yaml", tmp / "garbage.bin", "")
    made = Materials(made.directory, made.missing, made.garbage, f"http://127.0.0.1:{closed_port()}")
    made.reset()
    return made


def _base_type(param: Any) -> Any:
    """The Python type a parameter holds (the item type for lists): Path, int, float, bool, str…"""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None:  # older typer on click: a click ParamType
        name = getattr(getattr(param, "type", None), "name", "")
        return {"path": Path, "integer": int, "float": float, "boolean": bool}.get(name, str)
    annotation = descriptor.annotation
    while get_origin(annotation) in (list, tuple, Union, UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    return annotation


def _is_path(param: Any) -> bool:
    return _base_type(param) is Path


def _is_number(param: Any) -> bool:
    return _base_type(param) in (int, float)


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False)) or _base_type(param) is bool


def _is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "option"


def _names(param: Any) -> str:
    return " ".join(getattr(param, "opts", []) + [param.name or ""]).lower()


def filler(param: Any, m: Materials) -> list[str]:
    """A plausible value for a required parameter that the variant does not test."""
    if _is_path(param):
        return [str(m.garbage)]
    if _is_number(param):
        return ["1"]
    names = _names(param)
    if "url" in names:
        return [m.dead_url + "/tongzhou/collections/x/"]
    if "action" in names:
        return ["PAUSE"]
    return ["no-such-thing"]


def bad_values(param: Any, m: Materials) -> Iterator[tuple[str, str]]:
    """(what is wrong, value) for one parameter: bad paths, huge numbers, dead servers, wrong keys."""
    names = _names(param)
    if _is_path(param):
        yield "a directory", str(m.directory)
        yield "a missing path", str(m.missing)
        yield "a garbage file", str(m.garbage)
        return
    if _is_number(param):
        yield "a huge number", HUGE
        yield "a negative number", "-1"
        return
    if any(word in names for word in ("url", "upstream", "--to")):
        yield "an unreachable server", m.dead_url + "/v1"
    if "model" in names or "judge" in names:
        yield "an unreachable model server", f"openai:{m.dead_url}/v1#m"
    if "key" in names or "trusted" in names:
        yield "a wrong key", "no-such-key"
    if any(word in names for word in ("aware", "occurred", "as_of", "added_after")):
        yield "a far-future date", "9999-12-31T23:00:00Z"
        yield "a non-date", "yesterday-ish"
    if "expires" in names:
        yield "a huge duration", HUGE + "h"
    if any(word in names for word in ("format", "lang", "scope", "action", "task_class", "country")):
        yield "an unknown choice", "no-such-choice"


@dataclass(frozen=True)
class Invocation:
    """One run of one command with one bad argument."""

    leaf: Leaf
    why: str
    argv: list[str]


# Arguments every run of these commands gets, so that a run cannot turn into long real work: the
# bundled model is never loaded (a dead server instead) and servers never start listening.
def guards(leaf: Leaf, m: Materials) -> list[str]:
    """Extra arguments that keep ``leaf`` fast whatever the variant."""
    if leaf.name == "eval run":
        return ["--model", f"openai:{m.dead_url}/v1#m", "--limit", "1", "--retries", "0", "--no-progress"]
    if leaf.name == "demo":
        return ["--only", "no-such-step"]
    return []


SERVERS = {"threats serve", "gateway", "gateway serve", "serve"}
"""Commands that listen until stopped: swept in a subprocess with a time limit."""


def invocations(m: Materials) -> list[Invocation]:
    """Every command × every bad value of each of its parameters (required ones filled)."""
    runs: list[Invocation] = []
    for leaf in leaves():
        required = [p for p in leaf.params if p.required]
        for param in leaf.params:
            if _is_flag(param) or param.name in ("version", "install_completion", "show_completion"):
                continue
            for why, value in bad_values(param, m):
                argv = list(leaf.words)
                for other in required:
                    if other is param:
                        continue
                    argv += _as_args(other, filler(other, m))
                argv += _as_args(param, [value])
                argv += guards(leaf, m)
                runs.append(Invocation(leaf, f"{param.name} = {why}", argv))
        if not any(r.leaf is leaf for r in runs):  # no parameter to spoil: run it as it is
            argv = list(leaf.words)
            for other in required:
                argv += _as_args(other, filler(other, m))
            runs.append(Invocation(leaf, "as it is", argv + guards(leaf, m)))
    return runs


def _as_args(param: Any, values: list[str]) -> list[str]:
    if _is_option(param):
        return [param.opts[0], *values]
    return values
