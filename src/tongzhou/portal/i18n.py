"""Two languages, English and Chinese: how a request's language is chosen, over the shared catalog.

Every string a page or an API error shows is written in English as ``_("…")`` (templates),
``PortalProblem(status, "…")`` or ``N_("…")`` (code); its Chinese is in the one catalog the CLI
uses too, ``tongzhou/locale/zh/LC_MESSAGES/tongzhou.po`` (:mod:`tongzhou.messages`; ``make i18n``
extracts new messages into it). tests/test_messages.py fails when one has no Chinese, and
tests/portal/test_i18n.py when a template holds words outside ``_()``.

The language is, in this order: ``?lang=`` in the URL (also remembered in the ``tz_lang`` cookie,
which the switch on every page sets), the cookie, then ``Accept-Language``, then English.
"""

from __future__ import annotations

from tongzhou.messages import LANGUAGES, N_, both, catalog, translate

__all__ = ["COOKIE", "DYNAMIC_MESSAGES", "LANGUAGES", "both", "catalog", "choose_language", "translate"]

COOKIE = "tz_lang"


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
    N_("jurisdiction"),
    N_("tier"),
    N_("sector"),
    N_("provider"),
    N_("status"),
    N_("determined"),
    N_("undetermined"),
    N_("applies"),
    N_("upcoming"),
    N_("public"),
    N_("evaluator"),
    N_("regulator"),
    N_("admin"),
    N_("pass"),
    N_("fail"),
    N_("inconclusive"),
    N_("todo"),
    N_("in-progress"),
    N_("done"),
    N_("not-applicable"),
    N_("received"),
    N_("needs-info"),
    N_("accepted"),
    N_("rejected"),
)
"""Messages templates translate through a variable (``_(kind)``, ``_(role)``): ``N_`` has them extracted."""
