"""Every refusal has its Chinese in the portal's catalog, the same words the CLI prints."""

from __future__ import annotations

import re

from tongzhou.consultation import MESSAGES, ConsultationError
from tongzhou.portal import i18n


def test_the_portal_catalog_says_what_the_cli_says() -> None:
    catalog = i18n.catalog()
    differ = [english for _, english, chinese in MESSAGES.values() if catalog.get(english) != chinese]
    assert not differ


def test_placeholders_match_between_languages() -> None:
    for _, english, chinese in MESSAGES.values():
        assert set(re.findall(r"\{(\w+)\}", english)) == set(re.findall(r"\{(\w+)\}", chinese)), english


def test_an_error_is_bilingual_and_keeps_its_code() -> None:
    error = ConsultationError("closed", closed="2027-01-31 00:00 UTC")
    assert error.status == 409 and error.code == "closed"
    assert error.bilingual() == (
        "This consultation closed on 2027-01-31 00:00 UTC; comments are no longer accepted. / "
        "本次征求意见已于 2027-01-31 00:00 UTC 截止，不再接受意见。"
    )
