"""DSSE v1 envelopes at the byte level: the Pre-Authentication Encoding of the specification, both
base64 alphabets DSSE allows, and each refusal with its stable reason and message.

Spec: https://github.com/secure-systems-lab/dsse/blob/master/protocol.md (PAE, envelope fields).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.attest import (
    EnvelopeError,
    add_signature,
    key_id,
    pae,
    sign_envelope,
    verify_envelope,
    verify_envelope_signatures,
)

PAYLOAD = b'{"hello":"world","n":"\xe5\x90\x8c\xe8\x88\x9f"}'  # includes multi-byte UTF-8
TYPE = "application/vnd.in-toto+json"


@pytest.fixture(scope="module")
def signer() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def trust(*keys: Ed25519PrivateKey) -> dict[str, Any]:
    return {key_id(k.public_key()): k.public_key() for k in keys}


def refused(envelope: object, trusted: dict[str, Any]) -> EnvelopeError:
    with pytest.raises(EnvelopeError) as info:
        verify_envelope(envelope, trusted)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    return info.value


def test_pae_is_the_specifications_encoding() -> None:
    # The DSSE protocol document's example: lengths in ASCII decimal, single spaces, byte lengths.
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    assert pae("", b"") == b"DSSEv1 0  0 "
    assert pae("t/\u540c", b"\x00\xff") == b"DSSEv1 5 t/\xe5\x90\x8c 2 \x00\xff"  # UTF-8 bytes counted


def test_sign_envelope_is_the_documented_shape_and_signs_the_pae(signer: Ed25519PrivateKey) -> None:
    envelope = sign_envelope(PAYLOAD, TYPE, signer)
    assert set(envelope) == {"payload", "payloadType", "signatures"}
    assert base64.b64decode(envelope["payload"], validate=True) == PAYLOAD
    assert envelope["payloadType"] == TYPE
    [entry] = envelope["signatures"]
    assert set(entry) == {"keyid", "sig"} and entry["keyid"] == key_id(signer.public_key())
    signer.public_key().verify(base64.b64decode(entry["sig"], validate=True), pae(TYPE, PAYLOAD))
    assert verify_envelope(envelope, trust(signer)) == (PAYLOAD, TYPE, entry["keyid"])


def test_url_safe_and_unpadded_base64_are_accepted(signer: Ed25519PrivateKey) -> None:
    payload = b"\xfb\xff\xfe" * 7 + b"?"  # standard base64 of this has '+' and '/' and padding
    envelope = sign_envelope(payload, TYPE, signer)
    assert "+" in envelope["payload"] or "/" in envelope["payload"]
    urlsafe = base64.urlsafe_b64encode(payload).decode()
    for text in (urlsafe, urlsafe.rstrip("=")):
        assert verify_envelope({**envelope, "payload": text}, trust(signer))[0] == payload
    sig = envelope["signatures"][0]["sig"]
    unpadded_sig = base64.urlsafe_b64encode(base64.b64decode(sig)).decode().rstrip("=")
    assert unpadded_sig != sig
    other = {**envelope, "signatures": [{**envelope["signatures"][0], "sig": unpadded_sig}]}
    assert verify_envelope(other, trust(signer))[0] == payload


@pytest.mark.parametrize("text", ["aGVsbG8=!", "aGVs bG8=", "aGVsbG8===", "a"])
def test_foreign_characters_and_bad_lengths_are_not_base64(signer: Ed25519PrivateKey, text: str) -> None:
    envelope = {**sign_envelope(PAYLOAD, TYPE, signer), "payload": text}
    error = refused(envelope, trust(signer))
    assert error.reason == "malformed"
    assert str(error).startswith("envelope payload is not valid base64: ")


def test_malformed_envelopes_name_what_is_wrong(signer: Ed25519PrivateKey) -> None:
    good = sign_envelope(PAYLOAD, TYPE, signer)
    keys = trust(signer)
    cases: list[tuple[object, str]] = [
        ([good], "envelope is not a JSON object"),
        ({**good, "payloadType": None}, "envelope has no payloadType"),
        ({k: v for k, v in good.items() if k != "payloadType"}, "envelope has no payloadType"),
        ({**good, "payload": 12}, "envelope payload is not a base64 string"),
        ({**good, "signatures": []}, "envelope has no signatures"),
        ({**good, "signatures": good["signatures"][0]}, "envelope has no signatures"),
        ({k: v for k, v in good.items() if k != "signatures"}, "envelope has no signatures"),
        ({**good, "signatures": ["sig"]}, "a signature entry is not an object"),
        (
            {**good, "signatures": [{"keyid": good["signatures"][0]["keyid"], "sig": None}]},
            "envelope signature is not a base64 string",
        ),
    ]
    for envelope, message in cases:
        error = refused(envelope, keys)
        assert (error.reason, str(error)) == ("malformed", message)


def test_the_first_signature_by_a_trusted_key_decides(signer: Ed25519PrivateKey) -> None:
    stranger = Ed25519PrivateKey.generate()
    mine = sign_envelope(PAYLOAD, TYPE, signer)["signatures"][0]
    theirs = sign_envelope(PAYLOAD, TYPE, stranger)["signatures"][0]
    envelope = {**sign_envelope(PAYLOAD, TYPE, signer), "signatures": [theirs, {"sig": "AA"}, mine]}
    assert verify_envelope(envelope, trust(signer)) == (PAYLOAD, TYPE, mine["keyid"])
    # Nobody trusted: the refusal lists every keyid seen, in order ("" for an entry without one).
    error = refused(envelope, {})
    assert error.reason == "unknown-key"
    assert str(error) == (
        f"no signature is by a trusted key (signed by: {theirs['keyid']}, , {mine['keyid']})"
    )


def test_a_bad_signature_is_refused_even_beside_a_good_one(signer: Ed25519PrivateKey) -> None:
    envelope = sign_envelope(PAYLOAD, TYPE, signer)
    good = envelope["signatures"][0]
    forged = {"keyid": good["keyid"], "sig": base64.b64encode(b"\x00" * 64).decode()}
    error = refused({**envelope, "signatures": [forged, good]}, trust(signer))
    assert error.reason == "bad-signature"
    assert str(error) == f"signature by key {good['keyid']} does not match the payload (altered or forged)"
    for changed in ({**envelope, "payloadType": TYPE + " "}, {**envelope, "payload": "e30="}):
        assert refused(changed, trust(signer)).reason == "bad-signature"


def test_every_trusted_signature_is_reported_once(signer: Ed25519PrivateKey) -> None:
    # DSSE protocol.md, "Multi-signature Verification": count distinct accepted keys, skip failures.
    second, stranger = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    envelope = add_signature(add_signature(sign_envelope(PAYLOAD, TYPE, signer), stranger), second)
    envelope["signatures"].append(dict(envelope["signatures"][0]))  # the first signature again
    payload, payload_type, kids = verify_envelope_signatures(envelope, trust(signer, second))
    assert (payload, payload_type) == (PAYLOAD, TYPE)
    assert kids == (key_id(signer.public_key()), key_id(second.public_key()))
    # co-signing leaves the first signature valid: the single-signature verifier still accepts it
    assert verify_envelope(envelope, trust(signer))[2] == key_id(signer.public_key())


def test_a_failing_co_signature_is_skipped_and_all_failing_is_bad(signer: Ed25519PrivateKey) -> None:
    second = Ed25519PrivateKey.generate()
    envelope = add_signature(sign_envelope(PAYLOAD, TYPE, signer), second)
    envelope["signatures"][1]["sig"] = envelope["signatures"][0]["sig"]
    assert verify_envelope_signatures(envelope, trust(signer, second))[2] == (key_id(signer.public_key()),)
    with pytest.raises(EnvelopeError) as info:
        verify_envelope_signatures(envelope, trust(second))
    assert info.value.reason == "bad-signature"
    with pytest.raises(EnvelopeError) as info:
        verify_envelope_signatures(envelope, trust(Ed25519PrivateKey.generate()))
    assert info.value.reason == "unknown-key"


def test_add_signature_refuses_a_second_signature_by_the_same_key(signer: Ed25519PrivateKey) -> None:
    envelope = sign_envelope(PAYLOAD, TYPE, signer)
    with pytest.raises(EnvelopeError, match="already signed by key"):
        add_signature(envelope, signer)
    with pytest.raises(EnvelopeError) as info:
        add_signature({"payload": "not base64!", "payloadType": TYPE}, signer)
    assert info.value.reason == "malformed"
    assert envelope["signatures"] and len(envelope["signatures"]) == 1  # the original is not modified
