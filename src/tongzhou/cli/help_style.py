"""How the help pages read: metavars in capitals (SYSTEM_ID, PATH, INTEGER), no ``<bool>`` after a
flag, no Python types (``<list[Path]>``) — the way click-based tools and manuals write them.

Typer (0.29) labels every parameter with its Python annotation; :func:`polish` rewrites those
labels on the built commands, once, when a command group is loaded.
"""

from __future__ import annotations

from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

WORDS: dict[Any, str] = {Path: "PATH", int: "INTEGER", float: "NUMBER", str: "TEXT"}
"""The metavar of a value by its Python type."""


def _base_type(param: Any) -> Any:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None:
        return None
    annotation = descriptor.annotation
    while get_origin(annotation) in (list, tuple, Union, UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    return annotation


def polish(command: Any, *, recursive: bool = True) -> None:
    """Rewrite the help labels of ``command``'s parameters (and its subcommands'), in place."""
    _quiet_help_option(command)
    for param in getattr(command, "params", ()):
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(descriptor, "is_choice", False):
            continue
        if getattr(param, "is_flag", False) or _base_type(param) is bool:
            param.metavar = ""
            continue
        word = WORDS.get(_base_type(param), "TEXT")
        if getattr(param, "param_type_name", "") == "argument":
            if param.metavar is None:
                param.metavar = (param.name or "value").upper()
            many = param.nargs != 1
            param.display_type_rich = lambda ctx, w=word, m=many: w + ("..." if m else "")
            if param.required and hasattr(param, "_usage_display_name"):
                # Usage: `tongzhou systems show SYSTEM_ID`, as manuals write it (typer writes {system_id}).
                shown = param.metavar + ("..." if many else "")
                param._usage_display_name = lambda shown=shown: shown
        elif param.metavar is None:
            param.metavar = word
    if recursive:
        for sub in getattr(command, "commands", {}).values():
            polish(sub)


def _quiet_help_option(command: Any) -> None:
    """``--help`` is made when help is shown, not stored with the parameters: label it as it is made."""
    made = getattr(command, "get_help_option", None)
    if made is None or getattr(made, "_polished", False):
        return

    def help_option(ctx: Any) -> Any:
        option = made(ctx)
        if option is not None:
            option.metavar = ""
        return option

    help_option._polished = True  # type: ignore[attr-defined]
    command.get_help_option = help_option
