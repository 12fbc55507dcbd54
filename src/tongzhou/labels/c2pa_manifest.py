"""C2PA Content Credentials through ``c2pa-python``: sign after the AIGC label, read back and validate.

Per docs/standards/aigc-labeling.md (C2PA section): ``c2pa.actions`` starts with
``c2pa.created`` and digitalSourceType ``trainedAlgorithmicMedia``; write the AIGC metadata
first, then sign (editing metadata after signing breaks the hard binding). There is no official
mapping to GB 45438, so the seven label fields also travel in a custom assertion
``cn.org.tc260.aigc`` (our label, not a standard one).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from tongzhou import __version__
from tongzhou.errors import InputError
from tongzhou.labels.fields import AigcLabel

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
AIGC_ASSERTION = "cn.org.tc260.aigc"

MIME_BY_CARRIER: dict[str, str] = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "pdf": "application/pdf",
}
"""Formats c2pa-python embeds manifests in (those our carriers also handle)."""


@dataclass(frozen=True)
class C2paCredentials:
    """A signing certificate chain (leaf first, PEM) and its private key (PEM)."""

    chain_pem: bytes
    key_pem: bytes

    @classmethod
    def from_files(cls, cert: Path, key: Path) -> C2paCredentials:
        """Read a PEM chain and key, checking that the key matches the leaf and has a C2PA algorithm."""
        try:
            chain, key_pem = Path(cert).read_bytes(), Path(key).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read C2PA certificate or key: {exc}") from exc
        creds = cls(chain, key_pem)
        creds.algorithm()
        return creds

    def algorithm(self) -> str:
        """The C2PA signing algorithm the key implies (ES256/ES384/ES512 or Ed25519)."""
        try:
            key = serialization.load_pem_private_key(self.key_pem, password=None)
            leaf = x509.load_pem_x509_certificate(self.chain_pem)
        except (ValueError, TypeError) as exc:
            raise InputError(f"C2PA certificate or key is not readable PEM: {exc}") from exc
        if leaf.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ) != key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ):
            raise InputError("C2PA private key does not match the first certificate of the chain")
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return "Ed25519"
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return {256: "ES256", 384: "ES384", 521: "ES512"}[key.curve.key_size]
        raise InputError("C2PA signing key must be ECDSA (P-256/384/521) or Ed25519")


def manifest_definition(title: str, label: AigcLabel | None) -> dict[str, Any]:
    """The manifest we sign: created by a trained algorithm, plus the AIGC fields when given."""
    assertions: list[dict[str, Any]] = [
        {
            "label": "c2pa.actions",
            "data": {
                "actions": [
                    {
                        "action": "c2pa.created",
                        "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                        "softwareAgent": {"name": "tongzhou", "version": __version__},
                    }
                ]
            },
        }
    ]
    if label is not None:
        assertions.append({"label": AIGC_ASSERTION, "data": label.to_dict()})
    return {
        "claim_generator_info": [{"name": "tongzhou", "version": __version__}],
        "title": title,
        "assertions": assertions,
    }


def sign_c2pa(
    data: bytes, carrier: str, credentials: C2paCredentials, title: str, label: AigcLabel | None = None
) -> bytes:
    """``data`` with an embedded, signed C2PA manifest store."""
    import c2pa

    mime = MIME_BY_CARRIER.get(carrier)
    if mime is None:
        raise InputError(f"C2PA signing is not supported for {carrier} files")
    try:
        info = c2pa.C2paSignerInfo(credentials.algorithm(), credentials.chain_pem, credentials.key_pem, None)
        signer = c2pa.Signer.from_info(info)
        builder = c2pa.Builder(json.dumps(manifest_definition(title, label)))
        out = io.BytesIO()
        builder.sign(signer, mime, io.BytesIO(data), out)
    except c2pa.C2paError as exc:
        raise InputError(f"C2PA signing failed: {exc}") from exc
    return out.getvalue()


def read_manifest_summary(data: bytes, carrier: str | None) -> dict[str, Any] | None:
    """What c2pa-python's Reader says about ``data``; None when there is no manifest to read."""
    mime = MIME_BY_CARRIER.get(carrier or "")
    if mime is None or b"c2pa" not in data:  # JUMBF manifest stores are labelled "c2pa"
        return None
    try:
        import c2pa
    except ImportError:
        return {"present": None, "error": "c2pa-python is not installed"}
    try:
        reader = c2pa.Reader(mime, io.BytesIO(data))
        store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        if "ManifestNotFound" in type(exc).__name__ or "not found" in str(exc).lower():
            return None
        return {"present": True, "validation_state": "Invalid", "error": str(exc)}
    active = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    actions: list[dict[str, Any]] = []
    aigc: dict[str, Any] | None = None
    for assertion in active.get("assertions", []):
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            actions += assertion.get("data", {}).get("actions", [])
        if assertion.get("label") == AIGC_ASSERTION:
            aigc = assertion.get("data")
    first = actions[0] if actions else {}
    failures = store.get("validation_results", {}).get("activeManifest", {}).get("failure", [])
    return {
        "present": True,
        "validation_state": store.get("validation_state"),
        "failures": [f.get("code") for f in failures],
        "first_action": first.get("action"),
        "trained_algorithmic_media": first.get("digitalSourceType") == TRAINED_ALGORITHMIC_MEDIA,
        "claim_generator": [g.get("name") for g in active.get("claim_generator_info", [])],
        "aigc_assertion": aigc,
        "reader": "c2pa-python Reader " + getattr(c2pa, "__version__", "?"),
    }
