"""The real `tongzhou systems` CLI in a subprocess: invalid input exits 2, names the field, writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import tongzhou
from tongzhou.store import open_store
from tongzhou.systems.registry import SystemRegistry

SRC = str(Path(tongzhou.__file__).resolve().parents[1])


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``tongzhou ARGS`` (the real entry point) with the test's TONGZHOU_HOME."""
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-c", "from tongzhou.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _registered() -> list[str]:
    store = open_store()
    try:
        return [s.id for s in SystemRegistry(store).list()]
    finally:
        store.close()


VALID = """\
id: ok-system
name: OK
purpose: A valid profile.
registrant: {name: A, role: provider}
provider: {name: A}
markets: [EU]
"""


def test_invalid_profile_exits_2_names_field_and_writes_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(VALID, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        VALID.replace("ok-system", "bad-system") + "model: {training_compute_flop: lots}\n", encoding="utf-8"
    )
    proc = run_cli("systems", "add", str(good), str(bad))
    assert proc.returncode == 2, proc.stderr
    assert "bad.yaml" in proc.stderr
    assert "model.training_compute_flop" in proc.stderr
    assert _registered() == []  # not even the valid one: the batch is all or nothing


def test_add_list_show_export_remove(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(VALID, encoding="utf-8")
    assert run_cli("systems", "add", str(good), "--examples").returncode == 0
    listed = json.loads(run_cli("systems", "list", "--format", "json").stdout)
    assert {"ok-system", "cv-screening", "frontier-gpai"} <= {row["id"] for row in listed}
    shown = run_cli("systems", "show", "ok-system", "--format", "json")
    assert json.loads(shown.stdout)["markets"] == ["EU"]
    out = tmp_path / "exported.yaml"
    assert run_cli("systems", "export", "cv-screening", "--out", str(out)).returncode == 0
    assert "recruitment_selection" in out.read_text(encoding="utf-8")
    assert run_cli("systems", "remove", "ok-system").returncode == 0
    missing = run_cli("systems", "show", "ok-system")
    assert missing.returncode == 2 and "no registered system 'ok-system'" in missing.stderr
