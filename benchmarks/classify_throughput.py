"""Profiles classified per second on one core, beside a naive baseline measured in the same run.

Ours: the rules are parsed and compiled once (``Classifier``), then every profile is classified
(facts → three-valued rule evaluation → tiers, dated obligations, evidence, trace).
Baseline: the same engine, but re-reading and re-compiling the YAML rules and crosswalk for every
profile — what a script that loads its rule files per request does. The issue gives no external
anchor figure, so the ratio is against this baseline. Goal (issue 2): >= 5,000 profiles/s.

    .venv/bin/python benchmarks/classify_throughput.py [--seconds 5] [--profiles 2000]

Pinned to one CPU core (``os.sched_setaffinity``) where the OS allows it. Both wall-clock and
CPU-time rates are printed: on a shared, busy machine the CPU-time rate is the fair per-core
figure; on an idle machine the two agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import time
from collections.abc import Callable
from typing import NamedTuple

from tongzhou.classify.crosswalk import parse_crosswalk
from tongzhou.classify.engine import Classifier
from tongzhou.classify.ruleset import load_ruleset
from tongzhou.systems._vocabulary import terms
from tongzhou.systems.bundled import example_profiles
from tongzhou.systems.profile import SystemProfile

GOAL = 5000.0


class Rate(NamedTuple):
    """Throughput by wall-clock time and by CPU time of this process (fair on a busy machine)."""

    per_wall_second: float
    per_cpu_second: float
    count: int


def synthetic_profiles(n: int, seed: int = 7) -> list[SystemProfile]:
    """``n`` varied, valid profiles: the bundled examples with random functions, sectors, markets, compute."""
    rng = random.Random(seed)
    base = example_profiles()
    functions, sectors, markets = (
        sorted(terms("functions")),
        sorted(terms("sectors")),
        sorted(terms("markets")),
    )
    out = []
    for i in range(n):
        p = base[i % len(base)]
        model = p.model.model_copy(update={"training_compute_flop": 10 ** rng.uniform(15, 27)})
        out.append(
            p.model_copy(
                update={
                    "id": f"synthetic-{i}",
                    "functions": rng.sample(functions, rng.randint(0, 3)),
                    "sectors": rng.sample(sectors, rng.randint(0, 2)),
                    "markets": rng.sample(markets, rng.randint(1, 4)),
                    "model": model,
                    "profiles_natural_persons": rng.choice([True, False, None]),
                }
            )
        )
    return out


def rate(fn: Callable[[SystemProfile], object], profiles: list[SystemProfile], seconds: float) -> Rate:
    """Classify profiles round-robin for about ``seconds`` of wall time."""
    count = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    deadline = wall0 + seconds
    i = 0
    n = len(profiles)
    while time.perf_counter() < deadline:
        for _ in range(100):
            fn(profiles[i % n])
            i += 1
        count += 100
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return Rate(count / wall, count / cpu, count)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--profiles", type=int, default=2000)
    args = parser.parse_args()
    pinned = "no"
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
            pinned = "yes"
        except OSError:
            pass
    profiles = synthetic_profiles(args.profiles)
    as_of = dt.date(2026, 11, 23)
    classifier = Classifier()
    rules = classifier.ruleset

    def ours(p: SystemProfile) -> object:
        return classifier.classify(p, as_of)

    def naive(p: SystemProfile) -> object:
        from importlib import resources

        import yaml

        crosswalk = parse_crosswalk(
            yaml.safe_load(
                resources.files("tongzhou.classify").joinpath("crosswalk.yaml").read_text(encoding="utf-8")
            )
        )
        return Classifier(load_ruleset(), crosswalk).classify(p, as_of)

    ours(profiles[0])  # warm caches (rules in force per date)
    our = rate(ours, profiles, args.seconds)
    base = rate(naive, profiles, min(args.seconds, 3.0))
    n_rules = sum(len(r.rules) for r in rules.regimes)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f}, "
        f"Python {platform.python_version()}, pinned to one core: {pinned}"
    )
    print(
        f"rules: {n_rules} in {len(rules.regimes)} regimes; {len(profiles)} synthetic profiles; as of {as_of}"
    )
    print("                                      profiles/s (wall)   profiles/s (CPU time)   classified")
    print(
        f"ours (rules compiled once):          {our.per_wall_second:12,.0f} {our.per_cpu_second:18,.0f} "
        f"{our.count:14}"
    )
    print(
        f"baseline (YAML re-read per profile): {base.per_wall_second:12,.1f} {base.per_cpu_second:18,.1f} "
        f"{base.count:14}"
    )
    print(f"ratio ours/baseline (CPU time): {our.per_cpu_second / base.per_cpu_second:,.0f}x")
    verdict = "met" if our.per_cpu_second >= GOAL else "NOT met"
    print(f"goal >= {GOAL:,.0f} profiles/s on one core (CPU time): {verdict}")


if __name__ == "__main__":
    main()
