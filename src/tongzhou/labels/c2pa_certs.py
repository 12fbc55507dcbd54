"""A private test CA and a C2PA signing certificate made with ``cryptography`` (tests, demo, benchmark).

C2PA signers need a chain that is not self-signed; the leaf carries KeyUsage digitalSignature
and an EKU C2PA accepts (id-kp-emailProtection). For production, use a certificate from a CA
on the C2PA trust list instead.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tongzhou.labels.c2pa_manifest import C2paCredentials
from tongzhou.labels.fileio import atomic_write


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tongzhou test"),
        ]
    )


def make_test_credentials(days: int = 30) -> tuple[C2paCredentials, bytes]:
    """(signing credentials with chain leaf+CA, CA certificate PEM) — ES256 on P-256."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Tongzhou Test C2PA CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("Tongzhou Test C2PA Signer"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = leaf.public_bytes(pem) + ca.public_bytes(pem)
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return C2paCredentials(chain, key_pem), ca.public_bytes(pem)


def write_test_credentials(directory: Path) -> tuple[Path, Path]:
    """Write ``c2pa-chain.pem`` and ``c2pa-key.pem`` (0600) into ``directory``; return their paths."""
    creds, _ca = make_test_credentials()
    cert, key = directory / "c2pa-chain.pem", directory / "c2pa-key.pem"
    atomic_write(cert, creds.chain_pem)
    atomic_write(key, creds.key_pem, mode=0o600)
    return cert, key
