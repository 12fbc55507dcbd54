"""The rules of ``data/stix-checks.yaml`` compiled into per-type :class:`ObjectRules`.

Each property's kind in the data file becomes a value check from
:mod:`tongzhou.threats.stix_property_kinds` (None where any value passes); a property left to
``stix2`` is marked with :func:`delegated_property`. :mod:`tongzhou.threats.stix_checks` applies
the compiled rules to objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tongzhou.threats import stix_property_kinds as kinds
from tongzhou.threats.stix_property_kinds import Constraint, FastAccept, PropertyProblem, ValueCheck

RULES_FILE = "stix-checks.yaml"
ALWAYS_DELEGATED = frozenset({"custom_properties", "allow_custom", "interoperability"})
"""Keys with side effects in stix2's constructor (keyword arguments of ``_STIXBase.__init__``)."""
Plan = tuple[tuple[str, "FastAccept | None", ValueCheck], ...]
"""(name, fast predicate, value check) of each checked property of one object shape, in order."""

FieldsCheck = Callable[[dict[str, Any], "ObjectRules", bool], None]
"""``check(fields, rules, check_names)``: raises :class:`PropertyProblem` for a bad nested object."""


def custom_property(value: Any) -> None:
    """Marker check for a name the type does not declare (never called)."""


def delegated_property(value: Any) -> None:
    """Marker check for a property we leave to stix2 (never called: its presence is enough)."""


@dataclass(frozen=True, slots=True)
class ObjectRules:
    """The compiled rules of one object type (or nested type: external reference, kill-chain phase,
    extension)."""

    label: str
    """How problems name the type ("attack-pattern", "external-reference", "extension ...")."""
    checks: dict[str, ValueCheck | None]
    """Declared and delegated properties: their value check (None: any value passes, StringProperty;
    ``delegated_property``: present at all sends the object to stix2)."""
    delegated_keys: frozenset[str]
    """The names whose check is ``delegated_property``."""
    required: tuple[str, ...]
    """Required properties, in declaration order (the order a 'missing' problem lists them)."""
    absent_if_falsy: frozenset[str]
    """Properties stix2 drops when falsy (Relationship/Sighting ``__init__`` arguments)."""
    at_least_one: tuple[str, ...] = ()
    """At least one of these must be present (external references)."""
    constraints: tuple[Constraint, ...] = ()
    """Rules between properties (first_seen/last_seen, is_family/name)."""
    has_extensions: bool = False
    """Declares ``extensions`` (checked by :func:`_check_extensions` before the properties)."""
    fast: dict[str, FastAccept] = field(default_factory=dict)
    """Fast predicates of the properties that have one (timestamps, id, fixed values)."""
    plans: dict[tuple[str, ...], Plan | None] = field(default_factory=dict)
    """Per object shape (its property names in order): the checks it needs, or None when the shape
    needs the full pass (delegated keys, odd custom names, missing required properties)."""


@dataclass(slots=True)
class RuleBook:
    """All rules read from the data file."""

    types: dict[str, ObjectRules]
    extensions: dict[str, ObjectRules]
    stix2_version: str


def _compile_check(spec: dict[str, Any], owner: str, book: RuleBuilder) -> ValueCheck | None:
    kind = spec["kind"]
    if kind in ("string", "type"):
        return None
    if kind == "string-list":
        return kinds.check_string_list
    if kind == "enum":
        return kinds.check_enum(frozenset(spec["values"]))
    if kind == "enum-list":
        return kinds.check_list_of(kinds.check_enum(frozenset(spec["values"])))
    if kind == "integer":
        return kinds.check_integer(spec.get("min"), spec.get("max"))
    if kind == "boolean":
        return kinds.check_boolean
    if kind == "timestamp":
        return kinds.check_timestamp
    if kind == "fixed":
        return kinds.check_fixed(spec["value"])
    if kind == "id":
        return kinds.check_id(owner)
    if kind in ("ref", "ref-list"):
        ref = kinds.check_reference(
            valid=frozenset(spec.get("valid", ())), invalid=frozenset(spec.get("invalid", ())),
            any_type=bool(spec.get("any")), sdo_only=bool(spec.get("sdo")), sco_types=book.sco_types,
        )
        return ref if kind == "ref" else kinds.check_list_of(ref)
    if kind == "dictionary":
        return kinds.check_dictionary
    if kind == "dictionary-list":
        return kinds.check_dictionary_list
    if kind == "external-references":
        return book.nested_list("external_reference")
    if kind == "kill-chain-phases":
        return book.nested_list("kill_chain_phase")
    if kind == "extensions":
        return None  # checked by _check_extensions, which needs the whole object
    raise ValueError(f"{RULES_FILE}: unknown property kind {kind!r} in {owner}")


class RuleBuilder:
    """Turns the YAML document into :class:`ObjectRules`."""

    def __init__(self, document: dict[str, Any], check_fields: FieldsCheck) -> None:
        self.document = document
        self.check_fields = check_fields
        """Checks one nested object against its rules (the checker's own pass, injected)."""
        self.sco_types = frozenset(document["sco_types"])

    def rules(
        self, label: str, owner: str, specs: dict[str, dict[str, Any]], *,
        at_least_one: tuple[str, ...] = (), constraints: list[dict[str, str]] | None = None,
    ) -> ObjectRules:
        checks: dict[str, ValueCheck | None] = {}
        fast: dict[str, FastAccept] = {}
        required: list[str] = []
        falsy: set[str] = set()
        for name, spec in specs.items():
            if spec["kind"] == "delegate":
                checks[name] = delegated_property
                continue
            check = _compile_check(spec, owner, self)
            accept = kinds.fast_accept(spec["kind"], spec, owner)
            if spec.get("absent_if_falsy"):
                falsy.add(name)
                check, accept = None if check is None else kinds.unless_falsy(check), None
            if accept is not None:
                fast[name] = accept
            checks[name] = check
            if spec.get("required"):
                required.append(name)
        # Undeclared, these keys still steer stix2's constructor (toplevel extensions, markings).
        for name in ALWAYS_DELEGATED | ({"extensions", "granular_markings"} - checks.keys()):
            checks[name] = delegated_property
        absent_if_falsy = frozenset(falsy)
        return ObjectRules(
            label, checks, frozenset(n for n, c in checks.items() if c is delegated_property),
            tuple(required), absent_if_falsy, at_least_one,
            tuple(kinds.constraint(c, absent_if_falsy) for c in constraints or ()),
            has_extensions="extensions" in specs and specs["extensions"]["kind"] == "extensions",
            fast=fast,
        )

    def nested_list(self, key: str) -> ValueCheck:
        spec = self.document[key]
        at_least_one = tuple(spec.get("at_least_one", ()))
        rules = self.rules(key.replace("_", "-"), key, spec["properties"], at_least_one=at_least_one)
        label, required = rules.label, rules.required
        # Items made only of declared string properties need no value check, just the presence
        # ones (nested types drop no falsy values, so present means not null and not []).
        plain = frozenset(n for n, c in rules.checks.items() if c is None and n not in rules.absent_if_falsy)

        def check(value: Any) -> None:
            if not isinstance(value, list):
                raise PropertyProblem(f"must be a list of {label} objects (got {value!r})")
            for index, item in enumerate(value):
                if item.__class__ is dict and item.keys() <= plain:
                    ok = True
                    for name in required:
                        field = item.get(name)
                        if field is None or (field.__class__ is list and not field):
                            ok = False
                            break
                    if ok and at_least_one:
                        ok = False
                        for name in at_least_one:
                            field = item.get(name)
                            if field is not None and not (field.__class__ is list and not field):
                                ok = True
                                break
                    if ok:
                        continue  # else the full check below finds and words the problem
                if not isinstance(item, dict):
                    raise PropertyProblem(f"item {index} is not a {label} object: {item!r}")
                try:
                    self.check_fields(item, rules, True)
                except PropertyProblem as exc:
                    raise PropertyProblem(f"item {index}: {exc}") from None

        return check
