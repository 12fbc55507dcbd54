"""The canonical report: deterministic bytes, the schema in docs, what it binds, bad summaries refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tongzhou.attest import Evaluator, build_report, canonical_json
from tongzhou.attest.report import results_digest, text_sha256
from tongzhou.attest.statement import build_statement
from tongzhou.attest.verify import report_schema, schema_errors
from tongzhou.errors import InputError

REPO = Path(__file__).resolve().parents[2]
EVALUATOR = Evaluator(key_id="ed25519:" + "0" * 32, name="Lab")


def test_same_run_same_bytes(summary: dict[str, Any]) -> None:
    shuffled = copy.deepcopy(summary)
    shuffled["items"].reverse()
    shuffled["banks"].reverse()
    assert canonical_json(build_report(summary, EVALUATOR)) == canonical_json(
        build_report(shuffled, EVALUATOR)
    )


def test_report_binds_every_item_bank_and_response(summary: dict[str, Any]) -> None:
    report = build_report(summary, EVALUATOR)
    assert report["results"]["count"] == len(summary["items"])
    assert {r["item_sha256"] for r in report["results"]["items"]} == {
        i["item_sha256"] for i in summary["items"]
    }
    assert {b["sha256"] for b in report["banks"]} == {b["sha256"] for b in summary["banks"]}
    first = summary["items"][0]
    record = next(r for r in report["results"]["items"] if r["item_id"] == first["item_id"])
    assert record["response_sha256"] == text_sha256(first["response"])
    assert report["results"]["sha256"] == results_digest(report["results"]["items"])
    assert report["system_profile_sha256"] == summary["system_profile_sha256"]
    assert report["standard_profile"]["thresholds"]["should_refuse_refusal_rate"] == {
        "op": ">=",
        "value": 0.95,
    }


def test_docs_schema_is_the_packaged_schema_and_valid(summary: dict[str, Any]) -> None:
    docs = json.loads((REPO / "docs" / "attest-report.schema.json").read_text("utf-8"))
    assert docs == report_schema()
    Draft202012Validator.check_schema(docs)
    predicate = build_statement(build_report(summary, EVALUATOR), "2026-11-20T09:00:00Z")["predicate"]
    assert schema_errors(predicate) == []
    predicate["report"]["results"]["items"][0]["passed"] = "yes"
    assert schema_errors(predicate) == ["/report/results/items/0/passed: 'yes' is not of type 'boolean'"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("items"), "has no 'items'"),
        (lambda s: s["items"][0].pop("response"), r"items\[0\] has no 'response'"),
        (lambda s: s["items"].append(dict(s["items"][0])), "appears twice"),
        (lambda s: s["items"][0].update(bank_id="nowhere"), "banks not listed"),
        (lambda s: s["model"].pop("identity"), "model has no 'identity'"),
    ],
)
def test_incomplete_summary_refused_with_field(summary: dict[str, Any], change: Any, message: str) -> None:
    change(summary)
    with pytest.raises(InputError, match=message):
        build_report(summary, EVALUATOR)


def test_fast_result_check_agrees_with_the_schema(summary: dict[str, Any]) -> None:
    """The fast per-item check in verification accepts exactly what the JSON Schema accepts."""
    from tongzhou.attest.verify import plain_result

    record = build_report(summary, EVALUATOR)["results"]["items"][0]
    variants: list[Any] = [record, "x", {}, dict(record, extra=1)]
    for field, bad in [
        ("item_id", ""),
        ("item_id", 3),
        ("passed", 1),
        ("passed", "true"),
        ("expected", "maybe"),
        ("item_sha256", "sha256:" + "A" * 64),
        ("response_sha256", "md5:00"),
        ("label", None),
        ("scorer", ["x"]),
        ("language", 1.5),
    ]:
        variants.append(dict(record, **{field: bad}))
    variants += [{k: v for k, v in record.items() if k != field} for field in record]
    validator = Draft202012Validator(
        report_schema(),
    )
    result_schema = {"$ref": "#/$defs/result", "$defs": report_schema()["$defs"]}
    for variant in variants:
        assert plain_result(variant) == validator.evolve(schema=result_schema).is_valid(variant), variant


def test_signed_payload_is_the_canonical_statement(summary: dict[str, Any]) -> None:
    """Reusing the results' canonical text while signing gives exactly RFC 8785 bytes of the Statement."""
    import base64

    import rfc8785
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from tongzhou.attest import sign_run

    key = Ed25519PrivateKey.generate()
    payload = base64.b64decode(sign_run(summary, key, "Lab", signed_at="2026-11-20T09:00:00Z")["payload"])
    statement = json.loads(payload)
    assert payload == canonical_json(statement) == rfc8785.dumps(statement)
    report = build_report(summary, Evaluator(statement["predicate"]["report"]["evaluator"]["key_id"], "Lab"))
    assert statement["predicate"]["report"] == report
