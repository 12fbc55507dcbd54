"""DSSE v1 envelopes (https://github.com/secure-systems-lab/dsse) signed with Ed25519."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tongzhou.attest.keys import key_id

_URLSAFE_B64 = re.compile(r"[A-Za-z0-9_-]*={0,2}")


class EnvelopeError(ValueError):
    """An envelope that is malformed or whose signature does not verify; ``reason`` is a stable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE Pre-Authentication Encoding: what is actually signed."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(type_bytes), type_bytes, len(payload), payload)


def sign_envelope(payload: bytes, payload_type: str, private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """Sign ``payload`` and wrap it in a DSSE envelope whose keyid is the signer's :func:`key_id`."""
    signature = private_key.sign(pae(payload_type, payload))
    return {
        "payload": base64.b64encode(payload).decode("ascii"),
        "payloadType": payload_type,
        "signatures": [
            {"keyid": key_id(private_key.public_key()), "sig": base64.b64encode(signature).decode("ascii")}
        ],
    }


def add_signature(envelope: Mapping[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """A copy of ``envelope`` with one more signature, by ``private_key``, over the same PAE
    (co-signing: DSSE lets several signers sign one payload). The payload is not re-encoded, so the
    signatures already there stay valid; raise :class:`EnvelopeError` (``malformed``) for an
    envelope without payload or type, or one this key has signed already."""
    if not isinstance(envelope, Mapping):
        raise EnvelopeError("malformed", "envelope is not a JSON object")
    payload_type = envelope.get("payloadType")
    if not isinstance(payload_type, str):
        raise EnvelopeError("malformed", "envelope has no payloadType")
    payload = _b64(envelope.get("payload"), "payload")
    signatures = envelope.get("signatures") or []
    if not isinstance(signatures, list) or not all(isinstance(s, Mapping) for s in signatures):
        raise EnvelopeError("malformed", "envelope signatures is not a list of objects")
    kid = key_id(private_key.public_key())
    if any(s.get("keyid") == kid for s in signatures):
        raise EnvelopeError("malformed", f"the envelope is already signed by key {kid}")
    signature = private_key.sign(pae(payload_type, payload))
    return {
        **envelope,
        "signatures": [*signatures, {"keyid": kid, "sig": base64.b64encode(signature).decode("ascii")}],
    }


def _b64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise EnvelopeError("malformed", f"envelope {what} is not a base64 string")
    try:
        # Strict C decoding first: the same answers as b64decode(validate=True), without its
        # regex pass over the text (the payload of a 2,000-item report is ~1.3 MB).
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        pass
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        # DSSE allows URL-safe base64 too; the alphabet is checked first because the
        # non-validating decoder would silently drop foreign characters.
        if _URLSAFE_B64.fullmatch(text):
            try:
                return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            except (binascii.Error, ValueError):
                pass
        raise EnvelopeError("malformed", f"envelope {what} is not valid base64: {exc}") from exc


def verify_envelope(
    envelope: Mapping[str, Any], trusted_keys: Mapping[str, Ed25519PublicKey]
) -> tuple[bytes, str, str]:
    """Verify ``envelope`` against ``trusted_keys`` (keyid → public key).

    Returns ``(payload, payload_type, keyid)`` of the first signature made by a
    trusted key. Raises :class:`EnvelopeError` with reason ``malformed``,
    ``unknown-key`` or ``bad-signature``.
    """
    if not isinstance(envelope, Mapping):
        raise EnvelopeError("malformed", "envelope is not a JSON object")
    payload_type = envelope.get("payloadType")
    if not isinstance(payload_type, str):
        raise EnvelopeError("malformed", "envelope has no payloadType")
    payload = _b64(envelope.get("payload"), "payload")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise EnvelopeError("malformed", "envelope has no signatures")
    message = pae(payload_type, payload)
    seen: list[str] = []
    for entry in signatures:
        if not isinstance(entry, Mapping):
            raise EnvelopeError("malformed", "a signature entry is not an object")
        kid = str(entry.get("keyid", ""))
        seen.append(kid)
        key = trusted_keys.get(kid)
        if key is None:
            continue
        try:
            key.verify(_b64(entry.get("sig"), "signature"), message)
        except InvalidSignature as exc:
            raise EnvelopeError(
                "bad-signature", f"signature by key {kid} does not match the payload (altered or forged)"
            ) from exc
        return payload, payload_type, kid
    raise EnvelopeError("unknown-key", f"no signature is by a trusted key (signed by: {', '.join(seen)})")


def verify_envelope_signatures(
    envelope: Mapping[str, Any], trusted_keys: Mapping[str, Ed25519PublicKey]
) -> tuple[bytes, str, tuple[str, ...]]:
    """Verify every signature of ``envelope`` by a key in ``trusted_keys`` (keyid → public key).

    Returns ``(payload, payload_type, keyids)``: the distinct trusted keys whose signatures verify,
    in envelope order. As DSSE's multi-signature verification (protocol.md, "Multi-signature
    Verification") says, a signature that does not verify is skipped, so a stray or damaged
    co-signature cannot veto the others; a caller counting a threshold counts ``keyids``.
    Raises :class:`EnvelopeError`: ``malformed``; ``bad-signature`` when no trusted signature
    verifies but one by a trusted key was there (altered or forged); ``unknown-key`` when none is
    by a trusted key.
    """
    if not isinstance(envelope, Mapping):
        raise EnvelopeError("malformed", "envelope is not a JSON object")
    payload_type = envelope.get("payloadType")
    if not isinstance(payload_type, str):
        raise EnvelopeError("malformed", "envelope has no payloadType")
    payload = _b64(envelope.get("payload"), "payload")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise EnvelopeError("malformed", "envelope has no signatures")
    message = pae(payload_type, payload)
    seen: list[str] = []
    accepted: list[str] = []
    failed: list[str] = []
    for entry in signatures:
        if not isinstance(entry, Mapping):
            raise EnvelopeError("malformed", "a signature entry is not an object")
        kid = str(entry.get("keyid", ""))
        seen.append(kid)
        key = trusted_keys.get(kid)
        if key is None or kid in accepted:
            continue
        try:
            key.verify(_b64(entry.get("sig"), "signature"), message)
        except InvalidSignature:
            failed.append(kid)
            continue
        accepted.append(kid)
    if accepted:
        return payload, payload_type, tuple(accepted)
    if failed:
        raise EnvelopeError(
            "bad-signature", f"signature by key {failed[0]} does not match the payload (altered or forged)"
        )
    raise EnvelopeError("unknown-key", f"no signature is by a trusted key (signed by: {', '.join(seen)})")
