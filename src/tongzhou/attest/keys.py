"""Ed25519 signing keys: generate, store (0600, optionally passphrase-encrypted), load, identify."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tongzhou.home import tongzhou_home


class SigningKeyError(ValueError):
    """A key that is missing, unreadable, of the wrong type, or locked with another passphrase."""


KeyError_ = SigningKeyError
"""The former name of :class:`SigningKeyError`, kept for importers not yet moved to the new one."""


def key_id(public_key: Ed25519PublicKey) -> str:
    """Stable key identifier: ``ed25519:`` + first 16 bytes of sha256(raw public key), hex."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:32]


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    """The SubjectPublicKeyInfo PEM of a public key."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key_pem(data: bytes | str) -> Ed25519PublicKey:
    """Parse a PEM public key; raise :class:`SigningKeyError` unless it is Ed25519."""
    raw = data.encode("ascii") if isinstance(data, str) else data
    try:
        key = serialization.load_pem_public_key(raw)
    except ValueError as exc:
        raise SigningKeyError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError("public key is not Ed25519")
    return key


def load_private_key_pem(data: bytes, passphrase: str | None = None) -> Ed25519PrivateKey:
    """Parse a PEM private key (PKCS#8, optionally encrypted)."""
    try:
        key = serialization.load_pem_private_key(data, password=passphrase.encode() if passphrase else None)
    except TypeError as exc:
        raise SigningKeyError("the key is passphrase-protected: give the passphrase" if not passphrase
                        else "the key is not encrypted: give no passphrase") from exc
    except ValueError as exc:
        raise SigningKeyError(f"cannot read the private key (wrong passphrase or not a key): {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("private key is not Ed25519")
    return key


@dataclass(frozen=True)
class KeyInfo:
    """A key in the key ring."""

    name: str
    """Local name chosen by the owner."""
    key_id: str
    """See :func:`key_id`."""
    encrypted: bool
    """Whether the private key file is passphrase-encrypted."""
    public_pem: str
    """The public key, PEM."""


class KeyRing:
    """Keys in a directory (default ``$TONGZHOU_HOME/keys``): ``NAME.key`` (0600) and ``NAME.pub``."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or tongzhou_home() / "keys"

    def _path(self, name: str, suffix: str) -> Path:
        if not name or any(c in name for c in "/\\\0") or name.startswith("."):
            raise SigningKeyError(f"invalid key name {name!r}: use letters, digits, '-', '_' or '.'")
        return self.directory / f"{name}{suffix}"

    def generate(self, name: str, passphrase: str | None = None) -> KeyInfo:
        """Create a new key; refuse to overwrite an existing one."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        private_path = self._path(name, ".key")
        if private_path.exists():
            raise SigningKeyError(f"key {name!r} already exists at {private_path}")
        key = Ed25519PrivateKey.generate()
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
            else serialization.NoEncryption()
        )
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        # O_EXCL + 0600 from the start: the secret is never readable by others, not even briefly.
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        self._path(name, ".pub").write_text(public_key_pem(key.public_key()))
        return self.info(name)

    def info(self, name: str) -> KeyInfo:
        """Describe key ``name`` without decrypting it."""
        pub_path = self._path(name, ".pub")
        if not pub_path.exists():
            raise SigningKeyError(f"no key named {name!r} in {self.directory}")
        public = load_public_key_pem(pub_path.read_bytes())
        encrypted = b"ENCRYPTED" in self._path(name, ".key").read_bytes()
        return KeyInfo(name=name, key_id=key_id(public), encrypted=encrypted,
                       public_pem=public_key_pem(public))

    def list(self) -> list[KeyInfo]:
        """Every key in the ring, by name."""
        if not self.directory.exists():
            return []
        return [self.info(p.stem) for p in sorted(self.directory.glob("*.pub"))]

    def private_key(self, name: str, passphrase: str | None = None) -> Ed25519PrivateKey:
        """Load the private key ``name``."""
        path = self._path(name, ".key")
        if not path.exists():
            raise SigningKeyError(f"no private key named {name!r} in {self.directory}")
        return load_private_key_pem(path.read_bytes(), passphrase)

    def public_key(self, name: str) -> Ed25519PublicKey:
        """Load the public key ``name``."""
        return load_public_key_pem(self._path(name, ".pub").read_bytes())
