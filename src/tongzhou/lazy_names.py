"""Package names loaded on first use (PEP 562), so importing a package stays cheap.

A package lists where each public name lives and sets ``__getattr__ = lazy_names(__name__, HOMES)``;
``from tongzhou.corpus import audit_to_dir`` then imports ``tongzhou.corpus.workflow`` only at that
moment, and a package imported for one small piece does not pull its heavy modules in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that finds ``name`` in the module ``homes[name]``."""

    def __getattr__(name: str) -> Any:
        if name in homes:
            return getattr(importlib.import_module(homes[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
