"""Claims as evidence: canonical JSON, Ed25519 keys, DSSE envelopes (and, on top, reports and trust)."""

from tongzhou.attest.canonical import canonical_json, canonical_sha256
from tongzhou.attest.dsse import EnvelopeError, pae, sign_envelope, verify_envelope
from tongzhou.attest.keys import KeyError_, KeyInfo, KeyRing, key_id

__all__ = [
    "EnvelopeError",
    "KeyError_",
    "KeyInfo",
    "KeyRing",
    "canonical_json",
    "canonical_sha256",
    "key_id",
    "pae",
    "sign_envelope",
    "verify_envelope",
]
