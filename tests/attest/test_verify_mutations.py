"""Mutation tests: each kind of change to a signed evaluation fails verification, for a stated reason."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.attest.conftest import PolicyFactory
from tongzhou.attest import KeyRing, canonical_json, sign_envelope, sign_run, verify_attestation
from tongzhou.attest.bundle import write_bundle
from tongzhou.attest.report import Evaluator, build_report, results_digest
from tongzhou.attest.statement import PAYLOAD_TYPE, build_statement, statement_bytes
from tongzhou.attest.verify import Verification, plain_result, report_schema, schema_errors


def _payload(envelope: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(base64.b64decode(envelope["payload"]))
    return value


def _with_payload(envelope: dict[str, Any], statement: Any) -> dict[str, Any]:
    return dict(envelope, payload=base64.b64encode(canonical_json(statement)).decode())


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _leaves(sub, (*path, key))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _leaves(sub, (*path, i))
    else:
        yield path


def _mutated(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    return "x"


def test_genuine_attestation_is_recognised(
    envelope: dict[str, Any], make_policy: PolicyFactory, summary: dict[str, Any], tmp_path: Path
) -> None:
    bundle = write_bundle(tmp_path / "bundle", summary)
    result = verify_attestation(envelope, policy=make_policy(), bundle=bundle)
    assert result.ok, result.failures
    assert result.jurisdictions == ["CN", "EU"] and result.evaluator_name == "Example AI Safety Lab"
    assert result.notes == []


def test_the_answer_as_json_names_every_field(envelope: dict[str, Any], make_policy: PolicyFactory) -> None:
    """What `tongzhou attest verify --json` prints: each key, and the values of a genuine answer."""
    empty = Verification()
    assert empty.ok is False  # nothing failed, but nothing was verified either
    assert empty.to_dict() == {
        "ok": False,
        "failures": [],
        "notes": [],
        "checks": [],
        "signer_key_id": None,
        "evaluator": None,
        "signed_at": None,
        "jurisdictions": [],
        "envelope_sha256": None,
        "policy": None,
        "run_id": None,
    }
    policy = make_policy()
    statement = _payload(envelope)
    kid = envelope["signatures"][0]["keyid"]
    profile = statement["predicate"]["report"]["standard_profile"]["id"]
    assert verify_attestation(envelope, policy=policy).to_dict() == {
        "ok": True,
        "failures": [],
        "notes": [],
        "checks": [
            f"DSSE signature by {kid} verifies (Ed25519)",
            "report follows the evaluation-report v1 schema",
            "report is self-consistent (evaluator, results digest, subjects)",
            f"trust policy 'test policy' recognises Example AI Safety Lab for {profile} in CN, EU",
        ],
        "signer_key_id": kid,
        "evaluator": "Example AI Safety Lab",
        "signed_at": statement["predicate"]["signed_at"],
        "jurisdictions": ["CN", "EU"],
        "envelope_sha256": "sha256:" + hashlib.sha256(canonical_json(envelope)).hexdigest(),
        "policy": "test policy",
        "run_id": statement["predicate"]["report"]["run"]["run_id"],
    }
    failed = verify_attestation({}, policy=policy).to_dict()
    assert (failed["ok"], failed["envelope_sha256"], failed["run_id"]) == (
        False,
        "sha256:" + hashlib.sha256(b"{}").hexdigest(),
        None,
    )
    assert [f["code"] for f in failed["failures"]] == ["malformed-envelope"]


def test_the_fast_result_check_accepts_exactly_the_schema_shape(envelope: dict[str, Any]) -> None:
    """`plain_result` stands in for jsonschema on each per-item result: what it accepts, the schema must."""
    item = _payload(envelope)["predicate"]["report"]["results"]["items"][0]
    assert plain_result(item) and not schema_errors_of_item(item)
    digest = "sha256:" + "0" * 64
    changes: list[dict[str, Any]] = [
        {"passed": 1},  # not a bool
        {"item_id": ""},
        {"bank_id": ""},
        {"expected": "maybe"},
        {"item_sha256": digest.upper()},
        {"item_sha256": digest + "0"},
        {"response_sha256": "md5:" + "0" * 64},
        {"response_sha256": " " + digest},
        {"language": None},
    ]
    for change in changes:
        assert not plain_result({**item, **change}), change
        assert schema_errors_of_item({**item, **change}), change  # the schema refuses it too
    for expected in ("refuse", "answer", "safe"):
        assert plain_result({**item, "expected": expected})
    assert not plain_result({k: v for k, v in item.items() if k != "language"})
    assert not plain_result({**item, "extra": "x"})
    assert not plain_result([item]) and not plain_result(None)

    class Subclass(dict[str, Any]):
        pass

    assert not plain_result(Subclass(item))  # only a plain JSON object


def schema_errors_of_item(item: dict[str, Any]) -> list[str]:
    """The schema's own verdict on one result: a report whose one item is ``item``."""
    return [e.message for e in _item_validator().iter_errors(item)]


def _item_validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = report_schema()
    return Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/result"})


def test_schema_errors_name_each_path_in_order_at_most_ten(envelope: dict[str, Any]) -> None:
    predicate = _payload(envelope)["predicate"]
    one_bad_item = copy.deepcopy(predicate)
    one_bad_item["report"]["results"]["items"][3]["passed"] = 1  # the fast path must not hide it
    assert schema_errors(one_bad_item) == ["/report/results/items/3/passed: 1 is not of type 'boolean'"]
    many = copy.deepcopy(predicate)
    for item in many["report"]["results"]["items"][:12]:
        item["passed"] = "x"
    many["signed_at"] = 5
    many["report"]["run"]["status"] = "y" * 300
    errors = schema_errors(many)
    assert errors == [f"/report/results/items/{i}/passed: 'x' is not of type 'boolean'" for i in range(10)]
    long_message = copy.deepcopy(predicate)
    long_message["report"]["run"]["status"] = "y" * 300
    (error,) = schema_errors(long_message)
    assert error.startswith("/report/run/status: 'yyy") and len(error) == len("/report/run/status: ") + 200


def test_any_payload_field_changed_fails_bad_signature(
    envelope: dict[str, Any], make_policy: PolicyFactory
) -> None:
    policy = make_policy()
    statement = _payload(envelope)
    paths = list(_leaves(statement))
    assert len(paths) > 300  # every field of the Statement, its subjects and the whole report
    for path in paths:
        changed = copy.deepcopy(statement)
        target = changed
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = _mutated(target[path[-1]])
        result = verify_attestation(_with_payload(envelope, changed), policy=policy)
        assert result.reasons() == ["bad-signature"], path
        assert "altered or forged" in result.failures[0].message
    # Structure too: a field added to, or removed from, each object of the payload.
    for path in {p[:-1] for p in paths}:
        for change in ("add", "remove"):
            changed = copy.deepcopy(statement)
            target = changed
            for key in path:
                target = target[key]
            if not isinstance(target, dict):
                continue
            if change == "add":
                target["extra"] = 1
            else:
                del target[next(iter(target))]
            result = verify_attestation(_with_payload(envelope, changed), policy=policy)
            assert result.reasons() == ["bad-signature"], (change, path)


def test_changed_and_resigned_by_another_key_is_unknown_key(
    envelope: dict[str, Any], ring: KeyRing, make_policy: PolicyFactory
) -> None:
    statement = _payload(envelope)
    statement["predicate"]["report"]["verdicts"]["should_refuse_refusal_rate"]["passed"] = True
    forged = sign_envelope(canonical_json(statement), PAYLOAD_TYPE, ring.private_key("stranger"))
    result = verify_attestation(forged, policy=make_policy())
    assert result.reasons() == ["unknown-key"]
    assert ring.info("stranger").key_id in result.failures[0].message
    assert "test policy" in result.failures[0].message


def test_any_result_changed_in_bundle_names_the_item(
    envelope: dict[str, Any], summary: dict[str, Any], make_policy: PolicyFactory, tmp_path: Path
) -> None:
    changes = {
        "response": lambda it: it.update(response=it["response"] + " (edited)"),
        "passed": lambda it: it["score"].update(passed=not it["score"]["passed"]),
        "label": lambda it: it["score"].update(label="other"),
        "risk_code": lambda it: it.update(risk_code="A.9.9"),
        "scorer": lambda it: it.update(scorer="other@2"),
    }
    for n, (field, change) in enumerate(changes.items()):
        altered = copy.deepcopy(summary)
        item = altered["items"][n * 5]
        change(item)
        bundle = write_bundle(tmp_path / f"bundle-{field}", altered)
        result = verify_attestation(envelope, policy=make_policy(), bundle=bundle)
        expected = "response_sha256" if field == "response" else field
        assert result.reasons() == ["result-mismatch"], field
        assert f"{item['bank_id']}/{item['item_id']}: {expected} differ" in result.failures[0].message
    dropped = copy.deepcopy(summary)
    gone = dropped["items"].pop(3)
    result = verify_attestation(
        envelope, policy=make_policy(), bundle=write_bundle(tmp_path / "drop", dropped)
    )
    assert result.reasons() == ["result-missing"] and gone["item_id"] in result.failures[0].message


def test_any_bank_item_changed_names_bank_and_item(
    envelope: dict[str, Any], summary: dict[str, Any], make_policy: PolicyFactory, tmp_path: Path
) -> None:
    bundle = write_bundle(tmp_path / "bundle", summary)
    for bank in summary["banks"]:
        (bank_file,) = (bundle / "banks" / bank["id"]).iterdir()
        original = bank_file.read_text("utf-8")
        lines = original.splitlines(keepends=True)
        item = json.loads(lines[1])
        item["prompt"] += " 改"
        lines[1] = json.dumps(item, ensure_ascii=False) + "\n"
        bank_file.write_text("".join(lines), "utf-8")
        result = verify_attestation(envelope, policy=make_policy(), bundle=bundle)
        assert result.reasons() == ["bank-mismatch", "bank-item-mismatch"]
        assert f"bank {bank['id']}: item {item['id']} differs" in result.failures[1].message
        bank_file.write_text(original, "utf-8")
    assert verify_attestation(envelope, policy=make_policy(), bundle=bundle).ok


def test_unknown_key(summary: dict[str, Any], ring: KeyRing, make_policy: PolicyFactory) -> None:
    env = sign_run(summary, ring.private_key("stranger"), "Someone", signed_at="2026-11-20T09:00:00Z")
    result = verify_attestation(env, policy=make_policy())
    assert result.reasons() == ["unknown-key"]
    assert verify_attestation(env, trusted_keys={}).reasons() == ["unknown-key"]


def test_revoked_key(envelope: dict[str, Any], ring: KeyRing, make_policy: PolicyFactory) -> None:
    kid = ring.info("lab").key_id
    for revoked_at in (None, "2026-06-01T00:00:00Z"):
        rev = {
            "key_id": kid,
            "reason": "key compromised",
            **({"revoked_at": revoked_at} if revoked_at else {}),
        }
        result = verify_attestation(envelope, policy=make_policy(revocations=[rev]))
        assert result.reasons() == ["revoked-key"]
        assert "key compromised" in result.failures[0].message
    # Signed before the revocation took effect: still recognised.
    later = {"key_id": kid, "revoked_at": "2027-01-01T00:00:00Z", "reason": "rotated"}
    assert verify_attestation(envelope, policy=make_policy(revocations=[later])).ok


def test_revoked_key_not_listed_as_evaluator(
    summary: dict[str, Any], ring: KeyRing, make_policy: PolicyFactory
) -> None:
    env = sign_run(summary, ring.private_key("stranger"), "Old lab", signed_at="2026-11-20T09:00:00Z")
    rev = {"key_id": ring.info("stranger").key_id, "reason": "lab closed"}
    assert verify_attestation(env, policy=make_policy(revocations=[rev])).reasons() == ["revoked-key"]


def test_expired_key(envelope: dict[str, Any], make_policy: PolicyFactory) -> None:
    result = verify_attestation(envelope, policy=make_policy({"valid_until": "2026-06-30"}))
    assert result.reasons() == ["expired-key"]
    assert "valid until 2026-06-30" in result.failures[0].message


def test_key_not_yet_valid(envelope: dict[str, Any], make_policy: PolicyFactory) -> None:
    result = verify_attestation(envelope, policy=make_policy({"valid_from": "2026-12-01"}))
    assert result.reasons() == ["key-not-yet-valid"]


def test_profile_and_version_not_recognised(envelope: dict[str, Any], make_policy: PolicyFactory) -> None:
    other = make_policy({"recognised_for": [{"profile": "nist-ai-600-1", "jurisdictions": ["US"]}]})
    result = verify_attestation(envelope, policy=other)
    assert result.reasons() == ["profile-not-recognised"]
    assert "not for profile gbt45654 version 2025" in result.failures[0].message
    old = make_policy(
        {"recognised_for": [{"profile": "gbt45654", "versions": ["2024"], "jurisdictions": ["CN"]}]}
    )
    assert verify_attestation(envelope, policy=old).reasons() == ["profile-not-recognised"]


def test_partial_run_and_age(summary: dict[str, Any], ring: KeyRing, make_policy: PolicyFactory) -> None:
    summary["status"] = "partial"
    env = sign_run(summary, ring.private_key("lab"), "Lab", signed_at="2026-11-20T09:00:00Z")
    assert verify_attestation(env, policy=make_policy()).reasons() == ["run-incomplete"]
    assert verify_attestation(env, policy=make_policy(require={"complete_run": False})).ok
    aged = make_policy(require={"complete_run": False, "max_age_days": 1})
    assert verify_attestation(env, policy=aged).reasons() == ["too-old"]


def _sign_statement(statement: dict[str, Any], ring: KeyRing) -> dict[str, Any]:
    return sign_envelope(statement_bytes(statement), PAYLOAD_TYPE, ring.private_key("lab"))


def test_signed_but_inconsistent_contents(
    summary: dict[str, Any], ring: KeyRing, make_policy: PolicyFactory
) -> None:
    """A genuine signer cannot make the report contradict itself either."""
    policy = make_policy()
    lab = ring.info("lab").key_id
    report = build_report(summary, Evaluator(key_id=ring.info("stranger").key_id, name="Other"))
    statement = build_statement(report, "2026-11-20T09:00:00Z")
    assert verify_attestation(_sign_statement(statement, ring), policy=policy).reasons() == [
        "evaluator-mismatch"
    ]

    report = build_report(summary, Evaluator(key_id=lab, name="Lab"))
    statement = build_statement(
        build_report(summary, Evaluator(key_id=lab, name="Lab")), "2026-11-20T09:00:00Z"
    )
    statement["predicate"]["report"]["results"]["items"][0]["passed"] ^= True
    result = verify_attestation(_sign_statement(statement, ring), policy=policy)
    assert result.reasons() == ["results-digest-mismatch"]

    statement = build_statement(report, "2026-11-20T09:00:00Z")
    statement["subject"][1]["digest"]["sha256"] = "0" * 64
    assert verify_attestation(_sign_statement(statement, ring), policy=policy).reasons() == [
        "subject-mismatch"
    ]

    statement = build_statement(
        build_report(summary, Evaluator(key_id=lab, name="Lab")), "2026-11-20T09:00:00Z"
    )
    del statement["predicate"]["report"]["metrics"]
    result = verify_attestation(_sign_statement(statement, ring), policy=policy)
    assert (
        result.reasons() == ["schema-invalid"]
        and "'metrics' is a required property" in result.failures[0].message
    )

    statement = build_statement(report, "2999-01-01T00:00:00Z")
    assert "signed-in-future" in verify_attestation(_sign_statement(statement, ring), policy=policy).reasons()

    statement = build_statement(report, "2026-11-20T09:00:00Z")
    statement["predicateType"] = "https://slsa.dev/provenance/v1"
    assert verify_attestation(_sign_statement(statement, ring), policy=policy).reasons() == [
        "wrong-predicate-type"
    ]

    wrong_type = sign_envelope(
        statement_bytes(build_statement(report, "2026-11-20T09:00:00Z")),
        "text/plain",
        ring.private_key("lab"),
    )
    assert verify_attestation(wrong_type, policy=policy).reasons() == ["wrong-payload-type"]


def test_each_refusal_says_exactly_what_was_wrong(
    summary: dict[str, Any], ring: KeyRing, make_policy: PolicyFactory, envelope: dict[str, Any]
) -> None:
    policy = make_policy()
    lab, stranger = ring.info("lab").key_id, ring.info("stranger").key_id
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def said(env: dict[str, Any], **kwargs: Any) -> list[tuple[str, str]]:
        kwargs.setdefault("policy", policy)
        return [(f.code, f.message) for f in verify_attestation(env, now=now, **kwargs).failures]

    other = build_statement(
        build_report(summary, Evaluator(key_id=stranger, name="Other")), "2026-11-20T09:00:00Z"
    )
    assert said(_sign_statement(other, ring)) == [
        ("evaluator-mismatch", f"report names evaluator key {stranger}, signed by {lab}")
    ]
    altered = build_statement(
        build_report(summary, Evaluator(key_id=lab, name="Lab")), "2026-11-20T09:00:00Z"
    )
    signed_digest = altered["predicate"]["report"]["results"]["sha256"]
    altered["predicate"]["report"]["results"]["items"][0]["passed"] ^= True
    items_digest = results_digest(altered["predicate"]["report"]["results"]["items"])
    assert said(_sign_statement(altered, ring)) == [
        ("results-digest-mismatch", f"results digest is {signed_digest}, items hash to {items_digest}")
    ]
    moved = build_statement(build_report(summary, Evaluator(key_id=lab, name="Lab")), "2026-11-20T09:00:00Z")
    moved["subject"][1]["digest"]["sha256"] = "0" * 64
    assert said(_sign_statement(moved, ring)) == [
        ("subject-mismatch", "Statement subjects differ from the report's results, bank and model digests")
    ]
    future = build_statement(build_report(summary, Evaluator(key_id=lab, name="Lab")), "2026-11-22T09:05:01Z")
    assert said(_sign_statement(future, ring), policy=None, trusted_keys={lab: ring.public_key("lab")}) == [
        ("signed-in-future", "signed_at 2026-11-22T09:05:01Z is after 2026-11-22T09:00:00+00:00")
    ]
    in_time = build_statement(
        build_report(summary, Evaluator(key_id=lab, name="Lab")), "2026-11-22T09:05:00Z"
    )
    assert said(_sign_statement(in_time, ring), policy=None, trusted_keys={lab: ring.public_key("lab")}) == []
    plain = sign_envelope(statement_bytes(future), "text/plain", ring.private_key("lab"))
    assert said(plain) == [("wrong-payload-type", f"payloadType is 'text/plain', not {PAYLOAD_TYPE}")]
    foreign = sign_run(summary, ring.private_key("stranger"), "Someone", signed_at="2026-11-20T09:00:00Z")
    unknown = f"no signature is by a trusted key (signed by: {stranger}) — none is listed in "
    assert said(foreign) == [("unknown-key", unknown + "trust policy 'test policy'")]
    assert said(foreign, policy=None, trusted_keys={}) == [
        ("unknown-key", unknown + "the trusted keys (key ring, --public-key)")
    ]
    closed = make_policy(revocations=[{"key_id": stranger, "reason": "lab closed"}])
    assert said(foreign, policy=closed) == [("revoked-key", f"signed by {stranger}, revoked: lab closed")]
    lab_named = f"key {lab} (Example AI Safety Lab)"
    revoked = {"key_id": lab, "reason": "key compromised"}
    assert said(envelope, policy=make_policy(revocations=[revoked])) == [
        ("revoked-key", f"{lab_named} is revoked: key compromised")
    ]
    since = {**revoked, "revoked_at": "2026-06-01T00:00:00Z"}
    assert said(envelope, policy=make_policy(revocations=[since])) == [
        ("revoked-key", f"{lab_named} is revoked since 2026-06-01T00:00:00+00:00: key compromised")
    ]
    assert said(envelope, policy=make_policy({"valid_until": "2026-06-30"})) == [
        (
            "expired-key",
            f"{lab_named} was valid until 2026-06-30T00:00:00+00:00; signed at 2026-11-20T09:00:00+00:00",
        )
    ]
    assert said(envelope, policy=make_policy({"valid_from": "2026-12-01"})) == [
        (
            "key-not-yet-valid",
            f"{lab_named} is valid from 2026-12-01T00:00:00+00:00; signed at 2026-11-20T09:00:00+00:00",
        )
    ]
    us_only = make_policy({"recognised_for": [{"profile": "nist-ai-600-1", "jurisdictions": ["US"]}]})
    not_for = "not for profile gbt45654 version 2025"
    assert said(envelope, policy=us_only) == [
        (
            "profile-not-recognised",
            f"Example AI Safety Lab is recognised for nist-ai-600-1 (any version), {not_for}",
        )
    ]
    assert said(envelope, policy=make_policy({"recognised_for": []})) == [
        ("profile-not-recognised", f"Example AI Safety Lab is recognised for nothing, {not_for}")
    ]
    summary["status"] = "partial"
    partial = sign_run(summary, ring.private_key("lab"), "Lab", signed_at="2026-11-20T09:00:00Z")
    assert said(partial) == [
        ("run-incomplete", "run run-test-0001 is partial; the policy requires complete runs")
    ]
    aged = make_policy(require={"complete_run": False, "max_age_days": 1})
    assert said(partial, policy=aged) == [("too-old", "signed 2 days ago; the policy accepts at most 1")]
    assert said({"a": float("nan")}) == [("malformed-envelope", "the envelope is not a JSON object")]
    two = make_policy(
        {
            "recognised_for": [
                {"profile": "nist-ai-600-1", "jurisdictions": ["US"]},
                {"profile": "gbt45654", "versions": ["2023", "2024"], "jurisdictions": ["CN"]},
            ]
        }
    )
    assert said(envelope, policy=two) == [
        (
            "profile-not-recognised",
            "Example AI Safety Lab is recognised for nist-ai-600-1 (any version), gbt45654 2023/2024, "
            + not_for,
        )
    ]


def test_what_held_is_listed_only_when_it_held(
    summary: dict[str, Any], ring: KeyRing, make_policy: PolicyFactory, envelope: dict[str, Any]
) -> None:
    policy = make_policy()
    lab, stranger = ring.info("lab").key_id, ring.info("stranger").key_id
    consistent = "report is self-consistent (evaluator, results digest, subjects)"
    recognised = "trust policy 'test policy' recognises"
    other = build_statement(
        build_report(summary, Evaluator(key_id=stranger, name="Other")), "2026-11-20T09:00:00Z"
    )
    altered = build_statement(
        build_report(summary, Evaluator(key_id=lab, name="Lab")), "2026-11-20T09:00:00Z"
    )
    altered["predicate"]["report"]["results"]["items"][0]["passed"] ^= True
    moved = build_statement(build_report(summary, Evaluator(key_id=lab, name="Lab")), "2026-11-20T09:00:00Z")
    moved["subject"][1]["digest"]["sha256"] = "0" * 64
    for statement in (other, altered, moved):
        checks = verify_attestation(_sign_statement(statement, ring), policy=policy).checks
        assert consistent not in checks and any(c.startswith(recognised) for c in checks)
    refusing = (
        make_policy(revocations=[{"key_id": lab, "reason": "r"}]),
        make_policy({"valid_until": "2026-06-30"}),
        make_policy({"valid_from": "2026-12-01"}),
        make_policy(require={"max_age_days": 1}),
        make_policy({"recognised_for": []}),
    )
    for refused in refusing:
        checks = verify_attestation(envelope, policy=refused).checks
        assert consistent in checks and not any(c.startswith("trust policy") for c in checks)
    summary["status"] = "partial"
    partial = sign_run(summary, ring.private_key("lab"), "Lab", signed_at="2026-11-20T09:00:00Z")
    assert not any(c.startswith("trust policy") for c in verify_attestation(partial, policy=policy).checks)


def test_the_answer_keeps_every_finding_and_names(
    summary: dict[str, Any],
    ring: KeyRing,
    make_policy: PolicyFactory,
    envelope: dict[str, Any],
    tmp_path: Path,
) -> None:
    lab = ring.info("lab").key_id
    keys = {lab: ring.public_key("lab")}
    bare = verify_attestation(envelope, trusted_keys=keys)
    assert bare.evaluator_name == _payload(envelope)["predicate"]["report"]["evaluator"]["name"]
    assert bare.notes == ["no trust policy given: signature and contents checked, recognition not decided"]
    vague = build_statement(build_report(summary, Evaluator(key_id=lab, name="Lab")), "yesterday")
    assert [
        (f.code, f.message)
        for f in verify_attestation(_sign_statement(vague, ring), trusted_keys=keys).failures
    ] == [("schema-invalid", "signed_at: 'yesterday' is not an ISO-8601 date or time")]
    nowhere = make_policy({"recognised_for": [{"profile": "gbt45654", "jurisdictions": []}]})
    assert verify_attestation(envelope, policy=nowhere).checks[-1].endswith(" for gbt45654 in -")
    bundle = write_bundle(tmp_path / "bundle", summary)
    with_bundle = verify_attestation(envelope, trusted_keys=keys, bundle=bundle)
    assert with_bundle.ok and with_bundle.notes == bare.notes  # the bundle's check adds to them
    assert with_bundle.checks[-1] == f"bundle {bundle} re-hashes to the signed results and banks"
    # A policy failure and a bundle failure: both are reported.
    results = bundle / "results.jsonl"
    results.write_text(
        results.read_text(encoding="utf-8").replace('"passed": true', '"passed": false', 1), encoding="utf-8"
    )
    both = verify_attestation(envelope, policy=make_policy({"valid_until": "2026-06-30"}), bundle=bundle)
    assert both.reasons()[0] == "expired-key" and len(both.reasons()) > 1
    assert not any(c.startswith("bundle ") for c in both.checks)


def test_each_time_limit_at_its_boundary(envelope: dict[str, Any], make_policy: PolicyFactory) -> None:
    """The fixture is signed at 2026-11-20T09:00:00Z."""
    at = "2026-11-20T09:00:00Z"
    revoked_then = make_policy(
        revocations=[{"key_id": envelope["signatures"][0]["keyid"], "revoked_at": at, "reason": "r"}]
    )
    assert verify_attestation(envelope, policy=revoked_then).reasons() == ["revoked-key"]  # from that instant
    assert verify_attestation(envelope, policy=make_policy({"valid_until": at})).ok  # valid through it
    assert verify_attestation(envelope, policy=make_policy({"valid_from": at})).ok  # and from it
    aged = make_policy(require={"max_age_days": 1})
    day_later = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    assert verify_attestation(envelope, policy=aged, now=day_later).ok
    assert verify_attestation(envelope, policy=aged, now=day_later + timedelta(microseconds=1)).reasons() == [
        "too-old"
    ]


def test_malformed_envelopes(make_policy: PolicyFactory) -> None:
    policy = make_policy()
    for bad in (
        {},
        {"payload": "!!", "payloadType": PAYLOAD_TYPE, "signatures": [{"keyid": "x", "sig": "y"}]},
        {"payload": "e30=", "payloadType": PAYLOAD_TYPE, "signatures": "none"},
    ):
        assert verify_attestation(bad, policy=policy).reasons() == ["malformed-envelope"]


def test_without_policy_uses_given_keys_and_says_recognition_undecided(
    envelope: dict[str, Any], ring: KeyRing
) -> None:
    keys = {k.key_id: ring.public_key(k.name) for k in ring.list()}
    result = verify_attestation(envelope, trusted_keys=keys)
    assert result.ok and result.jurisdictions == []
    assert "recognition not decided" in result.notes[0]


def test_hostile_payloads_signed_by_a_trusted_key(ring: KeyRing, make_policy: PolicyFactory) -> None:
    """Even a trusted signer's odd payload gets a reason, not a crash."""
    policy = make_policy()
    for payload, reason in (
        (b"[" * 100_000 + b"]" * 100_000, "malformed-payload"),
        (b'{"_type": NaN}', "malformed-payload"),
        ("\udcff".encode("utf-8", "surrogatepass"), "malformed-payload"),
        (b'{"_type": "https://in-toto.io/Statement/v1"}', "wrong-predicate-type"),
    ):
        env = sign_envelope(payload, PAYLOAD_TYPE, ring.private_key("lab"))
        assert verify_attestation(env, policy=policy).reasons() == [reason]


def test_oversized_and_non_json_files_refused(tmp_path: Path, envelope: dict[str, Any]) -> None:
    import pytest

    from tongzhou.atomic_file import write_json_atomic
    from tongzhou.attest import read_attestation
    from tongzhou.errors import InputError

    path = write_json_atomic(tmp_path / "a.dsse.json", envelope)
    assert read_attestation(path) == envelope
    with pytest.raises(InputError, match="attestations over 1000 bytes are refused"):
        read_attestation(path, max_bytes=1000)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="not JSON"):
        read_attestation(deep)
    with pytest.raises(InputError, match="not a DSSE envelope"):
        read_attestation(write_json_atomic(tmp_path / "list.json", [1, 2]))
