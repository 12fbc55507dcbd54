"""Two languages, English and Chinese: the message catalog and how a request's language is chosen.

Every string a page or an API error shows is written in English as ``_("…")`` (templates) or
:func:`translate` (code), and ``catalog/zh.yaml`` gives its Chinese. tests/portal/test_i18n.py
extracts every such string from the templates and the package and fails when one has no Chinese,
and fails when a template holds words outside ``_()``.

The language is, in this order: ``?lang=`` in the URL (also remembered in the ``tz_lang`` cookie,
which the switch on every page sets), the cookie, then ``Accept-Language``, then English.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("en", "zh")
COOKIE = "tz_lang"


@functools.cache
def catalog() -> dict[str, str]:
    """English message → Chinese, from ``catalog/zh.yaml``."""
    text = resources.files("tongzhou.portal.catalog").joinpath("zh.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError("catalog/zh.yaml must map English messages to Chinese")
    return {str(k): str(v) for k, v in data.items()}


def translate(lang: str, message: str, **values: Any) -> str:
    """``message`` in ``lang`` (English when the catalog lacks it), with ``{name}`` fields filled."""
    text = catalog().get(message, message) if lang == "zh" else message
    return text.format(**values) if values else text


def both(message: str, **values: Any) -> dict[str, str]:
    """A message in both languages, for API error bodies: ``{"en": …, "zh": …}``."""
    return {lang: translate(lang, message, **values) for lang in LANGUAGES}


def choose_language(url_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    """The language of a request (see the module docstring for the order)."""
    for chosen in (url_lang, cookie_lang):
        if chosen in LANGUAGES:
            return str(chosen)
    return _from_accept_language(accept_language or "")


def _from_accept_language(header: str) -> str:
    best, best_q = "en", 0.0
    for part in header.split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


DYNAMIC_MESSAGES = (
    "jurisdiction",
    "tier",
    "sector",
    "provider",
    "status",
    "determined",
    "undetermined",
    "applies",
    "upcoming",
    "public",
    "evaluator",
    "regulator",
    "admin",
    "pass",
    "fail",
    "inconclusive",
    "todo",
    "in-progress",
    "done",
    "not-applicable",
    "received",
    "needs-info",
    "accepted",
    "rejected",
)
"""Messages templates translate through a variable (``_(kind)``, ``_(role)``): the test checks them too."""
