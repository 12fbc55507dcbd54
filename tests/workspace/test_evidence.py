"""Evidence is read and checked before it is attached; a refused file leaves nothing behind."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.attest.summaries import make_summary
from tests.energy.test_report import run_summary_with_energy
from tests.labels.helpers import PRODUCER
from tests.workspace.conftest import AS_OF
from tongzhou.attest import KeyRing, policy_from_dict, sign_run
from tongzhou.errors import InputError
from tongzhou.workspace.coverage import coverage_by_jurisdiction, item_coverage
from tongzhou.workspace.service import ComplianceWorkspace


def _item(workspace: ComplianceWorkspace, system: str, obligation: str) -> int:
    return next(i.id for i in workspace.items(system) if i.obligation_id == obligation)


@pytest.fixture
def signed(tmp_path: Path) -> tuple[dict[str, Any], KeyRing]:
    """A real run signed by the key ``lab`` (and a ring that also holds ``stranger``)."""
    ring = KeyRing(tmp_path / "keys")
    ring.generate("lab")
    ring.generate("stranger")
    envelope = sign_run(make_summary(tmp_path / "banks", n_items=12), ring.private_key("lab"), "Example Lab")
    return envelope, ring


def _policy(ring: KeyRing, key: str) -> Any:
    return policy_from_dict(
        {
            "policy": "tongzhou-trust-policy/v1",
            "name": "workspace test policy",
            "evaluators": [
                {
                    "name": "Example Lab",
                    "public_key": ring.info(key).public_pem,
                    "valid_from": "2026-01-01T00:00:00Z",
                    "valid_until": "2030-12-31T23:59:59Z",
                    "recognised_for": [
                        {"profile": "gbt45654", "versions": ["2025"], "jurisdictions": ["CN", "EU"]}
                    ],
                }
            ],
        }
    )


def test_an_attestation_is_read_verified_and_counts_where_the_crosswalk_says(
    workspace: ComplianceWorkspace,
    signed: tuple[dict[str, Any], KeyRing],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    envelope, ring = signed
    monkeypatch.chdir(tmp_path)
    Path("run.dsse.json").write_text(json.dumps(envelope), "utf-8")
    workspace.plan("frontier-gpai", as_of=AS_OF, jurisdictions="eu")
    art55 = _item(workspace, "frontier-gpai", "eu.art55_1a")
    record = workspace.attach(art55, Path("run.dsse.json"), "attestation", policy=_policy(ring, "lab"))
    assert record.artefact == "safety-evaluation-report" and record.kind == "attestation"
    assert record.sha256 == "sha256:" + hashlib.sha256(Path("run.dsse.json").read_bytes()).hexdigest()
    assert record.details["verified"]["signer_key_id"] == ring.info("lab").key_id
    assert record.details["signers"] == [ring.info("lab").key_id]
    assert record.details["evaluator"] == "Example Lab"
    items = workspace.items("frontier-gpai")
    art55_item = next(i for i in items if i.id == art55)
    assert item_coverage(art55_item, items).covered
    eu = coverage_by_jurisdiction(items)[0]
    assert art55 not in [c.item.id for c in eu.missing]
    assert "safety-evaluation-report" in eu.artefacts_on_file


def test_an_attestation_that_does_not_verify_is_refused(
    workspace: ComplianceWorkspace,
    signed: tuple[dict[str, Any], KeyRing],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    envelope, ring = signed
    monkeypatch.chdir(tmp_path)
    workspace.plan("frontier-gpai", as_of=AS_OF, jurisdictions="eu")
    art55 = _item(workspace, "frontier-gpai", "eu.art55_1a")
    Path("run.dsse.json").write_text(json.dumps(envelope), "utf-8")
    with pytest.raises(InputError, match="does not verify under trust policy"):
        workspace.attach(art55, Path("run.dsse.json"), "attestation", policy=_policy(ring, "stranger"))
    payload = json.loads(base64.b64decode(envelope["payload"]))
    payload["predicate"]["report"]["evaluator"]["name"] = "Someone Else"
    tampered = dict(envelope, payload=base64.b64encode(json.dumps(payload).encode()).decode())
    Path("tampered.dsse.json").write_text(json.dumps(tampered), "utf-8")
    with pytest.raises(InputError, match="does not verify"):
        workspace.attach(art55, Path("tampered.dsse.json"), "attestation", policy=_policy(ring, "lab"))
    Path("not-an-envelope.json").write_text('{"hello": 1}', "utf-8")
    with pytest.raises(InputError, match="not a DSSE attestation"):
        workspace.attach(art55, Path("not-an-envelope.json"), "attestation")
    assert workspace.item(art55).evidence == []


def test_label_and_energy_reports_are_read_from_the_real_tools(
    workspace: ComplianceWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tongzhou.energy.report import build_report
    from tongzhou.labels.files import inspect_file, label_file

    monkeypatch.chdir(tmp_path)
    Path("answer.md").write_text("# Answer\n\nGenerated text.\n", "utf-8")
    labelled = label_file(Path("answer.md"), PRODUCER, out_dir=tmp_path / "labelled").output
    Path("labels.jsonl").write_text(json.dumps(inspect_file(labelled).to_dict()) + "\n", "utf-8")
    Path("energy.json").write_text(json.dumps(build_report(run_summary_with_energy())), "utf-8")

    workspace.plan("frontier-gpai", as_of=AS_OF, jurisdictions="eu,cn")
    items = {i.obligation_id: i.id for i in workspace.items("frontier-gpai")}
    label = workspace.attach(items["eu.art50_2"], Path("labels.jsonl"), "label-report")
    assert label.artefact == "content-labeling-conformance"
    assert label.details["files"] == 1 and label.details["valid"] == 1
    energy = workspace.attach(items["eu.art53_1a"], Path("energy.json"), "energy-report")
    assert energy.artefact == "energy-documentation" and energy.details["method"] == "estimated"

    # Wrong kinds: a label report read as an energy report, an energy report as a label report.
    with pytest.raises(InputError, match="not an energy report"):
        workspace.attach(items["eu.art53_1a"], Path("labels.jsonl"), "energy-report")
    with pytest.raises(InputError, match="not a label report"):
        workspace.attach(items["eu.art50_2"], Path("energy.json"), "label-report")
    # An artefact that does not serve the obligation (the crosswalk says what does).
    with pytest.raises(InputError, match="does not serve eu.art50_2"):
        workspace.attach(items["eu.art50_2"], Path("energy.json"), "energy-report")
    assert len(workspace.item(items["eu.art50_2"]).evidence) == 1


def test_paths_kinds_and_artefacts_are_checked_first(
    workspace: ComplianceWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = tmp_path / "inside"
    inside.mkdir()
    monkeypatch.chdir(inside)
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF outside")
    Path("link.pdf").symlink_to(outside)
    Path("rmf.pdf").write_bytes(b"%PDF risk file")
    workspace.plan("cv-screening", as_of=AS_OF, jurisdictions="eu")
    art9 = _item(workspace, "cv-screening", "eu.art9")
    cases = [
        (
            dict(path=outside, kind="file", artefact="risk-management-file"),
            "outside the places evidence may come",
        ),
        (dict(path=Path("link.pdf"), kind="file", artefact="risk-management-file"), "outside the places"),
        (dict(path=Path("missing.pdf"), kind="file", artefact="risk-management-file"), "no such file"),
        (dict(path=Path("."), kind="file", artefact="risk-management-file"), "is a directory"),
        (dict(path=Path("rmf.pdf"), kind="file"), "needs --artefact"),
        (dict(path=Path("rmf.pdf"), kind="pdf", artefact="risk-management-file"), "unknown evidence kind"),
        (dict(path=Path("rmf.pdf"), kind="file", artefact="vibes"), "unknown artefact 'vibes'"),
        (dict(path=Path("rmf.pdf"), kind="energy-report", artefact="risk-management-file"), "can stand for"),
        (dict(path=Path("rmf.pdf"), kind="file", artefact="energy-documentation"), "does not serve eu.art9"),
    ]
    for kwargs, message in cases:
        with pytest.raises(InputError, match=message):
            workspace.attach(art9, **kwargs)  # type: ignore[arg-type]
    assert workspace.item(art9).evidence == []
    monkeypatch.setenv("TONGZHOU_EVIDENCE_DIRS", str(tmp_path))
    assert workspace.attach(art9, outside, "file", artefact="risk-management-file").name == "outside.pdf"


def test_done_needs_evidence_and_evidence_serves_every_obligation_it_maps_to(
    workspace: ComplianceWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("rmf.pdf").write_bytes(b"%PDF risk file")
    workspace.plan("cv-screening", as_of=AS_OF, jurisdictions="eu,kr")
    art9 = _item(workspace, "cv-screening", "eu.art9")
    kr34 = _item(workspace, "cv-screening", "kr.art34")
    with pytest.raises(InputError, match="has no evidence on file"):
        workspace.set_status(kr34, "done")
    workspace.attach(art9, Path("rmf.pdf"), "file", artefact="risk-management-file", attached_by="Ana")
    # The same risk management file serves Korea's Art. 34 (crosswalk), so kr.art34 may be done now.
    assert workspace.set_status(kr34, "done").status == "done"
    items = workspace.items("cv-screening")
    coverage = item_coverage(next(i for i in items if i.id == kr34), items)
    assert coverage.reused_from == [art9] and coverage.on_file[0].attached_by == "Ana"
