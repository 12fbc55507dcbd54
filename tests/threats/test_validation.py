"""The server's validation path: the fast check where it covers, stix2 elsewhere, same outcome."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.threats.conftest import API_ROOT, attack_pattern, indicator
from tongzhou.store import Store
from tongzhou.threats.repository import TaxiiRepository
from tongzhou.threats.stix_ai import AI_INCIDENT_EXTENSION
from tongzhou.threats.validation import (
    InvalidStixObject,
    ValidatedObject,
    validate_object,
    validate_objects,
)

T0 = "2025-03-01T00:00:00.000Z"


def incident(**extension: Any) -> dict[str, Any]:
    """An AI incident with the Tongzhou property extension."""
    return {
        "type": "incident",
        "spec_version": "2.1",
        "id": f"incident--{uuid.uuid4()}",
        "created": T0,
        "modified": T0,
        "name": "Chatbot gave harmful medical advice",
        "extensions": {
            AI_INCIDENT_EXTENSION: {
                "extension_type": "property-extension",
                "oecd_classification": "AI incident",
                **extension,
            }
        },
    }


def envelope() -> list[Any]:
    """Valid and invalid objects, covered and not covered by the fast check."""
    bad_pattern = dict(indicator("evil.example"), pattern="[domain-name:value = ")
    return [
        attack_pattern("LLM prompt injection"),
        dict(attack_pattern("confident"), confidence="high"),  # covered, invalid
        incident(harm_realised=True),
        incident(harm_realised="perhaps"),  # covered, invalid inside the extension
        indicator("prompt-injection.example"),  # not covered, valid
        bad_pattern,  # not covered, invalid pattern
        dict(attack_pattern("odd extension"), extensions={"x-vendor-ext": "not an object"}),
        "not an object",
    ]


def outcomes(results: list[ValidatedObject | str]) -> list[bool]:
    return [isinstance(r, ValidatedObject) for r in results]


def test_fast_and_stix2_all_modes_agree_and_say_which_property() -> None:
    objects = envelope()
    fast = validate_objects(objects)
    assert outcomes(fast) == outcomes(validate_objects(objects, mode="stix2-all"))
    assert outcomes(fast) == [True, False, True, False, True, False, False, False]
    assert fast[1] == "attack-pattern: property 'confidence' must be an integer (got 'high')"
    assert "harm_realised" in str(fast[3]) and "ai-incident" in str(fast[3])
    assert "pattern" in str(fast[5])  # stix2's own message for what the fast check leaves to it
    assert "extension 'x-vendor-ext' must be an object" in str(fast[6])
    # Only the common checks and the pattern grammar without stix2: the property errors go through,
    # the broken pattern does not (stix_patterns.py parses it in every mode).
    structural = validate_objects(objects, use_stix2=False)
    assert outcomes(structural) == [True, True, True, True, True, False, True, False]
    assert "indicator pattern is not valid STIX patterning" in str(structural[5])


def test_stix2_oddities_are_failures_not_crashes() -> None:
    # stix2 raises AttributeError on a non-object extension; that is a rejected object, never a 500.
    odd = dict(attack_pattern("odd"), extensions={"x-vendor-ext": "not an object"})
    with pytest.raises(InvalidStixObject, match="AttributeError"):
        validate_object(odd, mode="stix2-all")
    with pytest.raises(InvalidStixObject, match="must be an object"):
        validate_object(odd)


def test_mode_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGZHOU_TAXII_VALIDATION", "stix2-all")
    odd = dict(attack_pattern("odd"), extensions={"x-vendor-ext": "not an object"})
    with pytest.raises(InvalidStixObject, match="AttributeError"):  # stix2's message: stix2 ran
        validate_object(odd)
    monkeypatch.setenv("TONGZHOU_TAXII_VALIDATION", "structural")
    validate_object(odd)
    with pytest.raises(ValueError, match="validation mode"):
        validate_object(odd, mode="everything")  # type: ignore[arg-type]


def test_repository_reports_invalid_objects_and_stores_valid_ones(store: Store) -> None:
    repo = TaxiiRepository(store)
    collection = repo.create_collection(API_ROOT, "AI incidents")
    objects = envelope()
    status = repo.add_objects(collection, objects)
    assert (status["success_count"], status["failure_count"]) == (3, 5)
    failures = {f["id"]: f["message"] for f in status["failures"]}
    assert (
        failures[objects[1]["id"]] == "attack-pattern: property 'confidence' must be an integer (got 'high')"
    )
    assert "harm_realised" in failures[objects[3]["id"]]
    assert repo.count(collection) == 3
    assert {s["id"] for s in status["successes"]} == {objects[0]["id"], objects[2]["id"], objects[4]["id"]}


def test_large_envelope_sends_only_uncovered_objects_to_worker_processes() -> None:
    objects: list[Any] = [attack_pattern(f"p{i}") for i in range(150)]
    objects += [indicator(f"d{i}.example") for i in range(220)]
    objects[3] = dict(objects[3], confidence=[])  # [] counts as absent for stix2: valid
    objects[4] = dict(objects[4], revoked="maybe")
    objects[200] = dict(objects[200], pattern="[")
    in_process = validate_objects(objects, processes=0)
    assert validate_objects(objects, processes=2) == in_process
    assert [i for i, r in enumerate(in_process) if not isinstance(r, ValidatedObject)] == [4, 200]
