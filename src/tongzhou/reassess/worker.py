"""The tick in a background thread, for a long-running process (the portal's workers).

Every ``every_s`` seconds it runs :func:`tongzhou.reassess.tick.run_tick` for today. Any number of
processes may run one: the database lease lets one tick through at a time, and the tick is
idempotent, so the others find nothing to do. A failing tick is logged and tried again at the next
interval; it never takes the host process down.
"""

from __future__ import annotations

import logging
import threading

from tongzhou.store import Store

log = logging.getLogger("tongzhou.reassess")
EVERY_ENV = "TONGZHOU_REASSESS_EVERY"
"""Seconds between ticks in the portal's workers (unset or 0: no worker; cron or a timer runs the tick)."""


class TickWorker(threading.Thread):
    """Runs the tick every ``every_s`` seconds until :meth:`stop`."""

    def __init__(self, store: Store, every_s: float, *, run_evaluations: bool = True) -> None:
        super().__init__(name="tongzhou-reassess-tick", daemon=True)
        self.store = store
        self.every_s = every_s
        self.run_evaluations = run_evaluations
        self.ticks = 0
        self._stopping = threading.Event()

    def run(self) -> None:
        from tongzhou.reassess.tick import run_tick

        while not self._stopping.is_set():
            try:
                report = run_tick(self.store, run_evaluations=self.run_evaluations)
                self.ticks += 1
                if report.ran and not report.nothing_new:
                    log.info(
                        "re-assessment tick: reviewed %d, alerts %d", len(report.assessed), len(report.alerts)
                    )
            except Exception:  # noqa: BLE001 — a tick that fails must not end the portal's worker
                log.exception("re-assessment tick failed; trying again in %s s", self.every_s)
            self._stopping.wait(self.every_s)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop after the tick in progress and wait for it."""
        self._stopping.set()
        self.join(timeout)


def worker_from_env(store: Store) -> TickWorker | None:
    """A started worker when ``TONGZHOU_REASSESS_EVERY`` is a positive number of seconds, else None."""
    import os

    raw = os.environ.get(EVERY_ENV, "").strip()
    try:
        every = float(raw) if raw else 0.0
    except ValueError:
        log.error("%s=%r is not a number of seconds; no re-assessment worker", EVERY_ENV, raw)
        return None
    if every <= 0:
        return None
    worker = TickWorker(store, max(every, 60.0))
    worker.start()
    return worker
