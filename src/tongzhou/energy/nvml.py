"""GPU energy from NVIDIA NVML's cumulative energy counter (``nvmlDeviceGetTotalEnergyConsumption``).

The counter is in millijoules since the driver was loaded (Volta and newer) and is 64-bit,
so a window's energy is the plain difference of two readings. Sampled power
(``nvmlDeviceGetPowerUsage``) is not used: on A100/H100 it averages only part of the runtime
(docs/standards/energy.md). Devices without the counter are listed as not covered.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from tongzhou.energy._meter import Method

_INIT_LOCK = threading.Lock()
_INIT_STATE: dict[str, Any] = {}


def _pynvml() -> Any:
    """Import pynvml (package nvidia-ml-py) and initialise NVML once per process."""
    with _INIT_LOCK:
        if "module" in _INIT_STATE:
            return _INIT_STATE["module"]
        if "error" in _INIT_STATE:
            raise RuntimeError(_INIT_STATE["error"])
        try:
            import pynvml  # type: ignore[import-not-found, import-untyped, unused-ignore]

            pynvml.nvmlInit()
        except ImportError:
            _INIT_STATE["error"] = "pynvml (nvidia-ml-py) is not installed"
            raise RuntimeError(_INIT_STATE["error"]) from None
        except Exception as exc:  # pynvml raises NVMLError subclasses (no driver, no GPU)
            _INIT_STATE["error"] = f"NVML could not start: {exc}"
            raise RuntimeError(_INIT_STATE["error"]) from None
        _INIT_STATE["module"] = pynvml
        return pynvml


@dataclass
class NvmlDevice:
    """One GPU whose energy counter answers."""

    index: int
    name: str
    uuid: str
    handle: Any = field(repr=False)


@dataclass(frozen=True)
class NvmlDiscovery:
    """GPUs found and whether each can be metered."""

    devices: tuple[NvmlDevice, ...]
    skipped: tuple[tuple[str, str], ...]
    """(device, why) for GPUs present but not metered."""
    error: str | None = None
    """Why NVML is not usable at all, if it is not."""


def discover(indices: list[int] | None = None) -> NvmlDiscovery:
    """Find the GPUs whose energy counter can be read (all of them, or those in ``indices``)."""
    try:
        nv = _pynvml()
    except RuntimeError as exc:
        return NvmlDiscovery((), (), str(exc))
    devices: list[NvmlDevice] = []
    skipped: list[tuple[str, str]] = []
    count = nv.nvmlDeviceGetCount()
    for i in range(count):
        if indices is not None and i not in indices:
            continue
        handle = nv.nvmlDeviceGetHandleByIndex(i)
        name = _text(nv.nvmlDeviceGetName(handle))
        uuid = _text(nv.nvmlDeviceGetUUID(handle))
        try:
            nv.nvmlDeviceGetTotalEnergyConsumption(handle)
        except Exception as exc:  # NVMLError_NotSupported on pre-Volta GPUs
            skipped.append((f"gpu{i} {name}", f"no energy counter: {exc}"))
            continue
        devices.append(NvmlDevice(i, name, uuid, handle))
    return NvmlDiscovery(tuple(devices), tuple(skipped))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class _NvmlProbe:
    def __init__(self, nv: Any, devices: tuple[NvmlDevice, ...]) -> None:
        self._nv = nv
        self._devices = devices
        self._start_mj = [nv.nvmlDeviceGetTotalEnergyConsumption(d.handle) for d in devices]
        self._last_mj = list(self._start_mj)

    def read(self) -> float:
        self._last_mj = [self._nv.nvmlDeviceGetTotalEnergyConsumption(d.handle) for d in self._devices]
        return sum(b - a for a, b in zip(self._start_mj, self._last_mj, strict=True)) / 1000.0

    def details(self) -> dict[str, Any]:
        return {
            "devices": [
                {"index": d.index, "name": d.name, "uuid": d.uuid, "joules": (b - a) / 1000.0}
                for d, a, b in zip(self._devices, self._start_mj, self._last_mj, strict=True)
            ]
        }


class NvmlMeter:
    """Measured GPU energy from NVML energy counters."""

    name = "nvml"
    method: Method = "measured"
    covers: tuple[str, ...] = ("gpu",)

    def __init__(self, discovery: NvmlDiscovery | None = None) -> None:
        self.discovery = discovery or discover()

    @property
    def available(self) -> bool:
        """True when at least one GPU's energy counter answers."""
        return bool(self.discovery.devices)

    def open(self) -> _NvmlProbe:
        """Read every metered GPU's counter now."""
        return _NvmlProbe(_pynvml(), self.discovery.devices)
