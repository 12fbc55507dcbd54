"""STIX / TAXII timestamps as integer microseconds since the epoch (UTC).

TAXII 2.1 §3.2 wants UTC timestamps with a ``Z`` suffix; we emit microsecond precision so
``added_after`` round-trips exactly.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from functools import lru_cache

# ASCII digits only: ``\d`` alone also matches e.g. Arabic-Indic digits, which int() reads, so
# "٢٠٢٥-…" was accepted and stored as sent (issue 20).
_STIX_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z\Z", re.ASCII)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def now_us() -> int:
    """The current time in microseconds since the epoch."""
    return time.time_ns() // 1000


@lru_cache(maxsize=8192)
def parse_timestamp_us(value: str) -> int:
    """Parse ``YYYY-MM-DDTHH:MM:SS[.fff…]Z`` into microseconds; ValueError when malformed."""
    match = _STIX_TS.match(value)
    if not match:
        raise ValueError(f"not a STIX/TAXII UTC timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z): {value!r}")
    year, month, day, hour, minute, second, frac = match.groups()
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    micros = int((frac or "0")[:6].ljust(6, "0"))
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + micros


def format_timestamp_us(value: int) -> str:
    """Format microseconds as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    seconds, micros = divmod(value, 1_000_000)
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{micros:06d}Z"


def datetime_to_us(moment: datetime) -> int:
    """A timezone-aware (or UTC-naive) datetime in microseconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
