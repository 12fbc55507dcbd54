"""`tongzhou reassess` as a user runs it: the tick twice for one day, the overdue list's exit status,
sign-off, and bad input as one error line with nothing written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str, env_home: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "TONGZHOU_HOME": str(env_home)}
    env.pop("TONGZHOU_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "tongzhou.cli.entry", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_tick_twice_then_overdue_then_sign_off(tongzhou_home: Path) -> None:
    assert _run("systems", "add", "--examples", env_home=tongzhou_home).returncode == 0
    first = _run("reassess", "tick", "--as-of", "2026-12-06", "--format", "json", env_home=tongzhou_home)
    assert first.returncode == 0, first.stderr
    assert sorted(json.loads(first.stdout)["assessed"]) == [
        "admissions-completeness-check",
        "classroom-emotion",
    ]
    again = _run("reassess", "tick", "--as-of", "2026-12-06", env_home=tongzhou_home)
    assert again.returncode == 0 and "nothing new" in again.stdout
    late = _run("reassess", "overdue", "--as-of", "2027-02-01", env_home=tongzhou_home)
    assert late.returncode == 1 and "classroom-emotion: due 2026-12-06" in late.stdout
    signed = _run(
        "reassess",
        "sign-off",
        "classroom-emotion",
        "--by",
        "Ana",
        "--as-of",
        "2027-02-01",
        env_home=tongzhou_home,
    )
    assert signed.returncode == 0, signed.stderr
    shown = _run("reassess", "history", "classroom-emotion", "--format", "json", env_home=tongzhou_home)
    assert json.loads(shown.stdout)[0]["signed_off_by"] == "Ana"


@pytest.fixture(scope="module")
def planned_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples registered and their review plans made once; each bad-input case gets a copy."""
    home = tmp_path_factory.mktemp("reassess-cli") / "tongzhou-home"
    assert _run("systems", "add", "--examples", env_home=home).returncode == 0
    assert _run("reassess", "plans", "--as-of", "2026-12-06", env_home=home).returncode == 0
    return home


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("reassess", "tick", "--as-of", "2026-02-30"), "is not a date"),
        (("reassess", "configure", "nope", "--email", "a@b.example"), "no review plan"),
        (("reassess", "configure", "classroom-emotion", "--endpoint", "http://x"), "openai:"),
        (("reassess", "configure", "classroom-emotion", "--webhook", "ftp://x"), "not an http(s) URL"),
        (("reassess", "sign-off", "classroom-emotion", "--by", " "), "--by"),
        (("reassess", "tick", "--policy", "/nonexistent/policy.yaml"), "cannot read review policy"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(
    tongzhou_home: Path, planned_home: Path, args: tuple[str, ...], needle: str
) -> None:
    shutil.copytree(planned_home, tongzhou_home)
    result = _run(*args, env_home=tongzhou_home)
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("error:") == 1


def test_workspace_list_marks_the_items_a_review_flagged(
    tongzhou_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from tests.reassess.conftest import public_chatbot
    from tongzhou.reassess import configure, run_tick
    from tongzhou.store import open_store
    from tongzhou.systems import SystemRegistry
    from tongzhou.workspace import ComplianceWorkspace

    store = open_store()
    try:
        SystemRegistry(store).add(public_chatbot())
        ComplianceWorkspace(store).plan("city-helpdesk", as_of=dt.date(2026, 6, 1), jurisdictions="eu")
        run_tick(store, dt.date(2026, 6, 1), run_evaluations=False)
        configure(store, "city-helpdesk", jurisdictions="eu", next_due=dt.date(2027, 12, 6))
        run_tick(store, dt.date(2027, 12, 6), run_evaluations=False)  # duties that began to apply since
    finally:
        store.close()
    listed = _run("workspace", "list", "city-helpdesk", "--format", "json", env_home=tongzhou_home)
    assert listed.returncode == 0, listed.stderr
    flagged = {i["obligation_id"]: i["needs_review"] for i in json.loads(listed.stdout) if i["needs_review"]}
    assert flagged and all("obligation" in reason for reason in flagged.values())
    monkeypatch.setenv("COLUMNS", "250")  # rich wraps the table to the terminal's width
    table = _run("workspace", "list", "city-helpdesk", env_home=tongzhou_home)
    assert "needs review" in table.stdout
