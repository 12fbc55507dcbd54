"""Scan findings published as STIX 2.1 vulnerability objects: valid for the stix2 library, stable ids,
and accepted by the TAXII server (`oss scan --stix`, then `threats push`, then `threats pull`)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import stix2
from typer.testing import CliRunner

from tests.oss.model_corpus import Sample
from tests.threats.conftest import LiveTaxii, live_taxii  # noqa: F401 (the fixture, used by name)
from tongzhou.cli.main import app
from tongzhou.oss import Severity, scan_paths
from tongzhou.oss.stix_findings import findings_bundle

runner = CliRunner()
WHEN = datetime(2026, 12, 6, 9, 0, 0, 123456, tzinfo=UTC)


def _malicious(corpus: list[Sample], *names: str) -> list[Path]:
    return [s.path for s in corpus if s.path.name in names]


def test_findings_become_valid_vulnerabilities_with_stable_ids(corpus: list[Sample]) -> None:
    paths = _malicious(corpus, "torch_zip.pt", "unknown_module.pkl")
    report = scan_paths(paths)
    bundle = findings_bundle(report, Severity.MEDIUM, WHEN)
    assert bundle == findings_bundle(scan_paths(paths), Severity.MEDIUM, WHEN)
    parsed = stix2.parse(bundle, allow_custom=False)
    assert len(parsed.objects) == len(report.at_or_above(Severity.MEDIUM)) >= 2
    torch = next(o for o in bundle["objects"] if "os.system" in o["name"])
    assert torch["created"] == "2026-12-06T09:00:00.123Z"
    assert "severity-critical" in torch["labels"]
    assert "torch_zip.pt!archive/data.pkl" in torch["description"]
    (reference,) = torch["external_references"]
    zip_path = paths[0] if paths[0].name == "torch_zip.pt" else paths[1]
    assert reference["hashes"] == {"SHA-256": hashlib.sha256(zip_path.read_bytes()).hexdigest()}
    assert str(zip_path.parent) not in json.dumps(bundle)  # only file names leave the machine
    assert findings_bundle(report, Severity.CRITICAL, WHEN)["objects"] == [
        o for o in bundle["objects"] if "severity-critical" in o["labels"]
    ]


def test_scan_stix_then_threats_push_to_the_taxii_server(
    corpus: list[Sample],
    live_taxii: LiveTaxii,  # noqa: F811 (the imported fixture, requested by name)
    tmp_path: Path,
) -> None:
    out = tmp_path / "findings.stix.json"
    target = _malicious(corpus, "torch_zip.pt")[0]
    scanned = runner.invoke(app, ["oss", "scan", str(target), "--stix", str(out)])
    assert scanned.exit_code == 1, scanned.output  # the finding still fails the scan
    objects = json.loads(out.read_text(encoding="utf-8"))["objects"]
    assert [o["type"] for o in objects] == ["vulnerability"]
    url = live_taxii.collection_url(live_taxii.shared)
    pushed = runner.invoke(
        app, ["threats", "push", str(out), "--url", url, "--api-key", live_taxii.writer_key]
    )
    assert pushed.exit_code == 0, pushed.output
    pulled_file = tmp_path / "pulled.json"
    pulled = runner.invoke(
        app,
        [
            "threats",
            "pull",
            "--url",
            url,
            "--api-key",
            live_taxii.reader_key,
            "--out",
            str(pulled_file),
            "--type",
            "vulnerability",
        ],
    )
    assert pulled.exit_code == 0, pulled.output
    (stored,) = json.loads(pulled_file.read_text(encoding="utf-8"))["objects"]
    assert (stored["id"], stored["name"]) == (objects[0]["id"], objects[0]["name"])
