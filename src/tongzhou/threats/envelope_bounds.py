"""How much one Add Objects request may ask of the server (issue 20): objects, pattern text, and
the failures its Status lists. Checked before any object is validated.

Measured peak memory for the worst envelopes is in docs/threats.md
(``benchmarks/taxii_envelope_memory.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_OBJECTS_PER_ENVELOPE = 10_000
"""Most objects one Add Objects request may carry (more → :class:`EnvelopeTooLarge`, HTTP 413).

A 10 MiB envelope of 5.2 M non-objects (``[0,0,…]``) used to be validated one by one and kept as a
262 MB Status row (issue 20); 10,000 objects of real content are ~3–10 MB, the default body limit."""
MAX_PATTERN_CHARS_PER_ENVELOPE = 256 * 1024
"""Most characters of indicator ``pattern`` one Add Objects request may carry (more → 413).

stix2's pattern grammar costs ~20 µs of CPU per character (measured: a 100-term ``OR`` pattern of
4,186 characters, 97 ms); 600 such indicators, 2.1 MB, took 44.8 s of one request (issue 20).
This bound keeps one request's pattern checks to ~5 s of one core."""
MAX_STATUS_FAILURES = 100
"""Failure details kept in a Status (``failure_count`` still counts every failure): a summarised
Status, which TAXII 2.1 §4.3 allows, keeps each Status row and each GET of it small."""


class EnvelopeTooLarge(ValueError):
    """An Add Objects request that asks more than one request may (→ 413); the message says what."""


def pattern_chars(objects: Sequence[Any]) -> int:
    """Characters of every string ``pattern`` in ``objects`` (what stix2's pattern checks cost)."""
    total = 0
    for obj in objects:
        if isinstance(obj, dict):
            pattern = obj.get("pattern")
            if isinstance(pattern, str):
                total += len(pattern)
    return total


def check_envelope(objects: Sequence[Any], max_objects: int = MAX_OBJECTS_PER_ENVELOPE) -> None:
    """:class:`EnvelopeTooLarge` when ``objects`` exceed ``max_objects`` or the pattern budget."""
    if len(objects) > max_objects:
        raise EnvelopeTooLarge(
            f"{len(objects)} objects in one request; this server takes at most {max_objects}: "
            "post them in several envelopes"
        )
    chars = pattern_chars(objects)
    if chars > MAX_PATTERN_CHARS_PER_ENVELOPE:
        raise EnvelopeTooLarge(
            f"the indicator patterns of this request hold {chars} characters; this server checks "
            f"at most {MAX_PATTERN_CHARS_PER_ENVELOPE} per request: post them in several envelopes"
        )
