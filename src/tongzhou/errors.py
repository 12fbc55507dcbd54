"""Errors a user can act on. The CLI prints them and exits with status 2."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input (a malformed file, an invalid field, a wrong key): nothing was written.

    The message names what was wrong and where (file, field path) so the user can fix it.
    """
