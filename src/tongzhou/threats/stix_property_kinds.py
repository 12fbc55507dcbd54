"""Value checks for each property kind of ``data/stix-checks.yaml``, mirroring stix2's ``Property.clean``.

Each check takes a JSON value and returns nothing when stix2 would accept it, raises
:class:`PropertyProblem` (with the reason) when stix2 would reject it, and :class:`NotCovered` when the
value takes a path through stix2 we do not model (for instance a dictionary given as a JSON string,
which stix2 would try to ``json.loads``). Common shapes take a fast path; unusual but legal-looking
text (lower-case ``t``/``z`` in a timestamp, a UUID in braces) is handed to the very function stix2
calls (``datetime.strptime``, ``uuid.UUID``) so the verdict stays the same.

The fast paths only ever accept: each one matches a subset of what the full check accepts (lower-case
canonical UUIDs; timestamps whose day is 01-28 and whose fields are in range), and anything else falls
through to the full check, so a fast path can make a check quicker but never change its verdict.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

ValueCheck = Callable[[Any], None]
"""Accepts a value (returns None) or raises :class:`PropertyProblem` / :class:`NotCovered`."""
Constraint = Callable[[dict[str, Any]], None]
"""A rule between two properties of one object; raises :class:`PropertyProblem` when broken."""


class PropertyProblem(ValueError):
    """stix2 would reject this value; the message says why (without the property name)."""


class NotCovered(Exception):
    """The fast check cannot decide this object; it goes through stix2."""


_EPOCH = datetime(1970, 1, 1)
_STRICT_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z", re.ASCII
)
_STRICT_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_UUID_FAST = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
"""Canonical lower-case UUID of the RFC 4122 variant: accepted without calling ``uuid.UUID``."""
_UUID_FAST_MATCH = re.compile(_UUID_FAST).fullmatch
# Every field in range whatever the month (day 01-28, hour checked below): no datetime() needed.
_TIMESTAMP_FAST_MATCH = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?Z"
).fullmatch
_DICT_KEY = re.compile(r"^[a-zA-Z0-9_-]+$")  # stix2.properties.DictionaryProperty (``$`` quirk and all)
_TRUES = ("true", "t", "1", 1, True)  # stix2.properties.BooleanProperty
_FALSES = ("false", "f", "0", 0, False)


@lru_cache(maxsize=16384)
def timestamp_us(value: str) -> int | None:
    """Microseconds since the epoch of a timestamp stix2's TimestampProperty accepts, else None."""
    match = _STRICT_TIMESTAMP.fullmatch(value)
    try:
        if match:
            year, month, day, hour, minute, second, frac = match.groups()
            moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
            micros = int(frac.ljust(6, "0")) if frac else 0
        else:  # what stix2.utils.parse_into_datetime does, for every other spelling
            fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in value else "%Y-%m-%dT%H:%M:%SZ"
            moment = datetime.strptime(value, fmt)
            micros = moment.microsecond
            moment = moment.replace(microsecond=0)
    except (TypeError, ValueError):
        return None
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + micros


@lru_cache(maxsize=16384)
def timestamp_ok(value: str) -> bool:
    """Whether stix2's TimestampProperty accepts ``value`` (cached: feeds repeat their timestamps)."""
    if _TIMESTAMP_FAST_MATCH(value) is not None and value[11:13] <= "23" and value[:4] != "0000":
        return True
    return timestamp_us(value) is not None


@lru_cache(maxsize=16384)
def uuid_ok(text: str) -> bool:
    """Whether stix2 2.1 accepts ``text`` as the UUID part of an identifier (RFC 4122 variant)."""
    if _STRICT_UUID.fullmatch(text):
        return text[19] in "89abAB"
    try:
        return uuid.UUID(text).variant == uuid.RFC_4122
    except ValueError:
        return False


def timestamp_of(value: Any) -> int | None:
    """Microseconds of an (already checked) timestamp value, None when not a valid timestamp."""
    return timestamp_us(value) if isinstance(value, str) else None


def check_timestamp(value: Any) -> None:
    """TimestampProperty: a string ``datetime.strptime`` reads as ``%Y-%m-%dT%H:%M:%S[.%f]Z``."""
    if not isinstance(value, str) or not timestamp_ok(value):
        raise PropertyProblem(f"must be a timestamp YYYY-MM-DDTHH:MM:SS[.ssssss]Z (got {value!r})")


def check_integer(minimum: int | None, maximum: int | None) -> ValueCheck:
    """IntegerProperty: ``int(value)`` succeeds and lies in [minimum, maximum]."""

    def check(value: Any) -> None:
        if value.__class__ is int and (minimum is None or value >= minimum) and (
            maximum is None or value <= maximum
        ):
            return
        try:
            number = int(value)
        except Exception:  # noqa: BLE001 -- stix2 catches every exception of int() here too
            raise PropertyProblem(f"must be an integer (got {value!r})") from None
        if minimum is not None and number < minimum:
            raise PropertyProblem(f"minimum value is {minimum} (got {number})")
        if maximum is not None and number > maximum:
            raise PropertyProblem(f"maximum value is {maximum} (got {number})")

    return check


def boolean_value(value: Any) -> bool:
    """BooleanProperty: the boolean stix2 reads from ``value``; PropertyProblem when none."""
    if isinstance(value, str):
        value = value.lower()
    if value in _TRUES:
        return True
    if value in _FALSES:
        return False
    raise PropertyProblem(f"must be a boolean (got {value!r})")


def check_boolean(value: Any) -> None:
    """BooleanProperty, as a value check."""
    if value is not True and value is not False:
        boolean_value(value)


def check_fixed(expected: str) -> ValueCheck:
    """``Property(fixed=...)``: the value must equal ``expected``."""

    def check(value: Any) -> None:
        if value != expected:
            raise PropertyProblem(f"must be {expected!r} (got {value!r})")

    return check


def check_enum(allowed: Collection[str]) -> ValueCheck:
    """EnumProperty: ``str(value)`` is one of ``allowed``."""

    def check(value: Any) -> None:
        if str(value) not in allowed:
            raise PropertyProblem(f"{value!r} is not one of {', '.join(sorted(allowed))}")

    return check


def list_items(value: Any) -> Iterable[Any]:
    """The items stix2's ListProperty iterates: a string is one item, an object gives its keys."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if not value:
            raise PropertyProblem("must not be empty")
        return value.keys()
    raise PropertyProblem(f"must be a list (got {value!r})")


def check_string_list(value: Any) -> None:
    """ListProperty(StringProperty): any items at all (stix2 calls ``str()`` on each)."""
    if value.__class__ is not list:
        list_items(value)


def check_list_of(item_check: ValueCheck) -> ValueCheck:
    """ListProperty(<property>): every item passes ``item_check``."""

    def check(value: Any) -> None:
        for item in value if value.__class__ is list else list_items(value):
            item_check(item)

    return check


FastAccept = Callable[[Any], object]
"""A C-level predicate: truthy means the value check would pass. Falsy, or a TypeError (a value of an
unexpected type), means nothing: the value check decides."""


def fast_accept(kind: str, spec: dict[str, Any], owner: str) -> FastAccept | None:
    """The fast predicate for a property kind, where there is one (the kinds nearly every object has)."""
    if kind == "timestamp":
        return timestamp_ok
    if kind == "id":
        return id_match(owner)
    if kind == "fixed":
        return frozenset({spec["value"]}).__contains__
    return None


def id_match(stix_type: str) -> Callable[[str], object]:
    """Fullmatch of ``<stix_type>--<canonical lower-case RFC 4122 UUID>`` (a subset of what IDProperty
    accepts)."""
    return re.compile(re.escape(stix_type + "--") + _UUID_FAST).fullmatch


def check_id(stix_type: str) -> ValueCheck:
    """IDProperty: ``<stix_type>--<UUID>`` with an RFC 4122 variant UUID."""
    prefix = stix_type + "--"
    fast_match = id_match(stix_type)

    def check(value: Any) -> None:
        if value.__class__ is str and fast_match(value) is not None:
            return
        if not isinstance(value, str) or not value.startswith(prefix) or not uuid_ok(value[len(prefix) :]):
            raise PropertyProblem(f"must be {prefix}<RFC 4122 UUID> (got {value!r})")

    return check


def check_reference(
    *, valid: Collection[str] = (), invalid: Collection[str] = (), any_type: bool = False,
    sdo_only: bool = False, sco_types: Collection[str] = (),
) -> ValueCheck:
    """ReferenceProperty (with allow_custom): an identifier whose type prefix the rule allows.

    ``valid``: exactly these types; ``invalid``: any type but these; ``any_type``: every type
    (stix2 turns an SCO/SDO/SRO whitelist into an empty blacklist when custom content is allowed);
    ``sdo_only``: not a registered SCO type and not an SRO.
    """
    described = (
        "any type" if any_type else "an SDO" if sdo_only
        else f"not {', '.join(sorted(invalid))}" if invalid else ", ".join(sorted(valid))
    )

    # One membership test covers every mode: the type is allowed when (type in listed) is listed_ok.
    if any_type:
        listed, listed_ok = frozenset[str](), False
    elif sdo_only:
        listed, listed_ok = frozenset(sco_types) | {"relationship", "sighting"}, False
    elif invalid:
        listed, listed_ok = frozenset(invalid), False
    else:
        listed, listed_ok = frozenset(valid), True

    def check(value: Any) -> None:
        if not isinstance(value, str):
            raise NotCovered  # stix2 would take str() of it; rare enough to leave to stix2
        cut = value.find("--")
        if cut < 0 or (_UUID_FAST_MATCH(value, cut + 2) is None and not uuid_ok(value[cut + 2 :])):
            raise PropertyProblem(f"not a STIX identifier <type>--<UUID>: {value!r}")
        if any_type:
            return
        ref_type = value[:cut]
        if (ref_type in listed) is not listed_ok:
            raise PropertyProblem(f"{value!r} refers to a {ref_type!r}; allowed: {described}")

    return check


def check_dictionary(value: Any) -> None:
    """DictionaryProperty (2.1): a non-empty object, keys of [a-zA-Z0-9_-], at most 250 characters."""
    if not isinstance(value, dict):
        raise NotCovered  # stix2 would try json.loads / dict() on it
    if not value:
        raise PropertyProblem("must not be empty")
    for key in value:
        if len(key) > 250 or not _DICT_KEY.match(key):
            raise PropertyProblem(f"dictionary key {key!r}: 1-250 characters of a-z A-Z 0-9 _ -")


def check_dictionary_list(value: Any) -> None:
    """ListProperty(DictionaryProperty)."""
    if isinstance(value, (str, dict)):
        raise NotCovered  # items would be strings stix2 tries to json.loads
    if not isinstance(value, list):
        raise PropertyProblem(f"must be a list of objects (got {value!r})")
    for item in value:
        check_dictionary(item)


def present(fields: dict[str, Any], name: str, absent_if_falsy: frozenset[str]) -> bool:
    """Whether stix2 keeps property ``name``: it drops null, [] and (for some) falsy values."""
    value = fields.get(name)
    if value is None or (value.__class__ is list and not value):
        return False
    return name not in absent_if_falsy or bool(value)


def unless_falsy(check: ValueCheck) -> ValueCheck:
    """``check``, skipped for a falsy value (stix2 drops it as if absent)."""

    def checked_when_truthy(value: Any) -> None:
        if value:
            check(value)

    return checked_when_truthy


def constraint(constraint: dict[str, str], absent_if_falsy: frozenset[str]) -> Constraint:
    """The check of one ``constraints:`` entry of a type (presence as stix2 sees it)."""
    rule, name, other = constraint["rule"], constraint["property"], constraint["other"]
    if rule == "required-if-true":

        def required_if_true(obj: dict[str, Any]) -> None:
            if (
                present(obj, other, absent_if_falsy)
                and boolean_value(obj[other])
                and not present(obj, name, absent_if_falsy)
            ):
                raise PropertyProblem(f"{name!r} is required when {other!r} is true")

        return required_if_true
    if rule not in ("not-before", "after"):
        raise ValueError(f"stix-checks.yaml: unknown constraint {rule!r}")
    strictly = rule == "after"

    def ordered(obj: dict[str, Any]) -> None:
        if not (present(obj, name, absent_if_falsy) and present(obj, other, absent_if_falsy)):
            return
        later, earlier = timestamp_of(obj[name]), timestamp_of(obj[other])
        if later is None or earlier is None:
            return
        if strictly:
            if later <= earlier:
                raise PropertyProblem(f"{name!r} ({obj[name]}) must be later than {other!r} ({obj[other]})")
        elif later < earlier:
            raise PropertyProblem(f"{name!r} ({obj[name]}) is earlier than {other!r} ({obj[other]})")

    return ordered
