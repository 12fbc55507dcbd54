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
        for sig, msg in (
            (signature, message),
            (bytes(bad_sig), message),
            (signature, bytes(bad_msg)),
            (signature[:63], message),
            (signature + b"\0", message),
        ):
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


# --- the signed statement and the refusals, exactly as a second verifier must rebuild them --------

LABEL = AigcLabel(
    ContentProducer=PRODUCER, ProduceID="p-9", ContentPropagator="platform-7", PropagateID="q-9"
)


def _statement(label: AigcLabel, role: str, content_hash: str, method: str) -> bytes:
    """The signed bytes, rebuilt from the module docstring with the independent RFC 8785 encoder."""
    fields = ["Label", "ContentProducer", "ProduceID"]
    if role == "propagator":
        fields += ["ReservedCode1", "ContentPropagator", "PropagateID"]
    values = label.to_dict()
    return rfc8785.dumps(
        {
            "Type": "Ed25519ContentBinding",
            "Version": "1",
            "Role": role,
            "ContentHash": content_hash,
            "Method": method,
            "Fields": {name: values[name] for name in fields},
        }
    )


def test_security_data_is_the_documented_object_signed_over_the_documented_statement() -> None:
    import base64

    content = _content_hash(b"a picture")
    producer, platform = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    label = bind(LABEL, content, "sha256-of-pixels", producer, propagator_key=platform)
    for field, role, key in (
        ("ReservedCode1", "producer", producer),
        ("ReservedCode2", "propagator", platform),
    ):
        code = getattr(label, field)
        assert "=" not in code and set(code) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )
        data = read_security_data(code)
        assert base64.urlsafe_b64decode(code + "=" * (-len(code) % 4)) == rfc8785.dumps(data)
        assert data["Bindings"] == {"ContentHash": content, "Method": "sha256-of-pixels"}
        pub = data["PubSD"]
        assert set(pub) == {"Alg", "KeyID", "PublicKey", "Signature"} and pub["Alg"] == "Ed25519"
        assert pub["KeyID"] == key_id(key.public_key())
        signature = base64.urlsafe_b64decode(pub["Signature"] + "==")
        # ReservedCode2 covers ReservedCode1 as written on the label (first write: after RC1 exists)
        signed_label = label.with_fields(ReservedCode2="") if role == "propagator" else LABEL
        key.public_key().verify(signature, _statement(signed_label, role, content, "sha256-of-pixels"))
        check = check_binding(label, field, content)  # type: ignore[arg-type]
        assert check.to_dict() == {
            "field": field,
            "status": "valid",
            "reason": "signature and content hash match",
            "key_id": key_id(key.public_key()),
            "trusted": None,
            "method": "sha256-of-pixels",
        }


def test_bind_writes_both_codes_as_producer_and_only_code2_as_propagator() -> None:
    content = _content_hash(b"text")
    producer, platform = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    first = bind(LABEL, content, "m", producer)
    assert check_binding(first, "ReservedCode1", content).key_id == key_id(producer.public_key())
    assert check_binding(first, "ReservedCode2", content).key_id == key_id(producer.public_key())
    onward = bind(
        first.with_fields(ContentPropagator="platform-8"), content, "m", platform, role="propagator"
    )
    assert onward.ReservedCode1 == first.ReservedCode1  # the producer's binding is kept
    assert check_binding(onward, "ReservedCode1", content).status == "valid"
    code2 = check_binding(onward, "ReservedCode2", content)
    assert code2.status == "valid" and code2.key_id == key_id(platform.public_key())


def test_which_fields_each_code_vouches_for() -> None:
    content = _content_hash(b"text")
    label = bind(LABEL, content, "m", Ed25519PrivateKey.generate())
    for name, code1_breaks in (
        ("Label", True),
        ("ContentProducer", True),
        ("ProduceID", True),
        ("ContentPropagator", False),
        ("PropagateID", False),
    ):
        edited = label.with_fields(**{name: "2" if name == "Label" else "edited"})
        code1, code2 = (check_binding(edited, f, content) for f in ("ReservedCode1", "ReservedCode2"))
        assert code1.status == ("invalid" if code1_breaks else "valid"), name
        assert (code2.status, code2.reason) == ("invalid", "signature does not match the label fields"), name


def test_content_hash_method_and_trust_are_reported() -> None:
    content = _content_hash(b"text")
    key = Ed25519PrivateKey.generate()
    label = bind(LABEL, content, "m", key)
    kid = key_id(key.public_key())
    elsewhere = check_binding(label, "ReservedCode1", _content_hash(b"other text"), {kid})
    assert elsewhere.to_dict() == {
        "field": "ReservedCode1",
        "status": "invalid",
        "reason": "label was made for other content (content hash differs)",
        "key_id": kid,
        "trusted": True,
        "method": "m",
    }
    assert check_binding(label, "ReservedCode2", content, {kid}).trusted is True
    assert check_binding(label, "ReservedCode2", content, {"ed25519:" + "0" * 32}).trusted is False
    assert check_binding(label, "ReservedCode2", content, set()).trusted is False


def test_absent_and_unreadable_codes() -> None:
    import json

    content = _content_hash(b"text")
    absent = check_binding(LABEL, "ReservedCode1", content)
    assert absent == type(absent)("ReservedCode1", "absent", "no integrity protection written")
    good = read_security_data(bind(LABEL, content, "m", Ed25519PrivateKey.generate()).ReservedCode1)

    def code(value: object) -> str:
        return _b64(json.dumps(value).encode())

    cases = {
        "%%%": "unreadable SecurityData: not base64url SecurityData JSON",
        code(
            ["Type", "Version"]
        ): "unreadable SecurityData: SecurityData lacks the mandatory Type and Version",
        code({"Type": "Ed25519ContentBinding"}): "unreadable SecurityData: SecurityData lacks the mandatory",
        code({**good, "Type": "RSAContentBinding"}): "unsupported SecurityData RSAContentBinding/1",
        code({**good, "Version": "2"}): "unsupported SecurityData Ed25519ContentBinding/2",
        code({**good, "Version": 1}): "unsupported SecurityData Ed25519ContentBinding/1",
        code({k: v for k, v in good.items() if k != "PubSD"}): "unreadable SecurityData: 'PubSD'",
        code({k: v for k, v in good.items() if k != "Bindings"}): "unreadable SecurityData: 'Bindings'",
        code({**good, "PubSD": {**good["PubSD"], "PublicKey": _b64(b"short")}}): "unreadable SecurityData",
        code({**good, "Bindings": {"Method": "m"}}): "unreadable SecurityData: 'ContentHash'",
    }
    for value, reason in cases.items():
        check = check_binding(LABEL.with_fields(ReservedCode1=value), "ReservedCode1", content)
        assert check.status == "malformed" and check.reason.startswith(reason), (value, check.reason)
        assert check.key_id is None and check.trusted is None and check.method is None


def test_codes_of_every_length_decode() -> None:
    """base64url without padding: the padding restored on reading must fit every length mod 4."""
    content = _content_hash(b"text")
    key = Ed25519PrivateKey.generate()
    lengths = set()
    for extra in range(12):
        label = bind(LABEL, content, "m" * (1 + extra), key)  # the method is carried in the code
        lengths.add(len(label.ReservedCode1) % 4)
        for field in ("ReservedCode1", "ReservedCode2"):
            assert check_binding(label, field, content).status == "valid", (extra, field)  # type: ignore[arg-type]
    assert lengths == {0, 2, 3}  # 1 mod 4 is never a base64 length


def test_the_openssl_fallback_verifier_accepts_only_good_signatures() -> None:
    """Without PyNaCl the binding is checked by OpenSSL through `cryptography`."""
    from tongzhou.labels.binding import _openssl_verifier

    key = Ed25519PrivateKey.generate()
    verify = _openssl_verifier(key.public_key())
    signature = key.sign(b"statement")
    assert verify(signature, b"statement") is True
    assert verify(signature, b"statement!") is False
    assert verify(bytes(64), b"statement") is False


def test_a_check_result_cannot_be_altered() -> None:
    import dataclasses

    import pytest

    check = check_binding(LABEL, "ReservedCode1", _content_hash(b"x"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.status = "valid"  # type: ignore[misc]
