"""Fast, table-driven STIX 2.1 validation with the same verdict as ``stix2.parse`` for the types it covers.

``stix2.parse(obj, allow_custom=True, version="2.1")`` builds a Python object per posted object
(~0.3 ms). :func:`check_stix` reads the per-type rules of ``data/stix-checks.yaml`` (each with its
STIX 2.1 section and the stix2 class it mirrors) and decides in a microsecond or two whether stix2
would accept the object. It answers :data:`NOT_COVERED` for types and shapes it does not model
(indicator patterns, observed-data, SCOs, granular markings, unmodelled registered extensions, values
stix2 would coerce through ``json.loads``); those still go through stix2.
``tests/threats/test_stix_checks.py`` holds the verdicts equal on thousands of generated objects.

The rules are compiled once (:mod:`tongzhou.threats.stix_rules`) into one ``{property name: value
check}`` dict per type, so checking an object is one pass over its properties with a dict lookup
each. The rare outcomes (a delegated key, a problem) are sorted out after the pass, in the
precedence the checks have always had: an extension problem, then a delegated key (not covered),
then the first bad property in the object's own order, then missing required properties.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import stix2.registry
import yaml

import tongzhou.threats.stix_ai  # noqa: F401  (registers the AI extension classes the rules mirror)
from tongzhou.threats import stix_property_kinds as kinds
from tongzhou.threats.stix_property_kinds import NotCovered, PropertyProblem
from tongzhou.threats.stix_rules import (
    RULES_FILE,
    ObjectRules,
    Plan,
    RuleBook,
    RuleBuilder,
    custom_property,
    delegated_property,
)

_TOPLEVEL_EXTENSION = "toplevel-property-extension"


class _CustomNameProblem(PropertyProblem):
    """A custom property name stix2 refuses (its message already names the property)."""


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

_COVERED: dict[str, ObjectRules] = {}
"""The compiled rules per type, filled by the first :func:`rule_book` call (check_stix makes it)."""


@cache
def rule_book() -> RuleBook:
    """The rules of ``data/stix-checks.yaml``, compiled once."""
    text = resources.files("tongzhou.threats").joinpath("data", RULES_FILE).read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    builder = RuleBuilder(document, _check_fields)
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


_UNPLANNED: Plan = (("", None, custom_property),)
"""Marker: a shape not seen yet."""


def _plan(shape: tuple[str, ...], rules: ObjectRules) -> Plan | None:
    """The checks an object of this shape needs, None when it needs the full pass."""
    checks, plan = rules.checks, []
    for name in shape:
        check = checks.get(name, custom_property)
        if check is delegated_property or (check is custom_property and not "a" <= name[:1] <= "z"):
            return None
        if check is not None and check is not custom_property:
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
            check = checks.get(name, custom_property)
            if check is None:
                continue
            if check is custom_property:
                # Allowed (allow_custom) when the name starts with a-z (stix2 PREFIX_21_REGEX).
                if check_names and not "a" <= name[:1] <= "z":
                    raise _CustomNameProblem(f"custom property name {name!r} must begin with a-z")
                continue
            if check is delegated_property:
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
