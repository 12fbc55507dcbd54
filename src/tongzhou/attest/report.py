"""The canonical evaluation report: one JSON document that binds everything a run claims.

It is derived only from the run summary (``tongzhou.evaluate.run_summary``, see
docs/contracts) and the evaluator's identity, so the same run always gives the
same canonical bytes. Responses are bound by their sha256, the per-item results
by one digest over all of them, banks and items by the digests the run recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tongzhou.canonical_json import CanonicalJsonError, canonical_sha256, canonical_text, encode_canonical
from tongzhou.errors import InputError

REPORT_SCHEMA_ID = "https://tongzhou.dev/schemas/attest/evaluation-report-v1.json"
"""``$id`` of the report's JSON Schema (docs/attest-report.schema.json)."""

RESULT_FIELDS = (
    "item_id",
    "bank_id",
    "item_sha256",
    "language",
    "risk_code",
    "expected",
    "label",
    "passed",
    "scorer",
    "response_sha256",
)
"""The fields of one per-item result in the report, in documentation order."""


@dataclass(frozen=True)
class Evaluator:
    """Who signs: the key's id and the name the evaluator goes by."""

    key_id: str
    """``ed25519:…`` (see :func:`tongzhou.attest.key_id`)."""
    name: str
    """Organisation or person, as shown to readers."""

    def to_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"key_id": self.key_id, "name": self.name}


def text_sha256(text: str) -> str:
    """``sha256:<hex>`` of UTF-8 text (how responses are bound)."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _require(mapping: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(mapping, Mapping) or key not in mapping:
        raise InputError(
            f"run summary: {where} has no {key!r} (see the run-summary contract in docs/attest.md)"
        )
    return mapping[key]


def result_record(item: Mapping[str, Any], where: str = "item") -> dict[str, Any]:
    """The report's record of one scored item of the run summary (its response reduced to a digest)."""
    if type(item) is dict:
        # The common case (plain dicts with every field) without a per-field Mapping check; the
        # same conversions, so the same record. Anything missing goes the checked way below.
        try:
            score, response = item["score"], item["response"]
            if type(score) is dict and type(response) is str:
                return {
                    "item_id": str(item["item_id"]),
                    "bank_id": str(item["bank_id"]),
                    "item_sha256": str(item["item_sha256"]),
                    "language": str(item["language"]),
                    "risk_code": str(item["risk_code"]),
                    "expected": str(item["expected"]),
                    "label": str(score["label"]),
                    "passed": bool(score["passed"]),
                    "scorer": str(item["scorer"]),
                    "response_sha256": "sha256:" + hashlib.sha256(response.encode("utf-8")).hexdigest(),
                }
        except KeyError:
            pass
    return _checked_result_record(item, where)


def _checked_result_record(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    score = _require(item, "score", where)
    response = _require(item, "response", where)
    if not isinstance(response, str):
        raise InputError(f"run summary: {where}.response is not text")
    return {
        "item_id": str(_require(item, "item_id", where)),
        "bank_id": str(_require(item, "bank_id", where)),
        "item_sha256": str(_require(item, "item_sha256", where)),
        "language": str(_require(item, "language", where)),
        "risk_code": str(_require(item, "risk_code", where)),
        "expected": str(_require(item, "expected", where)),
        "label": str(_require(score, "label", f"{where}.score")),
        "passed": bool(_require(score, "passed", f"{where}.score")),
        "scorer": str(_require(item, "scorer", where)),
        "response_sha256": text_sha256(response),
    }


def result_records(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Records of every item, in canonical order (bank, then item id), refusing duplicates."""
    records = [result_record(item, f"items[{i}]") for i, item in enumerate(items)]
    records.sort(key=lambda r: (str(r["bank_id"]), str(r["item_id"])))
    for prev, cur in zip(records, records[1:], strict=False):
        if (prev["bank_id"], prev["item_id"]) == (cur["bank_id"], cur["item_id"]):
            raise InputError(f"run summary: item {cur['bank_id']}/{cur['item_id']} appears twice")
    return records


def results_digest(records: Sequence[Mapping[str, Any]]) -> str:
    """The digest over all per-item results: ``canonical_sha256`` of the ordered record list."""
    return canonical_sha256(list(records))


def build_report(summary: Mapping[str, Any], evaluator: Evaluator) -> dict[str, Any]:
    """The canonical report document for a run summary, signed later as an in-toto predicate.

    Raises :class:`InputError` if the summary lacks a field the report binds.
    """
    return build_report_with_results_text(summary, evaluator)[0]


def build_report_with_results_text(
    summary: Mapping[str, Any], evaluator: Evaluator
) -> tuple[dict[str, Any], str]:
    """:func:`build_report`, and the canonical text of its per-item results (hashed once, reused
    when the whole Statement is serialised for signing)."""
    if not isinstance(summary, Mapping):
        raise InputError("run summary is not a JSON object")
    items = _require(summary, "items", "summary")
    if not isinstance(items, list):
        raise InputError("run summary: items is not a list")
    records = result_records(items)
    model = dict(_require(summary, "model", "summary"))
    profile = dict(_require(summary, "standard_profile", "summary"))
    banks: list[dict[str, Any]] = [
        {
            "id": str(_require(b, "id", f"banks[{i}]")),
            "sha256": str(_require(b, "sha256", f"banks[{i}]")),
            "items": int(_require(b, "items", f"banks[{i}]")),
        }
        for i, b in enumerate(_require(summary, "banks", "summary"))
    ]
    banks.sort(key=lambda b: str(b["id"]))
    known = {b["id"] for b in banks}
    stray = sorted({r["bank_id"] for r in records} - known)
    if stray:
        raise InputError(f"run summary: items refer to banks not listed in banks: {', '.join(stray)}")
    try:
        records_text = canonical_text(records)
        digest = "sha256:" + hashlib.sha256(encode_canonical(records_text)).hexdigest()
    except CanonicalJsonError as exc:
        raise InputError(f"run summary: a per-item result has no canonical form: {exc}") from exc
    report = {
        "$schema": REPORT_SCHEMA_ID,
        "report_version": 1,
        "run": {
            "run_id": str(_require(summary, "run_id", "summary")),
            "status": str(_require(summary, "status", "summary")),
            "started_at": _require(summary, "started_at", "summary"),
            "finished_at": summary.get("finished_at"),
        },
        "evaluator": evaluator.to_dict(),
        "system_profile_sha256": summary.get("system_profile_sha256"),
        "model": {
            "kind": str(_require(model, "kind", "model")),
            "name": str(_require(model, "name", "model")),
            "identity": str(_require(model, "identity", "model")),
            "parameters": dict(model.get("parameters") or {}),
        },
        "standard_profile": {
            "id": str(_require(profile, "id", "standard_profile")),
            "version": str(_require(profile, "version", "standard_profile")),
            "source": str(profile.get("source", "")),
            "thresholds": dict(_require(profile, "thresholds", "standard_profile")),
        },
        "banks": banks,
        "scorers": dict(_require(summary, "scorers", "summary")),
        "results": {"count": len(records), "sha256": digest, "items": records},
        "metrics": dict(_require(summary, "metrics", "summary")),
        "verdicts": dict(_require(summary, "verdicts", "summary")),
        "energy": summary.get("energy"),
        "software": dict(_require(summary, "software", "summary")),
    }
    return report, records_text
