"""Fast, table-driven STIX 2.1 validation with the same verdict as ``stix2.parse`` for the types it covers.

``stix2.parse(obj, allow_custom=True, version="2.1")`` builds a Python object per posted object
(~0.3 ms). :func:`check_stix` reads the per-type rules of ``data/stix-checks.yaml`` (each with its
STIX 2.1 section and the stix2 class it mirrors) and decides in a microsecond or two whether stix2
would accept the object. It answers :data:`NOT_COVERED` for types and shapes it does not model
(indicator patterns, observed-data, SCOs, granular markings, unmodelled registered extensions, values
stix2 would coerce through ``json.loads``); those still go through stix2.
``tests/threats/test_stix_checks.py`` holds the verdicts equal on thousands of generated objects.

The rules are compiled once into one ``{property name: value check}`` dict per type, so checking an
object is one pass over its properties with a dict lookup each. The rare outcomes (a delegated key, a
problem) are sorted out after the pass, in the precedence the checks have always had: an extension
problem, then a delegated key (not covered), then the first bad property in the object's own order,
then missing required properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import stix2.registry
import yaml

import tongzhou.threats.stix_ai  # noqa: F401  (registers the AI extension classes the rules mirror)
from tongzhou.threats import stix_property_kinds as kinds
from tongzhou.threats.stix_property_kinds import (
    Constraint,
    FastAccept,
    NotCovered,
    PropertyProblem,
    ValueCheck,
)

RULES_FILE = "stix-checks.yaml"
_ALWAYS_DELEGATED = frozenset({"custom_properties", "allow_custom", "interoperability"})
"""Keys with side effects in stix2's constructor (keyword arguments of ``_STIXBase.__init__``)."""
_TOPLEVEL_EXTENSION = "toplevel-property-extension"

_Plan = tuple[tuple[str, "FastAccept | None", ValueCheck], ...]
"""(name, fast predicate, value check) of each checked property of one object shape, in order."""
_MAX_PLANS = 512
"""Shapes remembered per type; a feed has a handful, and odd shapes beyond these take the full pass."""


@dataclass(frozen=True, slots=True)
class StixVerdict:
    """The fast check's answer for one object."""

    covered: bool
    """False: the fast check does not model this object; ask stix2."""
    problem: str | None = None
    """Why stix2 would reject the object (None: it would accept it, or not covered)."""

    @property
    def valid(self) -> bool:
        """Covered and accepted."""
        return self.covered and self.problem is None


NOT_COVERED = StixVerdict(False)
VALID = StixVerdict(True)


class _CustomNameProblem(PropertyProblem):
    """A custom property name stix2 refuses (its message already names the property)."""


def _custom_property(value: Any) -> None:
    """Marker check for a name the type does not declare (never called)."""


def _delegated_property(value: Any) -> None:
    """Marker check for a property we leave to stix2 (never called: its presence is enough)."""


@dataclass(frozen=True, slots=True)
class ObjectRules:
    """The compiled rules of one object type (or nested type: external reference, kill-chain phase,
    extension)."""

    label: str
    """How problems name the type ("attack-pattern", "external-reference", "extension ...")."""
    checks: dict[str, ValueCheck | None]
    """Declared and delegated properties: their value check (None: any value passes, StringProperty;
    ``_delegated_property``: present at all sends the object to stix2)."""
    delegated_keys: frozenset[str]
    """The names whose check is ``_delegated_property``."""
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
    plans: dict[tuple[str, ...], _Plan | None] = field(default_factory=dict)
    """Per object shape (its property names in order): the checks it needs, or None when the shape
    needs the full pass (delegated keys, odd custom names, missing required properties)."""


@dataclass(slots=True)
class RuleBook:
    """All rules read from the data file."""

    types: dict[str, ObjectRules]
    extensions: dict[str, ObjectRules]
    stix2_version: str


def _compile_check(spec: dict[str, Any], owner: str, book: _Builder) -> ValueCheck | None:
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


class _Builder:
    """Turns the YAML document into :class:`ObjectRules`."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
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
                checks[name] = _delegated_property
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
        for name in _ALWAYS_DELEGATED | ({"extensions", "granular_markings"} - checks.keys()):
            checks[name] = _delegated_property
        absent_if_falsy = frozenset(falsy)
        return ObjectRules(
            label, checks, frozenset(n for n, c in checks.items() if c is _delegated_property),
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
                    _check_fields(item, rules, True)
                except PropertyProblem as exc:
                    raise PropertyProblem(f"item {index}: {exc}") from None

        return check


_COVERED: dict[str, ObjectRules] = {}
"""The compiled rules per type, filled by the first :func:`rule_book` call (check_stix makes it)."""


@cache
def rule_book() -> RuleBook:
    """The rules of ``data/stix-checks.yaml``, compiled once."""
    text = resources.files("tongzhou.threats").joinpath("data", RULES_FILE).read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    builder = _Builder(document)
    types: dict[str, ObjectRules] = {}
    for stix_type, spec in document["types"].items():
        specs = {**document["bases"][spec["base"]], **spec["properties"]}
        types[stix_type] = builder.rules(stix_type, stix_type, specs, constraints=spec.get("constraints"))
    extensions: dict[str, ObjectRules] = {}
    for ext_id, spec in document["extensions"].items():
        specs = {"extension_type": {"kind": "fixed", "value": spec["extension_type"]}, **spec["properties"]}
        extensions[ext_id] = builder.rules(f"extension {spec['name']}", ext_id, specs)
    _COVERED.update(types)
    return RuleBook(types, extensions, str(document["stix2_version"]))


def covered_types() -> frozenset[str]:
    """The STIX types the fast check models."""
    return frozenset(rule_book().types)


def check_stix(obj: dict[str, Any]) -> StixVerdict:
    """Would ``stix2.parse(obj, allow_custom=True, version="2.1")`` accept ``obj``? Or NOT_COVERED."""
    stix_type = obj.get("type")
    if not isinstance(stix_type, str):
        return NOT_COVERED
    rules = _COVERED.get(stix_type)
    if rules is None:
        if _COVERED or stix_type not in rule_book().types:
            return NOT_COVERED
        rules = _COVERED[stix_type]
    try:
        check_names = True
        if rules.has_extensions and "extensions" in obj:
            check_names = _check_extensions(obj["extensions"])
        _check_fields(obj, rules, check_names)
        if rules.constraints:
            for constraint in rules.constraints:
                constraint(obj)
    except NotCovered:
        return NOT_COVERED
    except PropertyProblem as exc:
        return StixVerdict(True, f"{rules.label}: {exc}")
    return VALID


_UNPLANNED: _Plan = (("", None, _custom_property),)
"""Marker: a shape not seen yet."""


def _plan(shape: tuple[str, ...], rules: ObjectRules) -> _Plan | None:
    """The checks an object of this shape needs, None when it needs the full pass."""
    checks, plan = rules.checks, []
    for name in shape:
        check = checks.get(name, _custom_property)
        if check is _delegated_property or (check is _custom_property and not "a" <= name[:1] <= "z"):
            return None
        if check is not None and check is not _custom_property:
            plan.append((name, rules.fast.get(name), check))
    if not set(rules.required) <= set(shape):
        return None
    if rules.at_least_one and set(rules.at_least_one).isdisjoint(shape):
        return None
    return tuple(plan)


def _check_fields(fields: dict[str, Any], rules: ObjectRules, check_names: bool) -> None:
    """Check every property of one (possibly nested) object, in the object's own order."""
    shape = tuple(fields)
    plans = rules.plans
    plan = plans.get(shape, _UNPLANNED)
    if plan is _UNPLANNED:
        plan = _plan(shape, rules)
        if len(plans) < _MAX_PLANS:
            plans[shape] = plan
    if plan is None:
        _check_each(fields, rules, check_names)
    else:
        # Only the checked properties, in order; the others are strings or well-named custom ones.
        try:
            for name, accept, check in plan:
                value = fields[name]
                if accept is not None and accept(value):
                    continue
                if value is None or (value.__class__ is list and not value):
                    continue  # stix2 treats null and [] as absent
                check(value)
        except (PropertyProblem, TypeError):
            _check_each(fields, rules, check_names)  # words the problem (TypeError: a fast predicate's)
    _check_presence(fields, rules)


def _check_each(fields: dict[str, Any], rules: ObjectRules, check_names: bool) -> None:
    """The full pass: every property in the object's own order, the first problem raised."""
    checks = rules.checks
    try:
        for name, value in fields.items():
            check = checks.get(name, _custom_property)
            if check is None:
                continue
            if check is _custom_property:
                # Allowed (allow_custom) when the name starts with a-z (stix2 PREFIX_21_REGEX).
                if check_names and not "a" <= name[:1] <= "z":
                    raise _CustomNameProblem(f"custom property name {name!r} must begin with a-z")
                continue
            if check is _delegated_property:
                raise NotCovered
            if value is None or (value.__class__ is list and not value):
                continue  # stix2 treats null and [] as absent
            check(value)
    except PropertyProblem as exc:
        if not rules.delegated_keys.isdisjoint(fields):
            raise NotCovered from None  # a delegated key anywhere wins over a problem before it
        if isinstance(exc, _CustomNameProblem):
            raise
        raise PropertyProblem(f"property {name!r} {exc}") from None


def _check_presence(fields: dict[str, Any], rules: ObjectRules) -> None:
    """Required and at-least-one properties."""
    falsy = rules.absent_if_falsy
    for name in rules.required:  # kinds.present(), inlined: this runs for every object
        value = fields.get(name)
        if value is None or (value.__class__ is list and not value) or (not value and name in falsy):
            missing = [n for n in rules.required if not kinds.present(fields, n, falsy)]
            noun = "property" if len(missing) == 1 else "properties"
            raise PropertyProblem(f"missing required {noun} {', '.join(repr(n) for n in missing)}")
    if rules.at_least_one:
        for name in rules.at_least_one:
            if kinds.present(fields, name, falsy):
                break
        else:
            raise PropertyProblem(f"needs at least one of {', '.join(rules.at_least_one)}")


def _check_extensions(extensions: Any) -> bool:
    """ExtensionsProperty; returns whether custom property names are checked (stix2 skips that check
    when an unregistered extension declares itself a toplevel-property-extension)."""
    if extensions is None or extensions == []:
        return True
    if not isinstance(extensions, dict):
        raise PropertyProblem(f"property 'extensions' must be an object (got {extensions!r})")
    check_names = True
    modelled = rule_book().extensions
    for key, body in extensions.items():
        if not isinstance(body, dict):
            raise PropertyProblem(f"extension {key!r} must be an object (got {body!r})")
        rules = modelled.get(key)
        if rules is not None:
            try:
                _check_fields(body, rules, True)
            except PropertyProblem as exc:
                raise PropertyProblem(f"{rules.label}: {exc}") from None
        elif stix2.registry.class_for_type(key, "2.1", "extensions") is not None:
            raise NotCovered  # a registered extension we do not model (the SCO extensions)
        elif key.startswith("extension-definition--"):
            if not kinds.uuid_ok(key[len("extension-definition--") :]):
                raise PropertyProblem(f"extension key {key!r} is not extension-definition--<UUID>")
            if body.get("extension_type") == _TOPLEVEL_EXTENSION:
                check_names = False
        elif body.get("extension_type") == _TOPLEVEL_EXTENSION:
            check_names = False  # unregistered (custom) extension: allowed with allow_custom
    return check_names
