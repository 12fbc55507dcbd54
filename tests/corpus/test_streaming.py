"""A corpus larger than the memory limit set here streams through the audit (memory ≠ corpus size).

The audit runs in a subprocess in its default configuration (numba normaliser, Hyperscan) and reports
its peak resident memory (VmHWM). The limit is what the same audit needs for a small corpus (the
interpreter, numba's LLVM and the Hyperscan database: about 260 MiB with numba 0.68) plus 64 MiB for
the stream; the corpus is larger than that limit, and the peak must stay below it. Items are long
(~5 KB), so what the audit keeps per item (exact-duplicate digests, ~100 bytes each) stays small: that
grows with the number of items, by design, and is not what this test is about.
(An address-space limit, RLIMIT_AS, is not used: LLVM, under numba, reserves virtual memory it never
touches, so virtual size says little about the memory a scan needs.)
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

STREAM_ALLOWANCE = 64 << 20  # peak resident memory allowed above a small corpus's peak
CORPUS_BYTES = 360 << 20  # uncompressed corpus size, above the limit

AUDIT = """
import json, sys
from tongzhou.corpus.audit import run_audit
from tongzhou.corpus.keywords import load_library
from tongzhou.corpus.unit import AuditSettings
r = run_audit([sys.argv[1]], load_library(sys.argv[2]), AuditSettings(sample_size=100, batch_bytes=1 << 20))
t = r.total.tally
status = open("/proc/self/status").read()
hwm = int(status.split("VmHWM:")[1].split()[0]) * 1024
print(json.dumps({"items": t.items, "bytes": t.raw_bytes, "flagged": t.flagged_items,
                  "pii": dict(t.pii_counts), "exact": r.total.exact_duplicates, "sample": len(r.sample),
                  "peak_rss": hwm}))
"""


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)


def _write_corpus(path: Path, size: int) -> dict[str, int]:
    """Long items (~5 KB) up to ``size`` bytes; every 1,000th has a keyword, the next a mobile number."""
    filler = "今天天气很好，我们在图书馆研究数据和算法。" * 120 + " The river and the mountain garden. " * 60
    written = items = flagged = mobiles = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as fh:
        while written < size:
            extra = ""
            if items % 1000 == 0:
                extra, flagged = " 教你制 作 炸 彈 ", flagged + 1
            elif items % 1000 == 1:
                extra, mobiles = f" 电话 139{items % 100000000:08d} ", mobiles + 1
            line = json.dumps({"id": items, "text": f"{items} {filler}{extra}"}, ensure_ascii=False) + "\n"
            fh.write(line)
            written += len(line.encode())
            items += 1
    return {"items": items, "bytes": written, "flagged": flagged, "mobiles": mobiles}


def _audit(corpus: Path, lib: Path) -> dict[str, object]:
    done = _run([sys.executable, "-c", AUDIT, str(corpus), str(lib)])
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.slow
def test_corpus_larger_than_the_memory_limit_streams_through(tmp_path: Path) -> None:
    lib = tmp_path / "lib.csv"
    lib.write_text("keyword,risk\n炸弹,A.1.4\nbuy meth,A.1.8\n", "utf-8")
    _write_corpus(tmp_path / "small.jsonl.gz", 4 << 20)
    limit = int(_audit(tmp_path / "small.jsonl.gz", lib)["peak_rss"]) + STREAM_ALLOWANCE  # type: ignore[call-overload]
    corpus = tmp_path / "big.jsonl.gz"
    made = _write_corpus(corpus, CORPUS_BYTES)
    assert made["bytes"] > limit

    got = _audit(corpus, lib)
    peak = got.pop("peak_rss")
    assert peak < limit < made["bytes"], (peak, limit, made["bytes"])  # type: ignore[operator]
    assert got == {
        "items": made["items"],
        "bytes": made["bytes"],
        "flagged": made["flagged"],
        "pii": {"cn_mobile": made["mobiles"]},
        "exact": 0,
        "sample": 100,
    }
