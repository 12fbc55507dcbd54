"""STIX 2.1 indicators as prompt matchers for the early-warning ``indicator`` rules.

An indicator whose ``pattern_type`` is ``stix`` contributes every string
comparison in its pattern: ``= 'text'`` (the text appears in the prompt, case
folded), ``LIKE 'a%b_c'`` (SQL wildcards) and ``MATCHES 'regex'``. The object
path on the left (``x-llm-prompt:value``, ``artifact:payload_bin``…) is not
interpreted: a gateway sees prompts, so every comparison is tried on the
prompt text. Other comparisons and pattern types are skipped and counted.
Indicators are read from a TAXII 2.1 collection (taxii2-client) or a STIX file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_COMPARISON = re.compile(r"(=|\bLIKE\b|\bMATCHES\b)\s*'((?:[^'\\]|\\.)*)'", re.IGNORECASE)
MAX_INDICATORS = 10_000


@dataclass(frozen=True)
class IndicatorMatch:
    """One indicator that matched a prompt."""

    indicator_id: str
    name: str
    matched: str


def _unescape(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal)


def compile_pattern(pattern: str) -> list[re.Pattern[str]]:
    """Matchers for the string comparisons in a STIX pattern (empty when it has none we can use)."""
    out: list[re.Pattern[str]] = []
    for operator, literal in _COMPARISON.findall(pattern):
        text = _unescape(literal)
        op = operator.upper()
        try:
            if op == "=":
                out.append(re.compile(re.escape(text), re.IGNORECASE))
            elif op == "LIKE":
                wildcard = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in text)
                out.append(re.compile(wildcard, re.IGNORECASE | re.DOTALL))
            else:
                out.append(re.compile(text, re.IGNORECASE))
        except re.error:
            continue  # an indicator with a broken regex is skipped, not fatal
    return out


@dataclass
class IndicatorSet:
    """The compiled indicators of one source."""

    matchers: list[tuple[str, str, list[re.Pattern[str]]]] = field(default_factory=list)
    skipped: int = 0
    """Indicators without a usable string comparison (or not of pattern type stix)."""

    @classmethod
    def from_objects(cls, objects: list[Any]) -> IndicatorSet:
        """Compile the indicators among STIX objects (others are ignored)."""
        result = cls()
        for obj in objects[:MAX_INDICATORS]:
            if not isinstance(obj, dict) or obj.get("type") != "indicator":
                continue
            pattern = obj.get("pattern")
            compiled = (
                compile_pattern(pattern)
                if obj.get("pattern_type") == "stix" and isinstance(pattern, str)
                else []
            )
            if compiled:
                result.matchers.append((str(obj.get("id")), str(obj.get("name", "")), compiled))
            else:
                result.skipped += 1
        return result

    def matches(self, text: str) -> list[IndicatorMatch]:
        """Every indicator one of whose comparisons matches ``text``."""
        out: list[IndicatorMatch] = []
        for indicator_id, name, patterns in self.matchers:
            for pattern in patterns:
                found = pattern.search(text)
                if found:
                    out.append(IndicatorMatch(indicator_id, name, found.group(0)[:200]))
                    break
        return out


def fetch_taxii_indicators(url: str, user: str | None = None, password: str | None = None) -> list[Any]:
    """Every indicator in a TAXII 2.1 collection (taxii2-client, paged)."""
    from taxii2client.v21 import Collection, as_pages

    collection = Collection(url, user=user, password=password)
    objects: list[Any] = []
    for page in as_pages(collection.get_objects, per_request=500, type="indicator"):
        objects.extend(page.get("objects", []))
        if len(objects) >= MAX_INDICATORS:
            break
    return objects


def read_stix_file(path: Path) -> list[Any]:
    """Objects of a STIX bundle, a list of objects, or JSON lines."""
    text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if isinstance(document, dict):
        return list(document.get("objects", [document]))
    return list(document) if isinstance(document, list) else []
