"""What every meter offers: a probe opened at the start of a window and read at its end."""

from __future__ import annotations

from typing import Any, Literal, Protocol

Method = Literal["measured", "estimated"]


class Probe(Protocol):
    """One meter's view of one window: joules since it was opened."""

    def read(self) -> float:
        """Energy in joules since the probe was opened (monotonic; counter wraps already handled)."""
        ...

    def details(self) -> dict[str, Any]:
        """What was read and how (domains, devices, assumptions) — JSON-ready."""
        ...


class Meter(Protocol):
    """A source of energy figures for one part of the machine (CPU package, DRAM, GPU...)."""

    name: str
    """Short id shown with every figure: ``rapl``, ``nvml``, ``tdp-estimate``, ``ram-estimate``."""
    method: Method
    """``measured`` (a hardware counter) or ``estimated`` (a model)."""
    covers: tuple[str, ...]
    """Parts of the machine this meter accounts for: ``cpu``, ``dram``, ``gpu``."""

    def open(self) -> Probe:
        """Start a probe (read the counters now)."""
        ...
