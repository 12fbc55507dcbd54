"""`attest sign --bom`: an AI-BOM's digest becomes a Statement subject, the attestation still verifies,
and a BOM of another model file is refused."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.attest.conftest import PolicyFactory
from tests.attest.summaries import make_summary
from tests.oss.bom_fixtures import dataset_folder, hf_model_folder
from tongzhou.atomic_file import write_json_atomic
from tongzhou.attest import KeyRing, sign_run, verify_attestation
from tongzhou.attest.dsse import sign_envelope
from tongzhou.attest.statement import PAYLOAD_TYPE, statement_bytes
from tongzhou.cli.main import app
from tongzhou.errors import InputError
from tongzhou.oss import build_ai_bom, read_ai_bom

CREATED = "2026-12-06T09:00:00Z"


def _statement(envelope: dict[str, Any]) -> dict[str, Any]:
    return json.loads(base64.b64decode(envelope["payload"]))


def test_bom_digests_are_subjects_and_verification_holds(
    summary: dict[str, Any], ring: KeyRing, make_policy: PolicyFactory, tmp_path: Path
) -> None:
    model_bom = build_ai_bom(hf_model_folder(tmp_path), created=CREATED)
    data_bom = build_ai_bom(dataset_folder(tmp_path), fmt="spdx", created=CREATED)
    files = [model_bom.write(tmp_path / "model.cdx.json"), data_bom.write(tmp_path / "data.spdx.json")]
    boms = [read_ai_bom(p) for p in files]
    assert [b.digest for b in boms] == [model_bom.digest, data_bom.digest]
    envelope = sign_run(summary, ring.private_key("lab"), "Lab", signed_at="2026-11-20T09:00:00Z", boms=boms)
    statement = _statement(envelope)
    subjects = {s["name"]: s["digest"] for s in statement["subject"]}
    assert subjects["tongzhou-aibom:tiny-llama-chat"] == {"sha256": model_bom.digest.removeprefix("sha256:")}
    assert subjects["tongzhou-aibom:chat-pairs"] == {"sha256": data_bom.digest.removeprefix("sha256:")}
    assert statement["predicate"]["report"]["ai_boms"] == [
        {"name": "chat-pairs", "kind": "dataset", "format": "spdx", "sha256": data_bom.digest},
        {"name": "tiny-llama-chat", "kind": "model", "format": "cyclonedx", "sha256": model_bom.digest},
    ]
    result = verify_attestation(envelope, policy=make_policy())
    assert result.ok, result.failures


def test_a_swapped_bom_subject_is_caught_even_when_re_signed(
    summary: dict[str, Any], ring: KeyRing, tmp_path: Path
) -> None:
    bom = read_ai_bom(build_ai_bom(hf_model_folder(tmp_path), created=CREATED).write(tmp_path / "b.json"))
    envelope = sign_run(summary, ring.private_key("lab"), "Lab", boms=[bom])
    statement = _statement(envelope)
    aibom = next(s for s in statement["subject"] if s["name"].startswith("tongzhou-aibom:"))
    aibom["digest"] = {"sha256": hashlib.sha256(b"another model").hexdigest()}
    forged = sign_envelope(statement_bytes(statement), PAYLOAD_TYPE, ring.private_key("lab"))
    keys = {ring.info("lab").key_id: ring.public_key("lab")}
    assert verify_attestation(envelope, trusted_keys=keys).ok
    assert "subject-mismatch" in verify_attestation(forged, trusted_keys=keys).reasons()


def test_bom_of_another_model_file_is_refused(summary: dict[str, Any], ring: KeyRing, tmp_path: Path) -> None:
    weights = tmp_path / "other.gguf"
    weights.write_bytes(b"GGUF\3\0\0\0" + b"\0" * 60)  # a valid GGUF v3 header with no tensors, no keys
    bom = read_ai_bom(build_ai_bom(weights, created=CREATED).write(tmp_path / "other.cdx.json"))
    with pytest.raises(InputError, match="describes a model file with sha256:"):
        sign_run(summary, ring.private_key("lab"), "Lab", boms=[bom])
    matching = dict(summary, model={**summary["model"], "identity": f"sha256:{bom.subject_sha256}"})
    envelope = sign_run(matching, ring.private_key("lab"), "Lab", boms=[bom])
    assert any(s["name"] == "tongzhou-aibom:other.gguf" for s in _statement(envelope)["subject"])


def test_not_a_bom_is_refused_bilingually(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(InputError, match="not an AI-BOM") as caught:
        read_ai_bom(path)
    assert caught.value.zh and "物料清单" in caught.value.zh
    with pytest.raises(InputError, match="no such AI-BOM"):
        read_ai_bom(tmp_path / "absent.json")


def test_cli_sign_with_bom_then_verify(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "generate", "lab"]).exit_code == 0
    summary = write_json_atomic(tmp_path / "run.json", make_summary(tmp_path / "banks", n_items=9))
    bom = build_ai_bom(dataset_folder(tmp_path), created=CREATED)
    bom_file = bom.write(tmp_path / "data.cdx.json")
    out = tmp_path / "run.dsse.json"
    signed = runner.invoke(
        app, ["attest", "sign", str(summary), "--key", "lab", "--bom", str(bom_file), "--out", str(out)]
    )
    assert signed.exit_code == 0, signed.output
    names = [s["name"] for s in _statement(json.loads(out.read_text()))["subject"]]
    assert "tongzhou-aibom:chat-pairs" in names
    verified = runner.invoke(app, ["attest", "verify", str(out), "--json"])
    assert verified.exit_code == 0, verified.output
    missing = runner.invoke(
        app,
        [
            "attest",
            "sign",
            str(summary),
            "--key",
            "lab",
            "--bom",
            str(tmp_path / "none.json"),
            "--out",
            str(tmp_path / "x.json"),
        ],
    )
    assert isinstance(missing.exception, InputError) and not (tmp_path / "x.json").exists()
