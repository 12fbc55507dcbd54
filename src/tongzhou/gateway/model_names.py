"""Model names as a halt order and an upstream compare them: one normal form for both.

A model-scoped halt (``model:stub-model``) must stop every spelling that the
upstream serves as that model. Upstreams are lenient in different ways (file
paths, case-insensitive lookups, stray blanks), so the gateway compares a
*key* of each name, chosen to over-match rather than under-match: refusing a
differently-spelt model by mistake costs a retry; serving a halted model
breaks the order.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_SLASHES = re.compile(r"/+")
_BLANKS = re.compile(r"\s+")


@functools.lru_cache(maxsize=4096)
def model_key(name: str) -> str:
    """The comparison key of a model name: Unicode NFKC (full-width letters become ASCII), case
    folded, blanks collapsed and trimmed, repeated ``/`` collapsed, and leading ``./`` and
    trailing ``/`` dropped. ``"./Stub-Model "`` and ``"stub-model"`` share the key ``stub-model``."""
    key = _BLANKS.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()
    key = _SLASHES.sub("/", key)
    while key.startswith("./"):
        key = key[2:].lstrip()
    return key.rstrip("/").strip()
