"""Peak memory of the TAXII server for the worst envelopes a client may send (issue 20, item 5).

For each envelope a fresh server (uvicorn, one worker, ``tongzhou.threats.server:app_from_env``
with its default limits: 10 MiB per body, 10,000 objects) on a fresh SQLite store gets one warm-up
request and then the envelope; the figure is the server process's peak resident set (``VmHWM`` in
``/proc/<pid>/status``) before and after, and the answer it gave. Validation runs in-process
(``TONGZHOU_TAXII_VALIDATION_PROCESSES=0``) so the one process holds everything.

The envelopes (each just under 10 MiB):

* ``zeros``: ``{"objects":[0,0,…]}``, 5.2 M entries (the issue's: 2.45 GB and a 262 MB Status);
* ``empty-objects``: ``[{},{},…]``, 3.5 M empty dicts (the most Python objects per byte);
* ``empty-arrays``: ``[[],[],…]``;
* ``short-strings``: ``["ab","ab",…]``, 2.1 M strings; ``floats``: ``[0.5,0.5,…]``, 2.6 M floats;
* ``max-valid``: 10,000 attack-patterns of ~1 KiB each, all stored (the largest accepted request);
* ``max-invalid``: 10,000 objects of ~1 KiB that all fail validation.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/taxii_envelope_memory.py`` (Linux: reads /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import httpx

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(SRC.parent))

from tests.conftest import wait_http  # noqa: E402

from tongzhou.store import open_store  # noqa: E402
from tongzhou.threats.auth import Authority  # noqa: E402
from tongzhou.threats.media import TAXII_MEDIA_TYPE  # noqa: E402
from tongzhou.threats.repository import TaxiiRepository  # noqa: E402

LIMIT = 10 * 1024 * 1024 - 64


def _fill(item: bytes) -> bytes:
    count = (LIMIT - len(b'{"objects":[]}')) // (len(item) + 1)
    return b'{"objects":[' + b",".join([item] * count) + b"]}"


def _attack_pattern(i: int, valid: bool) -> dict[str, object]:
    return {
        "type": "attack-pattern",
        "spec_version": "2.1",
        "id": f"attack-pattern--{uuid.uuid4()}",
        "created": "2025-01-01T00:00:00.000Z",
        "modified": "2025-01-01T00:00:00.000Z" if valid else "2024-01-01T00:00:00.000Z",
        "name": f"pattern {i}",
        "description": "x" * 800,
    }


def envelopes() -> dict[str, bytes]:
    """The worst envelopes, by name."""
    return {
        "zeros": _fill(b"0"),
        "empty-objects": _fill(b"{}"),
        "empty-arrays": _fill(b"[]"),
        "short-strings": _fill(b'"ab"'),
        "floats": _fill(b"0.5"),
        "max-valid": json.dumps({"objects": [_attack_pattern(i, True) for i in range(10_000)]}).encode(),
        "max-invalid": json.dumps({"objects": [_attack_pattern(i, False) for i in range(10_000)]}).encode(),
    }


def _peak_kib(pid: int) -> tuple[int, int]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def measure(name: str, body: bytes, workdir: Path) -> str:
    """Start a server, send ``body`` once, and report its answer and peak RSS."""
    url = f"sqlite:///{workdir / f'{name}.db'}"
    store = open_store(url)
    collection = TaxiiRepository(store).create_collection("tongzhou", "memory")
    Authority(store).add_principal("bench", is_admin=True)
    key = Authority(store).issue_api_key("bench")
    store.close()
    port = 20000 + os.getpid() % 20000
    env = dict(
        os.environ,
        TONGZHOU_DATABASE_URL=url,
        TONGZHOU_TAXII_MIGRATE="0",
        TONGZHOU_TAXII_VALIDATION_PROCESSES="0",
        PYTHONPATH=str(SRC),
    )
    command = [sys.executable, "-m", "uvicorn", "--factory", "tongzhou.threats.server:app_from_env"]
    command += ["--http", "tongzhou.threats.http_protocol:TaxiiHttpProtocol", "--port", str(port)]
    proc = subprocess.Popen([*command, "--log-level", "warning"], env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/taxii2/", process=proc)
        headers = {"Authorization": f"Bearer {key}", "Accept": TAXII_MEDIA_TYPE}
        headers["Content-Type"] = TAXII_MEDIA_TYPE
        objects_url = f"{base}/tongzhou/collections/{collection.id}/objects/"
        httpx.post(objects_url, content=json.dumps({"objects": [_attack_pattern(0, True)]}), headers=headers)
        _, before = _peak_kib(proc.pid)
        response = httpx.post(objects_url, content=body, headers=headers, timeout=300)
        _, after = _peak_kib(proc.pid)
        answer = f"{response.status_code}"
        if response.status_code == 202:
            status = response.json()
            answer += f" ({status['success_count']} stored, {status['failure_count']} failed)"
        size = len(body) / 2**20
        peak = f"peak RSS {before / 1024:6.0f} → {after / 1024:6.0f} MiB"
        return f"{name:14} {size:5.1f} MiB  answer {answer:28} {peak}"
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated envelope names")
    args = parser.parse_args()
    wanted = set(args.only.split(",")) if args.only else None
    with tempfile.TemporaryDirectory() as tmp:
        for name, body in envelopes().items():
            if wanted is None or name in wanted:
                print(measure(name, body, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
