"""The BOM's licence is the licence check's identification: an id with evidence, or undetermined."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.oss.format_builders import safetensors_file
from tests.oss.licences import lineage_fixtures as fx
from tongzhou.bundled_model import bundled_model_path
from tongzhou.oss import build_ai_bom
from tongzhou.oss.bom_licence import NOTHING_STATED, declared_licence

CREATED = "2026-12-06T09:00:00Z"


def _properties(component: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for prop in component.get("properties", []):
        found.setdefault(prop["name"].removeprefix("tongzhou:"), []).append(prop["value"])
    return found


def test_bundled_gguf_is_apache_from_its_metadata() -> None:
    licence = declared_licence(bundled_model_path())
    assert (licence.licence_id, licence.spdx_listed, licence.reason) == ("Apache-2.0", True, None)
    (evidence,) = licence.evidence
    assert evidence.startswith("SmolLM2-135M-Instruct.Q4_1.gguf: GGUF general.license = 'apache-2.0'")


def test_card_and_licence_text_both_count_as_evidence(tmp_path: Path) -> None:
    model = fx.folder(tmp_path, "m", {"README.md": fx.card({"license": "apache-2.0"}), "LICENSE": fx.APACHE})
    licence = declared_licence(model)
    assert licence.licence_id == "Apache-2.0" and licence.name == "Apache License 2.0"
    assert licence.evidence == (
        "README.md:2: license: apache-2.0",
        "LICENSE:2: licence text titled Apache License 2.0",
    )


def test_undetermined_stays_undetermined_in_both_formats(tmp_path: Path) -> None:
    model = fx.folder(tmp_path, "m", {"README.md": fx.card({"license": "apache-2.0"}), "LICENSE": fx.MIT})
    (model / "model.safetensors").write_bytes(safetensors_file({"w": ("F32", [1], struct.pack("<f", 1))}, {}))
    licence = declared_licence(model)
    assert licence.licence_id is None and licence.reason is not None
    assert licence.reason.startswith("the sources disagree: Apache-2.0 (README.md:2); MIT (LICENSE:")
    assert str(tmp_path) not in licence.reason  # relative: the BOM does not depend on where it was built
    document = build_ai_bom(model, created=CREATED).document
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document)) is None
    component = document["metadata"]["component"]
    assert "licenses" not in component
    props = _properties(component)
    assert props["licence-status"] == ["undetermined"] and props["licence-reason"] == [licence.reason]
    assert props["licence-evidence"] == list(licence.evidence)
    spdx = build_ai_bom(model, fmt="spdx", created=CREATED).document
    (declared,) = [r["to"] for r in spdx["@graph"] if r.get("relationshipType") == "hasDeclaredLicense"]
    assert declared == ["expandedlicensing_NoAssertionLicense"]


def test_a_file_without_licence_metadata_is_undetermined_unopened(tmp_path: Path) -> None:
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(safetensors_file({"w": ("F32", [1], struct.pack("<f", 1))}, {}))
    licence = declared_licence(weights)
    assert (licence.licence_id, licence.reason) == (None, NOTHING_STATED)
    component = build_ai_bom(weights, created=CREATED).document["metadata"]["component"]
    assert _properties(component)["licence-status"] == ["undetermined"]


def test_spdx_declared_licence_names_its_evidence() -> None:
    spdx = build_ai_bom(bundled_model_path(), fmt="spdx", created=CREATED).document
    (expression,) = [e for e in spdx["@graph"] if e["type"] == "simplelicensing_LicenseExpression"]
    assert expression["simplelicensing_licenseExpression"] == "Apache-2.0"
    assert expression["comment"].startswith("identified from SmolLM2-135M-Instruct.Q4_1.gguf: GGUF")
