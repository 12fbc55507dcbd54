"""The NVML path on a real NVIDIA GPU; skipped, with the reason, where there is none."""

from __future__ import annotations

import time

import pytest

from tongzhou.energy import measure
from tongzhou.energy.nvml import NvmlMeter, discover

_FOUND = discover()
pytestmark = pytest.mark.skipif(
    not _FOUND.devices,
    reason="NVML energy counter not readable here: "
    + (_FOUND.error or "; ".join(f"{d}: {w}" for d, w in _FOUND.skipped) or "no NVIDIA GPU"),
)


def test_gpu_energy_counter_delta_over_a_window() -> None:
    import pynvml  # type: ignore[import-not-found, import-untyped, unused-ignore]

    meter = NvmlMeter(_FOUND)
    handle = _FOUND.devices[0].handle
    power_before_w = pynvml.nvmlDeviceGetPowerUsage(handle) / 1000.0
    with measure("gpu-idle", meters=[meter]) as window:
        time.sleep(2.0)
    power_after_w = pynvml.nvmlDeviceGetPowerUsage(handle) / 1000.0
    data = window.to_dict()
    print(
        f"\nNVML: {len(_FOUND.devices)} GPU(s) {[d.name for d in _FOUND.devices]}; "
        f"{window.joules:.2f} J over {window.seconds:.3f} s = {window.joules / window.seconds:.1f} W mean "
        f"(sampled power {power_before_w:.1f} W before, {power_after_w:.1f} W after); "
        f"method={window.method} meter={window.meter}"
    )
    assert window.method == "measured"
    assert window.meter == "nvml"
    assert window.joules > 0
    devices = data["components"][0]["details"]["devices"]
    assert len(devices) == len(_FOUND.devices)
    assert sum(d["joules"] for d in devices) == pytest.approx(window.joules)
    # The counter and the sampled power tell the same story within a wide margin (an idle GPU
    # draws tens of watts; the counter's resolution is 1 mJ).
    mean_w = window.joules / window.seconds
    sampled = max(power_before_w, power_after_w, 1.0) * len(_FOUND.devices)
    assert 0.2 * sampled < mean_w < 5.0 * sampled


def test_default_meters_include_nvml_on_a_gpu_machine() -> None:
    from tongzhou.energy import meter_report, reset_meters

    reset_meters()
    report = meter_report()
    assert "nvml" in [m["name"] for m in report["meters"]]
    with measure("all") as window:
        time.sleep(0.5)
    components = {c["meter"]: c for c in window.to_dict()["components"]}
    assert components["nvml"]["method"] == "measured"
    assert components["nvml"]["joules"] > 0
    print(
        f"\nall meters: {window}; components: { {k: round(v['joules'], 3) for k, v in components.items()} }"
    )


def test_a_busy_gpu_draws_more_than_an_idle_one() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to load the GPU")
    if not torch.cuda.is_available():
        pytest.skip("PyTorch sees no CUDA device")
    meter = NvmlMeter(_FOUND)
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    torch.cuda.synchronize()
    with measure("idle", meters=[meter]) as idle:
        time.sleep(1.5)
    with measure("matmul", meters=[meter]) as busy:
        end = time.perf_counter() + 1.5
        while time.perf_counter() < end:
            for _ in range(20):
                a @ a
            torch.cuda.synchronize()
    idle_w = idle.joules / idle.seconds
    busy_w = busy.joules / busy.seconds
    print(
        f"\nNVML idle {idle_w:.1f} W ({idle.joules:.1f} J), bf16 matmul {busy_w:.1f} W ({busy.joules:.1f} J)"
    )
    assert busy_w > idle_w
