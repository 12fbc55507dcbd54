"""What the CLI prints, and the status it exits with, when a command fails (table in docs/cli.md).

One ``error:`` line per failure, never a traceback unless ``--debug`` (or ``TONGZHOU_DEBUG=1``).
Our own errors (:class:`~tongzhou.errors.TongzhouError`) carry their message and exit code; the few
kinds of exception that third-party code raises for a user's mistake (a directory where a file was
wanted, a number out of range, a server that does not answer) are worded here, naming the path or
value. Anything else is a bug: it says so and how to get the traceback.

Kept free of heavy imports: it is loaded before any command runs.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from typing import Any

from tongzhou.errors import ExitCode, TongzhouError

DEBUG_ENV = "TONGZHOU_DEBUG"
"""Set to 1 to print the traceback of every failure (the same as ``tongzhou --debug``)."""

INTERRUPTED_LINE = "interrupted / 已中断"


@dataclass(frozen=True)
class Failure:
    """A failure as the user sees it: one line and an exit status."""

    message: str
    exit_code: ExitCode

    @classmethod
    def of(cls, template: str, exit_code: ExitCode, /, **values: Any) -> Failure:
        """``english / 中文``: ``template`` with ``values``, then its Chinese from the shared catalog."""
        return cls(TongzhouError.of(template, **values).bilingual(), exit_code)


def split_debug(argv: list[str]) -> tuple[list[str], bool]:
    """``argv`` without ``--debug``, and whether debugging was asked for.

    ``--debug`` counts anywhere before a ``--`` (no command has an option of that name, and a user
    who meets an error adds it at the end); ``TONGZHOU_DEBUG`` set to a true value counts too.
    """
    cut = argv.index("--") if "--" in argv else len(argv)
    asked = "--debug" in argv[:cut]
    rest = [arg for arg in argv[:cut] if arg != "--debug"] + argv[cut:]
    from_env = os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")
    return rest, asked or from_env


def _path_of(exc: OSError) -> str:
    return str(exc.filename) if exc.filename is not None else "the path"


def _os_failure(exc: OSError) -> Failure:
    path = _path_of(exc)
    if isinstance(exc, ConnectionError):
        return Failure.of("connection failed: {reason}", ExitCode.UNREACHABLE, reason=exc.strerror or exc)
    if isinstance(exc, IsADirectoryError):
        return Failure.of("{path} is a directory; give a file", ExitCode.BAD_INPUT, path=path)
    if isinstance(exc, NotADirectoryError):
        return Failure.of(
            "{path}: a part of the path is a file, not a directory", ExitCode.BAD_INPUT, path=path
        )
    if isinstance(exc, FileNotFoundError):
        return Failure.of("no such file or directory: {path}", ExitCode.BAD_INPUT, path=path)
    if isinstance(exc, PermissionError):
        return Failure.of("permission denied: {path}", ExitCode.BAD_INPUT, path=path)
    if exc.errno == errno.ENOSPC:
        return Failure.of("no space left on the device writing {path}", ExitCode.BAD_INPUT, path=path)
    reason = exc.strerror or type(exc).__name__
    return Failure.of("{path}: {reason}", ExitCode.BAD_INPUT, path=path, reason=reason)


def _from_library(exc: BaseException) -> Failure | None:
    """Exceptions of libraries we call, recognised by their module without importing the library."""
    module = type(exc).__module__.split(".")[0]
    name = type(exc).__name__
    if module in ("requests", "httpx", "urllib3", "aiohttp", "httpcore"):
        if "Timeout" in name or "Connect" in name:
            return Failure.of(
                "cannot reach the server ({name}): is it running, and is the address right?",
                ExitCode.UNREACHABLE,
                name=name,
            )
        return Failure.of(
            "the request failed ({name}: {reason})", ExitCode.UNREACHABLE, name=name, reason=exc
        )
    if module == "pydantic" and name == "ValidationError":
        first = str(exc).splitlines()
        detail = "; ".join(line.strip() for line in first[1:3]) if len(first) > 1 else str(exc)
        return Failure.of("invalid input: {detail}", ExitCode.BAD_INPUT, detail=detail)
    if module == "tongzhou" and isinstance(exc, ValueError | LookupError):
        # A domain error of ours not yet under TongzhouError (a key ring, a halt order, an envelope).
        return Failure(str(exc), ExitCode.BAD_INPUT)
    return None


def describe(exc: BaseException) -> Failure:
    """The line and exit status for ``exc`` (see the table in docs/cli.md)."""
    if isinstance(exc, KeyboardInterrupt):
        return Failure(INTERRUPTED_LINE, ExitCode.INTERRUPTED)
    if isinstance(exc, TongzhouError):
        return Failure(exc.bilingual(), exc.exit_code)
    library = _from_library(exc)
    if library is not None:
        return library
    if isinstance(exc, OSError):
        return _os_failure(exc)
    if isinstance(exc, UnicodeDecodeError):
        return Failure.of(
            "a file is not UTF-8 text ({reason} at byte {start}); give a text file",
            ExitCode.BAD_INPUT,
            reason=exc.reason,
            start=exc.start,
        )
    if isinstance(exc, OverflowError):
        return Failure.of(
            "a number or date is out of range ({reason}); give a smaller value",
            ExitCode.BAD_INPUT,
            reason=exc,
        )
    if isinstance(exc, RecursionError):
        return Failure.of("the input is nested too deeply", ExitCode.BAD_INPUT)
    if isinstance(exc, MemoryError):
        return Failure.of("out of memory: try a smaller input", ExitCode.BAD_INPUT)
    return Failure.of(
        "internal error ({kind}: {reason}). This is a bug in Tongzhou: rerun with "
        "--debug (or {debug_env}=1) for the traceback and report it",
        ExitCode.INTERNAL,
        kind=type(exc).__name__,
        reason=exc,
        debug_env=DEBUG_ENV,
    )
