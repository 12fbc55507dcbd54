"""Start-up time of the `tongzhou` command, beside `python -c pass` and other Python CLIs.

    python benchmarks/cli_startup.py [--runs 7]

Each command is started ``--runs`` times in a fresh interpreter (the way a user starts it: the
console script's module, ``python -m tongzhou.cli.entry``) and timed wall-clock, parent to exit;
the figure is the median, with the minimum beside it. Anchors, measured in the same run on the
same machine: ``python -c pass`` (the floor: the interpreter alone) and, when installed,
``datasette --help`` and ``inspect --help`` (two Python CLIs of the same kind). Ratios are to
``python -c pass``. The targets of issue 17 are ``tongzhou --help`` ≤ 0.3 s and ``tongzhou
systems list`` ≤ 0.5 s (the latter opens the SQLite store in a fresh TONGZHOU_HOME, migrated once
before timing).

Also printed: what ``tongzhou --help`` imports, by ``python -X importtime`` (top 8 by cumulative
time), so a regression shows where it comes from.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def timed(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float, float]:
    """(median wall, minimum wall, median CPU) seconds of ``argv`` over ``runs`` starts (after a warm-up).

    CPU is user + system time of the child (``RUSAGE_CHILDREN``): on a shared machine it moves less
    than wall time when other work competes for the cores.
    """
    subprocess.run(argv, env=env, capture_output=True, check=False)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def top_imports(env: dict[str, str], argv: list[str], n: int = 8) -> list[tuple[int, str]]:
    """The ``n`` top-level imports with the largest cumulative time (µs) when running ``argv``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *argv], env=env, capture_output=True, text=True, check=False
    )
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[1].isdigit() and not parts[2].startswith(" "):
            name = parts[2]
            if name == name.lstrip():  # top level only (nested imports are indented)
                rows.append((int(parts[1]), name))
    return sorted(rows, reverse=True)[:n]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--baseline",
        metavar="SRC",
        help="Also time another checkout's src/ (e.g. `git archive d982ddf src | tar -x -C /tmp/base`, "
        "the CLI before the lazy imports) in the same run, so the ratio holds whatever the load.",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
            "TONGZHOU_HOME": home,
            "COLUMNS": "100",
        }
        env.pop("TONGZHOU_DATABASE_URL", None)
        tongzhou = [sys.executable, "-m", "tongzhou.cli.entry"]
        subprocess.run([*tongzhou, "systems", "list"], env=env, capture_output=True, check=True)  # migrate
        cases: list[tuple[str, list[str]]] = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("tongzhou --help", [*tongzhou, "--help"]),
            ("tongzhou --version", [*tongzhou, "--version"]),
            ("tongzhou systems list", [*tongzhou, "systems", "list"]),
            ("tongzhou eval --help", [*tongzhou, "eval", "--help"]),
            ("tongzhou threats --help", [*tongzhou, "threats", "--help"]),
        ]
        if args.baseline:
            base_env = {
                **env,
                "PYTHONPATH": str(Path(args.baseline).resolve()),
                "TONGZHOU_HOME": home + "-base",
            }
            old = [sys.executable, "-c", "from tongzhou.cli.main import main; main()"]
            subprocess.run(
                [*old, "systems", "list"], env=base_env, capture_output=True, check=True
            )  # migrate
            cases += [
                ("baseline: tongzhou --help", [*old, "--help"]),
                ("baseline: tongzhou systems list", [*old, "systems", "list"]),
            ]
            env_of = {name: base_env for name, _ in cases if name.startswith("baseline:")}
        else:
            env_of = {}
        for tool in ("datasette", "inspect"):
            path = shutil.which(tool) or str(Path(sys.executable).with_name(tool))
            if Path(path).exists():
                cases.append((f"{tool} --help (anchor)", [path, "--help"]))
        results = {name: timed(argv, env_of.get(name, env), args.runs) for name, argv in cases}
        floor = results["python -c pass"][0]
        print(f"load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(f"{'command':32} {'median s':>9} {'min s':>7} {'CPU s':>7} {'× python -c pass':>17}")
        for name, (median, minimum, cpu) in results.items():
            print(f"{name:32} {median:9.3f} {minimum:7.3f} {cpu:7.3f} {median / floor:17.1f}")
        print("\nlargest imports of `tongzhou --help` (cumulative µs, python -X importtime):")
        for micros, module in top_imports(env, ["-m", "tongzhou.cli.entry", "--help"]):
            print(f"  {micros:>8}  {module}")


if __name__ == "__main__":
    main()
