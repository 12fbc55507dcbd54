"""`tongzhou threats pull/push` against a live server: an alias URL works, a wrong key, a missing collection
and a server that is down are one line each with exit status 4 or 2 (they were tracebacks, issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.sweep import closed_port
from tests.cli.test_error_lines import one_error_line, tongzhou_cli
from tests.threats.conftest import LiveTaxii, attack_pattern
from tongzhou.errors import ExitCode


def test_a_collection_alias_in_the_url_is_resolved_to_its_id(
    live_taxii: LiveTaxii, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    live_taxii.repo.add_objects(live_taxii.shared, [attack_pattern("by alias")])
    out = tmp_path / "pulled.json"
    code, text = tongzhou_cli(
        capfd,
        "threats", "pull", "--url", f"{live_taxii.root_url}collections/shared/",
        "--api-key", live_taxii.reader_key, "--out", str(out),
    )  # fmt: skip
    assert code == ExitCode.OK, text
    assert [o["name"] for o in json.loads(out.read_text("utf-8"))["objects"]] == ["by alias"]


def test_remote_failures_are_one_line(
    live_taxii: LiveTaxii, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    url = live_taxii.collection_url(live_taxii.shared)
    code, text = tongzhou_cli(capfd, "threats", "pull", "--url", url, "--api-key", "tzk_wrong_key")
    assert code == ExitCode.UNREACHABLE and "refused the credentials" in one_error_line(text)

    code, text = tongzhou_cli(capfd, "threats", "pull", "--url", url, "--api-key", live_taxii.outsider_key)
    assert code == ExitCode.UNREACHABLE and one_error_line(text)

    dead = f"http://127.0.0.1:{closed_port()}/tongzhou/collections/x/"
    code, text = tongzhou_cli(capfd, "threats", "pull", "--url", dead)
    assert code == ExitCode.UNREACHABLE and f"cannot reach the TAXII server at {dead}" in one_error_line(text)

    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps({"type": "bundle", "id": "bundle--x", "objects": [attack_pattern("x")]}))
    code, text = tongzhou_cli(capfd, "threats", "push", str(bundle), "--url", dead)
    assert code == ExitCode.UNREACHABLE and "cannot reach" in one_error_line(text)

    code, text = tongzhou_cli(
        capfd, "threats", "pull", "--url", live_taxii.root_url, "--api-key", live_taxii.admin_key
    )
    assert code == ExitCode.BAD_INPUT and "Give a collection's URL" in one_error_line(text)
