"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), written out: ~30 lines, no dependency.

Codes are 6 digits over 30-second steps with HMAC-SHA1, which is what authenticator apps use;
a code from the step before or after is accepted (RFC 6238 §5.2 allows for clock drift), and
the caller refuses a step it has already accepted (replay).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote

STEP_S = 30
DIGITS = 6
DRIFT_STEPS = 1


def new_secret() -> str:
    """A random 160-bit secret, base32 (what authenticator apps take)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 §5.3: HMAC over the 8-byte counter, dynamic truncation, ``digits`` decimal digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, digest)).digest()
    offset = mac[-1] & 0x0F
    code = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


def totp_at(secret_b32: str, unix_time: float, digits: int = DIGITS, digest: str = "sha1") -> str:
    """The code for ``unix_time`` (RFC 6238 §4: T = floor(time / 30))."""
    return hotp(_key(secret_b32), int(unix_time) // STEP_S, digits, digest)


def matching_step(secret_b32: str, code: str, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (within ±1 step of ``now``), or None when it matches none."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == DIGITS):
        return None
    key = _key(secret_b32)
    current = int(time.time() if now is None else now) // STEP_S
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret_b32: str, account: str, issuer: str = "Tongzhou") -> str:
    """The ``otpauth://`` URI an authenticator app reads (as text or a QR code)."""
    label = quote(f"{issuer}:{account}")
    return (
        f"otpauth://totp/{label}?secret={secret_b32}&issuer={quote(issuer)}&digits={DIGITS}&period={STEP_S}"
    )


def _key(secret_b32: str) -> bytes:
    padded = secret_b32.upper() + "=" * (-len(secret_b32) % 8)
    return base64.b32decode(padded)
