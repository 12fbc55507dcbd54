"""TOTP against the RFC test vectors, and the portal's use of it (drift, replay, enrolment)."""

from __future__ import annotations

import base64

import pytest

from tongzhou.portal import totp
from tongzhou.portal.accounts import AccountBook
from tongzhou.store import Store

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("counter", "code"),
    list(
        enumerate(
            [
                "755224",
                "287082",
                "359152",
                "969429",
                "338314",
                "254676",
                "287922",
                "162583",
                "399871",
                "520489",
            ]
        )
    ),
)
def test_hotp_matches_rfc4226_appendix_d(counter: int, code: str) -> None:
    assert totp.hotp(b"12345678901234567890", counter) == code


@pytest.mark.parametrize(
    ("when", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_totp_matches_rfc6238_appendix_b_sha1(when: int, code: str) -> None:
    assert totp.totp_at(RFC_SECRET, when, digits=8) == code


def test_sha256_vector_of_rfc6238() -> None:
    secret = base64.b32encode(b"12345678901234567890123456789012").decode()
    assert totp.totp_at(secret, 59, digits=8, digest="sha256") == "46119246"


def test_one_step_of_drift_either_way_and_no_more() -> None:
    now = 1_700_000_000
    for offset, accepted in [(-60, False), (-30, True), (0, True), (30, True), (60, False)]:
        code = totp.totp_at(RFC_SECRET, now + offset)
        assert (totp.matching_step(RFC_SECRET, code, now) is not None) is accepted, offset


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_match_nothing(bad: str) -> None:
    assert totp.matching_step(RFC_SECRET, bad) is None


def test_enrolment_then_a_code_is_accepted_once(sqlite_store: Store) -> None:
    book = AccountBook(sqlite_store)
    book.add_account("reg1", "a long enough password", "regulator")
    secret = book.totp_secret_for_enrolment("reg1")
    assert book.totp_secret_for_enrolment("reg1") == secret  # stable until confirmed
    now = 1_800_000_000
    assert not book.check_totp("reg1", "000000" if totp.totp_at(secret, now) != "000000" else "111111", now)
    code = totp.totp_at(secret, now)
    assert book.check_totp("reg1", code, now)
    account = book.account("reg1")
    assert account is not None and account.totp_enabled
    assert not book.check_totp("reg1", code, now), "a used code must not work again (replay)"
    assert not book.check_totp("reg1", totp.totp_at(secret, now - 30), now), "nor an older one"
    assert book.check_totp("reg1", totp.totp_at(secret, now + 30), now + 30)


def test_provisioning_uri_names_account_and_issuer() -> None:
    uri = totp.provisioning_uri("ABCDEFGH", "reg@example.org")
    assert uri.startswith("otpauth://totp/Tongzhou%3Areg%40example.org?secret=ABCDEFGH")
    assert "period=30" in uri and "digits=6" in uri
