"""The SPDX 3.0.1 document validates against the official JSON schema, loads into spdx-python-model with
every reference resolved, and meets the AI and Dataset profiles' licence conformance clauses."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from spdx_python_model import v3_0_1 as spdx

from tests.oss.bom_fixtures import dataset_folder, energy_report, hf_model_folder
from tongzhou.bundled_model import bundled_model_path
from tongzhou.oss import build_ai_bom

SCHEMA = Path(__file__).parent / "data" / "spdx-3.0.1-json-schema.json"
SCHEMA_SHA256 = "873ff9d3177a0c12495fe585c5012f7bec0aa70aabed1f2f1e79f25bd95eb107"
CREATED = "2026-12-06T09:00:00Z"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    raw = SCHEMA.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256, "the vendored SPDX schema was changed"
    return jsonschema.Draft202012Validator(json.loads(raw))


def _errors(validator: jsonschema.Draft202012Validator, document: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message[:200]}" for e in validator.iter_errors(document)]


def _loaded(document: dict[str, Any]) -> spdx.SHACLObjectSet:
    objects = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().deserialize_data(document, objects)
    assert objects.link() == set(), "references to elements the document does not define"
    return objects


def _by_type(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in document["@graph"] if e["type"] == kind]


def _licence_clauses_hold(document: dict[str, Any]) -> None:
    """AI and Dataset profile conformance: exactly one hasDeclaredLicense and one hasConcludedLicense."""
    relations = Counter(
        (r["from"], r["relationshipType"])
        for r in _by_type(document, "Relationship")
        if r["relationshipType"] in ("hasDeclaredLicense", "hasConcludedLicense")
    )
    packages = _by_type(document, "ai_AIPackage") + _by_type(document, "dataset_DatasetPackage")
    assert packages
    for package in packages:
        for kind in ("hasDeclaredLicense", "hasConcludedLicense"):
            assert relations[(package["spdxId"], kind)] == 1, (package["name"], kind)


def test_the_schema_rejects_what_it_should(
    validator: jsonschema.Draft202012Validator, tmp_path: Path
) -> None:
    document = build_ai_bom(hf_model_folder(tmp_path), fmt="spdx", created=CREATED).document
    assert _errors(validator, document) == []
    broken = json.loads(json.dumps(document))
    del _by_type(broken, "Relationship")[0]["relationshipType"]
    _by_type(broken, "software_File")[0]["verifiedUsing"][0]["algorithm"] = "sha257"
    assert len(_errors(validator, broken)) >= 2


def test_bundled_gguf(validator: jsonschema.Draft202012Validator) -> None:
    bom = build_ai_bom(bundled_model_path(), fmt="spdx", created=CREATED)
    assert _errors(validator, bom.document) == []
    objects = _loaded(bom.document)
    (model,) = objects.foreach_type(spdx.ai_AIPackage)
    assert model.verifiedUsing[0].hashValue == bom.subject.primary.files[0].sha256
    (expression,) = objects.foreach_type(spdx.simplelicensing_LicenseExpression)
    assert expression.simplelicensing_licenseExpression == "Apache-2.0"
    _licence_clauses_hold(bom.document)


def test_model_with_datasets_lineage_and_energy(
    validator: jsonschema.Draft202012Validator, tmp_path: Path
) -> None:
    bom = build_ai_bom(
        hf_model_folder(tmp_path),
        fmt="spdx",
        datasets=[dataset_folder(tmp_path)],
        energy_report=energy_report(tmp_path),
        created=CREATED,
    )
    document = bom.document
    assert _errors(validator, document) == []
    _loaded(document)
    _licence_clauses_hold(document)
    model = next(p for p in _by_type(document, "ai_AIPackage") if p["name"] == "tiny-llama-chat")
    assert model["ai_typeOfModel"] == ["llama", "LlamaForCausalLM"]
    assert model["ai_energyConsumption"]["ai_inferenceEnergyConsumption"][0]["ai_energyQuantity"] == 0.001
    assert model["ai_energyConsumption"]["ai_trainingEnergyConsumption"][0]["ai_energyUnit"] == "kilowattHour"
    relations = {(r["from"], r["relationshipType"]): r["to"] for r in _by_type(document, "Relationship")}
    names = {e["spdxId"]: e.get("name") for e in document["@graph"] if "spdxId" in e}
    trained = [names[t] for t in relations[(model["spdxId"], "trainedOn")]]
    assert trained == ["chat-pairs", "HuggingFaceFW/fineweb-edu"]
    (base,) = relations[(model["spdxId"], "descendantOf")]
    assert names[base] == "meta-llama/Llama-3.1-8B"
    contained = sorted(names[f] for f in relations[(model["spdxId"], "contains")])
    assert contained == ["README.md", "config.json", "model.safetensors", "tokenizer.json"]
    declared = {
        e["simplelicensing_licenseExpression"]
        for e in _by_type(document, "simplelicensing_LicenseExpression")
    }
    assert declared == {"LicenseRef-scancode-llama-3.1-license-2024", "CC-BY-4.0"}
    (dataset,) = [d for d in _by_type(document, "dataset_DatasetPackage") if d["name"] == "chat-pairs"]
    assert dataset["dataset_datasetSize"] == sum(
        p.stat().st_size for p in (tmp_path / "chat-pairs").rglob("*") if p.is_file()
    )


def test_dataset_alone(validator: jsonschema.Draft202012Validator, tmp_path: Path) -> None:
    document = build_ai_bom(dataset_folder(tmp_path), fmt="spdx", created=CREATED).document
    assert _errors(validator, document) == []
    _loaded(document)
    _licence_clauses_hold(document)
    (doc,) = _by_type(document, "SpdxDocument")
    assert "ai" not in doc["profileConformance"]
    assert _by_type(document, "ai_AIPackage") == []
