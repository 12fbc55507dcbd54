"""The gateway policy (``gateway.yaml``): who may halt, how orders arrive, audit, labels, early warning.

Every field has a safe default, so a gateway with no policy file still audits
every request, keeps logs for six months and refuses every halt order (no
trusted keys) until an operator names the keys that may issue them.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any, Literal

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from tongzhou.attest import KeyRing, key_id
from tongzhou.attest.keys import KeyError_, load_public_key_pem
from tongzhou.errors import InputError
from tongzhou.gateway.halt_order import HaltAction, HaltScope
from tongzhou.gateway.model_names import model_key
from tongzhou.gateway.quorum_rule import QuorumRule
from tongzhou.home import tongzhou_home

MIN_RETENTION_DAYS = 183
"""Six months: Labeling Measures Art. 9 and EU AI Act Art. 26(6) (deployer logs ≥ 6 months);
see docs/standards/aigc-labeling.md and regimes.md."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServiceIdentity(_Strict):
    """Who this gateway serves: the ids that order scopes name."""

    system_id: str = "default-system"
    """The system id (scope ``system:<id>``); match the systems registry id where there is one."""
    organisation: str = "default-organisation"
    """The operating organisation (scope ``organisation:<id>``)."""


class TrustEntry(_Strict):
    """One key that may issue halt orders, and what it may order."""

    issuer: str
    """The issuer name orders signed by this key must carry."""
    public_key: str | None = None
    """The Ed25519 public key, PEM."""
    public_key_file: str | None = None
    """Or a path to that PEM."""
    key: str | None = None
    """Or the name of a key in the local key ring ($TONGZHOU_HOME/keys)."""
    actions: list[HaltAction] = Field(default_factory=lambda: list(HaltAction))
    """Actions this key may order."""
    scopes: list[str] = Field(default_factory=lambda: ["*"])
    """Scope patterns (``all``, ``system:demo``, ``model:*``; ``*`` = any scope)."""

    @model_validator(mode="after")
    def _one_key(self) -> TrustEntry:
        given = [x for x in (self.public_key, self.public_key_file, self.key) if x]
        if len(given) != 1:
            raise ValueError(
                f"trust entry for {self.issuer!r}: give exactly one of public_key, public_key_file, key"
            )
        return self

    def load_key(self, base_dir: Path | None = None) -> Ed25519PublicKey:
        """The public key this entry names."""
        try:
            if self.public_key:
                return load_public_key_pem(self.public_key)
            if self.public_key_file:
                path = Path(self.public_key_file)
                if not path.is_absolute() and base_dir is not None:
                    path = base_dir / path
                return load_public_key_pem(path.read_bytes())
            return KeyRing().public_key(str(self.key))
        except (KeyError_, OSError) as exc:
            raise InputError(f"trust entry for {self.issuer!r}: cannot load its public key: {exc}") from exc

    def permits(self, action: HaltAction, scope: HaltScope) -> bool:
        """Whether this key may order ``action`` on ``scope``."""
        return action in self.actions and any(fnmatch.fnmatchcase(str(scope), p) for p in self.scopes)


class TaxiiSource(_Strict):
    """A TAXII 2.1 collection polled for halt orders (and indicators for early warning)."""

    url: str
    """The collection URL (…/collections/<id>/)."""
    user: str | None = None
    password: str | None = None


class Delivery(_Strict):
    """Channels that bring orders besides the API (``POST /governance/halt-orders``)."""

    poll_interval_seconds: float = Field(default=1.0, gt=0, le=3600)
    """How often URLs, files and TAXII collections are polled."""
    urls: list[str] = Field(default_factory=list)
    """URLs answering one envelope or a JSON list of envelopes."""
    files: list[str] = Field(default_factory=list)
    """Files or directories (``*.json``) of envelopes — for air-gapped sites."""
    taxii: list[TaxiiSource] = Field(default_factory=list)
    """TAXII collections carrying envelopes (see docs/gateway.md)."""


class HaltLedgerPolicy(_Strict):
    """The halt ledger that the workers and hosts of a fleet share (docs/gateway.md, "Many workers,
    many hosts"): an order accepted by any of them is in force in all within ``poll_seconds``."""

    url: str | None = None
    """A database URL (``postgresql://…`` for several hosts, ``sqlite:///…`` for one), or ``store``
    for the Tongzhou store (``TONGZHOU_DATABASE_URL``, else SQLite in the home). None: no ledger,
    unless ``--workers`` is above 1 (then ``store``)."""
    poll_seconds: float = Field(default=0.25, gt=0, le=10)
    """How often each gateway reads the ledger: the bound on how late another gateway's order
    takes effect here (plus ``stream_cut_seconds`` for open streams under a PAUSE)."""


class HaltPolicy(_Strict):
    """Halt-order handling."""

    trust: list[TrustEntry] = Field(default_factory=list)
    """Keys that may issue orders. Empty: every order is refused."""
    stream_cut_seconds: float = Field(default=0.5, ge=0, le=60)
    """Open streams in a halted scope end within this bound after a PAUSE (TERMINATE: at once)."""
    max_order_age_seconds: float = Field(default=7 * 86400, gt=0)
    """Orders issued longer ago than this are refused as stale (bounds the replay memory)."""
    max_clock_skew_seconds: float = Field(default=300, ge=0)
    """Orders issued further in the future than this are refused."""
    state_file: str | None = None
    """Where halt state persists (default ``$TONGZHOU_HOME/gateway/halt-state.json``)."""
    delivery: Delivery = Field(default_factory=Delivery)
    quorum: list[QuorumRule] = Field(default_factory=list)
    """Orders that take effect only once k of n trusted issuers sign (docs/gateway.md, "Quorum")."""
    ledger: HaltLedgerPolicy = Field(default_factory=HaltLedgerPolicy)

    @model_validator(mode="after")
    def _quorum_reachable(self) -> HaltPolicy:
        # A rule that can never be met would make its action impossible: refuse the policy instead.
        trusted = {entry.issuer for entry in self.trust}
        for number, rule in enumerate(self.quorum, 1):
            unknown = sorted(set(rule.issuers) - trusted)
            if unknown:
                raise ValueError(f"quorum rule {number} names issuers with no trust entry: {unknown}")
            able = set(rule.issuers) or {
                e.issuer for e in self.trust if set(e.actions) & set(rule.actions)
            }
            if rule.required > len(able):
                raise ValueError(
                    f"quorum rule {number} needs {rule.required} issuers but only {len(able)} trusted "
                    f"issuer(s) may order {', '.join(a.value for a in rule.actions)}"
                )
        return self


class AuditPolicy(_Strict):
    """The hash-chained audit log."""

    dir: str | None = None
    """Directory of the log (default ``$TONGZHOU_HOME/gateway/audit``)."""
    retention_days: int = Field(default=MIN_RETENTION_DAYS, ge=MIN_RETENTION_DAYS)
    """Days segments are kept (at least six months)."""
    content: Literal["full", "hash"] = "hash"
    """``hash``: store SHA-256 digests of prompts and outputs instead of the text (personal data)."""
    fsync: bool = False
    """fsync after every record (slower; survives power loss, not only process crashes)."""
    head_key: str | None = "gateway-audit"
    """Key-ring name of the Ed25519 key that signs the audit heads (the default one is created on
    first use); null: no signed heads (a tail cut with ``head.json`` rewritten goes unseen)."""
    head_interval_seconds: float = Field(default=60, gt=0, le=86400)
    """How often a signed head covers every worker's chain (records after the last head are
    reported as not yet anchored)."""


class LabelPolicy(_Strict):
    """Labels on generated content (GB 45438-2025, via tongzhou.labels)."""

    explicit: bool = True
    """Add the visible text label to generated text."""
    implicit: bool = True
    """Add the implicit label (``AIGC`` response field and header)."""
    language: Literal["zh", "en"] = "zh"
    position: Literal["prefix", "suffix"] = "suffix"
    producer: str = "00" + "0" * 20 + "10000"
    """ContentProducer code (TC260-PG-20252A: 27 characters)."""
    signing_key: str | None = None
    """Key-ring name used to bind the implicit label (ReservedCode1); none: hash binding only."""


class ClientTimeouts(_Strict):
    """How long the gateway waits on a client before it gives up on the connection. Without these a
    client sending a byte now and then (slowloris), or reading nothing, holds a connection forever.
    Defaults as nginx's (client_header_timeout, send_timeout) and aiohttp's keep-alive."""

    header_seconds: float = Field(default=30, gt=0)
    """From a request's first byte to the end of its headers; later: 408, then close."""
    body_seconds: float = Field(default=300, gt=0)
    """From the end of the headers to the end of the body (4 MiB at 14 KB/s); later: 408."""
    keep_alive_seconds: float = Field(default=75, gt=0)
    """An idle connection (no request in progress) is closed after this long."""
    send_seconds: float = Field(default=60, gt=0)
    """A client that reads nothing of an answer for this long is disconnected."""


class UpstreamModels(_Strict):
    """Which model the upstream runs for a request, so that a model-scoped halt stops exactly what
    the upstream will serve (docs/gateway.md, "Model-scoped halts"). Left unset, the gateway cannot
    tell, and fails closed: a model-scoped halt also stops requests naming no model or a model not
    listed here."""

    models: list[str] = Field(default_factory=list)
    """The names the upstream serves (compared by :func:`model_key`: case, blanks, ``./`` ignored)."""
    default_model: str | None = None
    """The model the upstream runs for a request that names none (llama-cpp-python, vLLM: the
    model it was started with); unset: unknown, such a request may run any model."""
    unknown_model: Literal["refused", "default", "unsure"] = "unsure"
    """What the upstream does with a name not in ``models``: ``refused`` (vLLM, OpenAI: an error,
    no model runs), ``default`` (llama-cpp-python: it runs ``default_model``), ``unsure`` (any)."""
    _listed_keys: frozenset[str] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _default_named(self) -> UpstreamModels:
        if self.unknown_model == "default" and not self.default_model:
            raise ValueError("upstream.unknown_model 'default' needs upstream.default_model")
        return self

    def served(self, name: str | None) -> frozenset[str] | None:
        """The keys of the models a request naming ``name`` (None: no model field) may run on;
        ``None`` when that cannot be told (every model-scoped halt then covers the request)."""
        default = model_key(self.default_model) if self.default_model else None
        if name is None:
            return frozenset((default,)) if default is not None else None
        key = model_key(name)
        if key in self._listed or self.unknown_model == "refused":
            return frozenset((key,))
        if self.unknown_model == "default" and default is not None:
            return frozenset((key, default))
        return None

    @property
    def _listed(self) -> frozenset[str]:
        if self._listed_keys is None:  # cached: the hot path asks once per request
            self._listed_keys = frozenset(model_key(m) for m in self.models)
        return self._listed_keys


class GatewayPolicy(_Strict):
    """The whole policy file."""

    service: ServiceIdentity = Field(default_factory=ServiceIdentity)
    halt: HaltPolicy = Field(default_factory=HaltPolicy)
    audit: AuditPolicy = Field(default_factory=AuditPolicy)
    labels: LabelPolicy = Field(default_factory=LabelPolicy)
    early_warning: dict[str, Any] = Field(default_factory=dict)
    """See :mod:`tongzhou.gateway.early_warning` (rules, webhook, sightings file)."""
    energy_period_seconds: float | None = Field(default=300, gt=0)
    """Length of an energy period (J/token of this machine, via tongzhou.energy); null: no metering."""
    max_body_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    """Larger requests are refused with 413."""
    upstream_timeout_seconds: float = Field(default=600, gt=0)
    upstream: UpstreamModels = Field(default_factory=UpstreamModels)
    """How the upstream picks a model (what a model-scoped halt must match)."""
    client_timeouts: ClientTimeouts = Field(default_factory=ClientTimeouts)
    base_dir: Path | None = Field(default=None, exclude=True)
    """Directory of the policy file (relative paths resolve against it)."""

    def resolve(self, path: str | None, default: Path) -> Path:
        """A configured path (relative to the policy file) or ``default``."""
        if not path:
            return default
        p = Path(path)
        return p if p.is_absolute() or self.base_dir is None else self.base_dir / p

    def state_path(self) -> Path:
        """The halt-state file."""
        return self.resolve(self.halt.state_file, tongzhou_home() / "gateway" / "halt-state.json")

    def audit_dir(self) -> Path:
        """The audit-log directory."""
        return self.resolve(self.audit.dir, tongzhou_home() / "gateway" / "audit")

    def trusted_keys(self) -> dict[str, tuple[Ed25519PublicKey, TrustEntry]]:
        """keyid → (public key, trust entry)."""
        out: dict[str, tuple[Ed25519PublicKey, TrustEntry]] = {}
        for entry in self.halt.trust:
            key = entry.load_key(self.base_dir)
            out[key_id(key)] = (key, entry)
        return out


def load_policy(path: Path | None) -> GatewayPolicy:
    """Read ``gateway.yaml`` (None: the defaults); raise :class:`InputError` saying what is wrong."""
    if path is None:
        return GatewayPolicy()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read gateway policy {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"gateway policy {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"gateway policy {path} must be a mapping at the top level")
    try:
        policy = GatewayPolicy.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"gateway policy {path} is invalid:\n{exc}") from exc
    policy.base_dir = path.resolve().parent
    policy.trusted_keys()  # fail now, not at the first order, if a key cannot be loaded
    return policy
