"""A self-hosted proof-of-work spam check in the style of ALTCHA: no outside service, no cookies.

The server picks a random salt and a secret number ``n`` in ``[0, max_number]`` and hands out
``challenge = SHA-256(salt + str(n))`` (hex) with ``HMAC-SHA256(site key, challenge)`` as its
signature. The browser (``static/js/proof-of-work.js``) tries 0, 1, 2, … until its SHA-256 matches:
about ``max_number / 2`` hashes on average, a fraction of a second for one person and a real cost
for someone sending thousands of posts. The answer goes back as ALTCHA's payload: base64 of the JSON
``{"algorithm", "challenge", "number", "salt", "signature"}``.

The salt carries the expiry and the purpose (``<hex>?expires=<unix s>&purpose=report``), so both are
covered by the signature: a challenge cannot be stretched past its expiry or carried from one form to
another. Each answer works once: :meth:`ProofOfWork.redeem` stores the challenge's digest in
``portal_pow_spent`` (unique; every worker sees it) until it expires, and a second use is refused.

Use::

    pow = ProofOfWork(store, site_key)
    challenge = pow.issue("report")        # → Challenge; .to_dict() for the page or the API
    pow.redeem(payload, "report")          # PortalProblem 400 unless solved, fresh and unused

Source of the format: ALTCHA's documented challenge and payload (https://altcha.org/docs/server-integration).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from tongzhou.portal._tables import POW_SPENT
from tongzhou.portal.problems import PortalProblem
from tongzhou.store import Store

ALGORITHM = "SHA-256"
MAX_NUMBER = 300_000
"""The default range of the secret number: 150,000 hashes on average. Measured by
benchmarks/proof_of_work_solve.py in Debian's Chromium on the 2-core build machine at load average
~13 (shared): 2.5 s median per challenge, 64,000 hashes/s, 4.4x WebCrypto's per-hash digest and
0.41x CPython's hashlib in the same run. An idle machine solves it several times faster."""
TTL_S = 20 * 60
"""How long a challenge may be answered: time to fill in a form, not to stockpile answers."""
MAX_PAYLOAD_CHARS = 2048


@dataclass(frozen=True, slots=True)
class Challenge:
    """What the browser is asked to solve (ALTCHA's field names)."""

    challenge: str
    """Hex SHA-256 of ``salt + str(number)``."""
    salt: str
    """Random hex, then ``?expires=<unix seconds>&purpose=<purpose>``."""
    signature: str
    """Hex HMAC-SHA256 of ``challenge`` under the site key."""
    max_number: int
    expires: int
    """Unix seconds after which no answer is accepted."""
    algorithm: str = ALGORITHM

    def to_dict(self) -> dict[str, Any]:
        """JSON for the API, and the ``data-`` attributes of a form."""
        return {
            "algorithm": self.algorithm,
            "challenge": self.challenge,
            "salt": self.salt,
            "signature": self.signature,
            "maxnumber": self.max_number,
            "expires": self.expires,
        }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def solve(challenge: Challenge | dict[str, Any]) -> str:
    """The payload a browser would send (used by tests, the CLI and API clients written in Python)."""
    data = challenge.to_dict() if isinstance(challenge, Challenge) else challenge
    for number in range(int(data["maxnumber"]) + 1):
        if _digest(f"{data['salt']}{number}") == data["challenge"]:
            answer = {k: data[k] for k in ("algorithm", "challenge", "salt", "signature")} | {
                "number": number
            }
            return base64.b64encode(json.dumps(answer).encode()).decode()
    raise ValueError("the challenge has no answer in its range")


class ProofOfWork:
    """Issues signed challenges and redeems each answer once."""

    def __init__(self, store: Store, key: bytes, *, max_number: int = MAX_NUMBER, ttl_s: int = TTL_S) -> None:
        self.store = store
        self._key = hashlib.sha256(b"proof-of-work\0" + key).digest()  # not the CSRF key itself
        self.max_number = max_number
        self.ttl_s = ttl_s

    def _sign(self, challenge: str) -> str:
        return hmac.new(self._key, challenge.encode(), hashlib.sha256).hexdigest()

    def issue(self, purpose: str, *, now: float | None = None) -> Challenge:
        """A fresh challenge for the form ``purpose`` (e.g. ``report``, ``comment``)."""
        expires = int(now if now is not None else time.time()) + self.ttl_s
        salt = f"{secrets.token_hex(12)}?expires={expires}&purpose={purpose}"
        number = secrets.randbelow(self.max_number + 1)
        challenge = _digest(f"{salt}{number}")
        return Challenge(challenge, salt, self._sign(challenge), self.max_number, expires)

    def redeem(self, payload: str | None, purpose: str, *, now: float | None = None) -> None:
        """Accept ``payload`` once for ``purpose``; :class:`PortalProblem` 400 saying what was wrong."""
        moment = now if now is not None else time.time()
        answer = _decode(payload)
        challenge, salt = str(answer["challenge"]), str(answer["salt"])
        if answer.get("algorithm") != ALGORITHM or not hmac.compare_digest(
            self._sign(challenge), str(answer["signature"])
        ):
            raise PortalProblem(400, "The spam check was not issued by this site; reload the page.")
        params = parse_qs(salt.partition("?")[2])
        expires_text = (params.get("expires") or [""])[0]
        if (params.get("purpose") or [""])[0] != purpose or not expires_text.isdigit():
            raise PortalProblem(400, "The spam check belongs to another form; reload the page.")
        if int(expires_text) < moment:
            raise PortalProblem(400, "The spam check has expired; reload the page and send again.")
        number = answer["number"]
        if not isinstance(number, int) or isinstance(number, bool) or _digest(f"{salt}{number}") != challenge:
            raise PortalProblem(400, "The spam check was not solved; reload the page and send again.")
        self._spend(challenge, int(expires_text), moment)

    def _spend(self, challenge: str, expires: int, moment: float) -> None:
        try:
            with self.store.transaction() as session:
                # Answers past their expiry are refused anyway: their rows can go.
                session.execute(delete(POW_SPENT).where(POW_SPENT.c.expires_us < int(moment * 1_000_000)))
                session.execute(
                    POW_SPENT.insert().values(challenge_sha256=challenge, expires_us=expires * 1_000_000)
                )
        except IntegrityError:
            raise PortalProblem(
                409, "This spam-check answer was already used; reload the page and send again."
            ) from None


def _decode(payload: str | None) -> dict[str, Any]:
    refused = PortalProblem(400, "The spam check is missing or malformed; reload the page and send again.")
    if not payload or len(payload) > MAX_PAYLOAD_CHARS:
        raise refused
    try:
        answer = json.loads(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise refused from None
    if not isinstance(answer, dict) or not {"algorithm", "challenge", "number", "salt", "signature"} <= set(
        answer
    ):
        raise refused
    if not all(isinstance(answer[k], str) for k in ("algorithm", "challenge", "salt", "signature")):
        raise refused
    return answer
