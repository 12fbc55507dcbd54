"""Errors a user can act on, and the exit status each one gives (docs/cli.md has the table).

Every failure the software expects derives from :class:`TongzhouError` and carries its
:class:`ExitCode`; the CLI prints it as one ``error:`` line. The message names what was wrong and
where (file, field path, URL, value) and what to do, in English and, where a user reads it, Chinese:
:meth:`TongzhouError.of` takes the Chinese from the shared catalog (:mod:`tongzhou.messages`).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Self


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

    A message the user reads in both languages is made with :meth:`of`: an English template from
    the shared catalog (:mod:`tongzhou.messages`) and its values; its Chinese comes from the catalog.
    ``zh=`` (a Chinese text given whole) is still accepted, but no code of the package writes one:
    tests/test_messages.py fails on it, so that every Chinese wording lives in the catalog.
    """

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self._zh = zh
        self.template: str | None = None
        """The English catalog message the text was made from (``{name}`` fields unfilled), if any."""
        self.values: dict[str, Any] = {}
        """The values of the template's fields."""

    @classmethod
    def of(cls, template: str, /, **values: Any) -> Self:
        """The error whose English is ``template`` with ``values`` filled in and whose Chinese is the
        catalog's wording of ``template`` (Babel extracts ``of("…")``: see :mod:`tongzhou.messages`).

        For the classes whose constructor takes the message alone; the others (a ReportProblem, a
        ConsultationError) set ``template`` and ``values`` in their own constructor."""
        error = cls(template.format(**values) if values else template)
        error.catalogued(template, values)
        return error

    def catalogued(self, template: str, values: dict[str, Any]) -> None:
        """Take the Chinese from the catalog's entry for ``template`` (looked up when it is read)."""
        self.template, self.values = template, values

    @property
    def zh(self) -> str | None:
        """The Chinese wording, when the user reads the message in both languages."""
        if self._zh is None and self.template is not None:
            from tongzhou.messages import catalog, translate

            try:
                if catalog().get(self.template) is None:
                    return None
                return translate("zh", self.template, **self.values)  # an error among the values in zh too
            except Exception:  # an unreadable catalog must not turn an error into a traceback:
                return None  # the English alone (tests/test_messages.py reads the catalog and fails loudly)
        return self._zh

    def bilingual(self) -> str:
        """The message, followed by `` / `` and the Chinese wording when there is one."""
        zh = self.zh
        return f"{self} / {zh}" if zh else str(self)


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
