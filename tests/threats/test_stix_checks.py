"""The fast STIX check gives stix2.parse's verdict on every object it claims to cover (differential test)."""

from __future__ import annotations

import copy
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import stix2
import stix2.registry
import yaml

from tongzhou.threats import stix_ai
from tongzhou.threats.stix_checks import NOT_COVERED, check_stix, covered_types, rule_book

SEED = 20260101
T0 = "2025-01-01T00:00:00.000Z"
T1 = "2025-06-01T12:30:00.123Z"
RULES = yaml.safe_load(
    resources.files("tongzhou.threats").joinpath("data", "stix-checks.yaml").read_text(encoding="utf-8")
)


def sid(stix_type: str, rng: random.Random) -> str:
    return f"{stix_type}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def stix2_accepts(obj: dict[str, Any]) -> tuple[bool, str]:
    try:
        stix2.parse(copy.deepcopy(obj), allow_custom=True, version="2.1")
    except Exception as exc:  # noqa: BLE001 -- any exception is a rejection
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


def valid_value(spec: dict[str, Any], rng: random.Random) -> Any:
    """A value stix2 accepts for a property of this kind."""
    kind = spec["kind"]
    if kind == "string":
        return rng.choice(["prompt injection", "越狱提示", "x", "A model jailbreak via role play"])
    if kind == "string-list":
        return rng.choice([["a"], ["a", "b"], ["模型"]])
    if kind == "enum":
        return rng.choice(spec["values"])
    if kind == "enum-list":
        return rng.sample(spec["values"], rng.randint(1, 2))
    if kind == "integer":
        return rng.randint(spec.get("min", 0), min(spec.get("max", 100), 100))
    if kind == "boolean":
        return rng.choice([True, False])
    if kind == "timestamp":
        return rng.choice([T0, T1, "2024-02-29T23:59:59Z"])
    if kind in ("ref", "ref-list"):
        if spec.get("valid"):
            target = rng.choice(spec["valid"])
        else:
            target = rng.choice(["attack-pattern", "identity", "malware", "ai-system", "x-mitre-tactic"])
        ref = sid(target, rng)
        return ref if kind == "ref" else [ref]
    if kind == "dictionary":
        return {"eu": "high-risk", "cn_level": 2}
    if kind == "dictionary-list":
        return [{"cvss": 7.5}]
    if kind == "external-references":
        return [{"source_name": "mitre-atlas", "external_id": "AML.T0051", "url": "https://atlas.mitre.org/"}]
    if kind == "kill-chain-phases":
        return [{"kill_chain_name": "mitre-atlas", "phase_name": "initial-access"}]
    raise AssertionError(kind)


def property_specs(stix_type: str) -> dict[str, dict[str, Any]]:
    spec = RULES["types"][stix_type]
    return {**RULES["bases"][spec["base"]], **spec["properties"]}


def base_object(stix_type: str, rng: random.Random, *, optional: float = 0.5) -> dict[str, Any]:
    """A valid object of ``stix_type``: required properties plus a random share of the optional ones."""
    obj: dict[str, Any] = {
        "type": stix_type,
        "spec_version": "2.1",
        "id": sid(stix_type, rng),
        "created": T0,
        "modified": T1,
    }
    for name, spec in property_specs(stix_type).items():
        if name in obj or spec["kind"] in ("type", "fixed", "id", "delegate", "extensions"):
            continue
        if spec.get("required") or rng.random() < optional:
            obj[name] = valid_value(spec, rng)
    for first, last in (("first_seen", "last_seen"), ("start_time", "stop_time")):
        if first in obj and last in obj:
            obj[first], obj[last] = T0, T1
    if stix_type == "malware" and obj["is_family"] and "name" not in obj:
        obj["name"] = "ShadowPrompt"
    if stix_type == "ai-system":
        obj["extensions"] = {stix_ai.AI_SYSTEM_EXTENSION: {"extension_type": "new-sdo"}}
    return obj


ANY_VALUES: list[Any] = [
    None,
    [],
    {},
    "",
    " ",
    0,
    1,
    -1,
    2,
    1.5,
    1.0,
    0.0,
    True,
    False,
    "true",
    "True",
    "t",
    "F",
    "0",
    "yes",
    "x",
    ["x"],
    [1],
    [None],
    [[]],
    [{}],
    ["x", 2],
    {"a": 1},
    {"a b": 1},
    {"": 1},
    {"k" * 251: 1},
    "50",
    "5.5",
    " 7 ",
    "1_0",
    "abc",
    float("inf"),
    10**20,
    "[]",
    '{"a": 1}',
]
TIMESTAMPS = [
    "2025-01-01T00:00:00Z",
    "2025-01-01T00:00:00.1Z",
    "2025-01-01T00:00:00.123456Z",
    "2025-01-01T00:00:00.1234567Z",
    "2025-01-01T00:00:00.123456789Z",
    "2025-01-01 00:00:00Z",
    "2025-01-01T00:00:00+00:00",
    "2025-01-01T00:00:00",
    "2025-13-01T00:00:00Z",
    "2025-02-30T00:00:00Z",
    "2025-01-01t00:00:00z",
    "2025-1-1T0:0:0Z",
    "2025-01-01T24:00:00Z",
    "2025-01-01T00:00:60Z",
    "２０２５-01-01T00:00:00Z",
    "2025-01-01T00:00:00.Z",
    "0000-01-01T00:00:00Z",
    "1969-12-31T23:59:59.999Z",
    "2025-01-01",
    20250101,
    ["2025-01-01T00:00:00Z"],
]
UUID = "6ba7b810-9dad-41d1-80b4-00c04fd430c8"
REF_TYPES = [
    "identity",
    "marking-definition",
    "software",
    "file",
    "artifact",
    "observed-data",
    "location",
    "ai-system",
    "relationship",
    "sighting",
    "bundle",
    "language-content",
    "url",
    "ipv4-addr",
    "x-custom",
    "attack-pattern",
    "IDENTITY",
    "",
]
REF_SHAPES = [
    f"--{UUID}",
    f"--{UUID.upper()}",
    "--6ba7b810-9dad-41d1-00b4-00c04fd430c8",
    "--6ba7b810-9dad-41d1-c0b4-00c04fd430c8",
    f"--{{{UUID}}}",
    f"--urn:uuid:{UUID}",
    "--6ba7b8109dad41d180b400c04fd430c8",
    "--not-a-uuid",
    "--",
    f"-{UUID}",
    f"--{UUID}\n",
]
CUSTOM_NAMES = ["x_tongzhou_score", "foo", "Foo", "_foo", "1foo", "", "é", "a b", "x-y", "id_ref"]


def kind_values(spec: dict[str, Any], rng: random.Random) -> list[Any]:
    kind = spec["kind"]
    values = list(ANY_VALUES)
    if kind == "timestamp":
        values += TIMESTAMPS
    if kind in ("ref", "ref-list"):
        refs = [t + s for t in REF_TYPES for s in rng.sample(REF_SHAPES, 3)]
        values += refs if kind == "ref" else [[r] for r in refs] + [{refs[0]: 1}, [refs[0], 5]]
    if kind in ("enum", "enum-list"):
        values += spec["values"] + [v.upper() for v in spec["values"]] + [spec["values"]]
    if kind == "external-references":
        values += [
            [{"source_name": "s"}],
            [{"url": "u"}],
            [{"source_name": "s", "url": ""}],
            [{"source_name": None, "url": "u"}],
            [{"source_name": [], "external_id": "e"}],
            [{"source_name": "s", "description": None}],
            [{"source_name": "s", "url": "u", "Bad": 1}],
            [{"source_name": "s", "url": "u", "x_ok": None}],
            ["s"],
            [{"source_name": {}, "url": 1}],
            [{"source_name": "s", "external_id": "e", "hashes": {"MD5": "0" * 32}}],
            [{"source_name": "s", "url": "u", "granular_markings": []}],
        ]
    if kind == "kill-chain-phases":
        values += [
            [{"kill_chain_name": "k"}],
            [{"kill_chain_name": "k", "phase_name": []}],
            [{"kill_chain_name": "k", "phase_name": {}}],
            [{"kill_chain_name": 0, "phase_name": ""}],
            [{"kill_chain_name": "k", "phase_name": "p", "Extra": 1}],
        ]
    if kind in ("dictionary", "dictionary-list"):
        values += [{"key\n": 1}, {"a-b_C9": None}, [{"a": 1}, {}], [{"a b": 1}], ['{"a": 1}']]
    return values


def extension_values(rng: random.Random) -> list[Any]:
    inc, vul, system = (
        stix_ai.AI_INCIDENT_EXTENSION,
        stix_ai.AI_VULNERABILITY_EXTENSION,
        stix_ai.AI_SYSTEM_EXTENSION,
    )
    unregistered = f"extension-definition--{UUID}"
    ok = {"extension_type": "property-extension", "oecd_classification": "AI incident"}
    return [
        {},
        [],
        "x",
        {inc: ok},
        {inc: {**ok, "harm_realised": "yes"}},
        {inc: {**ok, "harm_realised": "T"}},
        {inc: {"extension_type": "property-extension"}},
        {inc: {**ok, "extension_type": "new-sdo"}},
        {inc: {**ok, "ai_system_refs": [sid("ai-system", rng)]}},
        {inc: {**ok, "ai_system_refs": [sid("tool", rng)]}},
        {inc: {**ok, "eu_ai_act": {"art 73": True}}},
        {inc: {**ok, "eu_ai_act": {"art73": True}}},
        {inc: {**ok, "Bad": 1}},
        {inc: {"oecd_classification": "hazard"}},
        {inc: "x"},
        {inc: []},
        {inc: {**ok, "extension_type": "toplevel-property-extension"}},
        {vul: {"extension_type": "property-extension"}},
        {vul: {"metrics": [{"cvss": 1}]}},
        {vul: {"metrics": [{}]}},
        {vul: {"metrics": {"a": 1}}},
        {vul: {"avid_id": None}},
        {system: {"extension_type": "new-sdo"}},
        {system: {}},
        {system: {"extension_type": "new-sco"}},
        {unregistered: {"extension_type": "property-extension", "rank": 1}},
        {unregistered: {"extension_type": "toplevel-property-extension"}},
        {"extension-definition--not-a-uuid": {}},
        {"x-custom-ext": {"a": 1}},
        {"x-custom-ext": 5},
        {"archive-ext": {"contains_refs": [sid("file", rng)]}},
    ]


def cases(rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    """Valid objects of each covered type and their mutations, deterministic for the seed."""
    for stix_type in sorted(RULES["types"]):
        specs = property_specs(stix_type)
        for _ in range(3):
            obj = base_object(stix_type, rng)
            yield f"{stix_type} valid", obj
            for name in [n for n, s in specs.items() if s.get("required")]:
                yield f"{stix_type} without {name}", {k: v for k, v in obj.items() if k != name}
        obj = base_object(stix_type, rng, optional=1.0)
        for name, spec in specs.items():
            if spec["kind"] == "type":
                continue
            values = extension_values(rng) if spec["kind"] == "extensions" else kind_values(spec, rng)
            for value in values:
                yield f"{stix_type}.{name}={value!r:.40}", {**obj, name: value}
        for name in CUSTOM_NAMES:
            yield f"{stix_type} custom {name!r}", {**obj, name: rng.choice([1, None, [], "v"])}
        for first, last in (
            ("first_seen", "last_seen"),
            ("start_time", "stop_time"),
            ("created", "modified"),
        ):
            for a, b in ((T1, T0), (T0, T0), ("2025-01-01T00:00:00Z", "2025-01-01T00:00:00.000001Z")):
                yield f"{stix_type} {first}={a} {last}={b}", {**obj, first: a, last: b}
        yield (
            f"{stix_type} toplevel extension, odd names",
            {
                **obj,
                "Odd": 1,
                "extensions": {
                    f"extension-definition--{UUID}": {"extension_type": "toplevel-property-extension"}
                },
            },
        )
        for key in ("granular_markings", "custom_properties", "allow_custom", "interoperability"):
            yield f"{stix_type} {key}", {**obj, key: {"x_a": 1}}
    for _ in range(1500):  # random objects with 1-3 random mutations
        stix_type = rng.choice(sorted(RULES["types"]))
        obj = base_object(stix_type, rng)
        specs = property_specs(stix_type)
        for _ in range(rng.randint(1, 3)):
            name = rng.choice(sorted(specs))
            spec = specs[name]
            if spec["kind"] != "type":
                pool = extension_values(rng) if spec["kind"] == "extensions" else kind_values(spec, rng)
                obj[name] = rng.choice(pool)
        yield f"random {stix_type}", obj
    for fixture in ("is_family", "relationship_type", "source_ref", "sighting_of_ref"):
        for value in ("", 0, False, {}, "false", "0"):
            stix_type = {"is_family": "malware", "sighting_of_ref": "sighting"}.get(fixture, "relationship")
            obj = base_object(stix_type, rng)
            obj[fixture] = value
            obj.pop("name", None)
            yield f"{stix_type}.{fixture}={value!r} (falsy)", obj


@pytest.mark.parametrize("max_plans", [10**9, 0], ids=["shape-plans", "full-pass-only"])
def test_fast_check_matches_stix2_on_generated_cases(max_plans: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from tongzhou.threats import stix_checks

    book = rule_book()
    for rules in [*book.types.values(), *book.extensions.values()]:
        rules.plans.clear()  # every shape planned (or none), whatever ran before
    monkeypatch.setattr(stix_checks, "_MAX_PLANS", max_plans)
    rng = random.Random(SEED)
    tally: Counter[str] = Counter()
    mismatches: list[str] = []
    for label, obj in cases(rng):
        verdict = check_stix(obj)
        if not verdict.covered:
            tally["not covered"] += 1
            continue
        accepted, reason = stix2_accepts(obj)
        tally["covered valid" if accepted else "covered invalid"] += 1
        if accepted != verdict.valid:
            mismatches.append(
                f"{label}: fast says {verdict.problem or 'valid'}; stix2 says {reason or 'valid'}"
            )
    total = sum(tally.values())
    print(f"differential cases: {total} ({dict(tally)})")
    assert not mismatches, f"{len(mismatches)} of {total} verdicts differ:\n" + "\n".join(mismatches[:40])
    assert total >= 5000
    assert tally["covered invalid"] >= 1000 and tally["covered valid"] >= 1000
    assert tally["not covered"] < 0.2 * total  # delegation is the exception, not the rule


@pytest.mark.parametrize("stix_type", sorted(RULES["types"]))
def test_every_covered_type_accepts_a_full_valid_object(stix_type: str) -> None:
    obj = base_object(stix_type, random.Random(SEED), optional=1.0)
    assert check_stix(obj).valid, check_stix(obj).problem
    assert stix2_accepts(obj)[0]


def test_invalid_verdicts_name_the_property() -> None:
    rng = random.Random(SEED)
    obj = base_object("attack-pattern", rng)
    assert check_stix({**obj, "confidence": "high"}).problem == (
        "attack-pattern: property 'confidence' must be an integer (got 'high')"
    )
    problem = check_stix({k: v for k, v in base_object("report", rng).items() if k != "published"}).problem
    assert problem == "report: missing required property 'published'"
    problem = check_stix({**obj, "created_by_ref": sid("tool", rng)}).problem
    assert problem is not None and "'created_by_ref'" in problem and "'tool'" in problem


def test_uncovered_types_and_shapes_are_left_to_stix2() -> None:
    rng = random.Random(SEED)
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": sid("indicator", rng),
        "created": T0,
        "modified": T0,
        "pattern": "[url:value = 'x']",
        "pattern_type": "stix",
        "valid_from": T0,
    }
    assert check_stix(indicator) is NOT_COVERED
    assert (
        check_stix({"type": "url", "spec_version": "2.1", "id": sid("url", rng), "value": "x"}) is NOT_COVERED
    )
    marked = {**base_object("tool", rng), "granular_markings": [{"selectors": ["name"], "lang": "en"}]}
    assert check_stix(marked) is NOT_COVERED
    assert {"indicator", "observed-data", "marking-definition"}.isdisjoint(covered_types())
    assert check_stix({"type": ["tool"], "name": "x"}) is NOT_COVERED


def test_rules_agree_with_the_installed_stix2() -> None:
    """Drift guards: a stix2 upgrade or a new AI extension shows up here first."""
    book = rule_book()
    assert stix2.__version__ == book.stix2_version
    observables = stix2.registry.STIX2_OBJ_MAPS["2.1"]["observables"]
    assert set(RULES["sco_types"]) == set(observables)
    assert set(book.extensions) == {
        stix_ai.AI_SYSTEM_EXTENSION,
        stix_ai.AI_INCIDENT_EXTENSION,
        stix_ai.AI_VULNERABILITY_EXTENSION,
    }
    for ext_id in book.extensions:
        assert stix2.registry.class_for_type(ext_id, "2.1", "extensions") is not None
    for stix_type, spec in RULES["types"].items():
        cls = stix2.registry.class_for_type(stix_type, "2.1", "objects")
        assert cls is not None and spec["stix2_class"].endswith(cls.__name__), stix_type
        declared = set(property_specs(stix_type))
        assert declared == set(cls._properties), f"{stix_type}: {declared ^ set(cls._properties)}"


def test_fast_paths_agree_with_the_full_value_checks() -> None:
    """The timestamp and UUID fast paths accept only what the full checks (strptime, uuid.UUID) accept."""
    from tongzhou.threats import stix_property_kinds as kinds

    rng = random.Random(SEED)
    stamps = list(TIMESTAMPS[:-2]) + [
        f"{y:04d}-{m:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{frac}Z"
        for y, m, d, h, mi, s, frac in (
            (rng.choice([0, 1, 1969, 2024, 2025, 9999]), rng.randint(0, 13), rng.randint(0, 32),
             rng.randint(0, 25), rng.randint(0, 61), rng.randint(0, 61), rng.choice(["", ".5", ".123456"]))
            for _ in range(3000)
        )
    ]
    for stamp in stamps:
        kinds.timestamp_ok.cache_clear()
        assert kinds.timestamp_ok(stamp) is (kinds.timestamp_us.__wrapped__(stamp) is not None), stamp
    check_tool_id = kinds.check_id("tool")
    for text in [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(500)] + [
        UUID, UUID.upper(), UUID[:19] + "0" + UUID[20:], UUID[:19] + "c" + UUID[20:], UUID + "\n",
    ]:
        expected = kinds.uuid_ok.__wrapped__(text)
        try:
            check_tool_id(f"tool--{text}")
            accepted = True
        except kinds.PropertyProblem:
            accepted = False
        assert accepted is expected, text


def test_plain_external_references_take_the_same_verdicts() -> None:
    """Nested items of declared strings only are decided without the full check, with equal answers."""
    obj = base_object("tool", random.Random(SEED))
    refs_and_problems: list[tuple[list[Any], str | None]] = [
        ([{"source_name": "s", "url": "u"}], None),
        ([{"source_name": "s", "url": "u"}, {"source_name": "t", "description": "d"}], None),
        ([{"source_name": "s"}], "item 0: needs at least one of description, external_id, url"),
        ([{"source_name": "s", "url": None}], "item 0: needs at least one of description, external_id, url"),
        ([{"source_name": "s", "url": []}], "item 0: needs at least one of description, external_id, url"),
        ([{"source_name": "s", "url": ""}], None),
        ([{"url": "u"}, {"source_name": "s", "url": "u"}], "item 0: missing required property 'source_name'"),
        ([{"source_name": "s", "url": "u"}, {"source_name": [], "url": "u"}],
         "item 1: missing required property 'source_name'"),
    ]
    for refs, problem in refs_and_problems:
        verdict = check_stix({**obj, "external_references": refs})
        expected = None if problem is None else f"tool: property 'external_references' {problem}"
        assert verdict.problem == expected, refs
        assert verdict.valid is stix2_accepts({**obj, "external_references": refs})[0], refs


def test_remembered_object_shapes_do_not_change_verdicts() -> None:
    """An object shape's plan is built once; later objects of that shape with other values, and more
    shapes than are remembered, get the full pass's verdicts and messages."""
    from tongzhou.threats import stix_checks

    rng = random.Random(SEED)
    obj = base_object("attack-pattern", rng, optional=0.0)
    assert check_stix(obj).valid
    bad = {**obj, "created": "2025-02-30T00:00:00Z"}
    assert check_stix(bad).problem == (
        "attack-pattern: property 'created' must be a timestamp YYYY-MM-DDTHH:MM:SS[.ssssss]Z "
        "(got '2025-02-30T00:00:00Z')"
    )
    assert check_stix({**obj, "created": None}).valid  # null is absent (fast predicate's TypeError)
    assert check_stix({**obj, "created": []}).valid
    assert check_stix({**obj, "spec_version": ["2.1"]}).problem is not None
    for index in range(stix_checks._MAX_PLANS + 50):
        shaped = {**obj, f"x_field_{index}": 1}
        assert check_stix(shaped).valid
        assert check_stix({**shaped, "Odd": 1}).problem == (
            "attack-pattern: custom property name 'Odd' must begin with a-z"
        )
    assert len(rule_book().types["attack-pattern"].plans) <= stix_checks._MAX_PLANS
