"""The one message catalog, English → Chinese, shared by the portal and the CLI.

Every message a user reads in both languages is written in English in the code: ``_("…")`` in the
portal's templates, ``N_("…")`` where a message is only named, ``PortalProblem(status, "…")``,
``ReportProblem(status, "…")``, ``TongzhouError.of("…", name=value)`` (the CLI's bilingual errors) and
``bilingual("…", name=value)`` (the ``english / 中文`` text of an error that is not a TongzhouError).
Its Chinese is the ``msgstr`` of that English ``msgid`` in the gettext catalog
``locale/zh/LC_MESSAGES/tongzhou.po`` (Babel's format). ``{name}`` fields are filled after the
lookup, in either language, so a message is one catalog entry whatever its values.

``make i18n`` extracts the messages with Babel (``babel.cfg`` maps the Python code and the Jinja2
templates) and updates the ``.po``: a new message appears with an empty ``msgstr`` to fill in.
tests/test_messages.py fails when a message has no Chinese, when the catalog holds an entry that no
code uses, or when the ``{name}`` fields of the two languages differ.

The catalog is read once, on first use, and not at import: ``tongzhou --help`` never pays for it.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

DOMAIN = "tongzhou"
"""The gettext domain: the catalog is ``locale/<language>/LC_MESSAGES/tongzhou.po``."""
LANGUAGES = ("en", "zh")
"""English, the language of the code, and Chinese, the catalog's."""
CATALOG = f"locale/zh/LC_MESSAGES/{DOMAIN}.po"
"""The catalog's path inside the ``tongzhou`` package."""


def N_(message: str) -> str:
    """Mark ``message`` for extraction (Babel's keyword) where it is named; it is translated where shown."""
    return message


@functools.cache
def catalog() -> dict[str, str]:
    """English message → Chinese, every translated entry of the ``.po`` (fuzzy ones are not)."""
    from babel.messages.pofile import read_po

    with resources.files("tongzhou").joinpath(CATALOG).open("rb") as po:
        entries = read_po(po, domain=DOMAIN)
    return {
        str(entry.id): str(entry.string)
        for entry in entries
        if entry.id and isinstance(entry.id, str) and entry.string and not entry.fuzzy
    }


def translate(lang: str, message: str, **values: Any) -> str:
    """``message`` in ``lang`` (English when the catalog lacks it), with ``{name}`` fields filled.

    A value that is itself a catalogued error (a TongzhouError made with ``of``: it has a ``template``
    and its ``values``) is shown in ``lang`` too, e.g. the reason in "The workspace refused the change:
    {reason}"."""
    text = catalog().get(message, message) if lang == "zh" else message
    return text.format(**{name: _in(lang, value) for name, value in values.items()}) if values else text


def _in(lang: str, value: Any) -> Any:
    """``value``, or its wording in ``lang`` when it is an error made from a catalog message."""
    template = getattr(value, "template", None)
    if isinstance(value, Exception) and isinstance(template, str):
        return translate(lang, template, **getattr(value, "values", {}))
    return value


def both(message: str, **values: Any) -> dict[str, str]:
    """A message in both languages, for API error bodies: ``{"en": …, "zh": …}``."""
    return {lang: translate(lang, message, **values) for lang in LANGUAGES}


def bilingual(message: str, **values: Any) -> str:
    """``english / 中文``: a message as one line in both languages (English alone when the catalog lacks
    it), for errors whose text is shown as it is (a gateway's 400 body, a halt refusal, an outbox row)."""
    english = translate("en", message, **values)
    try:
        chinese = translate("zh", message, **values)
    except Exception:  # an unreadable catalog must not turn an error into a traceback: English alone
        return english  # (tests/test_messages.py reads the catalog and fails loudly)
    return f"{english} / {chinese}" if chinese != english else english
