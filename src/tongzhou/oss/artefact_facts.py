"""The facts an AI-BOM states about one model or dataset, gathered from its own metadata as found.

Sources, in order of precedence: the card's YAML front matter (``README.md``), ``config.json``, then
the ``general.*`` keys of a GGUF file; the licence is the licence check's identification
(:mod:`tongzhou.oss.bom_licence`). Nothing is inferred from names: a fact absent from the metadata
stays absent from the BOM. Values of the wrong type (a ``base_model`` that is a number) are refused,
since the BOM would otherwise carry something the card did not say.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from tongzhou.errors import InputError
from tongzhou.oss.bom_inventory import Inventory
from tongzhou.oss.bom_licence import DeclaredLicence, declared_licence
from tongzhou.oss.gguf_metadata import read_gguf_metadata
from tongzhou.oss.model_card import FolderMetadata, read_folder_metadata

ArtefactKind = Literal["model", "dataset"]
MAX_LISTED = 1000
"""Entries read from one card list (datasets, base models, metrics): YAML aliases can make a 4 MiB card
name millions of entries, and a BOM listing them helps nobody."""


@dataclass(frozen=True)
class Metric:
    """One evaluation result from the card's ``model-index``."""

    type: str
    value: str
    dataset: str | None
    task: str | None


@dataclass(frozen=True)
class ArtefactFacts:
    """What the BOM says about one model or dataset besides its files."""

    kind: ArtefactKind
    name: str
    licence: DeclaredLicence | None
    base_models: tuple[str, ...] = ()
    """Hugging Face ids (``org/name``) or names of the models this one derives from."""
    base_model_relation: str | None = None
    """``finetune``, ``adapter``, ``quantized``, ``merge`` (model card) when stated."""
    datasets: tuple[str, ...] = ()
    """Datasets the card names (training data, by the Hub's definition of the field)."""
    task: str | None = None
    """``pipeline_tag`` (``text-generation``...)."""
    architecture_family: str | None = None
    """``config.json`` ``model_type`` or GGUF ``general.architecture`` (``llama``)."""
    model_architecture: str | None = None
    """``config.json`` ``architectures[0]`` (``LlamaForCausalLM``)."""
    languages: tuple[str, ...] = ()
    organization: str | None = None
    metrics: tuple[Metric, ...] = ()
    gguf: tuple[tuple[str, str], ...] = ()
    """The GGUF ``general.*`` scalar values as text, sorted, for the BOM's properties."""


def _strings(value: Any, key: str, source: Path) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and len(value) > MAX_LISTED:
        raise InputError.of(
            "{source}: `{key}` lists {count:,} entries, more than the {limit:,} read",
            source=source,
            key=key,
            count=len(value),
            limit=MAX_LISTED,
        )
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(dict.fromkeys(value))
    raise InputError.of("{source}: `{key}` must be a string or a list of strings", source=source, key=key)


def _string(value: Any, key: str, source: Path) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InputError.of("{source}: `{key}` must be a string", source=source, key=key)


def _metrics(card: dict[str, Any], source: Path) -> tuple[Metric, ...]:
    found: list[Metric] = []
    index = card.get("model-index")
    if not isinstance(index, list):
        return ()
    for entry in index:
        results = entry.get("results") if isinstance(entry, dict) else None
        for result in results if isinstance(results, list) else []:
            if not isinstance(result, dict):
                continue
            task, dataset = result.get("task"), result.get("dataset")
            task_name = task.get("type") if isinstance(task, dict) else None
            dataset_name = dataset.get("name") or dataset.get("type") if isinstance(dataset, dict) else None
            for metric in result.get("metrics") or []:
                if len(found) >= MAX_LISTED:
                    raise InputError.of(
                        "{source}: `model-index` holds more than {limit:,} metrics",
                        source=source,
                        limit=MAX_LISTED,
                    )
                if isinstance(metric, dict) and "type" in metric and "value" in metric:
                    found.append(
                        Metric(
                            str(metric["type"]),
                            str(metric["value"]),
                            None if dataset_name is None else str(dataset_name),
                            None if task_name is None else str(task_name),
                        )
                    )
    return tuple(sorted(found, key=lambda m: (m.dataset or "", m.type, m.value)))


def _gguf_base_models(gguf: dict[str, object]) -> tuple[str, ...]:
    count = gguf.get("general.base_model.count")
    names: list[str] = []
    for i in range(count if isinstance(count, int) and 0 < count <= 100 else 0):
        org, name = gguf.get(f"general.base_model.{i}.organization"), gguf.get(f"general.base_model.{i}.name")
        if isinstance(name, str):
            names.append(f"{org}/{name}" if isinstance(org, str) else name)
    return tuple(names)


def _card_source(inventory: Inventory) -> Path:
    return inventory.root / "README.md"


def gather_facts(inventory: Inventory, kind: ArtefactKind, name: str | None = None) -> ArtefactFacts:
    """The facts of one inventoried model or dataset, from its metadata files."""
    folder = FolderMetadata() if inventory.single_file else read_folder_metadata(inventory.root)
    gguf: dict[str, object] = {}
    for f in inventory.files:
        if f.format == "gguf":
            path = inventory.root if inventory.single_file else inventory.root / f.path
            found = read_gguf_metadata(path)
            gguf = {key: item.value for key, item in found.items() if item.value is not None}
            break
    card, config, source = folder.card, folder.config, _card_source(inventory)
    base = _strings(card.get("base_model"), "base_model", source) or _gguf_base_models(gguf)
    architectures = config.get("architectures")
    model_architecture = (
        architectures[0]
        if isinstance(architectures, list) and architectures and isinstance(architectures[0], str)
        else None
    )
    family = config.get("model_type") if isinstance(config.get("model_type"), str) else None
    gguf_text = tuple(
        sorted(
            (k, v if isinstance(v, str) else ", ".join(v) if isinstance(v, tuple) else str(v))
            for k, v in gguf.items()
        )
    )
    gguf_arch = gguf.get("general.architecture")
    gguf_org = gguf.get("general.organization")
    facts = ArtefactFacts(
        kind=kind,
        name=name or (inventory.root.name if not inventory.single_file else inventory.files[0].path),
        licence=None,
        base_models=base,
        base_model_relation=_string(card.get("base_model_relation"), "base_model_relation", source),
        datasets=_strings(card.get("datasets"), "datasets", source),
        task=_string(card.get("pipeline_tag"), "pipeline_tag", source),
        architecture_family=family or (gguf_arch if isinstance(gguf_arch, str) else None),
        model_architecture=model_architecture,
        languages=_strings(card.get("language"), "language", source),
        organization=gguf_org if isinstance(gguf_org, str) else None,
        metrics=_metrics(card, source),
        gguf=gguf_text,
    )
    # The licence check reads the same card again, with its own checks; the BOM's own come first.
    return replace(facts, licence=declared_licence(inventory.root, dataset=kind == "dataset"))
