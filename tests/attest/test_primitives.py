"""Canonical JSON (RFC 8785 vectors), keys (0600, passphrases) and DSSE envelopes."""

from __future__ import annotations

import json
import random
import stat
import struct
from pathlib import Path
from typing import Any

import pytest

from tongzhou.attest import (
    EnvelopeError,
    KeyRing,
    SigningKeyError,
    canonical_json,
    sign_envelope,
    verify_envelope,
)
from tongzhou.attest.keys import key_id
from tongzhou.canonical_json import (
    CanonicalFragment,
    CanonicalJsonError,
    _fast_text,
    canonical_text,
    exact_canonical_text,
)


@pytest.mark.parametrize(
    ("number", "expected"),
    # RFC 8785 Appendix B sample numbers.
    [(0.0, "0"), (-0.0, "0"), (1e21, "1e+21"), (1e-7, "1e-7"), (333333333.3333333, "333333333.3333333"),
     (1e23, "1e+23"), (4.5, "4.5"), (0.002, "0.002"), (0.000001, "0.000001"), (1.5e-7, "1.5e-7"),
     (9007199254740992.0, "9007199254740992"), (295147905179352830000.0, "295147905179352830000"),
     (5e-324, "5e-324"), (-1.7976931348623157e308, "-1.7976931348623157e+308"), (100.0, "100")],
)
def test_numbers_follow_ecmascript(number: float, expected: str) -> None:
    assert canonical_json(number).decode() == expected


def test_keys_sorted_by_utf16_and_no_whitespace() -> None:
    # RFC 8785 §3.2.3 example: sorting by UTF-16 code units, not code points.
    value = {"\u20ac": "Euro", "\r": "CR", "\ufb33": "Hebrew", "1": "One", "\U0001f600": "Emoji",
             "\u0080": "C1"}
    out = canonical_json(value).decode()
    assert list(json.loads(out)) == ["\r", "1", "\u0080", "\u20ac", "\U0001f600", "\ufb33"]
    assert " " not in canonical_json({"a": [1, 2, {"b": None}]}).decode()


def test_same_value_same_bytes() -> None:
    a = {"x": 1, "y": [1.5, "同舟"], "z": {"b": 2, "a": 1}}
    b = {"z": {"a": 1, "b": 2}, "y": [1.5, "同舟"], "x": 1}
    assert canonical_json(a) == canonical_json(b)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {1: "x"}, {"s": {1, 2}}])
def test_uncanonicalisable_values_refused(bad: object) -> None:
    with pytest.raises(CanonicalJsonError):
        canonical_json(bad)


def test_generated_key_is_private_and_loads(tmp_path: Path) -> None:
    ring = KeyRing(tmp_path / "keys")
    info = ring.generate("evaluator")
    assert stat.S_IMODE((tmp_path / "keys" / "evaluator.key").stat().st_mode) == 0o600
    assert info.key_id == key_id(ring.private_key("evaluator").public_key())
    assert [k.name for k in ring.list()] == ["evaluator"]
    with pytest.raises(SigningKeyError, match="already exists"):
        ring.generate("evaluator")


def test_passphrase_protected_key(tmp_path: Path) -> None:
    ring = KeyRing(tmp_path)
    assert ring.generate("locked", passphrase="s3cret").encrypted
    ring.private_key("locked", passphrase="s3cret")
    with pytest.raises(SigningKeyError, match="passphrase"):
        ring.private_key("locked")
    with pytest.raises(SigningKeyError):
        ring.private_key("locked", passphrase="wrong")


def test_hostile_key_names_refused(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="invalid key name"):
        KeyRing(tmp_path).generate("../escape")


def test_envelope_round_trip_and_tamper(tmp_path: Path) -> None:
    ring = KeyRing(tmp_path)
    ring.generate("a")
    ring.generate("b")
    priv = ring.private_key("a")
    env = sign_envelope(b'{"hello":"world"}', "application/vnd.in-toto+json", priv)
    trusted = {key_id(priv.public_key()): priv.public_key()}
    payload, ptype, kid = verify_envelope(env, trusted)
    assert payload == b'{"hello":"world"}' and ptype == "application/vnd.in-toto+json"
    assert kid == key_id(priv.public_key())

    forged = dict(env, payloadType="text/plain")
    with pytest.raises(EnvelopeError) as err:
        verify_envelope(forged, trusted)
    assert err.value.reason == "bad-signature"

    other = ring.public_key("b")
    with pytest.raises(EnvelopeError) as err:
        verify_envelope(env, {key_id(other): other})
    assert err.value.reason == "unknown-key"

    with pytest.raises(EnvelopeError) as err:
        verify_envelope({"payload": "!!", "payloadType": "x", "signatures": []}, trusted)
    assert err.value.reason == "malformed"


def test_agrees_with_an_independent_rfc8785_implementation(tmp_path: Path) -> None:
    """Trail of Bits' rfc8785 package gives the same bytes for a whole signed report and odd numbers."""
    import random

    import rfc8785

    from tests.attest.summaries import make_summary
    from tongzhou.attest import Evaluator, build_report

    summary = make_summary(tmp_path, n_items=60, fail_every=7)
    report = build_report(summary, Evaluator("ed25519:" + "0" * 32, "L"))
    report["odd"] = {"\U0001f600": 1, "\ue000": 2, "ctl\x01\x7f\u2028": "\"\\\b\f\n\r\t"}
    assert canonical_json(report) == rfc8785.dumps(report)
    rng = random.Random(8785)
    numbers = [rng.uniform(-1e25, 1e25) for _ in range(300)] + [rng.random() * 10 ** rng.randint(-30, 30)
                                                                for _ in range(300)]
    assert canonical_json(numbers) == rfc8785.dumps(numbers)


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    chars = ["a", "Z", "\u00e9", "\u20ac", "同", "\ufb33", "\U0001f600", "\r", '"', "\\", "\x01", "\ue000"]
    kind = rng.randint(0, 7 if depth < 4 else 3)
    if kind == 0:
        return "".join(rng.choice(chars) for _ in range(rng.randint(0, 4)))
    if kind == 1:
        return rng.choice([rng.randint(-(10**20), 10**20), True, False, None])
    if kind == 2:
        odd = [0.0, -0.0, 1e21, 1e-7, 5e-324, 1e16, 0.1, 2.5, 100.0]
        return rng.choice([*odd, rng.random() * 10 ** rng.randint(-30, 30)])
    if kind == 3:
        return struct.unpack("<d", struct.pack("<q", rng.randint(0, 2**62)))[0]
    if kind in (4, 5):
        # A fifth of the keys are scalars of any kind (non-string keys must be refused).
        return {
            _random_json(rng, 4) if rng.random() < 0.2 else rng.choice(chars): _random_json(rng, depth + 1)
            for _ in range(rng.randint(0, 4))
        }
    if kind == 6:
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return tuple(_random_json(rng, depth + 1) for _ in range(rng.randint(0, 3)))


def test_fast_path_gives_the_exact_serialisers_bytes() -> None:
    """The C-encoder fast path equals the pure-Python RFC 8785 serialiser on random values (odd keys,
    floats, tuples, non-string keys) and is taken for plain values; the rest fall back."""
    rng = random.Random(8785)
    fast = 0
    for _ in range(3000):
        value = _random_json(rng)
        try:
            expected: str | type[Exception] = exact_canonical_text(value)
        except CanonicalJsonError:
            expected = CanonicalJsonError
        if expected is CanonicalJsonError:
            with pytest.raises(CanonicalJsonError):
                canonical_text(value)
        else:
            assert canonical_text(value) == expected
        fast += _fast_text(value) is not None
    assert 0 < fast < 3000
    assert _fast_text({"a": [1, "x", None, 0.5]}) == '{"a":[1,"x",null,0.5]}'
    assert _fast_text({"a": (1, 2.5)}) == '{"a":[1,2.5]}'
    slow_values = ({"a": 1.0}, {"a": 1e-7}, {"\U0001f600": 1, "\ufb33": 2}, {1: "x"})
    slow_values += ([float("nan")], {"a": {1}})
    for slow in slow_values:
        assert _fast_text(slow) is None


def test_fragment_embedded_verbatim() -> None:
    assert canonical_text({"b": CanonicalFragment("[1,2]"), "a": "x"}) == '{"a":"x","b":[1,2]}'
