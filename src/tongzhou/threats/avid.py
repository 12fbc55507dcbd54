"""Import AVID (AI Vulnerability Database) reports as STIX ``vulnerability`` objects.

An AVID report (``data_type: AVID``) carries ``affects{developer, deployer, artifacts[]}``,
``problemtype{classof, type, description}``, ``metrics``, ``references`` and
``impact{avid{risk_domain, sep_view, lifecycle_view}, atlas[]}``; they map onto the
AI-vulnerability property extension (:mod:`tongzhou.threats.stix_ai`) unchanged, ATLAS ids also
become external references. The id is UUIDv5 of the report id, so re-imports do not duplicate.
Accepts one report, a JSON list of reports, or JSON Lines.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from tongzhou.errors import InputError
from tongzhou.threats.stix_ai import AI_VULNERABILITY_EXTENSION, atlas_reference, deterministic_id


def sample_path() -> Path:
    """The illustrative AVID-format sample shipped with Tongzhou."""
    return Path(str(resources.files("tongzhou.threats") / "data" / "avid-sample.json"))


def load_reports(path: Path) -> list[dict[str, Any]]:
    """Reports from a JSON file (one report or a list) or JSON Lines; :class:`InputError` when malformed."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: {exc}") from None
    try:
        data = json.loads(text)
        reports = data if isinstance(data, list) else [data]
    except ValueError:
        try:
            reports = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise InputError(f"{path}: neither JSON nor JSON Lines: {exc}") from None
    for index, report in enumerate(reports):
        if not isinstance(report, dict) or report.get("data_type") != "AVID":
            raise InputError(f"{path}: item {index} is not an AVID report (data_type must be 'AVID')")
    return reports


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("value", ""))
    return str(value or "")


def report_to_stix(report: dict[str, Any]) -> dict[str, Any]:
    """One AVID report as a STIX ``vulnerability`` with the AI-vulnerability extension."""
    report_id = (report.get("metadata") or {}).get("report_id")
    if not report_id:
        raise InputError("AVID report without metadata.report_id")
    reported = str(report.get("reported_date") or "2022-01-01")[:10]
    stamp = f"{reported}T00:00:00.000Z"
    impact = report.get("impact") or {}
    atlas = [a for a in impact.get("atlas", []) or [] if isinstance(a, str)]
    problem = report.get("problemtype") or {}
    references = [
        {
            "source_name": "avid",
            "external_id": report_id,
            "url": f"https://avidml.org/database/{report_id.lower()}",
        }
    ]
    references += [
        {"source_name": r.get("label") or r.get("type") or "reference", "url": r["url"]}
        for r in report.get("references", []) or []
        if isinstance(r, dict) and r.get("url")
    ]
    references += [atlas_reference(a) for a in atlas]
    extension: dict[str, Any] = {
        "extension_type": "property-extension",
        "avid_id": report_id,
        "affects": report.get("affects") or {},
        "problemtype": {
            "classof": problem.get("classof", ""),
            "type": problem.get("type", ""),
            "description": _text(problem.get("description")),
        },
        "avid": impact.get("avid") or {},
        "atlas_techniques": atlas,
    }
    if report.get("metrics"):
        extension["metrics"] = report["metrics"]
    summary = _text(problem.get("description")) or problem.get("classof") or "AI vulnerability"
    return {
        "type": "vulnerability",
        "spec_version": "2.1",
        "id": deterministic_id("vulnerability", report_id),
        "created": stamp,
        "modified": stamp,
        "name": f"{report_id}: {summary}"[:250],
        "description": _text(report.get("description")),
        "external_references": references,
        "extensions": {AI_VULNERABILITY_EXTENSION: extension},
    }


def import_avid(path: Path | None = None) -> list[dict[str, Any]]:
    """STIX objects for every AVID report at ``path`` (default: the shipped sample)."""
    return [report_to_stix(r) for r in load_reports(path or sample_path())]
