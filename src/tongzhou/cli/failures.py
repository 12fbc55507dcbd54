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

from tongzhou.errors import ExitCode, TongzhouError

DEBUG_ENV = "TONGZHOU_DEBUG"
"""Set to 1 to print the traceback of every failure (the same as ``tongzhou --debug``)."""

INTERRUPTED_LINE = "interrupted / 已中断"


@dataclass(frozen=True)
class Failure:
    """A failure as the user sees it: one line and an exit status."""

    message: str
    exit_code: ExitCode


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
        return Failure(f"connection failed: {exc.strerror or exc} / 连接失败", ExitCode.UNREACHABLE)
    if isinstance(exc, IsADirectoryError):
        return Failure(f"{path} is a directory; give a file / {path} 是目录，请给出文件", ExitCode.BAD_INPUT)
    if isinstance(exc, NotADirectoryError):
        return Failure(
            f"{path}: a part of the path is a file, not a directory / 路径中有一部分不是目录",
            ExitCode.BAD_INPUT,
        )
    if isinstance(exc, FileNotFoundError):
        return Failure(f"no such file or directory: {path} / 文件或目录不存在", ExitCode.BAD_INPUT)
    if isinstance(exc, PermissionError):
        return Failure(f"permission denied: {path} / 没有权限", ExitCode.BAD_INPUT)
    if exc.errno == errno.ENOSPC:
        return Failure(f"no space left on the device writing {path} / 磁盘空间不足", ExitCode.BAD_INPUT)
    reason = exc.strerror or type(exc).__name__
    return Failure(f"{path}: {reason} / 文件操作失败", ExitCode.BAD_INPUT)


def _from_library(exc: BaseException) -> Failure | None:
    """Exceptions of libraries we call, recognised by their module without importing the library."""
    module = type(exc).__module__.split(".")[0]
    name = type(exc).__name__
    if module in ("requests", "httpx", "urllib3", "aiohttp", "httpcore"):
        if "Timeout" in name or "Connect" in name:
            return Failure(
                f"cannot reach the server ({name}): is it running, and is the address right? "
                "/ 无法连接服务器",
                ExitCode.UNREACHABLE,
            )
        return Failure(f"the request failed ({name}: {exc}) / 请求失败", ExitCode.UNREACHABLE)
    if module == "pydantic" and name == "ValidationError":
        first = str(exc).splitlines()
        detail = "; ".join(line.strip() for line in first[1:3]) if len(first) > 1 else str(exc)
        return Failure(f"invalid input: {detail} / 输入无效", ExitCode.BAD_INPUT)
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
        return Failure(
            f"a file is not UTF-8 text ({exc.reason} at byte {exc.start}); give a text file "
            "/ 文件不是 UTF-8 文本",
            ExitCode.BAD_INPUT,
        )
    if isinstance(exc, OverflowError):
        return Failure(
            f"a number or date is out of range ({exc}); give a smaller value / 数值或日期超出范围",
            ExitCode.BAD_INPUT,
        )
    if isinstance(exc, RecursionError):
        return Failure("the input is nested too deeply / 输入嵌套过深", ExitCode.BAD_INPUT)
    if isinstance(exc, MemoryError):
        return Failure("out of memory: try a smaller input / 内存不足", ExitCode.BAD_INPUT)
    return Failure(
        f"internal error ({type(exc).__name__}: {exc}). This is a bug in Tongzhou: rerun with "
        f"--debug (or {DEBUG_ENV}=1) for the traceback and report it / 内部错误，请用 --debug 重试并报告",
        ExitCode.INTERNAL,
    )
