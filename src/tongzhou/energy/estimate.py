"""Estimated CPU and RAM energy for machines without readable counters (most VMs).

Always labelled ``estimated``. The model, and why:

* CPU: ``P = TDP × (IDLE_FRACTION + (1 − IDLE_FRACTION) × u)`` where ``u`` is the machine-wide
  CPU utilisation over the window from ``/proc/stat`` (busy jiffies ÷ all jiffies). The idle
  floor of 10 % of TDP and full load at TDP follow the model in docs/standards/energy.md
  (``TDP × (0.1 + 0.9·load³)``); we keep the load term linear so that the mean load of a
  window gives the exact mean power of the model (the cube of a mean is not the mean of cubes)
  and because measured server power curves (SPECpower_ssj2008 results) rise roughly linearly
  with load. TDP defaults to 85 W for an unknown CPU (same reference); override with
  ``TONGZHOU_CPU_TDP_W``. Where ``/proc/stat`` is absent, the process's own CPU time is used.
* RAM: ``P = 0.375 W per GB`` of installed memory (CodeCarbon methodology: 3 W per 8 GB),
  override with ``TONGZHOU_RAM_W_PER_GB``.

Like RAPL, the estimate is machine-wide: it attributes the whole machine's power during
the window to the window.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from tongzhou.energy._meter import Method

DEFAULT_CPU_TDP_W = 85.0
IDLE_FRACTION = 0.1
DEFAULT_RAM_W_PER_GB = 0.375
PROC_STAT = Path("/proc/stat")
PROC_MEMINFO = Path("/proc/meminfo")


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value > 0 else default


def _cpu_jiffies(stat: Path = PROC_STAT) -> tuple[int, int] | None:
    """(busy, total) jiffies across all CPUs, or None if /proc/stat cannot be read."""
    try:
        with open(stat, "rb") as fh:
            first = fh.readline().split()
    except OSError:
        return None
    if not first or first[0] != b"cpu":
        return None
    values = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values)
    return total - idle, total


def installed_memory_gb(meminfo: Path = PROC_MEMINFO) -> float:
    """Total memory in GB (10^9 bytes) from /proc/meminfo, falling back to sysconf."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024 / 1e9
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        return 0.0


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the model runs in one: tongzhou.model_runtime)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class _CpuProbe:
    def __init__(self, tdp_w: float, stat: Path) -> None:
        self._tdp = tdp_w
        self._stat = stat
        self._t0 = time.perf_counter()
        self._j0 = _cpu_jiffies(stat)
        self._p0 = _cpu_seconds()
        self._load = 0.0
        self._source = "/proc/stat"

    def read(self) -> float:
        dt = time.perf_counter() - self._t0
        j1 = _cpu_jiffies(self._stat)
        if self._j0 is not None and j1 is not None and j1[1] > self._j0[1]:
            self._load = (j1[0] - self._j0[0]) / (j1[1] - self._j0[1])
            self._source = "/proc/stat"
        else:  # window shorter than one jiffy, or no /proc: the CPU time of this process and its children
            cpus = os.cpu_count() or 1
            self._load = (_cpu_seconds() - self._p0) / (dt * cpus) if dt > 0 else 0.0
            self._source = "process CPU time"
        self._load = min(max(self._load, 0.0), 1.0)
        return self._tdp * (IDLE_FRACTION + (1 - IDLE_FRACTION) * self._load) * dt

    def details(self) -> dict[str, Any]:
        return {
            "model": "TDP x (0.1 + 0.9 x utilisation)",
            "tdp_w": self._tdp,
            "utilisation": round(self._load, 4),
            "utilisation_source": self._source,
        }


class CpuTdpEstimate:
    """Estimated CPU energy: TDP × utilisation model."""

    name = "tdp-estimate"
    method: Method = "estimated"
    covers: tuple[str, ...] = ("cpu",)

    def __init__(self, tdp_w: float | None = None, stat: Path = PROC_STAT) -> None:
        self.tdp_w = tdp_w if tdp_w is not None else _env_float("TONGZHOU_CPU_TDP_W", DEFAULT_CPU_TDP_W)
        self._stat = stat

    def open(self) -> _CpuProbe:
        """Note the time and CPU counters now."""
        return _CpuProbe(self.tdp_w, self._stat)


class _RamProbe:
    def __init__(self, watts: float, gb: float, w_per_gb: float) -> None:
        self._watts = watts
        self._gb = gb
        self._w_per_gb = w_per_gb
        self._t0 = time.perf_counter()

    def read(self) -> float:
        return self._watts * (time.perf_counter() - self._t0)

    def details(self) -> dict[str, Any]:
        return {
            "model": "W per GB x installed GB",
            "w_per_gb": self._w_per_gb,
            "memory_gb": round(self._gb, 3),
        }


class RamEstimate:
    """Estimated DRAM energy: watts per GB of installed memory."""

    name = "ram-estimate"
    method: Method = "estimated"
    covers: tuple[str, ...] = ("dram",)

    def __init__(self, w_per_gb: float | None = None, memory_gb: float | None = None) -> None:
        self.w_per_gb = (
            w_per_gb if w_per_gb is not None else _env_float("TONGZHOU_RAM_W_PER_GB", DEFAULT_RAM_W_PER_GB)
        )
        self.memory_gb = memory_gb if memory_gb is not None else installed_memory_gb()

    def open(self) -> _RamProbe:
        """Note the time now."""
        return _RamProbe(self.w_per_gb * self.memory_gb, self.memory_gb, self.w_per_gb)
