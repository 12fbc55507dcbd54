"""Personal-information detectors: valid identifiers found, look-alikes rejected, redaction replaces them."""

from __future__ import annotations

import random

import pytest

from tongzhou.corpus.pii import (
    PiiPrefilter,
    count_pii,
    find_pii,
    luhn_valid,
    redact,
    valid_cn_resident_id,
)
from tongzhou.corpus.synthetic import PII_KINDS_PLANTED, decoy_pii, valid_pii


def test_resident_id_checksum() -> None:
    # GB 11643-1999 example number.
    assert valid_cn_resident_id("11010519491231002X")
    assert not valid_cn_resident_id("110105194912310021")  # wrong check character
    assert not valid_cn_resident_id("110105194913310028")  # month 13
    assert not valid_cn_resident_id("110105299912310023")  # born in the future


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


@pytest.mark.parametrize("kind", PII_KINDS_PLANTED)
def test_each_kind_found_in_chinese_and_english_context(kind: str) -> None:
    rng = random.Random(kind)
    for _ in range(20):
        value = valid_pii(kind, rng)
        for text in (f"联系方式：{value}。", f"Contact: {value}, thanks", value):
            assert [k for k, _, _ in find_pii(text)] == [kind], (kind, text, find_pii(text))


def test_lookalikes_are_not_counted() -> None:
    rng = random.Random(5)
    for _ in range(50):
        assert find_pii(decoy_pii(rng)) == []
    assert count_pii("in 2024 we met 12 people at 10:30, version 1.2.3, ISBN 978-3-16-148410-0") == {}
    assert count_pii("SSN 000-12-3456 and 666-12-3456 are never issued; GB123456A is not a NINO") == {}


def test_identifiers_glued_to_digits_are_not_split() -> None:
    assert find_pii("1381234567890") == []  # 13 digits starting with 1: neither mobile nor card
    assert find_pii("x13812345678y") == []


def test_redaction() -> None:
    text = "张三 13812345678，邮箱 zhang3@example.com，IP 10.1.2.3"
    assert redact(text) == "张三 [CN_MOBILE]，邮箱 [EMAIL]，IP [IPV4]"


def test_prefilter_never_drops_an_item_with_an_identifier() -> None:
    rng = random.Random(9)
    items = [
        f"item {i} 正文 {valid_pii(rng.choice(PII_KINDS_PLANTED), rng)} end"
        if i % 3 == 0
        else f"plain {i} 文本"
        for i in range(300)
    ]
    buf = "\n".join(items).encode()
    import numpy as np

    newlines = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10)
    candidates = set(PiiPrefilter().candidate_items(buf, newlines, len(items)))
    assert {i for i, t in enumerate(items) if find_pii(t)} <= candidates
    assert {i for i in range(300) if i % 3 == 0} == {i for i, t in enumerate(items) if find_pii(t)}
