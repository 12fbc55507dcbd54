"""`tongzhou init`: the tour's example files are written, valid for the commands that read them, never
overwritten by accident."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_error_lines import one_error_line, tongzhou_cli
from tongzhou.errors import ExitCode, InputError
from tongzhou.starter import write_starter


def test_every_file_is_valid_for_the_command_that_reads_it(tmp_path: Path) -> None:
    from PIL import Image

    from tongzhou.attest import KeyRing
    from tongzhou.evaluate import load_bank
    from tongzhou.gateway.policy import load_policy
    from tongzhou.systems import load_profile

    written = {p.relative_to(tmp_path).as_posix() for p in write_starter(tmp_path)}
    assert {
        "my-system.yaml",
        "my-bank.jsonl",
        "gateway.yaml",
        "picture.png",
        "answer.md",
        "FILES.md",
    } <= written
    assert {"corpus/web.jsonl", "corpus/books.jsonl"} <= written
    assert load_profile(tmp_path / "my-system.yaml").id == "my-system"
    assert len(load_bank(tmp_path / "my-bank.jsonl").items) == 6
    KeyRing().generate("regulator")  # the tour makes it before starting the gateway
    policy = load_policy(tmp_path / "gateway.yaml")
    assert policy.audit_dir() == tmp_path / "gateway-audit"
    assert Image.open(tmp_path / "picture.png").size == (320, 200)
    for name in ("my-system.yaml", "gateway.yaml"):
        assert (tmp_path / name).read_text("utf-8").startswith("# "), f"{name} explains itself"


def test_existing_files_are_kept_unless_forced(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "my-system.yaml").write_text("mine", "utf-8")
    with pytest.raises(InputError, match="already has my-system.yaml"):
        write_starter(tmp_path)
    assert (tmp_path / "my-system.yaml").read_text("utf-8") == "mine"
    assert not (tmp_path / "gateway.yaml").exists()  # nothing written at all
    code, out = tongzhou_cli(capfd, "init", str(tmp_path))
    assert code == ExitCode.BAD_INPUT and "--force" in one_error_line(out)
    code, out = tongzhou_cli(capfd, "init", str(tmp_path), "--force")
    assert code == ExitCode.OK and (tmp_path / "gateway.yaml").is_file()
    assert (tmp_path / "my-system.yaml").read_text("utf-8") != "mine"
