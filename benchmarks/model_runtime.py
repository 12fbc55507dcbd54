"""Tokens per second of the bundled model: our portable llama.cpp build beside a -march=native build.

Both are built in this run from the same llama-cpp-python sdist (the version pinned in
pyproject.toml) with the same "only what we use" switches; they differ only in the instruction set:

* **portable** — ``scripts/build-model-runtime.sh --cmake-args``: GGML_NATIVE=OFF, x86-64-v3
  (AVX2/FMA/F16C/BMI2), no AVX-512, no AVX-VNNI, no AMX — what ``make setup`` installs;
* **native** — the same with ``-DGGML_NATIVE=ON``: ``-march=native``, llama-cpp-python's default,
  whatever this CPU has (AVX-512 and AMX on a Sapphire Rapids Xeon, where it dies of SIGILL: the AMX
  kernels run on worker threads that were never granted tile data);
* **native-no-amx** (the speed anchor where native dies) — ``-march=native`` minus AMX
  (``-mno-amx-tile -mno-amx-int8 -mno-amx-bf16``; GCC lets explicit ``-mno-*`` flags override what
  ``-march`` implies): every other instruction this CPU has, AVX-512 and AVX-VNNI included.

Each build is timed, installed into its own directory and loaded by a fresh interpreter per round;
rounds alternate native / portable so that a machine getting busier or quieter moves both alike.
A round loads SmolLM2-135M-Instruct (Q4_1), warms up, then generates ``--tokens`` tokens greedily
(end-of-sequence banned, so every round generates the same number) and reports generated tokens
per second. A build that dies (e.g. SIGILL) is reported as such. Besides tokens per wall-clock
second, each round reports tokens per CPU-second of its process: with one llama.cpp thread that is
the fair figure on a shared, busy machine, where wall-clock rates move by 2x between rounds.
The issue's goal: portable within 15 % of native tokens/s.

    .venv/bin/python benchmarks/model_runtime.py [--rounds 5] [--tokens 128] [--threads 1]
    .venv/bin/python benchmarks/model_runtime.py --reuse /tmp/tz-runtime-bench   # skip the builds

Builds take minutes each on 2 cores; ``--reuse DIR`` measures wheels a previous run left in DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ISA_FLAG = re.compile(r"-DGGML_(NATIVE|SSE42|AVX\w*|AMX\w*|FMA|F16C|BMI2)=\w+")

MEASURE = r"""
import json, sys, time
import llama_cpp
from tongzhou.bundled_model import bundled_model_path
tokens, threads = int(sys.argv[1]), int(sys.argv[2])
llm = llama_cpp.Llama(model_path=str(bundled_model_path()), n_ctx=1024, n_threads=threads,
                      seed=0, verbose=False)
prompt = "<|im_start|>user\nWrite a short story about a lighthouse keeper.<|im_end|>\n<|im_start|>assistant\n"
ban_eos = {llm.token_eos(): -1e9}
llm.create_completion(prompt, max_tokens=8, temperature=0.0, logit_bias=ban_eos)  # warm-up
llm.reset()
t0, c0 = time.perf_counter(), time.process_time()
out = llm.create_completion(prompt, max_tokens=tokens, temperature=0.0, logit_bias=ban_eos)
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
n = out["usage"]["completion_tokens"]
print(json.dumps({"tokens": n, "seconds": seconds, "tokens_per_s": n / seconds,
                  "tokens_per_cpu_s": n / cpu, "library": llama_cpp.__file__}))
"""


def cmake_args(flavour: str) -> str:
    """The portable arguments from the build script; native swaps its instruction-set flags for NATIVE=ON."""
    portable = subprocess.run(
        ["bash", str(REPO / "scripts/build-model-runtime.sh"), "--cmake-args"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if flavour == "portable":
        return portable
    common = [a for a in portable.split() if not ISA_FLAG.fullmatch(a)]
    if flavour == "native-no-amx":
        no_amx = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
        common += [f"'-DCMAKE_C_FLAGS={no_amx}'", f"'-DCMAKE_CXX_FLAGS={no_amx}'"]
    return " ".join(["-DGGML_NATIVE=ON", *common])


def pinned_version() -> str:
    match = re.search(r'"llama-cpp-python\[server\]==([0-9.]+)"', (REPO / "pyproject.toml").read_text())
    if not match:
        sys.exit("pyproject.toml does not pin llama-cpp-python[server]==VERSION")
    return match.group(1)


def build(flavour: str, work: Path, version: str) -> float:
    """Build ``flavour``'s wheel into work/flavour/wheel, install it into work/flavour/site; seconds."""
    wheel_dir, site = work / flavour / "wheel", work / flavour / "site"
    env = {**os.environ, "CMAKE_ARGS": cmake_args(flavour), "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count())}
    print(f"building {flavour}: {env['CMAKE_ARGS']}", flush=True)
    t0 = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-cache-dir",
            "--no-binary",
            "llama-cpp-python",
            "-w",
            str(wheel_dir),
            f"llama-cpp-python=={version}",
        ],
        check=True,
        env=env,
    )
    seconds = time.perf_counter() - t0
    wheel = next(wheel_dir.glob("llama_cpp_python-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
    )
    (work / flavour / "build-seconds").write_text(f"{seconds:.1f}")
    return seconds


def measure(site: Path, tokens: int, threads: int) -> dict[str, float] | str:
    """One round in a fresh interpreter that imports llama_cpp from ``site``; an error string if it died."""
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tokens), str(threads)], capture_output=True, text=True, env=env
    )
    if proc.returncode != 0:
        why = signal.Signals(-proc.returncode).name if proc.returncode < 0 else f"exit {proc.returncode}"
        last = proc.stderr.strip().splitlines()[-1:]
        return f"died ({why}){': ' + last[0] if last else ''}"
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    if not str(result.pop("library", "")).startswith(str(site)):  # type: ignore[call-overload]
        sys.exit(f"round imported llama_cpp from outside {site}")
    return result


def isa_summary(site: Path) -> str:
    """AVX-512 / AMX / AVX-VNNI instruction counts in the build's libraries (tongzhou.model_runtime.isa)."""
    from tongzhou.model_runtime.isa import scan_library

    counts: dict[str, int] = {}
    for lib in sorted((site / "llama_cpp" / "lib").glob("*.so*")):
        for family, n in scan_library(lib).counts.items():
            counts[family] = counts.get(family, 0) + n
    return ", ".join(f"{f} {n:,}" for f, n in sorted(counts.items())) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp threads (the project uses cores/2)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/tz-runtime-bench"))
    parser.add_argument(
        "--reuse", type=Path, help="measure the builds an earlier run left in this directory; build the rest"
    )
    args = parser.parse_args()
    work = args.reuse or args.work
    version = pinned_version()
    flavours = ("native", "native-no-amx", "portable")
    build_s: dict[str, float] = {}
    for flavour in flavours:
        done = work / flavour / "build-seconds"
        if args.reuse and done.is_file():
            build_s[flavour] = float(done.read_text())
        else:
            build_s[flavour] = build(flavour, work, version)
    rates: dict[str, list[float]] = {f: [] for f in flavours}
    cpu_rates: dict[str, list[float]] = {f: [] for f in flavours}
    deaths: dict[str, str] = {}
    for r in range(args.rounds):
        for flavour in flavours if r % 2 == 0 else tuple(reversed(flavours)):
            if flavour in deaths:
                continue
            result = measure(work / flavour / "site", args.tokens, args.threads)
            if isinstance(result, str):
                deaths[flavour] = result
            else:
                rates[flavour].append(result["tokens_per_s"])
                cpu_rates[flavour].append(result["tokens_per_cpu_s"])
        done = [f for f in flavours if rates[f]]
        print(
            f"round {r + 1}: "
            + ", ".join(f"{f} {rates[f][-1]:.1f} tok/s, {cpu_rates[f][-1]:.1f}/CPU-s" for f in done)
        )

    print(
        f"\nllama-cpp-python {version}, SmolLM2-135M-Instruct Q4_1, {args.tokens} tokens greedy, "
        f"{args.threads} thread(s), {args.rounds} alternating rounds; {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {_cpu_model()}"
    )
    print(
        f"{'build':<14} {'build time':>10} {'tok/s':>14} {'range':>10} {'tok/CPU-s':>10} {'range':>10}"
        "  beyond x86-64-v3"
    )
    for flavour in flavours:
        values, cpu_values = rates[flavour], cpu_rates[flavour]
        rate = f"{statistics.median(values):.1f}" if values else deaths.get(flavour, "-")
        spread = f"{min(values):.1f}-{max(values):.1f}" if values else ""
        cpu_rate = f"{statistics.median(cpu_values):.1f}" if cpu_values else "-"
        cpu_spread = f"{min(cpu_values):.1f}-{max(cpu_values):.1f}" if cpu_values else ""
        print(
            f"{flavour:<14} {build_s[flavour]:>9.0f}s {rate:>14} {spread:>10} {cpu_rate:>10} {cpu_spread:>10}"
            "  "
            f"{isa_summary(work / flavour / 'site')}"
        )
    if "native" in deaths:
        print(f"the native build died on this CPU: {deaths['native']}")
    for anchor in ("native", "native-no-amx"):
        if rates[anchor] and rates["portable"]:
            wall = statistics.median(rates["portable"]) / statistics.median(rates[anchor])
            cpu = statistics.median(cpu_rates["portable"]) / statistics.median(cpu_rates[anchor])
            print(
                f"portable / {anchor}: {wall:.3f} in tokens/s, {cpu:.3f} in tokens per CPU-second "
                "(goal >= 0.85)"
            )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
