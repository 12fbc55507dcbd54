"""The SecurityData binding: its canonical bytes are RFC 8785, checked against an independent
implementation (the `rfc8785` package), so another verifier can rebuild the signed bytes."""

from __future__ import annotations

import rfc8785

from tongzhou.labels.binding import _canonical, read_security_data
from tongzhou.labels.text import label_text

SAMPLES = [
    {
        "Type": "Ed25519ContentBinding",
        "Version": "1",
        "Fields": {"Label": "1", "ContentProducer": "A!#$%&'()*+,"},
    },
    {
        "b": 'quote " backslash \\ newline \n tab \t nul \x00 del \x7f',
        "a": "中文 é 😀",
        "A": {"z": "", "y": "\u2028"},
    },
    {"": "empty key", "~": "tilde", "_": "underscore", "0": "digit"},
]


def test_fast_path_equals_rfc8785_canonical_json() -> None:
    for sample in SAMPLES:
        assert _canonical(sample) == rfc8785.dumps(sample)


def test_non_string_leaves_are_rfc8785_too() -> None:
    value = {"n": 1.5, "k": [1, "x"], "t": True}
    assert _canonical(value) == rfc8785.dumps(value)


def test_security_data_has_mandatory_type_and_version() -> None:
    label = label_text("x", "001191110000TZDEMO000110000").label
    for code in (label.ReservedCode1, label.ReservedCode2):
        data = read_security_data(code)
        assert data["Type"] == "Ed25519ContentBinding" and data["Version"] == "1"
        assert set(data) == {"Type", "Version", "Bindings", "PubSD"}
        assert _canonical(data) == rfc8785.dumps(data)


def test_cached_verifier_agrees_with_openssl() -> None:
    """The verifier check_binding uses (libsodium when PyNaCl is there) accepts exactly the good
    signatures OpenSSL accepts and refuses flipped signatures, messages and wrong lengths."""
    import random

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from tongzhou.labels.binding import _b64, _public_key

    rng = random.Random(25519)
    for _ in range(20):
        private = Ed25519PrivateKey.generate()
        raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        verify, _kid = _public_key(_b64(raw))
        message = rng.randbytes(rng.randrange(1, 300))
        signature = private.sign(message)
        bad_sig = bytearray(signature)
        bad_sig[rng.randrange(64)] ^= 1 << rng.randrange(8)
        bad_msg = bytearray(message)
        bad_msg[rng.randrange(len(message))] ^= 1 << rng.randrange(8)
        for sig, msg in ((signature, message), (bytes(bad_sig), message), (signature, bytes(bad_msg)),
                         (signature[:63], message), (signature + b"\0", message)):
            try:
                private.public_key().verify(sig, msg)
                openssl = True
            except InvalidSignature:
                openssl = False
            assert verify(sig, msg) is openssl
        assert verify(signature, message)
