"""Tongzhou's energy windows beside CodeCarbon's tracker: same workload, same process, same window.

    .venv/bin/pip install -e '.[bench]'          # codecarbon
    .venv/bin/python benchmarks/energy_vs_codecarbon.py [--workload python|model] [--windows 200]

Prints, for one workload measured by both at once (CodeCarbon's window encloses ours):
each tool's energy figure and how it got it; then the measurement overhead per window of each
(wall time of opening and closing an empty window, repeated), cold (first window in the
process, hardware discovery included) and warm (steady state), and the ratio ours/CodeCarbon.
CodeCarbon runs offline: OfflineEmissionsTracker with a country code, save_to_file=False,
quiet logging, so it makes no network call.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tongzhou.energy import measure, meter_report  # noqa: E402


def python_workload(seconds: float) -> Callable[[], None]:
    def run() -> None:
        end = time.perf_counter() + seconds
        x = 0
        while time.perf_counter() < end:
            for i in range(10_000):
                x += i * i

    return run


def model_workload(prompts: int) -> Callable[[], None]:
    from llama_cpp import Llama

    from tongzhou.bundled_model import bundled_model_path

    llm = Llama(model_path=str(bundled_model_path()), n_ctx=512, verbose=False, seed=0)

    def run() -> None:
        for i in range(prompts):
            llm(f"Question {i}: name a colour.", max_tokens=32, temperature=0.0)

    return run


def codecarbon_tracker(country: str, **extra: object):  # type: ignore[no-untyped-def]
    from codecarbon import OfflineEmissionsTracker

    kwargs: dict[str, object] = dict(
        country_iso_code=country,
        save_to_file=False,
        log_level="error",
        tracking_mode="machine",
        measure_power_secs=15,
    )
    kwargs.update(extra)
    try:
        return OfflineEmissionsTracker(allow_multiple_runs=True, **kwargs)
    except TypeError:  # older CodeCarbon without allow_multiple_runs
        return OfflineEmissionsTracker(**kwargs)


def time_windows(open_close: Callable[[], None], n: int) -> list[float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        open_close()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workload", choices=["python", "model"], default="python")
    parser.add_argument("--seconds", type=float, default=3.0, help="python workload length")
    parser.add_argument("--prompts", type=int, default=8, help="model workload prompts")
    parser.add_argument("--windows", type=int, default=200, help="empty windows timed per tool (warm)")
    parser.add_argument("--country", default="CHN")
    args = parser.parse_args()
    os.environ.setdefault("CODECARBON_LOG_LEVEL", "error")  # quiet from the first tracker on
    logging.getLogger("codecarbon").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    import codecarbon

    work = python_workload(args.seconds) if args.workload == "python" else model_workload(args.prompts)

    # --- cold: the first window of each in this process (discovery included) ----------------
    t0 = time.perf_counter()
    with measure("cold"):
        pass
    ours_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    tracker = codecarbon_tracker(args.country)
    tracker.start()
    tracker.stop()
    cc_cold = time.perf_counter() - t0

    # --- the same workload, same window ----------------------------------------------------
    tracker = codecarbon_tracker(args.country)
    tracker.start()
    with measure("workload") as window:
        work()
    tracker.stop()
    cc = tracker.final_emissions_data
    cc_j = cc.energy_consumed * 3.6e6
    ours = window.to_dict(country=args.country)
    print(f"codecarbon {codecarbon.__version__}; our meters: {[m['name'] for m in meter_report()['meters']]}")
    print(f"workload: {args.workload}, {window.seconds:.3f} s (ours) / {cc.duration:.3f} s (CodeCarbon)")
    parts = ", ".join(f"{c['meter']} {c['joules']:.2f} J" for c in ours["components"])
    print(f"  tongzhou   : {window.joules:10.3f} J  {window.method} via {window.meter}  ({parts})")
    print(
        f"  codecarbon : {cc_j:10.3f} J  (cpu {cc.cpu_energy * 3.6e6:.2f} J, "
        f"ram {cc.ram_energy * 3.6e6:.2f} J, "
        f"gpu {cc.gpu_energy * 3.6e6:.2f} J; cpu_power {cc.cpu_power:.1f} W, ram_power {cc.ram_power:.1f} W)"
    )
    print(f"  ratio tongzhou/codecarbon energy: {window.joules / cc_j:.3f}" if cc_j else "  codecarbon: 0 J")

    # --- warm: overhead per window ---------------------------------------------------------
    def ours_window() -> None:
        with measure("empty"):
            pass

    def cc_fresh_tracker() -> None:  # what @track_emissions / a fresh tracker per window costs
        t = codecarbon_tracker(args.country)
        t.start()
        t.stop()

    ours_t = time_windows(ours_window, args.windows)
    cc_n = max(5, args.windows // 20)
    cc_fresh = time_windows(cc_fresh_tracker, cc_n)
    running = codecarbon_tracker(args.country)
    running.start()
    cc_task: list[float] = []
    if hasattr(running, "start_task"):

        def cc_task_window() -> None:  # CodeCarbon's cheapest window: a task on a running tracker
            running.start_task("empty")
            running.stop_task()

        cc_task = time_windows(cc_task_window, args.windows)
    running.stop()

    def ms(xs: list[float]) -> str:
        med, mean = statistics.median(xs) * 1e3, statistics.fmean(xs) * 1e3
        return f"median {med:8.3f} ms, mean {mean:8.3f} ms (n={len(xs)})"

    print("overhead per window (open + close an empty window):")
    print(
        f"  cold  tongzhou {ours_cold * 1e3:9.3f} ms | codecarbon {cc_cold * 1e3:9.3f} ms | "
        f"ratio {ours_cold / cc_cold:.4f}"
    )
    print(f"  warm  tongzhou measure()                : {ms(ours_t)}")
    print(f"  warm  codecarbon fresh tracker/window   : {ms(cc_fresh)}")
    ratio_fresh = statistics.median(ours_t) / statistics.median(cc_fresh)
    print(f"  ratio tongzhou/codecarbon (fresh tracker): {ratio_fresh:.4f}")
    if cc_task:
        print(f"  warm  codecarbon start_task/stop_task   : {ms(cc_task)}")
        print(
            "  ratio tongzhou/codecarbon (task)         : "
            f"{statistics.median(ours_t) / statistics.median(cc_task):.4f}"
        )


if __name__ == "__main__":
    main()
