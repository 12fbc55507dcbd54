"""`oss bom --licence-check`: the licence check's verdict in the BOM, as CycloneDX properties and SPDX
annotations, both still valid against their schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.oss import test_spdx_bom as spdx_tests
from tests.oss.licences import lineage_fixtures as fx
from tests.oss.test_bom_cli import _run
from tongzhou.errors import InputError
from tongzhou.oss import build_ai_bom
from tongzhou.oss.licences import IntendedUse

CREATED = "2026-12-06T09:00:00Z"
validator = spdx_tests.validator  # the SPDX tests' fixture: the vendored, checksummed 3.0.1 schema
SOLD = IntendedUse(commercial=True, monthly_active_users=5000, redistribute=True)


def _lineage(tmp_path: Path) -> tuple[Path, Path]:
    model = fx.llama_derivative(tmp_path)
    return model, fx.dataset(tmp_path / "data", "support-chats", "cc-by-nc-4.0", fx.CC_BY_NC)


def _checks(component: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for prop in component["properties"]:
        if prop["name"].startswith("tongzhou:licence-check"):
            found.setdefault(prop["name"], []).append(prop["value"])
    return found


def test_cyclonedx_carries_the_verdict_and_each_check(tmp_path: Path) -> None:
    model, data = _lineage(tmp_path)
    document = build_ai_bom(model, datasets=[data], created=CREATED, licence_use=SOLD).document
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document)) is None
    checks = _checks(document["metadata"]["component"])
    assert checks["tongzhou:licence-check:verdict"] == ["incompatible"]
    assert checks["tongzhou:licence-check:use"] == ["commercial, MAU 5,000, redistributed"]
    assert any(
        line.startswith("incompatible ") and "CC-BY-NC-4.0" in line
        for line in checks["tongzhou:licence-check"]
    )
    research = IntendedUse(commercial=False, monthly_active_users=5000, redistribute=True)
    again = build_ai_bom(model, datasets=[data], created=CREATED, licence_use=research).document
    # Non-commercial use clears the NC dataset; the base model's licence stays unread (no local copy).
    assert _checks(again["metadata"]["component"])["tongzhou:licence-check:verdict"] == ["undetermined"]
    assert again["serialNumber"] != document["serialNumber"]  # another check, another BOM
    plain = build_ai_bom(model, datasets=[data], created=CREATED).document
    assert not _checks(plain["metadata"]["component"])


def test_spdx_carries_review_annotations(validator: jsonschema.Draft202012Validator, tmp_path: Path) -> None:
    model, data = _lineage(tmp_path)
    document = build_ai_bom(model, fmt="spdx", datasets=[data], created=CREATED, licence_use=SOLD).document
    assert spdx_tests._errors(validator, document) == []
    spdx_tests._loaded(document)
    notes = [e for e in document["@graph"] if e["type"] == "Annotation"]
    (package,) = next(e for e in document["@graph"] if e["type"] == "SpdxDocument")["rootElement"]
    assert {n["subject"] for n in notes} == {package} and {n["annotationType"] for n in notes} == {"review"}
    assert notes[0]["statement"] == "licence check (commercial, MAU 5,000, redistributed): incompatible"


def test_a_dataset_cannot_be_licence_checked(tmp_path: Path) -> None:
    _, data = _lineage(tmp_path)
    with pytest.raises(InputError, match="--licence-check checks a model"):
        build_ai_bom(data, licence_use=SOLD)


def test_cli_records_the_verdict_and_refuses_bad_options(tmp_path: Path) -> None:
    model, data = _lineage(tmp_path)
    out = tmp_path / "bom.json"
    args = [str(model), "--dataset", str(data), "--out", str(out)]
    done = _run(*args, "--licence-check", "commercial", "--mau", "5000", "--redistribute")
    assert done.returncode == 0, done.stderr  # the BOM records the verdict; `oss licence` gates on it
    component = json.loads(out.read_text())["metadata"]["component"]
    assert _checks(component)["tongzhou:licence-check:verdict"] == ["incompatible"]
    for bad, words in (
        (["--licence-check", "sometimes"], "--licence-check must be"),
        (["--mau", "5"], "go with --licence-check"),
        (["--licence-check", "commercial", "--mau", "-1"], "--mau must be"),
    ):
        result = _run(*args, *bad)
        assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
