"""Every refusal has its Chinese in the shared catalog, the same words the portal shows and the CLI prints."""

from __future__ import annotations

import re

from tongzhou import messages
from tongzhou.consultation import MESSAGES, ConsultationError


def test_every_refusal_has_chinese_with_the_same_placeholders() -> None:
    catalog = messages.catalog()
    missing = [english for _, english in MESSAGES.values() if not catalog.get(english)]
    assert not missing
    for _, english in MESSAGES.values():
        chinese = catalog[english]
        assert set(re.findall(r"\{(\w+)\}", english)) == set(re.findall(r"\{(\w+)\}", chinese)), english


def test_an_error_is_bilingual_and_keeps_its_code() -> None:
    error = ConsultationError("closed", closed="2027-01-31 00:00 UTC")
    assert error.status == 409 and error.code == "closed"
    assert error.bilingual() == (
        "This consultation closed on 2027-01-31 00:00 UTC; comments are no longer accepted. / "
        "本次征求意见已于 2027-01-31 00:00 UTC 截止，不再接受意见。"
    )
