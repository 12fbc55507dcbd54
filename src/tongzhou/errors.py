"""Errors a user can act on. The CLI prints them and exits with status 2."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input (a malformed file, an invalid field, a wrong key): nothing was written.

    The message names what was wrong and where (file, field path) so the user can fix it.
    """


class BackendCrashError(RuntimeError):
    """A native library (llama.cpp, ...) died in the child process that ran it; the CLI exits with status 3.

    The parent process is unharmed and has written nothing half-way: an evaluation run is left
    ``partial`` and can be resumed. The message names the library, the signal and the fix (zh/en).
    """

    def __init__(self, message: str, *, library: str, signal: str | None, returncode: int) -> None:
        super().__init__(message)
        self.library = library
        """The library that crashed, e.g. ``llama.cpp (llama-cpp-python 0.3.36)``."""
        self.signal = signal
        """``SIGILL``, ``SIGSEGV``, ... or None when the child exited with a status instead."""
        self.returncode = returncode
        """The child's exit status as :mod:`subprocess` reports it (negative for a signal)."""
