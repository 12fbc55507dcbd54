"""Validation of posted STIX 2.1 objects: common-property checks, then the stix2 verdict.

``stix2.parse`` validates every property of the types it knows (including the AI extension types
this package registers); for other custom types it hands the dict back unchecked, so the common
properties every STIX 2.1 object must carry (STIX 2.1 §3.2, §2.9) are checked here first.

The stix2 verdict comes from :mod:`tongzhou.threats.stix_checks` (same verdict, ~100x faster) for
the types and shapes it covers, and from ``stix2.parse`` for the rest. Validation modes:

* ``fast`` (default): common checks, then the fast check, else ``stix2.parse``;
* ``stix2-all``: common checks, then ``stix2.parse`` for every object (what Tongzhou did before);
* ``structural``: common checks and STIX pattern grammar only (``use_stix2=False``).

Indicator patterns are bounded in nesting in every mode (:mod:`tongzhou.threats.stix_patterns`).

``TONGZHOU_TAXII_VALIDATION=stix2-all`` selects ``stix2-all`` where no mode is passed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, Literal, NamedTuple

import stix2
import stix2.exceptions

import tongzhou.threats.stix_ai  # noqa: F401  (registers the AI extension classes with stix2)
from tongzhou.threats.stix_checks import check_stix
from tongzhou.threats.stix_patterns import pattern_problem
from tongzhou.threats.timestamps import parse_timestamp_us
from tongzhou.threats.wire_json import encode_json

ValidationMode = Literal["fast", "stix2-all", "structural"]
VALIDATION_MODES: tuple[ValidationMode, ...] = ("fast", "stix2-all", "structural")
VALIDATION_MODE_ENV = "TONGZHOU_TAXII_VALIDATION"

_ID = re.compile(
    r"^([a-z][a-z0-9-]{1,248}[a-z0-9])--"
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_TYPE = re.compile(r"[a-z][a-z0-9-]{1,248}[a-z0-9]")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CHECKED_TYPES: set[str] = set()
"""Type names that matched :data:`_TYPE` (a feed has few; bounded in :func:`_type_ok`)."""
# STIX 2.1 §6 cyber-observable types carry no created/modified.
_SCO_TYPES = frozenset(
    {
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv4-addr",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
    }
)
_META_TYPES = frozenset({"marking-definition", "language-content", "extension-definition"})


class InvalidStixObject(ValueError):
    """A posted object that is not valid STIX 2.1; the message says why."""


class ValidatedObject(NamedTuple):
    """A valid STIX object ready to store (a tuple: built once per posted object, ~3× cheaper than a
    frozen dataclass)."""

    stix_id: str
    stix_type: str
    spec_version: str
    version: str | None
    """``modified`` (else ``created``); None for objects without either (SCOs)."""
    version_us: int | None
    body: str
    """Compact JSON text, exactly what readers get back."""


def validation_mode(use_stix2: bool = True, mode: ValidationMode | None = None) -> ValidationMode:
    """The mode to use: ``mode`` if given, ``structural`` without stix2, else from the environment."""
    if mode is not None:
        if mode not in VALIDATION_MODES:
            raise ValueError(f"validation mode must be one of {', '.join(VALIDATION_MODES)} (got {mode!r})")
        return mode
    if not use_stix2:
        return "structural"
    env = os.environ.get(VALIDATION_MODE_ENV)
    return env if env in ("stix2-all", "structural") else "fast"  # type: ignore[return-value]


def validate_object(
    obj: Any, *, use_stix2: bool = True, mode: ValidationMode | None = None
) -> ValidatedObject:
    """Check one posted object; raise :class:`InvalidStixObject` with the reason when invalid."""
    chosen = validation_mode(use_stix2, mode)
    checked = _common_checks(obj)
    # Before stix2, which parses the pattern itself (so the grammar runs here only without it).
    problem = pattern_problem(obj, grammar=chosen == "structural")
    if problem is not None:
        raise InvalidStixObject(problem)
    if chosen != "structural" and (chosen == "stix2-all" or not _fast_verdict(obj)):
        _stix2_check(obj)
    return checked


def _fast_verdict(obj: dict[str, Any]) -> bool:
    """True when the fast check covers ``obj`` and accepts it; raise when it covers and rejects."""
    verdict = check_stix(obj)
    if verdict.problem is not None:
        raise InvalidStixObject(verdict.problem)
    return verdict.covered


def _stix2_check(obj: dict[str, Any]) -> None:
    try:
        stix2.parse(obj, allow_custom=True, version="2.1")
    except Exception as exc:  # noqa: BLE001 -- stix2 raises AttributeError etc. on odd input too
        raise InvalidStixObject(f"{type(exc).__name__}: {exc}") from None


def _common_checks(obj: Any) -> ValidatedObject:
    """STIX 2.1 §3.2 common properties every object must carry, whatever its type."""
    if not isinstance(obj, dict):
        raise InvalidStixObject("object is not a JSON object")
    stix_id = obj.get("id")
    stix_type = obj.get("type")
    if not isinstance(stix_id, str) or not isinstance(stix_type, str):
        raise InvalidStixObject("missing 'id' or 'type'")
    cut = len(stix_type) + 2
    if not (
        stix_id.startswith(stix_type)
        and stix_id[cut - 2 : cut] == "--"
        and _UUID.fullmatch(stix_id, cut)
        and _type_ok(stix_type)
    ):
        match = _ID.match(stix_id)  # only to word the error
        if match and match.group(1) != stix_type:
            raise InvalidStixObject(f"'id' prefix {match.group(1)!r} does not match 'type' {stix_type!r}")
        raise InvalidStixObject(f"'id' is not '<type>--<UUID>': {stix_id!r}")
    spec_version = obj.get("spec_version")
    if spec_version != "2.1":
        raise InvalidStixObject(f"'spec_version' must be '2.1' (got {spec_version!r})")
    version: str | None = None
    version_us: int | None = None
    if stix_type not in _SCO_TYPES:
        created = obj.get("created")
        modified = obj.get("modified", created)
        if stix_type not in _META_TYPES or created is not None:
            if not isinstance(created, str) or not isinstance(modified, str):
                raise InvalidStixObject("'created' (and 'modified') are required timestamps")
            try:
                created_us = parse_timestamp_us(created)
                version_us = parse_timestamp_us(modified)
            except ValueError as exc:
                raise InvalidStixObject(str(exc)) from None
            if version_us < created_us:
                raise InvalidStixObject("'modified' is earlier than 'created'")
            version = modified
    try:
        body = encode_json(obj)
    except ValueError as exc:
        raise InvalidStixObject(str(exc)) from None
    return ValidatedObject(stix_id, stix_type, spec_version, version, version_us, body)


def _type_ok(stix_type: str) -> bool:
    if stix_type in _CHECKED_TYPES:
        return True
    if not _TYPE.fullmatch(stix_type):
        return False
    if len(_CHECKED_TYPES) > 1024:
        _CHECKED_TYPES.clear()
    _CHECKED_TYPES.add(stix_type)
    return True


PARALLEL_MIN_OBJECTS = 200
"""Envelopes smaller than this are validated in-process (spreading them costs more than it saves)."""
_POOLS: dict[int, ProcessPoolExecutor] = {}


def default_validation_processes() -> int:
    """Processes for ``stix2.parse`` validation: one per CPU but one (at most 15) on 4+ CPUs, else none."""
    cpus = os.cpu_count() or 1
    return min(15, cpus - 1) if cpus >= 4 else 0


def warm_validation_pool(processes: int) -> None:
    """Start the worker processes now (each imports stix2 once) instead of on the first large envelope."""
    if processes >= 2:
        try:
            list(_pool(processes).map(_check_chunk, [[]] * processes, ["stix2-all"] * processes))
        except (BrokenProcessPool, OSError, RuntimeError):
            _drop_pool(processes)  # validate_objects falls back to in-process validation


def _drop_pool(processes: int) -> None:
    pool = _POOLS.pop(processes, None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def _pool(processes: int) -> ProcessPoolExecutor:
    if processes not in _POOLS:
        # spawn, not fork: the server process has threads (uvicorn, the DB pool).
        _POOLS[processes] = ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn"))
    return _POOLS[processes]


def _check(obj: Any, mode: ValidationMode) -> ValidatedObject | str:
    try:
        return validate_object(obj, mode=mode)
    except InvalidStixObject as exc:
        return str(exc)


def _check_chunk(chunk: Sequence[Any], mode: ValidationMode) -> list[ValidatedObject | str]:
    return [_check(obj, mode) for obj in chunk]


def _check_fast(obj: Any) -> ValidatedObject | str | None:
    """Common checks and the fast check; None when stix2 must decide."""
    try:
        checked = _common_checks(obj)
        return checked if _fast_verdict(obj) else None
    except InvalidStixObject as exc:
        return str(exc)


def validate_objects(
    objects: Sequence[Any],
    *,
    use_stix2: bool = True,
    processes: int = 0,
    mode: ValidationMode | None = None,
) -> list[ValidatedObject | str]:
    """Validate every object, in order: a :class:`ValidatedObject` or the reason it is invalid.

    ``mode`` (default: :func:`validation_mode`) picks the checks, see the module docstring. With
    ``processes`` > 1, the objects that need ``stix2.parse`` (all of them in ``stix2-all`` mode,
    the ones the fast check does not cover otherwise) are spread over that many worker processes
    when there are at least :data:`PARALLEL_MIN_OBJECTS` of them (~0.3 ms CPU each).
    """
    chosen = validation_mode(use_stix2, mode)
    if chosen == "structural":
        return [_check(obj, chosen) for obj in objects]
    if chosen == "stix2-all":
        return _stix2_in_parallel(objects, processes)
    results = [_check_fast(obj) for obj in objects]
    pending = [obj for obj, outcome in zip(objects, results, strict=True) if outcome is None]
    delegated = iter(_stix2_in_parallel(pending, processes))
    return [outcome if outcome is not None else next(delegated) for outcome in results]


def _stix2_in_parallel(objects: Sequence[Any], processes: int) -> list[ValidatedObject | str]:
    """Full validation (common checks + stix2.parse) of every object, in worker processes if worth it."""
    if processes < 2 or len(objects) < PARALLEL_MIN_OBJECTS:
        return [_check(obj, "stix2-all") for obj in objects]
    size = -(-len(objects) // processes)
    chunks = [objects[start : start + size] for start in range(0, len(objects), size)]
    results: list[ValidatedObject | str] = []
    try:
        for part in _pool(processes).map(_check_chunk, chunks, ["stix2-all"] * len(chunks)):
            results.extend(part)
    except (BrokenProcessPool, OSError, RuntimeError):
        # A worker died (or processes cannot be started here): validate in-process, never fail the request.
        _drop_pool(processes)
        return [_check(obj, "stix2-all") for obj in objects]
    return results
