"""AI-BOM of a large model folder: time and memory of `tongzhou oss bom` vs sha256sum and openssl, one run.

    PYTHONPATH=src:. .venv/bin/python benchmarks/ai_bom.py [--mb 1024] [--files 4] [--work DIR] [--repeat 3]

A folder of --files weight files totalling --mb MB (random bytes, written once) with a model card and
config.json is inventoried by ``build_ai_bom`` (CycloneDX) in a child process, and hashed over the
same files by GNU coreutils ``sha256sum`` and by ``openssl dgst -sha256`` (OpenSSL, which uses the CPU's
SHA extensions where present, as Python's hashlib does): every BOM tool has to read and hash every
byte, so these are the floor. Each figure is the least wall time of --repeat runs (the files are in
the page cache after the first write, so this measures hashing, not the disk); the ratios are each
anchor's time over ours (1.0 = as fast as that anchor). Ours is timed inside the child after its
imports; the anchors' times include starting their process (about a millisecond). Peak memory is the
child's maximum resident set (``ru_maxrss``) minus that of the same child importing Tongzhou and doing
nothing, so it is what building the BOM costs: flat in the file size when hashing streams.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = """
import resource, sys, time
from pathlib import Path
from tongzhou.oss import build_ai_bom
start = time.perf_counter()
if sys.argv[1] != "idle":
    build_ai_bom(Path(sys.argv[1]), created="2026-12-06T00:00:00Z")
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _folder(work: Path, megabytes: int, files: int) -> Path:
    folder = work / "big-model"
    if folder.exists():
        return folder
    folder.mkdir(parents=True)
    (folder / "README.md").write_text("---\nlicense: apache-2.0\nbase_model: org/base\n---\n# big\n")
    (folder / "config.json").write_text(json.dumps({"model_type": "llama", "architectures": ["X"]}))
    per_file = megabytes * (1 << 20) // files
    block = os.urandom(1 << 20)
    for i in range(files):
        with (folder / f"model-{i:05d}-of-{files:05d}.safetensors").open("wb") as handle:
            for _ in range(per_file >> 20):
                handle.write(block)
    return folder


def _child(target: str) -> tuple[float, int]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, target], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    return float(out[0]), int(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="aibom-bench-"))
    folder = _folder(work, args.mb, args.files)
    size = sum(p.stat().st_size for p in folder.iterdir())
    sha256sum, openssl = shutil.which("sha256sum"), shutil.which("openssl")
    if sha256sum is None or openssl is None:
        sys.exit("sha256sum (GNU coreutils) and openssl are needed as anchors")
    files = sorted(str(p) for p in folder.iterdir())
    ours, peaks, floor, floor_ssl = [], [], [], []
    for _ in range(args.repeat):
        seconds, peak = _child(str(folder))
        ours.append(seconds)
        peaks.append(peak)
        for command, times in (([sha256sum], floor), ([openssl, "dgst", "-sha256"], floor_ssl)):
            start = time.perf_counter()
            subprocess.run([*command, *files], check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    _, idle = _child("idle")
    best, anchor, anchor_ssl = min(ours), min(floor), min(floor_ssl)
    mb = size / (1 << 20)
    print(f"folder: {folder} ({mb:,.0f} MB in {len(list(folder.iterdir()))} files)")
    print(f"{'tool':34} {'best s':>8} {'MB/s':>8}")
    print(f"{'tongzhou oss bom (CycloneDX)':34} {best:8.2f} {mb / best:8.0f}")
    print(f"{'sha256sum (coreutils)':34} {anchor:8.2f} {mb / anchor:8.0f}")
    print(f"{'openssl dgst -sha256':34} {anchor_ssl:8.2f} {mb / anchor_ssl:8.0f}")
    print(f"ratio sha256sum time / ours: {anchor / best:.2f}; openssl time / ours: {anchor_ssl / best:.2f}")
    print(
        f"peak RSS while building: {max(peaks) / 1024:.1f} MiB; importing only: {idle / 1024:.1f} MiB; "
        f"cost of the BOM: {(max(peaks) - idle) / 1024:.1f} MiB for {mb:,.0f} MB of weights"
    )
    print(f"this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
