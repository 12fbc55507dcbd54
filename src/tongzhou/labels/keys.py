"""The label signing key: an Ed25519 key from the scaffold's :class:`tongzhou.attest.KeyRing`."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tongzhou.attest import KeyRing, SigningKeyError, key_id
from tongzhou.errors import InputError

DEFAULT_KEY_NAME = "labels"
"""Key ring name used when none is given; created on first use."""


def signing_key(
    name: str = DEFAULT_KEY_NAME,
    passphrase: str | None = None,
    create: bool = True,
    ring: KeyRing | None = None,
) -> Ed25519PrivateKey:
    """Load key ``name`` from the key ring; create it when missing and ``create`` (default name only)."""
    ring = ring or KeyRing()
    try:
        return ring.private_key(name, passphrase)
    except SigningKeyError as exc:
        if create and "no private key" in str(exc):
            ring.generate(name, passphrase)
            return ring.private_key(name, passphrase)
        raise InputError(str(exc)) from exc


def trusted_key_ids(names: list[str] | None = None, ring: KeyRing | None = None) -> set[str]:
    """Key ids of the named keys (default: every key in the ring) — the signers a verifier trusts."""
    ring = ring or KeyRing()
    try:
        if names:
            return {key_id(ring.public_key(n)) for n in names}
        return {info.key_id for info in ring.list()}
    except (SigningKeyError, OSError) as exc:
        raise InputError(f"cannot read trusted keys: {exc}") from exc
