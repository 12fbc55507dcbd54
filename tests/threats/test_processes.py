"""The server as real processes: paging across two uvicorn workers, and SIGKILL during ingest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

import tongzhou
from tests.conftest import free_port, wait_http
from tests.threats.conftest import API_ROOT, attack_pattern, make_principals
from tongzhou.store import open_store
from tongzhou.threats.media import TAXII_MEDIA_TYPE
from tongzhou.threats.stix_ai import ai_system

SRC = str(Path(tongzhou.__file__).resolve().parents[1])


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated file-backed SQLite database or fresh PostgreSQL schema, as a URL for a subprocess."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'taxii.db'}"
    else:
        base, schema = request.getfixturevalue("postgres_url")
        url = f"{base}?options={quote(f'-csearch_path={schema}')}"
    open_store(url).close()
    yield url


def start_server(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """``uvicorn --factory tongzhou.threats.server:app_from_env`` on loopback."""
    # Two validation processes per server: exercises the spawned pool, bounded on any machine.
    env = dict(
        os.environ,
        TONGZHOU_DATABASE_URL=url,
        TONGZHOU_TAXII_MIGRATE="0",
        TONGZHOU_TAXII_VALIDATION_PROCESSES="2",
        PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    with log.open("ab") as handle:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "tongzhou.threats.server:app_from_env",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_http(f"http://127.0.0.1:{port}/taxii2/", timeout=60, process=proc)
    return proc


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=30)


def test_paging_across_two_workers(database_url: str, tmp_path: Path) -> None:
    store = open_store(database_url)
    repo, _authority, made = make_principals(store)
    objects = [attack_pattern(f"technique {i}") for i in range(1200)]
    for start in range(0, len(objects), 400):
        repo.add_objects(made["shared"], objects[start : start + 400])
    store.close()
    port = free_port()
    proc = start_server(database_url, port, workers=2, log=tmp_path / "server.log")
    try:
        url = f"http://127.0.0.1:{port}/{API_ROOT}/collections/{made['shared'].id}/objects/"
        headers = {"Accept": TAXII_MEDIA_TYPE, "Authorization": f"Bearer {made['reader_key']}"}
        seen: list[str] = []
        workers: set[str] = set()
        params: dict[str, str | int] = {"limit": 25}
        while True:
            # A new connection per page, so the kernel spreads pages over both workers.
            response = httpx.get(url, params=params, headers={**headers, "Connection": "close"}, timeout=30)
            assert response.status_code == 200, response.text
            workers.add(response.headers["x-tongzhou-worker"])
            envelope = response.json()
            seen.extend(o["id"] for o in envelope.get("objects", []))
            if not envelope["more"]:
                break
            params = {"limit": 25, "next": envelope["next"]}
        assert seen == [o["id"] for o in objects]
        for _ in range(200):  # make sure the listing really did (and can) cross workers
            if len(workers) >= 2:
                break
            workers.add(
                httpx.get(url, params={"limit": 1}, headers={**headers, "Connection": "close"}).headers[
                    "x-tongzhou-worker"
                ]
            )
        assert len(workers) == 2
        # The worker processes validate the AI extension properties too (registered on import).
        nameless = {k: v for k, v in ai_system("HealthBot").items() if k != "name"}
        posted = httpx.post(
            url,
            content=json.dumps({"objects": [nameless]}),
            headers={
                **headers,
                "Content-Type": TAXII_MEDIA_TYPE,
                "Authorization": f"Bearer {made['writer_key']}",
            },
            timeout=30,
        )
        assert posted.status_code == 202 and posted.json()["failure_count"] == 1
        assert "name" in posted.json()["failures"][0]["message"]
    finally:
        stop(proc)


def test_sigkill_during_ingest_loses_no_acknowledged_object(database_url: str, tmp_path: Path) -> None:
    store = open_store(database_url)
    repo, _authority, made = make_principals(store)
    collection = made["shared"]
    store.close()
    port = free_port()
    log = tmp_path / "server.log"
    proc = start_server(database_url, port, workers=1, log=log)
    url = f"http://127.0.0.1:{port}/{API_ROOT}/collections/{collection.id}/objects/"
    headers = {
        "Accept": TAXII_MEDIA_TYPE,
        "Content-Type": TAXII_MEDIA_TYPE,
        "Authorization": f"Bearer {made['writer_key']}",
    }
    acknowledged: list[str] = []
    batches: list[list[str]] = []
    stop_posting = threading.Event()

    def post_forever() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop_posting.is_set():
                batch = [attack_pattern(f"crash {len(batches)}-{i}") for i in range(250)]
                batches.append([o["id"] for o in batch])
                try:
                    response = client.post(url, content=json.dumps({"objects": batch}), headers=headers)
                except httpx.HTTPError:
                    return  # the server died mid-request: this batch was not acknowledged
                if response.status_code == 202:
                    acknowledged.extend(s["id"] for s in response.json()["successes"])

    poster = threading.Thread(target=post_forever)
    poster.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 1000 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop(proc, signal.SIGKILL)  # no shutdown, no flush: the process just vanishes
    stop_posting.set()
    poster.join(timeout=60)
    assert len(acknowledged) >= 1000

    proc = start_server(database_url, port, workers=1, log=log)
    try:
        stored: set[str] = set()
        params: dict[str, str | int] = {"limit": 5000}
        while True:
            envelope = httpx.get(url, params=params, headers=headers, timeout=30).json()
            stored.update(o["id"] for o in envelope.get("objects", []))
            if not envelope["more"]:
                break
            params = {"limit": 5000, "next": envelope["next"]}
        assert set(acknowledged) <= stored
        for batch in batches:  # every request landed whole or not at all
            assert len(stored.intersection(batch)) in (0, len(batch))
    finally:
        stop(proc)
