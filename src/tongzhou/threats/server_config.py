"""The settings of one TAXII server (:class:`ServerConfig`), from code or from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from tongzhou.threats.envelope_bounds import MAX_OBJECTS_PER_ENVELOPE
from tongzhou.threats.validation import default_validation_processes

MAX_CONTENT_LENGTH_ENV = "TONGZHOU_TAXII_MAX_CONTENT_LENGTH"
API_ROOT_ENV = "TONGZHOU_TAXII_API_ROOT"
MIGRATE_ENV = "TONGZHOU_TAXII_MIGRATE"
VALIDATION_ENV = "TONGZHOU_TAXII_VALIDATION"
VALIDATION_PROCESSES_ENV = "TONGZHOU_TAXII_VALIDATION_PROCESSES"
PUBLIC_URL_ENV = "TONGZHOU_TAXII_PUBLIC_URL"
BODY_TIMEOUT_ENV = "TONGZHOU_TAXII_BODY_TIMEOUT"


@dataclass
class ServerConfig:
    """Settings of one TAXII server."""

    title: str = "Tongzhou TAXII 2.1 server (同舟威胁信息共享)"
    description: str = "AI threats, vulnerabilities and incidents as STIX 2.1 (ATLAS, AVID, AI incidents)."
    api_roots: list[str] = field(default_factory=lambda: ["tongzhou"])
    max_content_length: int = 10 * 1024 * 1024
    """Largest accepted POST body in bytes (larger → 413); advertised in the API root."""
    default_page_size: int = 1000
    max_page_size: int = 10_000
    max_objects_per_envelope: int = MAX_OBJECTS_PER_ENVELOPE
    """Most objects in one Add Objects request (more → 413)."""
    public_url: str | None = None
    """The server's address as clients reach it (``https://taxii.example.org/``), used for the
    URLs in discovery. Unset: the address the server listens on — never the request's ``Host``
    header, which any client may set (a poisoned discovery sent clients elsewhere, issue 20)."""
    body_timeout_s: float = 30.0
    """Seconds a client has to send a POST body once its headers are in (else 408): a 10 MiB body
    needs ≥ 350 KiB/s. A body sent at 1 byte / 0.1 s used to hold a worker's request for 55 s."""
    validate_with_stix2: bool = True
    """Full ``stix2`` property validation of posted objects (False: common-property checks only)."""
    validation_processes: int = 0
    """Processes that share full validation of large envelopes (0: in-process). Worker processes are
    spawned, so the program's main module must be import-safe (uvicorn and ``tongzhou`` are);
    :meth:`from_env` (uvicorn ``--factory``, ``tongzhou threats serve``) defaults to one per CPU."""

    @classmethod
    def from_env(cls) -> ServerConfig:
        """Settings from ``TONGZHOU_TAXII_*`` environment variables."""
        config = cls()
        if os.environ.get(MAX_CONTENT_LENGTH_ENV):
            config.max_content_length = int(os.environ[MAX_CONTENT_LENGTH_ENV])
        if os.environ.get(API_ROOT_ENV):
            config.api_roots = [r.strip() for r in os.environ[API_ROOT_ENV].split(",") if r.strip()]
        if os.environ.get(VALIDATION_ENV) == "structural":
            config.validate_with_stix2 = False
        processes = os.environ.get(VALIDATION_PROCESSES_ENV)
        config.validation_processes = int(processes) if processes else default_validation_processes()
        if os.environ.get(PUBLIC_URL_ENV):
            config.public_url = os.environ[PUBLIC_URL_ENV]
        if os.environ.get(BODY_TIMEOUT_ENV):
            config.body_timeout_s = float(os.environ[BODY_TIMEOUT_ENV])
        return config
