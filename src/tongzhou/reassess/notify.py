"""Tell the responsible people: e-mail through the standard library's ``smtplib`` and webhooks
through ``httpx``, each signed or authenticated, each delivered from the outbox.

A review writes its notifications in the same transaction as its assessment entry (the outbox,
``reassess_notification``), then delivers them. A message that cannot be delivered stays
``failed`` with the error and is tried again by the next tick; a message sent is never sent again.

Settings come from the environment, so a cron line or a systemd ``EnvironmentFile=`` sets them:

=============================  ===================================================================
``TONGZHOU_SMTP_HOST``         the SMTP server (no e-mail is sent without it)
``TONGZHOU_SMTP_PORT``         default 25 (587 with STARTTLS, 465 with ``TONGZHOU_SMTP_SSL=1``)
``TONGZHOU_SMTP_STARTTLS``     ``1``: upgrade the connection with STARTTLS before logging in
``TONGZHOU_SMTP_SSL``          ``1``: connect over TLS from the start (SMTPS)
``TONGZHOU_SMTP_USER``         log in with this name and ``TONGZHOU_SMTP_PASSWORD``
``TONGZHOU_SMTP_FROM``         the sender (default ``tongzhou@localhost``)
``TONGZHOU_WEBHOOK_SECRET``    the HMAC key webhooks are signed with (none is sent unsigned)
=============================  ===================================================================

**Webhook signature.** ``X-Tongzhou-Signature: sha256=<hex>`` is HMAC-SHA256 (RFC 2104) under the
secret over ``<X-Tongzhou-Timestamp>.<body bytes>``; the receiver recomputes it over the bytes it
received and refuses an old timestamp, so a captured request cannot be replayed later.
``X-Tongzhou-Delivery`` is the message's stable id (a receiver can drop duplicates).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

from tongzhou.messages import bilingual

SIGNATURE_HEADER = "X-Tongzhou-Signature"
TIMESTAMP_HEADER = "X-Tongzhou-Timestamp"
DELIVERY_HEADER = "X-Tongzhou-Delivery"


class DeliveryError(Exception):
    """A message could not be delivered; the text says why (kept on the outbox row)."""


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class MailSettings:
    """Where and how e-mail is sent."""

    host: str | None
    port: int
    sender: str
    starttls: bool = False
    ssl: bool = False
    user: str | None = None
    password: str | None = None
    timeout_s: float = 20.0

    @classmethod
    def from_env(cls) -> MailSettings:
        use_ssl, starttls = _flag("TONGZHOU_SMTP_SSL"), _flag("TONGZHOU_SMTP_STARTTLS")
        port_text = os.environ.get("TONGZHOU_SMTP_PORT", "").strip()
        default_port = 465 if use_ssl else 587 if starttls else 25
        try:
            port = int(port_text) if port_text else default_port
        except ValueError:
            port = default_port
        return cls(
            host=os.environ.get("TONGZHOU_SMTP_HOST") or None,
            port=port,
            sender=os.environ.get("TONGZHOU_SMTP_FROM") or "tongzhou@localhost",
            starttls=starttls,
            ssl=use_ssl,
            user=os.environ.get("TONGZHOU_SMTP_USER") or None,
            password=os.environ.get("TONGZHOU_SMTP_PASSWORD") or None,
        )


def build_email(sender: str, to: str, payload: dict[str, Any]) -> EmailMessage:
    """The e-mail for one notification (plain text, English then Chinese)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = payload["subject"]
    message["X-Tongzhou-Delivery"] = payload["delivery"]
    message.set_content(payload["text"])
    return message


def send_email(settings: MailSettings, to: str, payload: dict[str, Any]) -> None:
    """Send one notification by e-mail; :class:`DeliveryError` says why it was not sent."""
    if not settings.host:
        raise DeliveryError(bilingual("no SMTP server configured (set TONGZHOU_SMTP_HOST)"))
    message = build_email(settings.sender, to, payload)
    try:
        client: smtplib.SMTP
        if settings.ssl:
            client = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout_s, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
        with client:
            if settings.starttls and not settings.ssl:
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                client.login(settings.user, settings.password or "")
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"e-mail to {to} via {settings.host}:{settings.port} failed: {exc}") from exc


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 over ``timestamp.body``."""
    return "sha256=" + hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(
    secret: bytes, timestamp: str, body: bytes, signature: str, *, max_age_s: int = 300
) -> bool:
    """What a receiver does: recompute the signature (constant-time compare) and refuse stale requests."""
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        return False
    return age <= max_age_s and hmac.compare_digest(sign(secret, timestamp, body), signature)


def send_webhook(url: str, payload: dict[str, Any], *, secret: str | None, timeout_s: float = 10.0) -> None:
    """POST one notification as signed JSON; :class:`DeliveryError` unless the receiver answers 2xx."""
    if not secret:
        raise DeliveryError(bilingual("no webhook secret configured (set TONGZHOU_WEBHOOK_SECRET)"))
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret.encode("utf-8"), timestamp, body),
        DELIVERY_HEADER: payload["delivery"],
    }
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout_s, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {url} failed: {type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"webhook {url} answered HTTP {response.status_code}")
