"""Read an AI-BOM back: its digest and the summary other modules show or sign (attest, the portal).

Both shapes ``tongzhou oss bom`` writes are recognised — CycloneDX (``bomFormat: CycloneDX``) and SPDX
3 JSON-LD (``@context`` of SPDX 3.0.1) — and read for what they say about their subject: name, kind,
file count, the subject's own SHA-256 when it is one file, declared licence, base models, datasets.
The digest is the ``sha256:`` of the document's RFC 8785 canonical JSON, the same digest
:attr:`tongzhou.oss.AiBom.digest` gives when the BOM is built, whatever the file's whitespace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tongzhou.canonical_json import CanonicalJsonError, canonical_sha256
from tongzhou.errors import InputError

MAX_BOM_BYTES = 64 << 20
"""A BOM file larger than this is refused before parsing (a 100,000-file model's BOM is ~40 MB)."""
_SPDX_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"


@dataclass(frozen=True)
class AiBomSummary:
    """What an AI-BOM says about its subject, and its digest."""

    format: Literal["cyclonedx", "spdx"]
    digest: str
    """``sha256:<hex>`` of the RFC 8785 canonical JSON of the document."""
    name: str
    kind: Literal["model", "dataset"]
    files: int
    """Files listed with a hash (the subject itself when it is one file)."""
    subject_sha256: str | None
    """The subject's own SHA-256 (hex) when it is a single file, e.g. a GGUF model."""
    licence: str | None
    base_models: tuple[str, ...]
    datasets: tuple[str, ...]
    created: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "format": self.format,
            "digest": self.digest,
            "name": self.name,
            "kind": self.kind,
            "files": self.files,
            "subject_sha256": self.subject_sha256,
            "licence": self.licence,
            "base_models": list(self.base_models),
            "datasets": list(self.datasets),
            "created": self.created,
        }


def _not_a_bom(source: str, why: str) -> InputError:
    return InputError.of(
        "{source}: not an AI-BOM written by `tongzhou oss bom` ({why})", source=source, why=why
    )


def _cyclonedx(document: dict[str, Any], digest: str, source: str) -> AiBomSummary:
    main = (
        document.get("metadata", {}).get("component") if isinstance(document.get("metadata"), dict) else None
    )
    if not isinstance(main, dict) or not isinstance(main.get("name"), str):
        raise _not_a_bom(source, "no metadata.component with a name")
    kind: Literal["model", "dataset"] = "model" if main.get("type") == "machine-learning-model" else "dataset"
    hashes = [
        h.get("content") for h in main.get("hashes", []) if isinstance(h, dict) and h.get("alg") == "SHA-256"
    ]
    nested = [c for c in main.get("components", []) if isinstance(c, dict) and c.get("hashes")]
    licences = [entry.get("license", {}) for entry in main.get("licenses", []) if isinstance(entry, dict)]
    licence = next((str(lic.get("id") or lic.get("name")) for lic in licences if isinstance(lic, dict)), None)
    ancestors = (
        (main.get("pedigree") or {}).get("ancestors", []) if isinstance(main.get("pedigree"), dict) else []
    )
    components = document.get("components", [])
    return AiBomSummary(
        format="cyclonedx",
        digest=digest,
        name=main["name"],
        kind=kind,
        files=len(nested) or len(hashes),
        subject_sha256=hashes[0] if hashes and isinstance(hashes[0], str) else None,
        licence=licence,
        base_models=tuple(str(a.get("name")) for a in ancestors if isinstance(a, dict)),
        datasets=tuple(
            str(c.get("name")) for c in components if isinstance(c, dict) and c.get("type") == "data"
        ),
        created=document.get("metadata", {}).get("timestamp"),
    )


def _spdx(document: dict[str, Any], digest: str, source: str) -> AiBomSummary:
    graph = document.get("@graph")
    if not isinstance(graph, list):
        raise _not_a_bom(source, "no @graph")
    by_id = {e["spdxId"]: e for e in graph if isinstance(e, dict) and isinstance(e.get("spdxId"), str)}
    doc = next((e for e in graph if isinstance(e, dict) and e.get("type") == "SpdxDocument"), None)
    roots = doc.get("rootElement") if isinstance(doc, dict) else None
    root = by_id.get(roots[0]) if isinstance(roots, list) and roots else None
    if root is None or not isinstance(root.get("name"), str):
        raise _not_a_bom(source, "no SpdxDocument rootElement with a name")
    relations: dict[str, list[str]] = {}
    for e in graph:
        if isinstance(e, dict) and e.get("type") == "Relationship" and e.get("from") == root["spdxId"]:
            relations.setdefault(str(e.get("relationshipType")), []).extend(e.get("to") or [])
    own = [h.get("hashValue") for h in root.get("verifiedUsing", []) if isinstance(h, dict)]
    declared = [
        by_id.get(t, {}).get("simplelicensing_licenseExpression")
        for t in relations.get("hasDeclaredLicense", [])
    ]
    creation = next((e for e in graph if isinstance(e, dict) and e.get("type") == "CreationInfo"), {})
    return AiBomSummary(
        format="spdx",
        digest=digest,
        name=root["name"],
        kind="model" if root.get("type") == "ai_AIPackage" else "dataset",
        files=len(relations.get("contains", [])) or len(own),
        subject_sha256=own[0] if own and isinstance(own[0], str) else None,
        licence=next((d for d in declared if isinstance(d, str)), None),
        base_models=tuple(str(by_id.get(t, {}).get("name")) for t in relations.get("descendantOf", [])),
        datasets=tuple(str(by_id.get(t, {}).get("name")) for t in relations.get("trainedOn", [])),
        created=creation.get("created"),
    )


def summarise_ai_bom(document: Any, source: str = "<bom>") -> AiBomSummary:
    """The summary and digest of a parsed BOM document; anything else is an InputError."""
    if not isinstance(document, dict):
        raise _not_a_bom(source, "not a JSON object")
    try:
        digest = canonical_sha256(document)
    except CanonicalJsonError as exc:
        raise _not_a_bom(source, str(exc)) from None
    if document.get("bomFormat") == "CycloneDX":
        return _cyclonedx(document, digest, source)
    if document.get("@context") == _SPDX_CONTEXT:
        return _spdx(document, digest, source)
    raise _not_a_bom(source, "neither bomFormat CycloneDX nor the SPDX 3.0.1 @context")


def read_ai_bom(path: Path) -> AiBomSummary:
    """Read and summarise the BOM file at ``path`` (size-capped, UTF-8 JSON)."""
    try:
        size = path.stat().st_size
        if size > MAX_BOM_BYTES:
            raise InputError.of(
                "{path}: {size:,} bytes is over the {limit:,} read for a BOM",
                path=path,
                size=size,
                limit=MAX_BOM_BYTES,
            )
        document = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise InputError.of("{path}: no such AI-BOM file", path=path) from None
    except IsADirectoryError:
        raise InputError.of("{path} is a directory; give the BOM file", path=path) from None
    except OSError as exc:
        raise InputError.of("{path}: cannot read ({reason})", path=path, reason=exc.strerror) from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _not_a_bom(str(path), f"not JSON: {exc!s:.120}") from None
    return summarise_ai_bom(document, str(path))
