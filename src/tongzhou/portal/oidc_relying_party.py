"""The portal as an OpenID Connect relying party: Authorization Code flow with PKCE, ID token checks.

The protocol work is done by well-kept libraries, not here: Authlib builds the authorization
request (PKCE S256 challenge, RFC 7636) and redeems the code at the token endpoint with the
client secret; joserfc verifies the ID token's signature against the provider's JWKS and checks
its registered claims. This module adds what OpenID Connect Core 1.0 §3.1.3.7 asks of a client
on top:

* the provider's metadata comes from discovery, and its ``issuer`` must equal the configured one
  exactly (OpenID Connect Discovery 1.0 §4.3);
* signatures only with an asymmetric algorithm the provider lists (never ``none``, never an HMAC
  keyed with the client secret); a ``kid`` not in the cached JWKS fetches it once more (rotation);
* ``iss`` = the issuer, ``aud`` contains the client id (and ``azp`` is the client id when there are
  several audiences), ``exp`` in the future, ``iat`` not in the future and at most
  :data:`MAX_ID_TOKEN_AGE_S` old, ``nonce`` = the one sent; all with :data:`CLOCK_SKEW_S` leeway;
* when the provider says it sends ``iss`` in the authorization response (RFC 9207), the callback's
  ``iss`` must be the issuer (mix-up defence).
"""

from __future__ import annotations

import threading
import time
from enum import StrEnum
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from tongzhou.portal.oidc_config import OidcProviderConfig

CLOCK_SKEW_S = 60
"""Leeway for ``exp``/``iat`` between our clock and the provider's (OIDC Core allows "a few minutes")."""
MAX_ID_TOKEN_AGE_S = 600
"""An ID token issued longer ago than this is refused: it is redeemed within seconds of the login."""
METADATA_TTL_S = 3600.0
"""How long a worker reuses a provider's discovery document and JWKS."""
JWKS_REFETCH_MIN_S = 60.0
"""An unknown ``kid`` refetches the JWKS at most this often (no fetch storm from forged tokens)."""
HTTP_TIMEOUT_S = 10.0
SIGNING_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
"""Asymmetric JWS algorithms accepted for ID tokens (RFC 7518 §3, RFC 8037)."""


class SignOnRefusal(StrEnum):
    """Why a single sign-on did not log anyone in (stable codes; the page shows a message per code)."""

    provider_unreachable = "provider-unreachable"
    """Discovery, JWKS or the token endpoint could not be reached or answered nonsense."""
    issuer_mismatch = "issuer-mismatch"
    """The discovery document, the callback's ``iss`` or the token's ``iss`` names another issuer."""
    code_refused = "code-refused"
    """The token endpoint refused the code (used before, expired, wrong PKCE verifier)."""
    bad_signature = "bad-signature"
    """The ID token is not signed by a key of the provider with an accepted algorithm."""
    bad_claims = "bad-claims"
    """Audience, expiry, issue time or nonce is wrong."""


class SignOnRefused(Exception):
    """A refusal with its :class:`SignOnRefusal` code and a detail for the log."""

    def __init__(self, reason: SignOnRefusal, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


class OidcRelyingParty:
    """One configured provider, as seen by this worker (metadata and keys cached)."""

    def __init__(self, provider: OidcProviderConfig, clock: Any = time.time) -> None:
        self.provider = provider
        self.settings = provider.settings
        self._clock = clock
        self._lock = threading.Lock()
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._jwks: tuple[float, KeySet] | None = None

    # -- discovery ----------------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (checked: same issuer, endpoints present)."""
        with self._lock:
            if self._metadata and time.monotonic() - self._metadata[0] < METADATA_TTL_S:
                return self._metadata[1]
        url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = _get_json(url)
        if document.get("issuer") != self.settings.issuer:
            raise SignOnRefused(SignOnRefusal.issuer_mismatch, f"discovery says {document.get('issuer')!r}")
        for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(field), str):
                raise SignOnRefused(SignOnRefusal.provider_unreachable, f"discovery lacks {field}")
        with self._lock:
            self._metadata = (time.monotonic(), document)
        return document

    def _keys(self, refresh: bool = False) -> KeySet:
        with self._lock:
            cached = self._jwks
        age = time.monotonic() - cached[0] if cached else None
        if (
            cached
            and age is not None
            and (age < METADATA_TTL_S and not (refresh and age >= JWKS_REFETCH_MIN_S))
        ):
            return cached[1]
        document = _get_json(self.metadata()["jwks_uri"])
        try:
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise SignOnRefused(SignOnRefusal.provider_unreachable, f"unreadable JWKS: {exc}") from None
        with self._lock:
            self._jwks = (time.monotonic(), keys)
        return keys

    # -- the flow -----------------------------------------------------------------------------------
    def _client(self, redirect_uri: str) -> OAuth2Client:
        return OAuth2Client(
            client_id=self.settings.client_id,
            client_secret=self.provider.client_secret,
            scope=" ".join(self.settings.scopes),
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=HTTP_TIMEOUT_S,
        )

    def authorization_url(self, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        """Where to send the browser: the provider's authorization endpoint with our request."""
        endpoint = self.metadata()["authorization_endpoint"]
        with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                endpoint, state=state, code_verifier=code_verifier, nonce=nonce
            )
        return str(url)

    def check_response_issuer(self, iss: str | None) -> None:
        """RFC 9207: when the provider sends ``iss`` with the code, it must be the issuer."""
        advertised = bool(self.metadata().get("authorization_response_iss_parameter_supported"))
        if (iss is not None or advertised) and iss != self.settings.issuer:
            raise SignOnRefused(SignOnRefusal.issuer_mismatch, f"callback iss {iss!r}")

    def redeem(self, code: str, code_verifier: str, redirect_uri: str, nonce: str) -> dict[str, Any]:
        """Exchange the code (with the PKCE verifier) and return the verified ID token's claims."""
        endpoint = self.metadata()["token_endpoint"]
        try:
            with self._client(redirect_uri) as client:
                answer = client.fetch_token(
                    endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier
                )
        except httpx.HTTPError as exc:
            raise SignOnRefused(SignOnRefusal.provider_unreachable, str(exc)) from None
        except AuthlibBaseError as exc:  # the provider's error answer (invalid_grant, …)
            raise SignOnRefused(SignOnRefusal.code_refused, str(exc)[:200]) from None
        except ValueError as exc:  # an answer that is not JSON
            raise SignOnRefused(SignOnRefusal.provider_unreachable, str(exc)[:200]) from None
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise SignOnRefused(SignOnRefusal.bad_claims, "the token answer has no id_token")
        return self.verify_id_token(id_token, nonce)

    def verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The claims of ``id_token`` once its signature and claims pass (else :class:`SignOnRefused`)."""
        offered = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in SIGNING_ALGORITHMS if a in offered]
        try:
            try:
                token = jwt.decode(id_token, self._keys(), algorithms=algorithms)
            except InvalidKeyIdError:  # a kid we do not know yet: the provider may have rotated its keys
                token = jwt.decode(id_token, self._keys(refresh=True), algorithms=algorithms)
        except (JoseError, ValueError) as exc:
            raise SignOnRefused(SignOnRefusal.bad_signature, str(exc)[:200]) from None
        claims = token.claims
        now = int(self._clock())
        registry = jwt.JWTClaimsRegistry(
            now=now,
            leeway=CLOCK_SKEW_S,
            iss={"essential": True, "value": self.settings.issuer},
            sub={"essential": True},
            aud={"essential": True, "value": self.settings.client_id},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            wrong = getattr(exc, "claim", "")
            reason = SignOnRefusal.issuer_mismatch if wrong == "iss" else SignOnRefusal.bad_claims
            raise SignOnRefused(reason, str(exc)[:200]) from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.settings.client_id:
            raise SignOnRefused(SignOnRefusal.bad_claims, "several audiences and azp is not this client")
        if (
            not isinstance(claims["iat"], int | float)
            or claims["iat"] < now - MAX_ID_TOKEN_AGE_S - CLOCK_SKEW_S
        ):
            raise SignOnRefused(SignOnRefusal.bad_claims, "issued too long ago")
        return dict(claims)


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT_S, follow_redirects=False)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SignOnRefused(SignOnRefusal.provider_unreachable, f"{url}: {exc}") from None
    if not isinstance(document, dict):
        raise SignOnRefused(SignOnRefusal.provider_unreachable, f"{url}: not a JSON object")
    return document
