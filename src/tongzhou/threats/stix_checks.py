"""Fast, table-driven STIX 2.1 validation with the same verdict as ``stix2.parse`` for the types it covers.

``stix2.parse(obj, allow_custom=True, version="2.1")`` builds a Python object per posted object
(~0.3 ms). :func:`check_stix` reads the per-type rules of ``data/stix-checks.yaml`` (each with its
STIX 2.1 section and the stix2 class it mirrors) and decides in a few microseconds whether stix2 would
accept the object. It answers :data:`NOT_COVERED` for types and shapes it does not model (indicator
patterns, observed-data, SCOs, granular markings, unmodelled registered extensions, values stix2 would
coerce through ``json.loads``); those still go through stix2. ``tests/threats/test_stix_checks.py``
holds the verdicts equal on thousands of generated objects.
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
from tongzhou.threats.stix_property_kinds import NotCovered, PropertyProblem, ValueCheck

RULES_FILE = "stix-checks.yaml"
_ALWAYS_DELEGATED = frozenset({"custom_properties", "allow_custom", "interoperability"})
"""Keys with side effects in stix2's constructor (keyword arguments of ``_STIXBase.__init__``)."""
_TOPLEVEL_EXTENSION = "toplevel-property-extension"


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


@dataclass(frozen=True, slots=True)
class PropertyRule:
    """How stix2 checks one property."""

    name: str
    check: ValueCheck | None
    """None: any value passes (StringProperty)."""
    required: bool = False
    absent_if_falsy: bool = False


@dataclass(slots=True)
class ObjectRules:
    """The rules of one object type (or nested type: external reference, kill-chain phase, extension)."""

    label: str
    properties: dict[str, PropertyRule]
    required: tuple[str, ...]
    delegated_keys: frozenset[str]
    at_least_one: tuple[str, ...] = ()
    constraints: list[dict[str, str]] = field(default_factory=list)
    has_extensions: bool = False


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
        self.nested: dict[str, ObjectRules] = {}

    def rules(self, label: str, owner: str, specs: dict[str, dict[str, Any]], **extra: Any) -> ObjectRules:
        properties: dict[str, PropertyRule] = {}
        delegated = set(_ALWAYS_DELEGATED)
        for name, spec in specs.items():
            if spec["kind"] == "delegate":
                delegated.add(name)
                continue
            properties[name] = PropertyRule(
                name, _compile_check(spec, owner, self), bool(spec.get("required")),
                bool(spec.get("absent_if_falsy")),
            )
        # Undeclared, these keys still steer stix2's constructor (toplevel extensions, markings).
        delegated |= {"extensions", "granular_markings"} - properties.keys()
        required = tuple(name for name, rule in properties.items() if rule.required)
        return ObjectRules(
            label, properties, required, frozenset(delegated),
            has_extensions="extensions" in properties, **extra,
        )

    def nested_list(self, key: str) -> ValueCheck:
        spec = self.document[key]
        at_least_one = tuple(spec.get("at_least_one", ()))
        rules = self.rules(key.replace("_", "-"), key, spec["properties"], at_least_one=at_least_one)

        def check(value: Any) -> None:
            if not isinstance(value, list):
                raise PropertyProblem(f"must be a list of {rules.label} objects (got {value!r})")
            for index, item in enumerate(value):
                if not isinstance(item, dict):
                    raise PropertyProblem(f"item {index} is not a {rules.label} object: {item!r}")
                try:
                    _check_fields(item, rules, check_custom_names=True)
                except PropertyProblem as exc:
                    raise PropertyProblem(f"item {index}: {exc}") from None

        return check


@cache
def rule_book() -> RuleBook:
    """The rules of ``data/stix-checks.yaml``, compiled once."""
    text = resources.files("tongzhou.threats").joinpath("data", RULES_FILE).read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    builder = _Builder(document)
    types: dict[str, ObjectRules] = {}
    for stix_type, spec in document["types"].items():
        specs = {**document["bases"][spec["base"]], **spec["properties"]}
        types[stix_type] = builder.rules(stix_type, stix_type, specs, constraints=spec.get("constraints", []))
    extensions: dict[str, ObjectRules] = {}
    for ext_id, spec in document["extensions"].items():
        specs = {"extension_type": {"kind": "fixed", "value": spec["extension_type"]}, **spec["properties"]}
        extensions[ext_id] = builder.rules(f"extension {spec['name']}", ext_id, specs)
    return RuleBook(types, extensions, str(document["stix2_version"]))


def covered_types() -> frozenset[str]:
    """The STIX types the fast check models."""
    return frozenset(rule_book().types)


def check_stix(obj: dict[str, Any]) -> StixVerdict:
    """Would ``stix2.parse(obj, allow_custom=True, version="2.1")`` accept ``obj``? Or NOT_COVERED."""
    stix_type = obj.get("type")
    rules = rule_book().types.get(stix_type) if isinstance(stix_type, str) else None
    if rules is None:
        return NOT_COVERED
    try:
        check_custom_names = True
        if rules.has_extensions and "extensions" in obj:
            check_custom_names = _check_extensions(obj["extensions"])
        present = _check_fields(obj, rules, check_custom_names=check_custom_names)
        for constraint in rules.constraints:
            _check_constraint(obj, constraint, present)
    except NotCovered:
        return NOT_COVERED
    except PropertyProblem as exc:
        return StixVerdict(True, f"{rules.label}: {exc}")
    return VALID


def _check_fields(fields: dict[str, Any], rules: ObjectRules, *, check_custom_names: bool) -> set[str]:
    """Check every property of one (possibly nested) object; return the names stix2 keeps."""
    if not rules.delegated_keys.isdisjoint(fields):
        raise NotCovered
    properties = rules.properties
    present: set[str] = set()
    for name, value in fields.items():
        rule = properties.get(name)
        if rule is None:
            # Custom property: allowed (allow_custom) when the name starts with a-z (stix2 PREFIX_21_REGEX).
            if check_custom_names and not "a" <= name[:1] <= "z":
                raise PropertyProblem(f"custom property name {name!r} must begin with a-z")
            continue
        if value is None or (value.__class__ is list and not value):
            continue  # stix2 treats null and [] as absent
        if rule.absent_if_falsy and not value:
            continue  # Relationship/Sighting __init__ drop falsy positional-style arguments
        if rule.check is not None:
            try:
                rule.check(value)
            except PropertyProblem as exc:
                raise PropertyProblem(f"property {name!r} {exc}") from None
        present.add(name)
    missing = [name for name in rules.required if name not in present]
    if missing:
        noun = "property" if len(missing) == 1 else "properties"
        raise PropertyProblem(f"missing required {noun} {', '.join(repr(name) for name in missing)}")
    if rules.at_least_one and present.isdisjoint(rules.at_least_one):
        raise PropertyProblem(f"needs at least one of {', '.join(rules.at_least_one)}")
    return present


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
                _check_fields(body, rules, check_custom_names=True)
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


def _check_constraint(obj: dict[str, Any], constraint: dict[str, str], present: set[str]) -> None:
    rule, name, other = constraint["rule"], constraint["property"], constraint["other"]
    if rule == "required-if-true":
        if other in present and kinds.boolean_value(obj[other]) and name not in present:
            raise PropertyProblem(f"{name!r} is required when {other!r} is true")
        return
    if name not in present or other not in present:
        return
    later, earlier = kinds.timestamp_of(obj[name]), kinds.timestamp_of(obj[other])
    if later is None or earlier is None:
        return
    if rule == "not-before" and later < earlier:
        raise PropertyProblem(f"{name!r} ({obj[name]}) is earlier than {other!r} ({obj[other]})")
    if rule == "after" and later <= earlier:
        raise PropertyProblem(f"{name!r} ({obj[name]}) must be later than {other!r} ({obj[other]})")
