"""STIX patterns of posted indicators: parsed by the grammar in every validation mode, hostile
nesting refused with a clear reason before the parser runs (issue 20)."""

from __future__ import annotations

import inspect
import sys
from typing import Any

import httpx
import pytest

from tests.threats.conftest import LiveTaxii, indicator
from tests.threats.test_hostile_clients import HEADERS, bearer, post_envelope
from tongzhou.threats.stix_patterns import MAX_PATTERN_NESTING, nesting_depth, pattern_problem
from tongzhou.threats.validation import VALIDATION_MODES, ValidatedObject, ValidationMode, validate_objects

GOOD = [
    "[domain-name:value = 'evil.example']",
    "[file:name = 'a.exe' AND file:size > 1000] FOLLOWEDBY [ipv4-addr:value = '10.0.0.1'] WITHIN 60 SECONDS",
    "([url:value = 'http://x.example/'] OR [url:value = 'http://y.example/']) REPEATS 2 TIMES",
    "[network-traffic:dst_port IN (80, 443) AND network-traffic:start > t'2025-01-01T00:00:00Z']",
    "[file:name = 'it\\'s ((( [[[ not nesting']",  # brackets inside a literal, an escaped quote
]
BAD_GRAMMAR = [
    "domain-name:value = 'evil.example'",  # no brackets
    "[domain-name:value = ",  # cut off
    "[domain-name:value = 'x'] WITHIN SECONDS",
    "[[[[",
    "[file:hashes.'SHA-256' = 'not a hash']",
]


def nested(depth: int) -> str:
    """A valid pattern inside ``depth`` levels of brackets and parentheses in all."""
    return "(" * (depth - 1) + "[domain-name:value = 'deep.example']" + ")" * (depth - 1)


def with_pattern(pattern: str, **extra: Any) -> dict[str, Any]:
    return dict(indicator("x.example"), pattern=pattern, **extra)


def verdicts(objects: list[Any], mode: ValidationMode) -> list[ValidatedObject | str]:
    return validate_objects(objects, mode=mode)


def test_nesting_depth_counts_brackets_outside_literals_only() -> None:
    assert nesting_depth("[a:b = 'c']") == 1
    assert nesting_depth("([a:b = 'c'] OR ([a:b = 'd']))") == 3
    assert nesting_depth("[a:b = '(((\\'((('] AND [a:c = ')']") == 1
    # After an escaped quote the literal goes on, and after its end brackets count again.
    assert nesting_depth("[a:b = 'it\\'s'] OR (([a:c = 'd']))") == 3
    # An escaped backslash, then the closing quote:
    assert nesting_depth("[a:b = 'x\\\\'] OR ([a:c = 'd'])") == 2
    assert nesting_depth("[a:X = 'b']") == 1  # only brackets and parentheses open a level
    assert nesting_depth("X([a:b = 'c'])") == 2  # and only they close one
    assert nesting_depth(nested(MAX_PATTERN_NESTING)) == MAX_PATTERN_NESTING
    assert nesting_depth("") == 0


def test_the_documented_bound() -> None:
    # docs/threats.md states 64 levels; 65 is refused, 64 parses.
    assert MAX_PATTERN_NESTING == 64
    assert pattern_problem(with_pattern(nested(64))) is None
    assert pattern_problem(with_pattern(nested(65))) is not None


def test_a_parser_recursion_error_is_still_a_reason() -> None:
    """The nesting bound keeps the parser within Python's recursion limit; should a deployment's
    limit be lower, the answer is still a reason, not a crash."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 100)  # the parser needs ~4 frames a level
    try:
        problem = pattern_problem(with_pattern(nested(60)))
    finally:
        sys.setrecursionlimit(limit)
    assert problem == "indicator pattern is too deeply nested to parse"


@pytest.mark.parametrize("mode", VALIDATION_MODES)
def test_good_patterns_pass_in_every_mode(mode: ValidationMode) -> None:
    results = verdicts([with_pattern(p) for p in GOOD], mode)
    assert all(isinstance(r, ValidatedObject) for r in results), results


@pytest.mark.parametrize("mode", VALIDATION_MODES)
def test_patterns_the_grammar_refuses_fail_in_every_mode(mode: ValidationMode) -> None:
    results = verdicts([with_pattern(p) for p in BAD_GRAMMAR], mode)
    for pattern, result in zip(BAD_GRAMMAR, results, strict=True):
        assert isinstance(result, str), pattern
        assert "pattern" in result, result  # the failure names the property


def test_structural_mode_words_the_grammar_error() -> None:
    problem = pattern_problem(with_pattern("domain-name:value = 'x'"))
    assert problem is not None
    assert problem.startswith("indicator pattern is not valid STIX patterning: Error found at line 1:0")
    assert "FAIL:" not in problem


@pytest.mark.parametrize("mode", VALIDATION_MODES)
def test_hostile_nesting_is_refused_with_a_reason_not_a_recursion_error(mode: ValidationMode) -> None:
    # 300 levels made the parser raise RecursionError (it recurses ~4 frames per level).
    deep = [with_pattern(nested(300)), with_pattern("[" + "(" * 5000 + "a:b = 'c'" + ")" * 5000 + "]")]
    for result in verdicts(deep, mode):
        assert isinstance(result, str)
        assert f"levels deep; this server parses at most {MAX_PATTERN_NESTING}" in result
        assert "Recursion" not in result


def test_the_nesting_bound_is_exact() -> None:
    assert pattern_problem(with_pattern(nested(MAX_PATTERN_NESTING))) is None
    problem = pattern_problem(with_pattern(nested(MAX_PATTERN_NESTING + 1)))
    assert problem is not None and f"{MAX_PATTERN_NESTING + 1} levels deep" in problem
    # Without the grammar (stix2 parses later) the bound still holds, and nothing else is checked.
    assert pattern_problem(with_pattern(nested(MAX_PATTERN_NESTING + 1)), grammar=False) is not None
    assert pattern_problem(with_pattern("[[[["), grammar=False) is None


def test_only_stix_patterns_of_indicators_are_parsed() -> None:
    assert pattern_problem(with_pattern("title: suspicious\ndetection: {}", pattern_type="sigma")) is None
    assert pattern_problem({"type": "note", "pattern": "[[[[", "pattern_type": "stix"}) is None
    missing = with_pattern("[[[[")
    del missing["pattern"]
    assert pattern_problem(missing) is None  # the property checks report a missing pattern


@pytest.mark.parametrize("mode", VALIDATION_MODES)
def test_pattern_version_selects_the_grammar(mode: ValidationMode) -> None:
    # EXISTS came with STIX 2.1; stix2 (and so every mode) parses pattern_version "2.0" by the 2.0 grammar.
    exists = "[EXISTS domain-name:value]"
    objects = [with_pattern(exists)] + [with_pattern(exists, pattern_version=v) for v in ("2.1", "2.0")]
    results = verdicts(objects, mode)
    assert [isinstance(r, ValidatedObject) for r in results] == [True, True, False], results


def test_the_server_lists_bad_patterns_as_failures_and_stores_the_rest(live_taxii: LiveTaxii) -> None:
    good = with_pattern(GOOD[1])
    broken = with_pattern(BAD_GRAMMAR[0])
    hostile = with_pattern(nested(1000))
    response = post_envelope(live_taxii, {"objects": [good, broken, hostile]})
    assert response.status_code == 202, response.text
    status = response.json()
    assert status["success_count"] == 1 and status["successes"][0]["id"] == good["id"]
    reasons = {f["id"]: f["message"] for f in status["failures"]}
    assert set(reasons) == {broken["id"], hostile["id"]}
    assert "pattern" in reasons[broken["id"]]
    assert "levels deep" in reasons[hostile["id"]]
    listed = httpx.get(
        live_taxii.collection_url(live_taxii.shared) + "objects/",
        headers={**HEADERS, **bearer(live_taxii.reader_key)},
    ).json()
    assert [o["id"] for o in listed["objects"]] == [good["id"]]
