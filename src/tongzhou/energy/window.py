"""Energy windows: ``with measure("name") as window:`` or ``@measure("name")``.

A window opens a probe on every meter (counters read at the start), and at the end reads
them again. Figures are the machine-wide energy over the window, like the counters
themselves. The meters are found once per process (:func:`default_meters`).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from tongzhou.energy import estimate, nvml, rapl
from tongzhou.energy._meter import Meter, Method, Probe
from tongzhou.energy.factors import footprint

P = ParamSpec("P")
R = TypeVar("R")

_DISCOVERY_LOCK = threading.Lock()
_DISCOVERED: dict[str, Any] = {}


def default_meters() -> tuple[Meter, ...]:
    """The meters this machine offers, found once per process.

    NVML for GPUs whose energy counter answers; RAPL for CPU packages (and DRAM where
    exposed) when its counters are readable; otherwise the TDP estimate for the CPU, and the
    RAM estimate for memory that no counter covers.
    """
    with _DISCOVERY_LOCK:
        if "meters" in _DISCOVERED:
            meters: tuple[Meter, ...] = _DISCOVERED["meters"]
            return meters
        found: list[Meter] = []
        not_covered: list[str] = []
        gpu = nvml.NvmlMeter()
        if gpu.available:
            found.append(gpu)
        not_covered += [f"{dev}: {why}" for dev, why in gpu.discovery.skipped]
        cpu = rapl.RaplMeter()
        covered: set[str] = set()
        if cpu.available:
            found.append(cpu)
            covered |= set(cpu.covers)
        if "cpu" not in covered:
            found.append(estimate.CpuTdpEstimate())
        if "dram" not in covered:
            found.append(estimate.RamEstimate())
        _DISCOVERED["meters"] = tuple(found)
        _DISCOVERED["not_covered"] = tuple(not_covered)
        _DISCOVERED["why"] = {
            "nvml": gpu.discovery.error or ("ok" if gpu.available else "no GPU with an energy counter"),
            "rapl": "ok" if cpu.available else "; ".join(f"{z}: {w}" for z, w in cpu.discovery.skipped),
        }
        return tuple(found)


def meter_report() -> dict[str, Any]:
    """Which meters this process uses, and why the others are not used."""
    meters = default_meters()
    return {
        "meters": [{"name": m.name, "method": m.method, "covers": list(m.covers)} for m in meters],
        "why": dict(_DISCOVERED.get("why", {})),
        "not_covered": list(_DISCOVERED.get("not_covered", ())),
    }


def reset_meters() -> None:
    """Forget the meters found, so the next window looks again (tests, hot-plugged devices)."""
    with _DISCOVERY_LOCK:
        _DISCOVERED.clear()


class EnergyWindow:
    """The energy of one stretch of work, by meter, with method and provenance."""

    def __init__(self, name: str, meters: Sequence[Meter]) -> None:
        self.name = name
        self._meters = tuple(meters)
        self._probes: list[Probe] = []
        self._t0 = 0.0
        self._t1: float | None = None
        self._joules_by_meter: list[float] = []
        self.started_at: datetime | None = None
        self.finished_at: datetime | None = None
        self.tokens: int | None = None
        """Tokens generated in the window, if the caller recorded them (:meth:`record`)."""
        self.queries: int | None = None
        """Queries (requests, evaluation items) served in the window, if recorded."""

    # -- life cycle -----------------------------------------------------------------------
    def start(self) -> EnergyWindow:
        """Read every meter now."""
        self.started_at = datetime.now(UTC)
        self._probes = [m.open() for m in self._meters]
        self._t0 = time.perf_counter()
        return self

    def stop(self) -> EnergyWindow:
        """Read every meter again and freeze the figures."""
        if self._t1 is not None:
            return self
        t1 = time.perf_counter()
        self._joules_by_meter = [p.read() for p in self._probes]
        self._t1 = t1
        self.finished_at = datetime.now(UTC)
        for p in self._probes:
            close = getattr(p, "close", None)
            if close is not None:
                close()
        return self

    def record(self, *, tokens: int | None = None, queries: int | None = None) -> None:
        """Add tokens generated and queries served to the window's counts."""
        if tokens is not None:
            if tokens < 0:
                raise ValueError("tokens must be non-negative")
            self.tokens = (self.tokens or 0) + tokens
        if queries is not None:
            if queries < 0:
                raise ValueError("queries must be non-negative")
            self.queries = (self.queries or 0) + queries

    # -- figures --------------------------------------------------------------------------
    def _current(self) -> list[float]:
        if self._t1 is not None:
            return self._joules_by_meter
        return [p.read() for p in self._probes]

    @property
    def joules(self) -> float:
        """Energy over the window (so far, if still open), all meters together."""
        return float(sum(self._current()))

    @property
    def seconds(self) -> float:
        """Wall-clock length of the window (so far, if still open)."""
        end = self._t1 if self._t1 is not None else time.perf_counter()
        return end - self._t0

    @property
    def method(self) -> Method:
        """``measured`` when every meter is a counter, ``estimated`` when any part is modelled."""
        return "measured" if all(m.method == "measured" for m in self._meters) else "estimated"

    @property
    def meter(self) -> str:
        """The meters used, joined with ``+`` (``rapl``, ``nvml+rapl``, ``tdp-estimate+ram-estimate``)."""
        return "+".join(m.name for m in self._meters)

    def per_token(self, tokens: int | None = None) -> float:
        """Joules per token (``tokens`` given, else the tokens recorded)."""
        n = tokens if tokens is not None else self.tokens
        if not n:
            raise ValueError("per_token needs a positive number of tokens")
        return self.joules / n

    def wh_per_1000_queries(self, queries: int | None = None) -> float:
        """Watt-hours per 1,000 queries (AI Energy Score's unit)."""
        n = queries if queries is not None else self.queries
        if not n:
            raise ValueError("wh_per_1000_queries needs a positive number of queries")
        return self.joules / 3600.0 / n * 1000.0

    def to_dict(
        self,
        country: str | None = None,
        *,
        site: str = "default",
        pue: float | None = None,
        wue_onsite: float | None = None,
    ) -> dict[str, Any]:
        """JSON-ready figures: energy by meter, method, per-token/per-query, carbon and water.

        ``country`` defaults to $TONGZHOU_GRID_COUNTRY, else CN; ``site`` picks the PUE/WUE
        profile from the factor table; ``pue``/``wue_onsite`` override it.
        """
        joules_by = self._current()
        joules = float(sum(joules_by))
        components: list[dict[str, Any]] = []
        for m, j, p in zip(self._meters, joules_by, self._probes, strict=True):
            components.append(
                {
                    "meter": m.name,
                    "method": m.method,
                    "covers": list(m.covers),
                    "joules": j,
                    "details": p.details(),
                }
            )
        measured = float(
            sum(j for m, j in zip(self._meters, joules_by, strict=True) if m.method == "measured")
        )
        result: dict[str, Any] = {
            "name": self.name,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "seconds": self.seconds,
            "joules": joules,
            "wh": joules / 3600.0,
            "kwh": joules / 3.6e6,
            "method": self.method,
            "meter": self.meter,
            "measured_joules": measured,
            "estimated_joules": joules - measured,
            "components": components,
            "not_covered": list(_DISCOVERED.get("not_covered", ())),
            "tokens": self.tokens,
            "queries": self.queries,
            "joules_per_token": joules / self.tokens if self.tokens else None,
            "wh_per_1000_queries": joules / 3.6 / self.queries if self.queries else None,
        }
        result.update(footprint(joules, country, site=site, pue=pue, wue_onsite=wue_onsite))
        return result

    def __repr__(self) -> str:
        return (
            f"EnergyWindow({self.name!r}, {self.joules:.3f} J, {self.seconds:.3f} s, "
            f"{self.method}, {self.meter})"
        )


class measure:  # noqa: N801 — reads as a verb at the call site: `with measure("x") as w`
    """Measure the energy of a block (``with measure("name") as window``) or of every call of a function.

    As a decorator, each call gets its own window; the latest is ``wrapped.last_window`` and
    ``on_close(window)`` (if given) is called with each one.
    """

    def __init__(
        self,
        name: str,
        *,
        meters: Sequence[Meter] | None = None,
        on_close: Callable[[EnergyWindow], None] | None = None,
    ) -> None:
        self.name = name
        if meters is not None and not meters:
            raise ValueError("measure() needs at least one meter (or None for this machine's meters)")
        self.meters = tuple(meters) if meters is not None else None
        self.on_close = on_close
        self._local = threading.local()  # one `with` stack per thread: a shared measure() is thread-safe

    def _stack(self) -> list[EnergyWindow]:
        stack: list[EnergyWindow] | None = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def _new_window(self) -> EnergyWindow:
        return EnergyWindow(self.name, self.meters if self.meters is not None else default_meters())

    def __enter__(self) -> EnergyWindow:
        window = self._new_window().start()
        self._stack().append(window)
        return window

    def __exit__(self, *exc: object) -> None:
        window = self._stack().pop().stop()
        if self.on_close is not None:
            self.on_close(window)

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            window = self._new_window().start()
            try:
                return func(*args, **kwargs)
            finally:
                window.stop()
                wrapper.last_window = window  # type: ignore[attr-defined]
                if self.on_close is not None:
                    self.on_close(window)

        wrapper.last_window = None  # type: ignore[attr-defined]
        return wrapper
