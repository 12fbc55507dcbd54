"""The AI-BOM as an SPDX 3.0.1 JSON-LD document with the AI and Dataset profiles.

SPDX 3.0.1 (spdx.github.io/spdx-spec/v3.0.1; context ``https://spdx.org/rdf/3.0.1/spdx-context.jsonld``,
schema ``https://spdx.org/schema/3.0.1/spdx-json-schema.json``): the model is an ``ai_AIPackage``,
each dataset a ``dataset_DatasetPackage``, each file a ``software_File`` verified by a SHA-256
``Hash``; ``contains`` links a package to its files, ``trainedOn`` the model to its datasets,
``descendantOf`` the model to its base models. The AI and Dataset profiles' conformance clauses ask
each such package for exactly one ``hasDeclaredLicense`` and one ``hasConcludedLicense``: the declared
one is the licence the licence check identified (an SPDX id or ``LicenseRef-…``, with its evidence in
the comment; ``NoAssertionLicense`` when undetermined), the concluded one is always
``NoAssertionLicense`` (this BOM states what the metadata says, it concludes nothing). Energy from a
``tongzhou energy`` report is ``ai_energyConsumption`` in kWh.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tongzhou.oss.bom_licence_check import LicenceCheckFacts
from tongzhou.oss.bom_subject import BomArtefact, BomSubject, huggingface_purl, single_file_hash

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
SPEC_VERSION = "3.0.1"
NO_ASSERTION_LICENCE = "expandedlicensing_NoAssertionLicense"
_CREATION = "_:creationinfo"
_FILE_PURPOSE = {
    "gguf": "model",
    "safetensors": "model",
    "onnx": "model",
    "pytorch": "model",
    "pickle": "model",
    "hdf5": "model",
    "keras": "model",
    "npy": "data",
    "npz": "data",
    "parquet": "data",
    "arrow": "data",
    "csv": "data",
    "tsv": "data",
    "jsonl": "data",
    "json": "configuration",
    "yaml": "configuration",
    "markdown": "documentation",
}


class _Graph:
    """Elements of one document, their ids under one namespace, in insertion order."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.elements: list[dict[str, Any]] = []
        self._relations = 0

    def iri(self, local: str) -> str:
        return f"{self.namespace}#{quote(local, safe='/-._~')}"

    def add(self, kind: str, local: str, **props: Any) -> str:
        spdx_id = self.iri(local)
        self.elements.append({"type": kind, "spdxId": spdx_id, "creationInfo": _CREATION, **props})
        return spdx_id

    def relate(self, source: str, kind: str, targets: list[str]) -> None:
        if targets:
            self._relations += 1
            self.add(
                "Relationship",
                f"relationship/{self._relations}",
                **{"from": source, "relationshipType": kind, "to": targets},
            )


def _licences(graph: _Graph, artefact: BomArtefact, package: str) -> None:
    licence = artefact.facts.licence
    declared = NO_ASSERTION_LICENCE
    if licence is not None and licence.licence_id is not None:
        declared = graph.add(
            "simplelicensing_LicenseExpression",
            f"{artefact.ref}/declared-licence",
            simplelicensing_licenseExpression=licence.licence_id,
            comment="identified from " + "; ".join(licence.evidence),
        )
    graph.relate(package, "hasDeclaredLicense", [declared])
    graph.relate(package, "hasConcludedLicense", [NO_ASSERTION_LICENCE])


def _files(graph: _Graph, artefact: BomArtefact, package: str) -> None:
    if artefact.inventory is None or artefact.inventory.single_file:
        return
    ids = [
        graph.add(
            "software_File",
            f"{artefact.ref}/file/{f.path}",
            name=f.path,
            software_primaryPurpose=_FILE_PURPOSE.get(f.format, "file"),
            verifiedUsing=[{"type": "Hash", "algorithm": "sha256", "hashValue": f.sha256}],
        )
        for f in artefact.files
    ]
    graph.relate(package, "contains", ids)


def _package_base(artefact: BomArtefact) -> dict[str, Any]:
    props: dict[str, Any] = {"name": artefact.facts.name}
    digest = single_file_hash(artefact)
    if digest:
        props["verifiedUsing"] = [{"type": "Hash", "algorithm": "sha256", "hashValue": digest}]
    return props


def _energy(subject: BomSubject) -> dict[str, Any]:
    energy = subject.energy
    if energy is None:
        return {}
    figures: dict[str, Any] = {
        "type": "ai_EnergyConsumption",
        "ai_inferenceEnergyConsumption": [
            {
                "type": "ai_EnergyConsumptionDescription",
                "ai_energyQuantity": energy.evaluation_kwh,
                "ai_energyUnit": "kilowattHour",
            }
        ],
    }
    if energy.training_kwh is not None:
        figures["ai_trainingEnergyConsumption"] = [
            {
                "type": "ai_EnergyConsumptionDescription",
                "ai_energyQuantity": energy.training_kwh,
                "ai_energyUnit": "kilowattHour",
            }
        ]
    return {"ai_energyConsumption": figures}


def _energy_note(subject: BomSubject) -> dict[str, Any]:
    energy = subject.energy
    if energy is None:
        return {}
    return {
        "comment": f"inference energy: evaluation run {energy.run_id}, {energy.method} "
        f"({energy.meter}), by tongzhou energy"
    }


def _model(graph: _Graph, subject: BomSubject) -> str:
    primary = subject.primary
    facts = primary.facts
    props = _package_base(primary)
    props["software_primaryPurpose"] = "model"
    kinds = [k for k in (facts.architecture_family, facts.model_architecture) if k]
    if kinds:
        props["ai_typeOfModel"] = kinds
    if facts.task:
        props["ai_domain"] = [facts.task]
    if facts.metrics:
        props["ai_metric"] = [
            {
                "type": "DictionaryEntry",
                "key": m.type if not m.dataset else f"{m.type} ({m.dataset})",
                "value": m.value,
            }
            for m in facts.metrics
        ]
    if facts.organization:
        org = graph.add("Organization", "organization", name=facts.organization)
        props["suppliedBy"] = org
    props.update(_energy(subject))
    props.update(_energy_note(subject))
    return graph.add("ai_AIPackage", primary.ref, **props)


def _dataset(graph: _Graph, artefact: BomArtefact) -> str:
    props = _package_base(artefact)
    props["software_primaryPurpose"] = "data"
    props["dataset_datasetType"] = ["noAssertion"]
    if artefact.inventory is not None:
        props["dataset_datasetSize"] = artefact.inventory.total_bytes
    return graph.add("dataset_DatasetPackage", artefact.ref, **props)


def _licence_check(graph: _Graph, check: LicenceCheckFacts, model: str) -> None:
    """The verdict and each check as ``review`` annotations on the model (SPDX 3.0.1 Core Annotation)."""
    lines = [f"licence check ({check.use}): {check.verdict}", *(line.text() for line in check.checks)]
    for n, statement in enumerate(lines):
        graph.add(
            "Annotation", f"licence-check/{n}", annotationType="review", subject=model, statement=statement
        )


def spdx_document(subject: BomSubject) -> dict[str, Any]:
    """The SPDX 3.0.1 JSON-LD object of ``subject``; the same subject gives the same object."""
    graph = _Graph(subject.serial.urn)
    tool = graph.add("Tool", "tool/tongzhou", name=f"tongzhou {subject.tool_version}")
    agent = graph.add("SoftwareAgent", "agent/tongzhou", name="Tongzhou")
    primary = subject.primary
    is_model = primary.facts.kind == "model"
    root = _model(graph, subject) if is_model else _dataset(graph, primary)
    _files(graph, primary, root)
    _licences(graph, primary, root)
    datasets = []
    for artefact in subject.datasets:
        package = _dataset(graph, artefact)
        _files(graph, artefact, package)
        _licences(graph, artefact, package)
        datasets.append(package)
    graph.relate(root, "trainedOn", datasets)
    bases = []
    for base in primary.facts.base_models if is_model else ():
        extra: dict[str, Any] = {"software_primaryPurpose": "model"}
        purl = huggingface_purl(base)
        if purl:
            extra["externalIdentifier"] = [
                {"type": "ExternalIdentifier", "externalIdentifierType": "packageUrl", "identifier": purl}
            ]
        package = graph.add("ai_AIPackage", f"base-model/{base}", name=base, **extra)
        graph.relate(package, "hasDeclaredLicense", [NO_ASSERTION_LICENCE])
        graph.relate(package, "hasConcludedLicense", [NO_ASSERTION_LICENCE])
        bases.append(package)
    graph.relate(root, "descendantOf", bases)
    if subject.licence_check is not None:
        _licence_check(graph, subject.licence_check, root)
    profiles = ["core", "software", "simpleLicensing"] + (["ai"] if is_model else [])
    document = {
        "type": "SpdxDocument",
        "spdxId": subject.serial.urn,
        "creationInfo": _CREATION,
        "name": f"AI-BOM of {primary.facts.name}",
        "profileConformance": profiles,
        "rootElement": [root],
        "element": [e["spdxId"] for e in graph.elements],
    }
    creation = {
        "type": "CreationInfo",
        "@id": _CREATION,
        "specVersion": SPEC_VERSION,
        "created": subject.created,
        "createdBy": [agent],
        "createdUsing": [tool],
    }
    return {"@context": CONTEXT, "@graph": [creation, document, *graph.elements]}
