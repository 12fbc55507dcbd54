"""The `tongzhou threats` and `tongzhou incident` command groups, end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from typer.testing import CliRunner

from tests.conftest import free_port, wait_http
from tests.threats.conftest import LiveTaxii, attack_pattern
from tests.threats.test_processes import SRC
from tongzhou.cli.main import app
from tongzhou.errors import InputError
from tongzhou.store import open_store
from tongzhou.threats.incidents import list_incidents
from tongzhou.threats.repository import TaxiiRepository

runner = CliRunner()


def test_imports_are_idempotent_and_incidents_get_deadlines(tmp_path: Path) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["threats", "import-atlas"])
        assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["threats", "import-avid"]).exit_code == 0
    assert runner.invoke(app, ["threats", "import-aiid"]).exit_code == 0
    store = open_store()
    try:
        repo = TaxiiRepository(store)
        assert repo.count(repo.collection("tongzhou", "mitre-atlas")) == 24
        assert len(list_incidents(store)) == 3
    finally:
        store.close()

    made = runner.invoke(
        app,
        [
            "incident",
            "new",
            "--title",
            "Assistant leaked records",
            "--harm",
            "rights",
            "--widespread",
            "--aware",
            "2026-11-20T09:00:00Z",
            "--technique",
            "AML.T0051",
        ],
    )
    assert made.exit_code == 0, made.output
    assert "2026-11-22T09:00:00Z" in made.output and "Art. 73(3)" in made.output
    incident_id = made.output.split()[0]
    out = tmp_path / "draft.json"
    assert (
        runner.invoke(
            app, ["incident", "report", incident_id, "--format", "json", "--out", str(out)]
        ).exit_code
        == 0
    )
    assert json.loads(out.read_text())["deadline"] == "2026-11-22T09:00:00Z"
    listed = runner.invoke(app, ["incident", "list"])
    assert listed.exit_code == 0 and "Assistant" in listed.output

    bad = runner.invoke(app, ["incident", "new", "--title", "x", "--harm", "vibes"])
    assert isinstance(bad.exception, InputError)  # `tongzhou` prints it and exits 2


def test_push_and_pull_against_a_live_server(live_taxii: LiveTaxii, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.json"
    objects = [attack_pattern(f"p{i}") for i in range(5)]
    bundle.write_text(
        json.dumps(
            {"type": "bundle", "id": "bundle--6f1d2b7e-0c1a-4a8e-9f10-3d2c1b0a9e87", "objects": objects}
        )
    )
    url = live_taxii.collection_url(live_taxii.shared)
    pushed = runner.invoke(
        app, ["threats", "push", str(bundle), "--url", url, "--api-key", live_taxii.writer_key]
    )
    assert pushed.exit_code == 0, pushed.output
    out = tmp_path / "pulled.json"
    pulled = runner.invoke(
        app, ["threats", "pull", "--url", url, "--api-key", live_taxii.reader_key, "--out", str(out)]
    )
    assert pulled.exit_code == 0, pulled.output
    assert [o["id"] for o in json.loads(out.read_text())["objects"]] == [o["id"] for o in objects]
    denied = runner.invoke(
        app, ["threats", "push", str(bundle), "--url", url, "--api-key", live_taxii.reader_key]
    )
    assert denied.exit_code != 0


def test_serve_starts_a_server_on_the_home_store(tongzhou_home: Path) -> None:
    port = free_port()
    env = dict(
        os.environ,
        PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
        TONGZHOU_TAXII_VALIDATION_PROCESSES="0",
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tongzhou.cli.main",
            "threats",
            "serve",
            "--port",
            str(port),
            "--max-content-length",
            "1234",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/taxii2/", timeout=60, process=proc)
        root = httpx.get(f"http://127.0.0.1:{port}/tongzhou/").json()
        assert root["max_content_length"] == 1234
        assert (tongzhou_home / "tongzhou.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
