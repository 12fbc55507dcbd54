"""Security headers on every response of the service (portal, API and TAXII alike).

The CSP allows scripts, styles, images and fonts from this origin only: no inline script or style
(no ``unsafe-inline``), no framing by other sites (``frame-ancestors 'none'``), forms posting here
only. HSTS is sent only over TLS: on plain HTTP browsers ignore it (RFC 6797 §8.1), and telling a
loopback test server to be HTTPS-only would lock people out of it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def csp_with_form_targets(origins: list[str]) -> str:
    """The CSP for a page whose forms may also end at ``origins``: the single sign-on buttons post
    here and are redirected to the provider, and browsers apply ``form-action`` to that redirect."""
    return CSP.replace("form-action 'self'", " ".join(["form-action 'self'", *origins]))


_ALWAYS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response (pure ASGI: streams pass through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        over_tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in _ALWAYS if n not in present]
                if over_tls:
                    extra.append((b"strict-transport-security", HSTS.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
