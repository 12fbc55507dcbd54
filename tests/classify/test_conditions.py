"""The condition language: three-valued (Kleene) logic, and malformed conditions rejected with a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tongzhou.classify.conditions import ConditionError, compile_condition
from tongzhou.systems._vocabulary import terms
from tongzhou.systems.profile import FACT_NAMES


def ev(spec: Any, **facts: Any) -> Any:
    full = dict.fromkeys(FACT_NAMES)
    full.update({k.replace("__", "."): v for k, v in facts.items()})
    return compile_condition(spec, FACT_NAMES, terms).evaluate(full)


def test_atoms() -> None:
    assert ev("functions has chat_interaction", functions=frozenset({"chat_interaction"})) is True
    assert ev("functions has chat_interaction", functions=frozenset()) is False
    assert ev("functions has chat_interaction") == frozenset({"functions"})
    assert ev("sectors has_any [education, employment]", sectors=frozenset({"employment"})) is True
    assert ev("model.training_compute_flop > 1e25", model__training_compute_flop=2e25) is True
    assert ev("model.training_compute_flop >= 1e26", model__training_compute_flop=1e26) is True
    assert ev("model.training_compute_flop > 1e25", model__training_compute_flop=1e25) is False
    assert ev("users.audience in [public, business]", users__audience="internal") is False
    assert ev("placed_on_market before 2026-08-02", placed_on_market=dt.date(2026, 3, 1)) is True
    assert ev("placed_on_market on_or_after 2026-08-02", placed_on_market=dt.date(2026, 3, 1)) is False
    assert ev("profiles_natural_persons known") is False  # `known` is never undetermined
    assert ev("profiles_natural_persons is true", profiles_natural_persons=True) is True


def test_kleene_all_any_not() -> None:
    unknown_a = "profiles_natural_persons is true"
    unknown_b = "medical_or_safety_purpose is true"
    false_atom = "functions has chat_interaction"
    facts = {"functions": frozenset()}
    # all: one false decides; otherwise unknowns are collected
    assert ev([unknown_a, false_atom], **facts) is False
    assert ev([unknown_a, unknown_b]) == frozenset({"profiles_natural_persons", "medical_or_safety_purpose"})
    # any: one true decides
    assert (
        ev(
            {"any": [unknown_a, "functions has_any [chat_interaction]"]},
            functions=frozenset({"chat_interaction"}),
        )
        is True
    )
    assert ev({"any": [unknown_a, false_atom]}, **facts) == frozenset({"profiles_natural_persons"})
    # not keeps unknown unknown
    assert ev({"not": unknown_a}) == frozenset({"profiles_natural_persons"})
    assert ev({"not": false_atom}, **facts) is True
    assert ev(None) is True


def test_flags_read_derived_facts() -> None:
    assert ev("@eu.annex_iii") is False
    full = dict.fromkeys(FACT_NAMES)
    full["@eu.annex_iii"] = True
    cond = compile_condition(["@eu.annex_iii", {"not": "@eu.derogation"}], FACT_NAMES, terms)
    assert cond.flags == {"eu.annex_iii", "eu.derogation"}
    assert cond.evaluate(full) is True
    full["@eu.derogation"] = frozenset({"derogation.task"})
    assert cond.evaluate(full) == frozenset({"derogation.task"})


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("functions has chatbot", "not in the functions vocabulary"),
        ("nonsense.fact is true", "unknown fact"),
        ("model.training_compute_flop > lots", "needs a number"),
        ("placed_on_market before soon", "needs a date"),
        ("users.audience frobs public", "unknown operator"),
        ("users.audience in public", "'in' needs a list"),
        ({"either": ["functions has recommendation"]}, "unknown combinator"),
        ({"all": []}, "non-empty list"),
        ("functions", "expected '<fact> <operator> <value>'"),
    ],
)
def test_malformed_conditions_say_why(spec: Any, reason: str) -> None:
    with pytest.raises(ConditionError, match=reason):
        compile_condition(spec, FACT_NAMES, terms)
