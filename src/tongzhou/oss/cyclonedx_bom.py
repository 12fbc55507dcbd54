"""The AI-BOM as a CycloneDX 1.6 ML-BOM (JSON), built as plain data in a fixed order.

CycloneDX 1.6 (ECMA-424, 1st edition; JSON schema ``bom-1.6.schema.json``): the model is
``metadata.component`` of type ``machine-learning-model`` with a ``modelCard``; its files are nested
``file`` components with ``SHA-256`` hashes; each dataset is a ``data`` component (``data[].type
dataset``) that ``modelCard.modelParameters.datasets`` references by ``bom-ref``; base models are
``pedigree.ancestors``; the identified licence is ``licenses[].license.id`` (SPDX License List) or
``licenses[].expression`` (a ``LicenseRef-…``) with ``acknowledgement: declared``, its status, reason
and evidence (file:line) ``tongzhou:licence-*`` properties; energy is
``modelCard.considerations.environmentalConsiderations.energyConsumptions``.
docs/oss.md has the whole mapping.
"""

from __future__ import annotations

from typing import Any

from tongzhou.oss.artefact_facts import ArtefactFacts
from tongzhou.oss.bom_energy import EnergyFacts
from tongzhou.oss.bom_licence_check import LicenceCheckFacts
from tongzhou.oss.bom_subject import BomArtefact, BomSubject, huggingface_purl, single_file_hash

SPEC_VERSION = "1.6"
SCHEMA_URL = "http://cyclonedx.org/schema/bom-1.6.schema.json"


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": f"tongzhou:{name}", "value": value}


def _licences(facts: ArtefactFacts) -> list[dict[str, Any]]:
    licence = facts.licence
    if licence is None or licence.licence_id is None:
        return []  # undetermined: no entry rather than a guess (the properties say why)
    if not licence.spdx_listed:
        # A LicenseRef is no SPDX License List id, which `license.id` must be; an expression may hold it.
        return [{"expression": licence.licence_id, "acknowledgement": "declared"}]
    entry: dict[str, Any] = {"id": licence.licence_id, "acknowledgement": "declared"}
    if licence.url:
        entry["url"] = licence.url
    return [{"license": entry}]


def _licence_properties(facts: ArtefactFacts) -> list[dict[str, str]]:
    licence = facts.licence
    if licence is None:
        return []
    props = [_prop("licence-status", "identified" if licence.determined else "undetermined")]
    if licence.name:
        props.append(_prop("licence-name", licence.name))
    if licence.url and not licence.spdx_listed:
        props.append(_prop("licence-url", licence.url))
    if licence.reason:
        props.append(_prop("licence-reason", licence.reason))
    props += [_prop("licence-evidence", where) for where in licence.evidence]
    return props


def _file_components(artefact: BomArtefact) -> list[dict[str, Any]]:
    if artefact.inventory is None or artefact.inventory.single_file:
        return []
    return [
        {
            "type": "file",
            "bom-ref": f"{artefact.ref}/file/{f.path}",
            "name": f.path,
            "hashes": [{"alg": "SHA-256", "content": f.sha256}],
            "properties": [_prop("format", f.format), _prop("size", str(f.size))],
        }
        for f in artefact.files
    ]


def _common(artefact: BomArtefact, kind: str) -> dict[str, Any]:
    facts = artefact.facts
    component: dict[str, Any] = {"type": kind, "bom-ref": artefact.ref, "name": facts.name}
    digest = single_file_hash(artefact)
    if digest:
        component["hashes"] = [{"alg": "SHA-256", "content": digest}]
    licences = _licences(facts)
    if licences:
        component["licenses"] = licences
    props = _licence_properties(facts)
    if artefact.inventory is not None:
        props.append(_prop("content-sha256", artefact.inventory.content_digest))
        props.append(_prop("size", str(artefact.inventory.total_bytes)))
    if props:
        component["properties"] = props
    files = _file_components(artefact)
    if files:
        component["components"] = files
    return component


def _energy(energy: EnergyFacts) -> dict[str, Any]:
    run = [
        _prop("energy-run", energy.run_id),
        _prop("energy-method", energy.method),
        _prop("energy-meter", energy.meter),
    ]
    validation: dict[str, Any] = {
        "activity": "validation",
        "energyProviders": [],
        "activityEnergyCost": {"value": energy.evaluation_kwh, "unit": "kWh"},
        "properties": run,
    }
    if energy.evaluation_g_co2e is not None:
        validation["co2CostEquivalent"] = {"value": energy.evaluation_g_co2e / 1e6, "unit": "tCO2eq"}
    consumptions = [validation]
    if energy.training_kwh is not None:
        training: dict[str, Any] = {
            "activity": "training",
            "energyProviders": [],
            "activityEnergyCost": {"value": energy.training_kwh, "unit": "kWh"},
        }
        if energy.training_method:
            training["properties"] = [_prop("energy-method", energy.training_method)]
        consumptions.append(training)
    return {"energyConsumptions": consumptions}


def _model_card(subject: BomSubject) -> dict[str, Any]:
    facts = subject.primary.facts
    parameters: dict[str, Any] = {}
    if facts.task:
        parameters["task"] = facts.task
    if facts.architecture_family:
        parameters["architectureFamily"] = facts.architecture_family
    if facts.model_architecture:
        parameters["modelArchitecture"] = facts.model_architecture
    if subject.datasets:
        parameters["datasets"] = [{"ref": d.ref} for d in subject.datasets]
    card: dict[str, Any] = {"bom-ref": f"{subject.primary.ref}/model-card"}
    if parameters:
        card["modelParameters"] = parameters
    if facts.metrics:
        card["quantitativeAnalysis"] = {
            "performanceMetrics": [
                {"type": m.type, "value": m.value, **({"slice": m.dataset} if m.dataset else {})}
                for m in facts.metrics
            ]
        }
    if subject.energy is not None:
        card["considerations"] = {"environmentalConsiderations": _energy(subject.energy)}
    properties = [_prop(f"gguf:{key}", value) for key, value in facts.gguf]
    properties += [_prop("language", lang) for lang in facts.languages]
    if facts.base_model_relation:
        properties.append(_prop("base-model-relation", facts.base_model_relation))
    if properties:
        card["properties"] = properties
    return card


def _licence_check(check: LicenceCheckFacts) -> list[dict[str, str]]:
    props = [_prop("licence-check:verdict", check.verdict), _prop("licence-check:use", check.use)]
    return props + [_prop("licence-check", line.text()) for line in check.checks]


def _data_component(artefact: BomArtefact) -> dict[str, Any]:
    component = _common(artefact, "data")
    component["data"] = [{"type": "dataset", "name": artefact.facts.name}]
    return component


def cyclonedx_document(subject: BomSubject) -> dict[str, Any]:
    """The CycloneDX 1.6 JSON object of ``subject``; the same subject gives the same object."""
    primary = subject.primary
    if primary.facts.kind == "model":
        main = _common(primary, "machine-learning-model")
        main["modelCard"] = _model_card(subject)
        if primary.facts.organization:
            main["supplier"] = {"name": primary.facts.organization}
        ancestors = []
        for base in primary.facts.base_models:
            ancestor: dict[str, Any] = {
                "type": "machine-learning-model",
                "name": base,
                "bom-ref": f"base-model/{base}",
            }
            purl = huggingface_purl(base)
            if purl:
                ancestor["purl"] = purl
            ancestors.append(ancestor)
        if ancestors:
            main["pedigree"] = {"ancestors": ancestors}
        if subject.licence_check is not None:
            main.setdefault("properties", []).extend(_licence_check(subject.licence_check))
    else:
        main = _data_component(primary)
    document: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": subject.serial.urn,
        "version": 1,
        "metadata": {
            "timestamp": subject.created,
            "tools": {
                "components": [{"type": "application", "name": "tongzhou", "version": subject.tool_version}]
            },
            "component": main,
        },
        "components": [_data_component(d) for d in subject.datasets],
        "dependencies": [
            {"ref": primary.ref, "dependsOn": [d.ref for d in subject.datasets]},
            *({"ref": d.ref} for d in subject.datasets),
        ],
    }
    return document
