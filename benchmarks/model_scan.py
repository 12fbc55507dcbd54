"""Model-file scanning: detections and throughput of Tongzhou vs picklescan, modelscan and fickling, one run.

    PYTHONPATH=src:. .venv/bin/python benchmarks/model_scan.py [--mb 200] [--work DIR] [--repeat 2]

Corpus: the test corpus of tests/oss/model_corpus.py (malicious samples, one per published bypass
technique, and benign files of every format), written into --work at run time. Each tool scans each
file on its own; a file counts as *flagged* when the tool reports an issue (Tongzhou: a finding at
medium or worse, the CLI's default --fail-on), *error* when the tool raises or reports a scan error, and
*clean* otherwise. Detection = malicious files flagged; false positives = benign files flagged.

Throughput: a generated --mb MB benign file (a dict of float32 NumPy arrays pickled with protocol 4,
and the same tensors as a PyTorch-style zip: data.pkl + raw storage members), scanned by each tool,
the least CPU time per scan (user + sys of this process; each measurement repeats the scan until it
has used 0.3 CPU s, so the clock's tick does not matter) of --repeat measurements counting, since
load from others on a shared machine only adds time. The ratio is Tongzhou's MB/s over the fastest anchor's.
Anchors: picklescan.scanner.scan_file_path, modelscan.modelscan.ModelScan().scan,
fickling.is_likely_safe (pickle files only; it does not open zips).

Big models (--big-mb N, default 1024; 0 skips; --big-only skips the rest): benchmarks/big_model_files.py
writes benign files of about N MiB in --work/big: a NumPy pickle, a zip with torch.save's layout,
safetensors, and a GGUF made of the bundled SmolLM2's header and repeated tensors. Each tool scans each
file in a fresh process (``--child``; the tool is imported first and not timed), three times; the
median CPU (user + sys) and wall seconds of the scan, the process's peak RSS (VmHWM), and the outcome
are printed, with Tongzhou's MB/s (CPU) over the fastest anchor that parses the format.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

Outcome = str  # "flagged", "clean", "error", "skipped" (the tool says it did not scan the file)


def _ours(path: Path) -> Outcome:
    from tongzhou.oss import Severity, scan_paths

    return "flagged" if scan_paths([path]).at_or_above(Severity.MEDIUM) else "clean"


def _picklescan(path: Path) -> Outcome:
    from picklescan.scanner import scan_file_path

    result = scan_file_path(str(path))
    if result.issues_count:
        return "flagged"
    return "error" if result.scan_err else "clean"


def _modelscan(path: Path) -> Outcome:
    from modelscan.modelscan import ModelScan

    result = ModelScan().scan(str(path))
    if result["summary"]["total_issues"]:
        return "flagged"
    if result.get("errors"):
        return "error"
    return "skipped" if not result["summary"]["scanned"]["total_scanned"] else "clean"


def _fickling(path: Path) -> Outcome:
    import fickling

    try:
        return "clean" if fickling.is_likely_safe(str(path)) else "flagged"
    except Exception:  # noqa: BLE001 - any failure of the anchor is its "error" outcome
        return "error"


TOOLS: dict[str, Callable[[Path], Outcome]] = {
    "tongzhou": _ours,
    "picklescan": _picklescan,
    "modelscan": _modelscan,
    "fickling": _fickling,
}


def _guarded(tool: Callable[[Path], Outcome], path: Path) -> Outcome:
    try:
        return tool(path)
    except Exception:  # noqa: BLE001 - an anchor crashing on a file is its "error" outcome
        return "error"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _large_files(work: Path, mb: int) -> dict[str, Path]:
    import numpy
    from tests.oss import pickle_asm

    count = max(1, mb // 4)
    arrays = {f"layer{i}.weight": numpy.full(1 << 20, i, dtype=numpy.float32) for i in range(count)}
    pkl = work / "large.pkl"
    with pkl.open("wb") as handle:
        pickle.dump(arrays, handle, protocol=4)
    zipped = work / "large_torch.pt"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", pickle_asm.torch_state_dict({k: 1 << 20 for k in arrays}))
        for index, array in enumerate(arrays.values()):
            archive.writestr(f"archive/data/{index}", array.tobytes())
        archive.writestr("archive/version", b"3\n")
    return {"pickle": pkl, "torch-zip": zipped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--big-mb", type=int, default=1024, help="size of the big benign models; 0 skips")
    parser.add_argument("--big-only", action="store_true", help="only the big-model phase")
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    if args.child:
        _child(*args.child)
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="model-scan-"))
    if not args.big_only:
        _corpus_and_throughput(work, args.mb, args.repeat)
    if args.big_mb:
        _big_models(work / "big", args.big_mb)
    sys.stdout.flush()


def _corpus_and_throughput(work: Path, mb: int, repeat: int) -> None:
    from tests.oss.model_corpus import build_corpus

    corpus = build_corpus(work / "corpus")
    malicious = [s for s in corpus if s.malicious]
    benign = [s for s in corpus if not s.malicious]

    outcomes = {name: {s.path: _guarded(tool, s.path) for s in corpus} for name, tool in TOOLS.items()}
    print(f"corpus: {len(malicious)} malicious, {len(benign)} benign files (tests/oss/model_corpus.py)\n")
    print(f"{'tool':12} {'detected':>10} {'errors':>7} {'false pos.':>11}")
    for name, table in outcomes.items():
        hit = sum(table[s.path] == "flagged" for s in malicious)
        err = sum(table[s.path] == "error" for s in malicious)
        fp = sum(table[s.path] == "flagged" for s in benign)
        print(f"{name:12} {hit:>4}/{len(malicious):<5} {err:>7} {fp:>4}/{len(benign):<6}")
    print("\nper technique (F flagged, . clean, E error):")
    print(f"{'technique':70} " + " ".join(f"{n[:10]:>10}" for n in TOOLS))
    for sample in malicious:
        marks = " ".join(f"{_MARK[outcomes[n][sample.path]]:>10}" for n in TOOLS)
        print(f"{sample.technique[:70]:70} {marks}")
    flagged_benign = [(n, s.path.name) for n in TOOLS for s in benign if outcomes[n][s.path] == "flagged"]
    print("benign files flagged:", ", ".join(f"{n}:{f}" for n, f in flagged_benign) or "none")

    print(f"\nthroughput on a generated {mb} MB benign file (least CPU s of {repeat} runs):")
    for kind, path in _large_files(work, mb).items():
        size_mb = path.stat().st_size / 1e6
        rates: dict[str, float] = {}
        for name, tool in TOOLS.items():
            if name == "fickling" and kind != "pickle":
                continue
            best, runs = float("inf"), 0
            for _ in range(repeat):
                start, wall, runs = _cpu(), time.perf_counter(), 0
                while runs == 0 or (_cpu() - start < 0.3 and runs < 50):  # beat the CPU clock's tick
                    outcome = _guarded(tool, path)
                    runs += 1
                best = min(best, (_cpu() - start) / runs)
            rates[name] = size_mb / max(best, 1e-6)
            wall_s = (time.perf_counter() - wall) / runs
            print(
                f"  {kind:10} {name:12} {rates[name]:9.0f} MB/s  {best:.4f} CPU s/scan"
                f"  wall {wall_s:.4f} s  {outcome}"
            )
        fastest = max((r, n) for n, r in rates.items() if n != "tongzhou")
        print(f"  {kind:10} tongzhou / fastest anchor ({fastest[1]}): {rates['tongzhou'] / fastest[0]:.1f}x")


_IMPORTS = {
    "tongzhou": "tongzhou.oss",
    "picklescan": "picklescan.scanner",
    "modelscan": "modelscan.modelscan",
}
_IMPORTS["fickling"] = "fickling"
READS = {
    "pickle": {"tongzhou", "picklescan", "modelscan", "fickling"},
    "torch-zip": {"tongzhou", "picklescan", "modelscan"},
    "safetensors": {"tongzhou"},
    "gguf": {"tongzhou"},
}
"""Which tool parses which format. picklescan reads any file that is not a zip, 7z or .npy as a pickle
stream and stops at the first byte that is no opcode, so on safetensors and GGUF it checks nothing of
the format; modelscan reports both as not supported; fickling reads pickles only (a zip raises)."""


def _peak_rss_kib() -> int:
    """This process's peak resident set (VmHWM); ru_maxrss would carry the parent's over the fork."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(tool: str, path: str) -> None:
    """One scan in a fresh process: import the tool, then time the scan alone; print JSON."""
    __import__(_IMPORTS[tool])
    rss_import = _peak_rss_kib()
    cpu, wall = time.process_time(), time.perf_counter()
    outcome = _guarded(TOOLS[tool], Path(path))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rss_peak = _peak_rss_kib()
    print(
        json.dumps({"outcome": outcome, "cpu": cpu, "wall": wall, "rss_import": rss_import, "rss": rss_peak})
    )


def _run_child(tool: str, path: Path) -> dict[str, float | str]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", tool, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
        env=os.environ,
    )
    result: dict[str, float | str] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _warm(path: Path) -> None:
    with path.open("rb") as handle:
        while handle.read(16 << 20):
            pass


def _big_models(work: Path, mib: int, runs: int = 3) -> None:
    from benchmarks.big_model_files import build_big_models

    started = time.perf_counter()
    files = build_big_models(work, mib)
    print(f"\nbig benign models of {mib} MiB built in {time.perf_counter() - started:.0f} s ({work})")
    print(
        f"each scan in a fresh process (import not timed); median of {runs}; page cache warmed once;"
        " MB/s = 10^6 bytes per CPU s (user+sys of the scan) and per wall s; peak RSS of the process"
    )
    head = f"{'format':12} {'tool':11} {'reads':>5} {'outcome':>8} {'CPU s':>8} {'wall s':>8}"
    print(head + f" {'MB/s CPU':>10} {'MB/s wall':>10} {'RSS MiB':>8} {'import':>7}")
    for kind, path in files.items():
        size_mb = path.stat().st_size / 1e6
        _warm(path)
        rates: dict[str, float] = {}
        for tool in TOOLS:
            results = [_run_child(tool, path) for _ in range(runs)]
            cpu = statistics.median(float(r["cpu"]) for r in results)
            wall = statistics.median(float(r["wall"]) for r in results)
            rss = max(float(r["rss"]) for r in results) / 1024
            rss_import = max(float(r["rss_import"]) for r in results) / 1024
            outcome = "/".join(sorted({str(r["outcome"]) for r in results}))
            reads = tool in READS[kind] and outcome != "error"
            if reads:
                rates[tool] = size_mb / max(cpu, 1e-6)
            print(
                f"{kind:12} {tool:11} {'yes' if reads else 'no':>5} {outcome:>8} {cpu:8.3f} {wall:8.3f}"
                f" {size_mb / max(cpu, 1e-6):10.0f} {size_mb / max(wall, 1e-6):10.0f}"
                f" {rss:8.1f} {rss_import:7.1f}"
            )
        anchors = [(rate, tool) for tool, rate in rates.items() if tool != "tongzhou"]
        if anchors and "tongzhou" in rates:
            rate, tool = max(anchors)
            ratio = rates["tongzhou"] / rate
            print(f"{kind:12} {size_mb:.0f} MB: tongzhou / fastest anchor reading it ({tool}) {ratio:.1f}x")
        else:
            print(f"{kind:12} {size_mb:.0f} MB: no anchor reads this format, no ratio")


_MARK = {"flagged": "F", "clean": ".", "error": "E", "skipped": "-"}

if __name__ == "__main__":
    main()
