"""The CycloneDX 1.6 ML-BOM validates against the schema cyclonedx-python-lib bundles, reads back into
its model, and says what the model's metadata says (docs/oss.md, "AI-BOM")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import ComponentType
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from tests.oss.bom_fixtures import dataset_folder, energy_report, hf_model_folder, mixed_model_folder
from tongzhou.bundled_model import bundled_model_path
from tongzhou.oss import build_ai_bom

CREATED = "2026-12-06T09:00:00Z"


def _valid(document: dict[str, Any]) -> None:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document), all_errors=True)
    assert error is None, error


def test_bundled_gguf_is_a_valid_ml_bom_with_its_hash_and_licence() -> None:
    gguf = bundled_model_path()
    bom = build_ai_bom(gguf, created=CREATED)
    _valid(bom.document)
    model = bom.document["metadata"]["component"]
    assert model["type"] == "machine-learning-model"
    assert model["hashes"] == [{"alg": "SHA-256", "content": bom.subject.primary.files[0].sha256}]
    assert model["licenses"] == [{"license": {"id": "Apache-2.0", "acknowledgement": "declared"}}]
    assert model["modelCard"]["modelParameters"]["architectureFamily"] == "llama"
    assert model["supplier"] == {"name": "HuggingFaceTB"}


def test_hugging_face_folder_maps_card_config_datasets_lineage_and_energy(tmp_path: Path) -> None:
    folder = hf_model_folder(tmp_path)
    data = dataset_folder(tmp_path)
    bom = build_ai_bom(folder, datasets=[data], energy_report=energy_report(tmp_path), created=CREATED)
    document = bom.document
    _valid(document)
    model = document["metadata"]["component"]
    files = {c["name"]: c for c in model["components"]}
    assert sorted(files) == ["README.md", "config.json", "model.safetensors", "tokenizer.json"]
    assert all(c["type"] == "file" and c["hashes"][0]["alg"] == "SHA-256" for c in files.values())
    # Identified by the licence check: a LicenseRef is no SPDX list id, so it goes in an expression.
    assert model["licenses"] == [
        {"expression": "LicenseRef-scancode-llama-3.1-license-2024", "acknowledgement": "declared"}
    ]
    props = [(p["name"], p["value"]) for p in model["properties"] if p["name"].startswith("tongzhou:licence")]
    assert props == [
        ("tongzhou:licence-status", "identified"),
        ("tongzhou:licence-name", "Llama 3.1 Community License Agreement (23 July 2024)"),
        ("tongzhou:licence-url", "https://llama.meta.com/llama3_1/license/"),
        ("tongzhou:licence-evidence", "README.md:3: license_name: llama3.1"),
    ]
    (ancestor,) = model["pedigree"]["ancestors"]
    assert (ancestor["name"], ancestor["purl"]) == (
        "meta-llama/Llama-3.1-8B",
        "pkg:huggingface/meta-llama/Llama-3.1-8B",
    )
    params = model["modelCard"]["modelParameters"]
    assert (params["task"], params["architectureFamily"], params["modelArchitecture"]) == (
        "text-generation",
        "llama",
        "LlamaForCausalLM",
    )
    refs = [d["ref"] for d in params["datasets"]]
    components = {c["bom-ref"]: c for c in document["components"]}
    assert refs == list(components) == ["dataset/chat-pairs", "dataset/HuggingFaceFW/fineweb-edu"]
    local = components["dataset/chat-pairs"]
    assert local["type"] == "data" and local["data"] == [{"type": "dataset", "name": "chat-pairs"}]
    assert local["licenses"] == [{"license": {"id": "CC-BY-4.0", "acknowledgement": "declared"}}]
    assert {c["name"] for c in local["components"]} == {
        "README.md",
        "data/test.csv",
        "data/train-00000.jsonl",
    }
    assert "components" not in components["dataset/HuggingFaceFW/fineweb-edu"]  # named only: no files
    metric = model["modelCard"]["quantitativeAnalysis"]["performanceMetrics"]
    assert metric == [{"type": "accuracy", "value": "0.41", "slice": "MMLU"}]
    energy = model["modelCard"]["considerations"]["environmentalConsiderations"]["energyConsumptions"]
    assert [(e["activity"], e["activityEnergyCost"]) for e in energy] == [
        ("validation", {"value": 0.001, "unit": "kWh"}),
        ("training", {"value": 1200.0, "unit": "kWh"}),
    ]
    co2 = energy[0]["co2CostEquivalent"]
    assert co2["unit"] == "tCO2eq" and co2["value"] == pytest.approx(0.92e-6)
    assert document["dependencies"][0] == {"ref": "model", "dependsOn": refs}


def test_dataset_folder_alone_is_a_data_component(tmp_path: Path) -> None:
    bom = build_ai_bom(dataset_folder(tmp_path), created=CREATED)
    _valid(bom.document)
    main = bom.document["metadata"]["component"]
    assert (main["type"], main["bom-ref"]) == ("data", "dataset")
    assert "modelCard" not in main


def test_onnx_pickle_and_gguf_files_get_their_formats(tmp_path: Path) -> None:
    bom = build_ai_bom(mixed_model_folder(tmp_path), created=CREATED)
    _valid(bom.document)
    formats = {
        c["name"]: next(p["value"] for p in c["properties"] if p["name"] == "tongzhou:format")
        for c in bom.document["metadata"]["component"]["components"]
    }
    assert formats == {
        "chat.gguf": "gguf",
        "onnx/model.onnx": "onnx",
        "onnx/weights.bin": "other",
        "weights.pkl": "pickle",
    }


def test_round_trip_through_cyclonedx_python_lib(tmp_path: Path) -> None:
    bom = build_ai_bom(hf_model_folder(tmp_path), datasets=[dataset_folder(tmp_path)], created=CREATED)
    model = Bom.from_json(bom.document)  # type: ignore[attr-defined]
    component = model.metadata.component
    assert component is not None and component.type is ComponentType.MACHINE_LEARNING_MODEL
    assert str(model.serial_number) == bom.document["serialNumber"].removeprefix("urn:uuid:")
    assert {c.name: c.hashes[0].content for c in component.components} == {
        c["name"]: c["hashes"][0]["content"] for c in bom.document["metadata"]["component"]["components"]
    }
    assert [a.name for a in component.pedigree.ancestors] == ["meta-llama/Llama-3.1-8B"]
    assert {c.bom_ref.value for c in model.components} == {
        "dataset/chat-pairs",
        "dataset/HuggingFaceFW/fineweb-edu",
    }
    # The library's writer gives back a document the schema still accepts (it has no modelCard class yet,
    # so that part is the one it drops: cyclonedx-python-lib 11 `Component.model_card` is commented out).
    again = json.loads(JsonV1Dot6(model).output_as_string())
    _valid(again)
    written = bom.document["metadata"]["component"]
    assert again["metadata"]["component"]["licenses"] == written["licenses"]
    assert sorted(c["name"] for c in again["metadata"]["component"]["components"]) == sorted(
        c["name"] for c in written["components"]
    )
