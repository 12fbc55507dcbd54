"""The SecurityData binding: its canonical bytes are RFC 8785, checked against an independent
implementation (the `rfc8785` package), so another verifier can rebuild the signed bytes."""

from __future__ import annotations

import hashlib

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.attest import key_id
from tongzhou.labels.binding import (
    _b64,
    _canonical,
    bind,
    check_binding,
    make_security_data,
    read_security_data,
)
from tongzhou.labels.fields import AigcLabel
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


PRODUCER = "001191110000TZDEMO000110000"


def _content_hash(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_reservedcode2_vouches_for_reservedcode1() -> None:
    """The propagator's signature covers the producer's ReservedCode1: swapping in another
    producer's binding (same fields, same content, another key) must break ReservedCode2."""
    content = _content_hash(b"generated picture")
    producer, impostor = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    label = bind(AigcLabel(ContentProducer=PRODUCER, ProduceID="p-1"), content, "test", producer)
    assert check_binding(label, "ReservedCode2", content).status == "valid"
    forged_code1 = make_security_data(label, "producer", content, "test", impostor)
    swapped = label.with_fields(ReservedCode1=forged_code1)
    assert check_binding(swapped, "ReservedCode1", content).status == "valid"  # on its own, a good binding
    check = check_binding(swapped, "ReservedCode2", content)
    assert check.status == "invalid"
    assert check.reason == "signature does not match the label fields"


def test_keyid_that_names_another_key_is_invalid() -> None:
    """KeyID is outside the signed statement, so anyone can rewrite it: a SecurityData whose KeyID
    names a trusted signer while its PublicKey (and signature) is someone else's must be refused, not
    reported valid under a key id a reader may display or trust."""
    content = _content_hash(b"generated text")
    trusted, attacker = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    trusted_id = key_id(trusted.public_key())
    label = bind(AigcLabel(ContentProducer=PRODUCER, ProduceID="p-2"), content, "test", attacker)
    for field in ("ReservedCode1", "ReservedCode2"):
        data = read_security_data(getattr(label, field))
        data["PubSD"]["KeyID"] = trusted_id
        relabelled = label.with_fields(**{field: _b64(_canonical(data))})
        check = check_binding(relabelled, field, content, trusted_key_ids={trusted_id})
        assert check.status == "invalid", field
        assert check.reason == "KeyID does not match the public key"
        assert check.key_id == key_id(attacker.public_key()) and check.trusted is False
