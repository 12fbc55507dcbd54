"""CPU and DRAM energy from Linux RAPL powercap counters (``/sys/class/powercap/intel-rapl:N[:M]``).

Rules (see docs/standards/energy.md and the kernel's powercap documentation,
https://www.kernel.org/doc/html/latest/power/powercap/powercap.html):

* ``energy_uj`` is a cumulative counter that wraps at ``max_energy_range_uj``; a reading
  lower than the previous one means one wrap, so the delta is ``now - before + max_range``
  (as Zeus and CodeCarbon do). A window longer than one wrap period would lose wraps, so
  open probes are polled by one shared background thread (``POLL_SECONDS``).
* Domains nest: ``psys`` (whole SoC/platform) contains the packages; a ``package-N`` contains
  its ``core`` and ``uncore`` subzones. Parent and child are never summed. ``dram`` is a
  separate power plane (not part of ``package`` energy), so it is added to the packages.
* ``intel-rapl-mmio:*`` zones repeat the MSR package domain through MMIO; they are skipped.
* Since Linux 5.10 ``energy_uj`` is readable by root only; unreadable zones are reported,
  not guessed.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tongzhou.energy._meter import Method

DEFAULT_ROOT = Path("/sys/class/powercap")
POLL_SECONDS = 10.0
"""How often open probes re-read their counters so no wrap is missed (AMD's 32-bit counter
at 15.3 µJ units wraps after ~65 kJ, i.e. ~5 minutes at 200 W)."""


@dataclass(frozen=True)
class RaplDomain:
    """One powercap zone."""

    zone: str
    """Directory name, e.g. ``intel-rapl:0`` or ``intel-rapl:0:2``."""
    name: str
    """Contents of ``name``: ``package-0``, ``core``, ``uncore``, ``dram``, ``psys``."""
    path: Path
    max_range_uj: int
    """``max_energy_range_uj``: the counter wraps after this value."""

    @property
    def parent_zone(self) -> str | None:
        """The zone this one is nested in (``intel-rapl:0`` for ``intel-rapl:0:2``), if any."""
        parts = self.zone.split(":")
        return ":".join(parts[:-1]) if len(parts) > 2 else None

    def read_uj(self) -> int:
        """Read ``energy_uj`` now."""
        return int((self.path / "energy_uj").read_text().strip())


@dataclass(frozen=True)
class RaplDiscovery:
    """What was found under the powercap root."""

    counted: tuple[RaplDomain, ...]
    """Domains whose energy is summed (no parent and child both)."""
    skipped: tuple[tuple[str, str], ...]
    """(zone, why) for every zone not counted."""

    @property
    def covers(self) -> tuple[str, ...]:
        """Machine parts the counted domains account for."""
        names = {d.name for d in self.counted}
        parts: list[str] = []
        if names & {"psys"} or any(n.startswith("package") for n in names):
            parts.append("cpu")
        if "psys" in names or "dram" in names:
            parts.append("dram")
        return tuple(parts)


def wrap_delta(before_uj: int, now_uj: int, max_range_uj: int) -> int:
    """Energy between two readings of one counter, allowing for one wrap at ``max_range_uj``."""
    if now_uj >= before_uj:
        return now_uj - before_uj
    return now_uj + max_range_uj - before_uj


def discover(root: Path = DEFAULT_ROOT) -> RaplDiscovery:
    """Find the readable RAPL zones under ``root`` and choose which to sum without double counting.

    psys, when readable, is the whole platform and is counted alone. Otherwise every
    top-level ``package-*`` zone and every ``dram`` zone (top-level or nested) is counted;
    ``core``, ``uncore`` and other package subzones are skipped as parts of their package.
    """
    skipped: list[tuple[str, str]] = []
    readable: list[RaplDomain] = []
    if not root.is_dir():
        return RaplDiscovery((), ((str(root), "no powercap directory"),))
    for zone_dir in sorted(root.iterdir()):
        zone = zone_dir.name
        if not zone.startswith("intel-rapl"):
            continue
        if zone.startswith("intel-rapl-mmio"):
            skipped.append((zone, "MMIO copy of an MSR package domain"))
            continue
        if ":" not in zone:  # the control type directory itself (intel-rapl)
            continue
        try:
            name = (zone_dir / "name").read_text().strip()
            max_range = int((zone_dir / "max_energy_range_uj").read_text().strip())
            domain = RaplDomain(zone, name, zone_dir, max_range)
            domain.read_uj()
        except PermissionError:
            skipped.append((zone, "energy_uj not readable (root only since Linux 5.10)"))
            continue
        except (OSError, ValueError) as exc:
            skipped.append((zone, f"unreadable: {exc}"))
            continue
        readable.append(domain)

    psys = [d for d in readable if d.name == "psys"]
    if psys:
        counted = psys
        for d in readable:
            if d not in psys:
                skipped.append((d.zone, "contained in psys"))
    else:
        counted = []
        for d in readable:
            if d.name == "dram" or (d.parent_zone is None and d.name.startswith("package")):
                counted.append(d)
            elif d.parent_zone is not None:
                skipped.append((d.zone, f"{d.name} is part of {d.parent_zone}"))
            else:
                skipped.append((d.zone, f"unknown top-level domain {d.name!r}"))
    return RaplDiscovery(tuple(counted), tuple(skipped))


class _RaplProbe:
    def __init__(self, domains: tuple[RaplDomain, ...]) -> None:
        self._domains = domains
        self._lock = threading.Lock()
        self._last = [d.read_uj() for d in domains]
        self._total_uj = [0] * len(domains)

    def poll(self) -> None:
        """Fold the counters' progress into the running totals (called by reads and the poller)."""
        with self._lock:
            for i, d in enumerate(self._domains):
                now = d.read_uj()
                self._total_uj[i] += wrap_delta(self._last[i], now, d.max_range_uj)
                self._last[i] = now

    def read(self) -> float:
        self.poll()
        return sum(self._total_uj) / 1e6

    def details(self) -> dict[str, Any]:
        return {
            "domains": [
                {"zone": d.zone, "name": d.name, "joules": t / 1e6}
                for d, t in zip(self._domains, self._total_uj, strict=True)
            ]
        }


class _Poller:
    """One daemon thread for the whole process that polls every open RAPL probe."""

    def __init__(self) -> None:
        self._probes: weakref.WeakSet[_RaplProbe] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, probe: _RaplProbe) -> None:
        with self._lock:
            self._probes.add(probe)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tongzhou-rapl-poll", daemon=True)
                self._thread.start()

    def discard(self, probe: _RaplProbe) -> None:
        with self._lock:
            self._probes.discard(probe)

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(POLL_SECONDS):
            with self._lock:
                probes = list(self._probes)
            for p in probes:
                with contextlib.suppress(OSError):  # a zone vanished: the window's next read reports it
                    p.poll()


_POLLER = _Poller()


class _PolledProbe:
    """A RAPL probe registered with the poller until its window closes."""

    def __init__(self, domains: tuple[RaplDomain, ...]) -> None:
        self._inner = _RaplProbe(domains)
        _POLLER.add(self._inner)

    def read(self) -> float:
        return self._inner.read()

    def close(self) -> None:
        _POLLER.discard(self._inner)

    def details(self) -> dict[str, Any]:
        return self._inner.details()


class RaplMeter:
    """Measured CPU (and DRAM where exposed) energy from RAPL powercap counters."""

    name = "rapl"
    method: Method = "measured"

    def __init__(self, root: Path = DEFAULT_ROOT, discovery: RaplDiscovery | None = None) -> None:
        self.root = root
        self.discovery = discovery or discover(root)
        self.covers: tuple[str, ...] = self.discovery.covers

    @property
    def available(self) -> bool:
        """True when at least one domain can be read."""
        return bool(self.discovery.counted)

    def open(self) -> _PolledProbe:
        """Read every counted domain now and keep polling it until the probe is closed."""
        return _PolledProbe(self.discovery.counted)
