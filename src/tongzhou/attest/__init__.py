"""Claims as evidence: canonical JSON, Ed25519 keys, DSSE envelopes, signed evaluation reports,
trust policies, verification and the recognition view."""

from tongzhou.attest.dsse import (
    EnvelopeError,
    add_signature,
    pae,
    sign_envelope,
    verify_envelope,
    verify_envelope_signatures,
)
from tongzhou.attest.findings import REASONS, Finding
from tongzhou.attest.keys import KeyError_ as KeyError_  # the former name, for importers not yet moved
from tongzhou.attest.keys import KeyInfo, KeyRing, SigningKeyError, key_id
from tongzhou.attest.policy import TrustPolicy, load_policy, policy_from_dict
from tongzhou.attest.report import Evaluator, build_report
from tongzhou.attest.signing import read_attestation, sign_run
from tongzhou.attest.statement import PAYLOAD_TYPE, PREDICATE_TYPE, build_statement
from tongzhou.attest.verify import Verification, verify_attestation
from tongzhou.canonical_json import canonical_json, canonical_sha256

__all__ = [
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "REASONS",
    "EnvelopeError",
    "Evaluator",
    "Finding",
    "KeyInfo",
    "KeyRing",
    "SigningKeyError",
    "TrustPolicy",
    "Verification",
    "add_signature",
    "build_report",
    "build_statement",
    "canonical_json",
    "canonical_sha256",
    "key_id",
    "load_policy",
    "pae",
    "policy_from_dict",
    "read_attestation",
    "sign_envelope",
    "sign_run",
    "verify_attestation",
    "verify_envelope",
    "verify_envelope_signatures",
]
