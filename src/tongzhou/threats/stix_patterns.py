"""STIX patterns (STIX 2.1 §9) of posted indicators: bounded in nesting, then parsed by the grammar.

The grammar check is the OASIS ``stix2-patterns`` validator (an ANTLR parser of the STIX
Patterning grammar, the one ``stix2`` itself calls for indicators). Its parser recurses about four
Python frames per level of brackets or parentheses, so a pattern nested ~250 levels deep
(measured: ``(((…[a:b = 'c']…)))``) raised ``RecursionError`` from inside the parser instead of
saying what was wrong. :func:`pattern_problem` refuses nesting deeper than
:data:`MAX_PATTERN_NESTING` before the parser runs, with a message that says so.

The total pattern text of one request is bounded separately
(:data:`tongzhou.threats.envelope_bounds.MAX_PATTERN_CHARS_PER_ENVELOPE`).
"""

from __future__ import annotations

from typing import Any

from stix2patterns.validator import run_validator

MAX_PATTERN_NESTING = 64
"""Deepest nesting of ``[`` and ``(`` (outside string literals) a pattern may have. Real patterns
nest a few levels; 64 keeps the parser far from Python's recursion limit (it failed at ~250)."""


def nesting_depth(pattern: str) -> int:
    """The deepest nesting of ``[`` / ``(`` in ``pattern``, not counting those inside ``'…'`` literals
    (STIX 2.1 §9.2: a quote inside a literal is escaped as ``\\'``)."""
    depth = deepest = 0
    quoted = escaped = False
    for char in pattern:
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "'":
                quoted = False
        elif char == "'":
            quoted = True
        elif char in "[(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]":
            depth -= 1
    return deepest


def pattern_problem(obj: dict[str, Any], *, grammar: bool = True) -> str | None:
    """Why the STIX pattern of indicator ``obj`` is not valid, or None.

    Only indicators whose ``pattern_type`` is ``stix`` are checked (other pattern languages, such
    as Sigma or YARA, are opaque to STIX). With ``grammar=False`` only the nesting bound is checked
    (for callers that hand the object to ``stix2``, which parses the pattern itself).
    """
    if obj.get("type") != "indicator" or obj.get("pattern_type") != "stix":
        return None
    pattern = obj.get("pattern")
    if not isinstance(pattern, str):
        return None  # a missing or non-string pattern is the property checks' to report
    depth = nesting_depth(pattern)
    if depth > MAX_PATTERN_NESTING:
        return (
            f"indicator pattern nests brackets and parentheses {depth} levels deep; "
            f"this server parses at most {MAX_PATTERN_NESTING}"
        )
    if not grammar:
        return None
    # stix2's rule: no pattern_version is 2.1; any other value than "2.1" selects the 2.0 grammar.
    version = obj.get("pattern_version")
    try:
        errors = run_validator(pattern, "2.1" if not version or version == "2.1" else "2.0")
    except RecursionError:  # not reached within MAX_PATTERN_NESTING; kept as a clear answer anyway
        return "indicator pattern is too deeply nested to parse"
    if errors:
        return f"indicator pattern is not valid STIX patterning: {str(errors[0]).removeprefix('FAIL: ')}"
    return None
