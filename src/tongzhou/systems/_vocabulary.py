"""The controlled vocabulary of profile facts (markets, sectors, functions, modalities, product legislation).

Loaded once from ``vocabulary.yaml``; each term records the legal categories it maps onto.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

KINDS = ("markets", "sectors", "functions", "modalities", "settings", "school_levels", "product_legislation")


@cache
def vocabulary() -> dict[str, dict[str, dict[str, Any]]]:
    """Every controlled term, by kind (``"sectors"``, ``"functions"`` ...) then id."""
    text = resources.files("tongzhou.systems").joinpath("vocabulary.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {kind: dict(data[kind]) for kind in KINDS}


def terms(kind: str) -> frozenset[str]:
    """The allowed ids of one kind of term."""
    return frozenset(vocabulary()[kind])


def annex_i_section(legislation: str) -> str:
    """``"A"``, ``"B"`` or ``"none"`` (non-EU legislation): the EU AI Act Annex I section."""
    return str(vocabulary()["product_legislation"][legislation]["section"])
