"""`tongzhou keys` and `tongzhou attest` through the real CLI (Typer app, files on disk)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.attest.summaries import make_summary
from tongzhou.atomic_file import write_json_atomic
from tongzhou.attest import KeyRing, sign_run
from tongzhou.attest.bundle import write_bundle
from tongzhou.cli.main import app
from tongzhou.errors import InputError

runner = CliRunner()


def _run(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env=env)


def test_keys_generate_list_export(tongzhou_home: Path, tmp_path: Path) -> None:
    assert _run("keys", "generate", "lab").exit_code == 0
    result = _run("keys", "generate", "locked", "--passphrase", env={"TONGZHOU_KEY_PASSPHRASE": "s3cret"})
    assert result.exit_code == 0 and "passphrase-protected" in result.output
    for name in ("lab", "locked"):
        assert stat.S_IMODE((tongzhou_home / "keys" / f"{name}.key").stat().st_mode) == 0o600
    listing = _run("keys", "list").output
    assert "lab" in listing and "locked" in listing
    pem = _run("keys", "export", "lab").output
    assert pem.startswith("-----BEGIN PUBLIC KEY-----") and "PRIVATE" not in pem
    entry = yaml.safe_load(
        _run(
            "keys",
            "export",
            "lab",
            "--policy-entry",
            "--evaluator",
            "Lab",
            "--jurisdiction",
            "CN",
            "--jurisdiction",
            "EU",
        ).output
    )
    assert entry["evaluators"][0]["recognised_for"] == [
        {"profile": "gbt45654", "jurisdictions": ["CN", "EU"]}
    ]
    again = _run("keys", "generate", "lab")
    assert isinstance(again.exception, InputError) and "already exists" in str(again.exception)


@pytest.fixture
def signed_file(tmp_path: Path) -> tuple[Path, Path, Path, dict[str, Any]]:
    """An attestation by the key ring's ``lab`` key, its bundle, and a policy trusting it."""
    ring = KeyRing()
    ring.generate("lab")
    summary = make_summary(tmp_path / "banks", n_items=30)
    envelope = sign_run(summary, ring.private_key("lab"), "Lab")
    path = write_json_atomic(tmp_path / "run.dsse.json", envelope)
    bundle = write_bundle(tmp_path / "bundle", summary)
    policy = tmp_path / "trust.yaml"
    entry = _run("keys", "export", "lab", "--policy-entry").output
    policy.write_text("policy: tongzhou-trust-policy/v1\nname: cli test\n" + entry)
    return path, bundle, policy, envelope


def test_verify_exit_codes_and_reasons(
    signed_file: tuple[Path, Path, Path, dict[str, Any]], tmp_path: Path
) -> None:
    path, bundle, policy, envelope = signed_file
    ok = _run("attest", "verify", str(path), "--policy", str(policy), "--bundle", str(bundle))
    assert ok.exit_code == 0 and "VERIFIED" in ok.output
    assert _run("attest", "verify", str(path)).exit_code == 0  # the local key ring
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["report"]["metrics"]["should_refuse_refusal_rate"]["value"] = 1.0
    forged = dict(envelope, payload=base64.b64encode(json.dumps(statement).encode()).decode())
    bad = write_json_atomic(tmp_path / "forged.dsse.json", forged)
    result = _run("attest", "verify", str(bad), "--policy", str(policy), "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["failures"][0]["code"] == "bad-signature"
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    assert isinstance(_run("attest", "verify", str(junk)).exception, InputError)
    assert isinstance(
        _run("attest", "verify", str(path), "--bundle", str(tmp_path / "nope")).exception, InputError
    )


def test_recognise_and_report(signed_file: tuple[Path, Path, Path, dict[str, Any]], tmp_path: Path) -> None:
    path, _, policy, _ = signed_file
    result = _run("attest", "recognise", str(path), "--policy", str(policy), "--json")
    assert result.exit_code == 0
    view = json.loads(result.output)
    assert [c["artefact"] for c in view["claims"]][0] == "safety-evaluation-report"
    for fmt, head in (("html", "<!DOCTYPE html>"), ("md", "# 安全评测报告")):
        out = tmp_path / f"r.{fmt}"
        assert _run("attest", "report", str(path), "--format", fmt, "--out", str(out)).exit_code == 0
        assert out.read_text("utf-8").startswith(head)
    bad = _run("attest", "report", str(path), "--format", "docx")
    assert isinstance(bad.exception, InputError)


def test_sign_without_runs_or_key_says_why() -> None:
    result = _run("attest", "sign", "latest", "--key", "missing")
    assert isinstance(result.exception, InputError) and "tongzhou keys generate missing" in str(
        result.exception
    )


def test_verify_with_a_public_key_file_instead_of_a_policy(tmp_path: Path) -> None:
    other = KeyRing(tmp_path / "elsewhere")
    info = other.generate("far-lab")
    summary = make_summary(tmp_path / "banks", n_items=9)
    envelope = sign_run(summary, other.private_key("far-lab"), "Far")
    path = write_json_atomic(tmp_path / "far.dsse.json", envelope)
    unknown = _run("attest", "verify", str(path), "--json")  # not in this home's key ring
    assert unknown.exit_code == 1 and json.loads(unknown.output)["failures"][0]["code"] == "unknown-key"
    pem = tmp_path / "far.pub"
    pem.write_text(info.public_pem)
    assert _run("attest", "verify", str(path), "--public-key", str(pem)).exit_code == 0
    policy = tmp_path / "p.yaml"
    policy.write_text("policy: tongzhou-trust-policy/v1\n")
    both = _run("attest", "verify", str(path), "--public-key", str(pem), "--policy", str(policy))
    assert isinstance(both.exception, InputError) and "not both" in str(both.exception)
    notkey = tmp_path / "not.pub"
    notkey.write_text("hello")
    assert isinstance(_run("attest", "verify", str(path), "--public-key", str(notkey)).exception, InputError)
