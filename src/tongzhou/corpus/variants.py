"""Traditional-Chinese spellings of a simplified keyword (so the text never needs converting).

Converting every byte of a terabyte corpus from traditional to simplified would cost more than the
whole scan; expanding the (small) keyword library costs nothing at scan time. Each Chinese keyword
gets its whole-word OpenCC conversions (``s2t``, ``s2tw``, ``s2hk``) and, for mixed spellings that
evaders use, the product of per-character variants up to :data:`MAX_VARIANTS` spellings.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

MAX_VARIANTS = 32
"""Upper bound on spellings per keyword (mixed per-character variants are cut off beyond it)."""

_CONFIGS = ("s2t", "s2tw", "s2hk", "t2s")


@functools.cache
def _converters() -> tuple[Any, ...]:
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a dependency; keep working without it
        return ()
    return tuple(opencc.OpenCC(cfg) for cfg in _CONFIGS)


def opencc_available() -> bool:
    """Whether OpenCC could be loaded (traditional-Chinese variants are generated only then)."""
    return bool(_converters())


def _has_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


@functools.lru_cache(maxsize=65536)
def _char_variants(ch: str) -> tuple[str, ...]:
    forms = {ch}
    for conv in _converters():
        out = conv.convert(ch)
        if len(out) == 1:
            forms.add(out)
    return tuple(sorted(forms))


def chinese_variants(keyword: str) -> list[str]:
    """All spellings of ``keyword`` to match: itself, whole-word OpenCC forms, mixed per-character forms.

    The first element is always ``keyword`` itself; the list has no duplicates and at most
    :data:`MAX_VARIANTS` entries.
    """
    if not _has_han(keyword) or not _converters():
        return [keyword]
    seen: dict[str, None] = {keyword: None}
    for conv in _converters():
        seen.setdefault(conv.convert(keyword), None)
    # Per position: the character's own variants plus what whole-word conversion put there
    # (制 alone stays 制, but 制作 becomes 製作: the mixed spelling 製作炸弹 must match too).
    whole = [w for w in seen if len(w) == len(keyword)]
    per_char = [sorted(set(_char_variants(ch)) | {w[i] for w in whole}) for i, ch in enumerate(keyword)]
    for combo in itertools.islice(itertools.product(*per_char), MAX_VARIANTS * 4):
        if len(seen) >= MAX_VARIANTS:
            break
        seen.setdefault("".join(combo), None)
    return list(seen)[:MAX_VARIANTS]
