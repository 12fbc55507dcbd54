"""The envelope verifies with independent implementations: securesystemslib's DSSE (envelope parsing,
PAE) with PyNaCl/libsodium's Ed25519, and the other way round (their signature, our verifier)."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import nacl.signing
from cryptography.hazmat.primitives import serialization
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

from tests.attest.conftest import PolicyFactory
from tongzhou.attest import KeyRing, verify_attestation


def _raw_public(ring: KeyRing, name: str) -> bytes:
    return ring.public_key(name).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_securesystemslib_and_libsodium_verify_our_envelope(envelope: dict[str, Any], ring: KeyRing) -> None:
    kid = ring.info("lab").key_id
    theirs = Envelope.from_dict(copy.deepcopy(envelope))
    key = SSlibKey.from_dict(
        kid, {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": _raw_public(ring, "lab").hex()}}
    )
    assert list(theirs.verify([key], threshold=1)) == [kid]
    # libsodium checks the signature over securesystemslib's PAE: no code of ours involved.
    nacl.signing.VerifyKey(_raw_public(ring, "lab")).verify(
        theirs.pae(), base64.b64decode(envelope["signatures"][0]["sig"])
    )
    statement = json.loads(theirs.payload)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert theirs.payload_type == "application/vnd.in-toto+json"


def test_we_verify_an_envelope_signed_by_libsodium(
    envelope: dict[str, Any], ring: KeyRing, make_policy: PolicyFactory
) -> None:
    seed = ring.private_key("lab").private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    theirs = Envelope.from_dict(copy.deepcopy(envelope))
    signature = nacl.signing.SigningKey(seed).sign(theirs.pae()).signature
    resigned = dict(
        envelope, signatures=[{"keyid": ring.info("lab").key_id, "sig": base64.b64encode(signature).decode()}]
    )
    assert verify_attestation(resigned, policy=make_policy()).ok
    tampered = dict(resigned, payload=base64.b64encode(theirs.payload + b" ").decode())
    assert verify_attestation(tampered, policy=make_policy()).reasons() == ["bad-signature"]
