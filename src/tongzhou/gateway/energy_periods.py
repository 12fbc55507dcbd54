"""Energy per gateway period: J/token and Wh/1,000 queries of this machine, from ``tongzhou.energy``.

The meters (RAPL, NVML, or the energy module's labelled estimate) read the whole
machine, so the figure is the serving cost when the model runs on the gateway's
host, and an upper bound of the gateway's own cost when it does not. Tokens are
the upstream's ``usage.completion_tokens``; a stream without usage counts one
token per content event and says so (``tokens_method``).
"""

from __future__ import annotations

import collections
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tongzhou.energy import EnergyWindow
    from tongzhou.gateway.audit_log import AuditLog

log = logging.getLogger("tongzhou.gateway.energy")


class EnergyPeriods:
    """An energy window per period; each closed period is audited and kept for ``/governance/energy``."""

    def __init__(self, audit: AuditLog, period_seconds: float) -> None:
        self.audit = audit
        self.period_seconds = period_seconds
        self.recent: collections.deque[dict[str, Any]] = collections.deque(maxlen=96)
        self._window: EnergyWindow | None = None
        self._estimated_tokens = False

    def start(self) -> None:
        """Open the first window (meters that cannot be read fall back to the energy module's estimate)."""
        try:
            from tongzhou.energy import EnergyWindow, default_meters

            self._window = EnergyWindow("gateway-period", default_meters()).start()
        except Exception as exc:  # energy is optional: serving must not depend on a meter
            log.warning("energy metering unavailable: %s", exc)
            self._window = None

    def record(self, completion_tokens: int | None, *, estimated: bool = False) -> None:
        """One generated response and its tokens."""
        if self._window is None:
            return
        self._window.record(tokens=max(0, completion_tokens or 0), queries=1)
        self._estimated_tokens = self._estimated_tokens or estimated

    def close_period(self) -> dict[str, Any] | None:
        """Close the current window, audit it, open the next; return the period's figures."""
        window = self._window
        if window is None:
            return None
        window.stop()
        tokens, queries = window.tokens or 0, window.queries or 0
        period: dict[str, Any] = {
            "started_at": window.started_at.isoformat() if window.started_at else None,
            "seconds": round(window.seconds, 3),
            "joules": round(window.joules, 3),
            "method": window.method,
            "meter": window.meter,
            "tokens": tokens,
            "tokens_method": "stream-events" if self._estimated_tokens else "usage",
            "queries": queries,
            "joules_per_token": round(window.per_token(), 6) if tokens else None,
            "wh_per_1000_queries": round(window.wh_per_1000_queries(), 6) if queries else None,
        }
        self.recent.append(period)
        self.audit.append("energy", period)
        self._estimated_tokens = False
        self.start()
        return period
