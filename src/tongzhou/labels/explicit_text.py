"""Explicit (visible) text labels: wording per GB 45438 §5, zh/en, configurable and checked."""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Any, Literal

import yaml

from tongzhou.errors import InputError

Language = Literal["zh", "en"]
Position = Literal["prefix", "suffix", "both"]
Medium = Literal["text", "image", "video", "speech"]


@functools.cache
def wording_data() -> dict[str, Any]:
    """The wording data file (labels/data/wording.yaml), with its sources."""
    text = resources.files("tongzhou.labels").joinpath("data/wording.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def check_wording(wording: str) -> str:
    """Return ``wording`` if it has an AI element and a 生成/合成 element, else raise InputError."""
    rules = wording_data()["rules"]
    lowered = wording.lower()
    has_ai = any(e in wording for e in rules["ai_element"])
    has_gen = any(e.lower() in lowered for e in rules["generation_element"])
    if not (has_ai and has_gen):
        raise InputError.of(  # the Chinese words are the ones GB 45438 asks for (data), in both languages
            "explicit label wording {wording!r} must contain '人工智能' or 'AI' and '生成' or '合成' "
            "(GB 45438 §5)",
            wording=wording,
        )
    return wording


def explicit_wording(lang: Language = "zh", medium: Medium = "text", wording: str | None = None) -> str:
    """The wording to show: ``wording`` if given (checked), else the standard default for lang/medium."""
    if wording is not None:
        return check_wording(wording)
    table = wording_data()["wording"]
    if lang not in table:
        raise InputError(f"unknown language {lang!r}: use 'zh' or 'en'")
    return str(table[lang][medium])


def add_explicit_text_label(
    text: str, lang: Language = "zh", position: Position = "prefix", wording: str | None = None
) -> str:
    """``text`` with the visible label at its start, end, or both (GB 45438 §5.1)."""
    mark = (
        f"【{explicit_wording(lang, 'text', wording)}】"
        if lang == "zh"
        else f"[{explicit_wording(lang, 'text', wording)}]"
    )
    if position == "prefix":
        return f"{mark}\n\n{text}"
    if position == "suffix":
        return f"{text}\n\n{mark}"
    if position == "both":
        return f"{mark}\n\n{text}\n\n{mark}"
    raise InputError(f"unknown position {position!r}: use prefix, suffix or both")


_EXPLICIT_PATTERN = re.compile(
    r"(人工智能|(?<![A-Za-z])AI(?![A-Za-z]))[^\n]{0,12}?(生成|合成|generated|synthesi[sz]ed)|"
    r"(generated|synthesi[sz]ed)[^\n]{0,12}?(by\s+)?(?<![A-Za-z])(AI|artificial intelligence)(?![A-Za-z])",
    re.IGNORECASE,
)


def find_explicit_text_label(text: str, window: int = 2000) -> str | None:
    """The first explicit-label-like phrase in the first and last ``window`` characters, or None.

    Used for the Labeling Measures Art. 6 "suspected" class (explicit label without metadata).
    """
    for part in (text[:window], text[-window:]):
        match = _EXPLICIT_PATTERN.search(part)
        if match:
            return match.group(0)
    return None
