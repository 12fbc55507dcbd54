"""The condition language of the rules, compiled once into closures over the fact map.

A condition is a string atom, or a mapping with one key ``all`` / ``any`` (a list) or ``not``;
a list means ``all``. Atoms:

    <fact> is <value>          equality (true, false, a vocabulary id)
    <fact> in [a, b]           the fact's value is one of these
    <fact> has <term>          the fact (a list) contains the term
    <fact> has_any [a, b]      the fact (a list) contains at least one of these
    <fact> > | >= | < | <= <number>
    <fact> before <date>       the fact (a date) is earlier than the date
    <fact> on_or_after <date>
    <fact> known               the fact is known (never undetermined)
    @<flag>                    a flag derived by an earlier rule is true

Evaluation is three-valued (Kleene): a result is ``True``, ``False`` or a non-empty
``frozenset`` of the fact names whose absence left it undetermined. ``all`` is false as soon
as one part is false; ``any`` is true as soon as one part is true; otherwise the missing
facts of the undetermined parts are collected.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable
from typing import Any

import yaml

Tri = bool | frozenset[str]
"""True, False, or the facts that are missing."""
Facts = dict[str, Any]
Condition = Callable[[Facts], Tri]

LIST_FACT_VOCABULARY = {
    "markets": "markets",
    "sectors": "sectors",
    "functions": "functions",
    "generated_modalities": "modalities",
    "capabilities": "functions",
    "settings": "settings",
    "school_levels": "school_levels",
}
_COMPARE = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "before": operator.lt,
    "on_or_after": operator.ge,
}


class ConditionError(ValueError):
    """A condition that cannot be compiled: says which part and why."""


class CompiledCondition:
    """A compiled condition with the fact names and derived flags it reads."""

    __slots__ = ("evaluate", "facts", "flags", "source")

    def __init__(
        self, evaluate: Condition, facts: frozenset[str], flags: frozenset[str], source: Any
    ) -> None:
        self.evaluate = evaluate
        self.facts = facts
        self.flags = flags
        self.source = source


def _always_true(_facts: Facts) -> Tri:
    return True


def _parse_value(text: str) -> Any:
    try:
        return float(text)  # YAML 1.1 reads "1e25" as a string; numbers are read first
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConditionError(f"cannot read value {text!r}: {exc}") from None


def _atom(
    text: str, known_facts: frozenset[str], vocab: Callable[[str], frozenset[str]]
) -> CompiledCondition:
    text = text.strip()
    if text.startswith("@"):
        key = text
        flag = text[1:]

        def flag_true(facts: Facts) -> Tri:
            return facts.get(key, False)

        return CompiledCondition(flag_true, frozenset(), frozenset([flag]), text)
    parts = text.split(None, 2)
    if len(parts) < 2:
        raise ConditionError(f"{text!r}: expected '<fact> <operator> <value>' or '@flag'")
    fact, op = parts[0], parts[1]
    if fact not in known_facts:
        raise ConditionError(f"{text!r}: unknown fact {fact!r}")
    missing = frozenset([fact])
    if op == "known":

        def is_known(facts: Facts) -> Tri:
            return facts[fact] is not None

        return CompiledCondition(is_known, missing, frozenset(), text)
    if len(parts) != 3:
        raise ConditionError(f"{text!r}: operator {op!r} needs a value")
    value = _parse_value(parts[2])
    vocabulary_kind = LIST_FACT_VOCABULARY.get(fact)
    if vocabulary_kind is not None:
        values = value if isinstance(value, list) else [value]
        bad = [v for v in values if v not in vocab(vocabulary_kind)]
        if bad:
            raise ConditionError(f"{text!r}: {bad} not in the {vocabulary_kind} vocabulary")
    fn: Condition
    if op == "is":

        def fn(facts: Facts) -> Tri:
            v = facts[fact]
            return missing if v is None else v == value
    elif op == "in":
        if not isinstance(value, list):
            raise ConditionError(f"{text!r}: 'in' needs a list")
        options = frozenset(value)

        def fn(facts: Facts) -> Tri:
            v = facts[fact]
            return missing if v is None else v in options
    elif op == "has":

        def fn(facts: Facts) -> Tri:
            v = facts[fact]
            return missing if v is None else value in v
    elif op == "has_any":
        if not isinstance(value, list):
            raise ConditionError(f"{text!r}: 'has_any' needs a list")
        wanted = frozenset(value)

        def fn(facts: Facts) -> Tri:
            v = facts[fact]
            return missing if v is None else not wanted.isdisjoint(v)
    elif op in _COMPARE:
        compare = _COMPARE[op]
        if op in ("before", "on_or_after"):
            if not isinstance(value, dt.date):
                raise ConditionError(f"{text!r}: {op!r} needs a date (YYYY-MM-DD)")
        elif not isinstance(value, int | float) or isinstance(value, bool):
            raise ConditionError(f"{text!r}: {op!r} needs a number")

        def fn(facts: Facts) -> Tri:
            v = facts[fact]
            return missing if v is None else compare(v, value)
    else:
        raise ConditionError(f"{text!r}: unknown operator {op!r}")
    return CompiledCondition(fn, missing, frozenset(), text)


def _all(parts: list[Condition]) -> Condition:
    if len(parts) == 1:
        return parts[0]

    def all_of(facts: Facts) -> Tri:
        missing: frozenset[str] | None = None
        for part in parts:
            r = part(facts)
            if r is False:
                return False
            if r is not True:
                missing = r if missing is None else missing | r
        return True if missing is None else missing

    return all_of


def _any(parts: list[Condition]) -> Condition:
    def any_of(facts: Facts) -> Tri:
        missing: frozenset[str] | None = None
        for part in parts:
            r = part(facts)
            if r is True:
                return True
            if r is not False:
                missing = r if missing is None else missing | r
        return False if missing is None else missing

    return any_of


def _not(part: Condition) -> Condition:
    def negated(facts: Facts) -> Tri:
        r = part(facts)
        if r is True:
            return False
        if r is False:
            return True
        return r

    return negated


def compile_condition(
    spec: Any, known_facts: Iterable[str], vocab: Callable[[str], frozenset[str]]
) -> CompiledCondition:
    """Compile a condition spec (string, list or mapping); raise :class:`ConditionError` if malformed."""
    known = frozenset(known_facts)

    def build(node: Any) -> CompiledCondition:
        if node is None or node is True:
            return CompiledCondition(_always_true, frozenset(), frozenset(), node)
        if isinstance(node, str):
            return _atom(node, known, vocab)
        if isinstance(node, list):
            node = {"all": node}
        if isinstance(node, dict) and len(node) == 1:
            ((key, body),) = node.items()
            if key in ("all", "any"):
                if not isinstance(body, list) or not body:
                    raise ConditionError(f"{key!r} needs a non-empty list")
                children = [build(child) for child in body]
                combine = _all if key == "all" else _any
                fn = combine([c.evaluate for c in children])
            elif key == "not":
                child = build(body)
                children = [child]
                fn = _not(child.evaluate)
            else:
                raise ConditionError(f"unknown combinator {key!r} (use all, any, not)")
            return CompiledCondition(
                fn,
                frozenset().union(*(c.facts for c in children)),
                frozenset().union(*(c.flags for c in children)),
                node,
            )
        raise ConditionError(f"cannot read condition {node!r}")

    return build(spec)
