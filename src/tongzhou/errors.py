"""Errors a user can act on, and the exit status each one gives (docs/cli.md has the table).

Every failure the software expects derives from :class:`TongzhouError` and carries its
:class:`ExitCode`; the CLI prints it as one ``error:`` line. The message names what was wrong and
where (file, field path, URL, value) and what to do, in English and, where a user reads it, Chinese.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit statuses of ``tongzhou``; stable, so scripts and CI can act on them."""

    OK = 0
    """Done; a check's verdict is pass."""
    CHECK_FAILED = 1
    """A check ran and its verdict is fail (a label, an attestation, a bank, a library, an audit log)."""
    BAD_INPUT = 2
    """Bad input or usage (a missing or malformed file, a directory for a file, a value out of range,
    an unknown id, a wrong key or passphrase): nothing was written."""
    PARTIAL = 3
    """The command ran but some of its work failed (items with errors, files not labelled)."""
    UNREACHABLE = 4
    """A server could not be reached, or it refused the request or the credentials."""
    INTERNAL = 70
    """A bug in Tongzhou (EX_SOFTWARE): rerun with ``--debug`` and report the traceback."""
    INTERRUPTED = 130
    """Interrupted by Ctrl-C (SIGINT): 128 + 2, as shells report it."""
    TERMINATED = 143
    """Stopped by SIGTERM (128 + 15); work in progress was recorded as partial first."""


class TongzhouError(Exception):
    """Base of every error the software expects; ``exit_code`` is what the CLI exits with.

    ``zh`` is the Chinese wording of the message when the user reads it in both languages.
    """

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh

    def bilingual(self) -> str:
        """The message, followed by `` / `` and the Chinese wording when there is one."""
        return f"{self} / {self.zh}" if self.zh else str(self)


class InputError(TongzhouError, ValueError):
    """Bad input (a malformed file, an invalid field, a wrong key): nothing was written.

    The message names what was wrong and where (file, field path) so the user can fix it.
    """


class RemoteError(TongzhouError):
    """A server could not be reached, refused the credentials, or answered with an error."""

    exit_code = ExitCode.UNREACHABLE


class PartialFailure(TongzhouError):
    """Part of the work failed; what succeeded is kept (and, where it says so, resumable)."""

    exit_code = ExitCode.PARTIAL


class BackendCrashError(TongzhouError, RuntimeError):
    """A native library (llama.cpp, ...) died in the child process that ran it; exit status 3 (partial).

    The parent process is unharmed and has written nothing half-way: an evaluation run is left
    ``partial`` and can be resumed. The message names the library, the signal and the fix (zh/en).
    """

    exit_code = ExitCode.PARTIAL

    def __init__(self, message: str, *, library: str, signal: str | None, returncode: int) -> None:
        super().__init__(message)
        self.library = library
        """The library that crashed, e.g. ``llama.cpp (llama-cpp-python 0.3.36)``."""
        self.signal = signal
        """``SIGILL``, ``SIGSEGV``, ... or None when the child exited with a status instead."""
        self.returncode = returncode
        """The child's exit status as :mod:`subprocess` reports it (negative for a signal)."""


class Interrupted(TongzhouError):
    """The user pressed Ctrl-C; the message says what was kept and how to go on."""

    exit_code = ExitCode.INTERRUPTED


class Terminated(BaseException):
    """Raised by the CLI's SIGTERM handler, so that ``finally`` blocks record work as partial.

    A :class:`BaseException`, like :class:`KeyboardInterrupt`: ``except Exception`` must not swallow it.
    """
