"""Early-warning rules on live signals: keyword hits per risk type, refusal-rate drop, error spikes,
prompt indicators.

Rules are data (the policy's ``early_warning`` mapping, defaults in
``data/early_warning.yaml`` with sources). A rule that fires raises an alert,
which is audited and kept for ``GET /governance/alerts``, and, per the rule's
``actions``, POSTed to a webhook, written as a STIX 2.1 sighting, and/or trips
the circuit breaker (a PAUSE of this system, lifted only by a signed RESUME).
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import time
import uuid
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tongzhou.errors import InputError
from tongzhou.gateway.indicators import IndicatorSet, fetch_taxii_indicators, read_stix_file
from tongzhou.gateway.policy import TaxiiSource

if TYPE_CHECKING:
    import aiohttp

    from tongzhou.gateway.audit_log import AuditLog
    from tongzhou.gateway.halt_book import HaltBook

log = logging.getLogger("tongzhou.gateway.alerts")
Action = Literal["log", "webhook", "sighting", "pause"]


def _log_only() -> list[Action]:
    return ["log"]


class Rule(BaseModel):
    """One early-warning rule."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["keyword", "refusal_rate", "error_rate", "indicator"]
    description: str = ""
    source: str = ""
    """Where the rule's terms or threshold come from."""
    actions: list[Action] = Field(default_factory=_log_only)
    cooldown_seconds: float = Field(default=60, ge=0)
    """After firing, the rule stays quiet this long (alert storms help nobody)."""
    # keyword / indicator
    risk: str = ""
    """Risk type the keywords belong to (e.g. GB/T 45654 Annex A code ``A.1.4``)."""
    keywords: list[str] = Field(default_factory=list)
    """Case-insensitive substrings searched in outputs (keyword) or prompts (indicator)."""
    threshold: float = 1
    """keyword: hits within ``window_seconds``; error_rate: fraction of requests; refusal_rate: unused."""
    window_seconds: float = Field(default=60, gt=0)
    # refusal_rate
    baseline: float = Field(default=0.0, ge=0, le=1)
    """Expected refusal rate on this traffic (from an evaluation run)."""
    max_drop: float = Field(default=0.2, ge=0, le=1)
    """Alert when the windowed rate falls below baseline − max_drop."""
    window: int = Field(default=50, gt=0)
    """refusal_rate: the last N responses."""
    min_samples: int = Field(default=10, gt=0)
    markers: list[str] = Field(default_factory=list)
    """Refusal phrases (default: the bilingual list in data/early_warning.yaml)."""
    # indicator: STIX indicators besides the literal keywords
    taxii: TaxiiSource | None = None
    """A TAXII 2.1 collection whose indicators are matched against prompts."""
    stix_file: str | None = None
    """Or a STIX bundle / JSON-lines file of indicators."""
    refresh_seconds: float = Field(default=60, gt=0)
    """How often the indicators are re-read."""


class EarlyWarningPolicy(BaseModel):
    """The policy's ``early_warning`` mapping."""

    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(default_factory=list)
    webhook: str | None = None
    sightings_file: str | None = None
    use_default_rules: bool = True
    """Also load the rules shipped in data/early_warning.yaml."""


def default_data() -> dict[str, Any]:
    """The shipped defaults (rules and refusal markers, with sources)."""
    text = resources.files("tongzhou.gateway").joinpath("data/early_warning.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


class EarlyWarning:
    """Evaluates the rules on every observed response and error."""

    def __init__(self, config: dict[str, Any], book: HaltBook, audit: AuditLog) -> None:
        try:
            self.policy = EarlyWarningPolicy.model_validate(config or {})
        except ValidationError as exc:
            raise InputError(f"early_warning policy is invalid:\n{exc}") from exc
        defaults = default_data()
        self.rules = list(self.policy.rules)
        if self.policy.use_default_rules:
            known = {r.id for r in self.rules}
            self.rules += [Rule.model_validate(r) for r in defaults.get("rules", []) if r["id"] not in known]
        self.default_markers = [m.lower() for m in defaults.get("refusal_markers", [])]
        self.book = book
        self.audit = audit
        self.session: aiohttp.ClientSession | None = None
        self.recent: collections.deque[dict[str, Any]] = collections.deque(maxlen=200)
        self._hits: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._refusals: dict[str, collections.deque[bool]] = {}
        self._error_rules = [r for r in self.rules if r.kind == "error_rate"]
        self._has_indicators = any(r.kind == "indicator" for r in self.rules)
        self.indicator_sets: dict[str, IndicatorSet] = {}
        """Compiled STIX indicators per indicator rule (filled by :meth:`refresh_indicators`)."""
        self._outcomes: dict[str, tuple[collections.deque[tuple[float, bool]], list[int]]] = {
            r.id: (collections.deque(), [0, 0]) for r in self._error_rules
        }
        self._quiet_until: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # ---- signals -----------------------------------------------------------------------------
    def observe_output(self, model: str | None, request: Any, output: str) -> None:
        """A generated response (and the request that asked for it)."""
        now = time.monotonic()
        lowered = output.lower()
        raw_prompt = _prompt_text(request) if self._has_indicators else ""
        prompt = raw_prompt.lower()
        for rule in self.rules:
            if rule.kind == "keyword":
                hits = [k for k in rule.keywords if k.lower() in lowered]
                if hits:
                    self._count(rule, now, len(hits), {"model": model, "keywords": hits, "risk": rule.risk})
            elif rule.kind == "indicator":
                hits = [k for k in rule.keywords if k.lower() in prompt]
                indicator_set = self.indicator_sets.get(rule.id)
                stix_hits = indicator_set.matches(raw_prompt) if indicator_set else []
                if hits or stix_hits:
                    detail = {
                        "model": model,
                        "indicators": hits,
                        "stix_indicators": [
                            {"id": m.indicator_id, "name": m.name, "matched": m.matched} for m in stix_hits
                        ],
                    }
                    self._count(rule, now, len(hits) + len(stix_hits), detail)
            elif rule.kind == "refusal_rate":
                markers = [m.lower() for m in rule.markers] or self.default_markers
                window = self._refusals.setdefault(rule.id, collections.deque(maxlen=rule.window))
                window.append(any(m in lowered for m in markers))
                if len(window) >= rule.min_samples:
                    rate = sum(window) / len(window)
                    if rate < rule.baseline - rule.max_drop:
                        self._fire(
                            rule,
                            {
                                "model": model,
                                "refusal_rate": round(rate, 4),
                                "n": len(window),
                                "baseline": rule.baseline,
                            },
                        )
        self._record_outcome(now, False, model)

    def observe_error(self, model: str | None) -> None:
        """An upstream failure (5xx or unreachable)."""
        self._record_outcome(time.monotonic(), True, model)

    def _record_outcome(self, now: float, error: bool, model: str | None) -> None:
        # Per rule: a deque of (time, error) and running counts, so each request costs O(rules).
        for rule in self._error_rules:
            window, counts = self._outcomes[rule.id]
            window.append((now, error))
            counts[0] += 1
            counts[1] += error
            while window and window[0][0] < now - rule.window_seconds:
                _t, old_error = window.popleft()
                counts[0] -= 1
                counts[1] -= old_error
            total, errors = counts
            if total >= rule.min_samples and errors / total >= rule.threshold:
                self._fire(rule, {"model": model, "error_rate": round(errors / total, 4), "n": total})

    def _count(self, rule: Rule, now: float, hits: int, detail: dict[str, Any]) -> None:
        window = self._hits[rule.id]
        window.extend([now] * hits)
        while window and window[0] < now - rule.window_seconds:
            window.popleft()
        if len(window) >= rule.threshold:
            self._fire(rule, {**detail, "hits_in_window": len(window)})

    # ---- alerts ------------------------------------------------------------------------------
    def _fire(self, rule: Rule, detail: dict[str, Any]) -> None:
        now = time.monotonic()
        if now < self._quiet_until.get(rule.id, 0.0):
            return
        self._quiet_until[rule.id] = now + rule.cooldown_seconds
        alert = {
            "alert_id": str(uuid.uuid4()),
            "rule": rule.id,
            "kind": rule.kind,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "description": rule.description,
            "source": rule.source,
            "actions": list(rule.actions),
            "detail": detail,
        }
        self.recent.append(alert)
        self.audit.append("alert", alert)
        log.warning("early warning %s: %s", rule.id, json.dumps(detail, ensure_ascii=False))
        if "sighting" in rule.actions and self.policy.sightings_file:
            self._write_sighting(rule, alert)
        if "webhook" in rule.actions and self.policy.webhook and self.session is not None:
            task = asyncio.get_running_loop().create_task(self._post_webhook(alert))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if "pause" in rule.actions and self.book.halting(frozenset()) is None:
            self.book.trip(
                rule.id, f"early-warning rule {rule.id} fired: {json.dumps(detail, ensure_ascii=False)}"
            )

    def load_indicators(self, rule: Rule) -> IndicatorSet:
        """Read and compile the indicators of one rule's source (blocking: call it in a thread)."""
        if rule.taxii is not None:
            objects = fetch_taxii_indicators(rule.taxii.url, rule.taxii.user, rule.taxii.password)
        elif rule.stix_file:
            objects = read_stix_file(Path(rule.stix_file))
        else:
            objects = []
        return IndicatorSet.from_objects(objects)

    async def refresh_indicators(self) -> None:
        """Keep every indicator rule's compiled set current (runs for the gateway's lifetime)."""
        rules = [r for r in self.rules if r.kind == "indicator" and (r.taxii or r.stix_file)]
        if not rules:
            return
        while True:
            for rule in rules:
                try:
                    self.indicator_sets[rule.id] = await asyncio.to_thread(self.load_indicators, rule)
                except Exception as exc:  # a dead source keeps the last good set; serving goes on
                    log.warning("cannot refresh indicators of rule %s: %s", rule.id, exc)
            await asyncio.sleep(min(r.refresh_seconds for r in rules))

    async def _post_webhook(self, alert: dict[str, Any]) -> None:
        assert self.session is not None and self.policy.webhook
        try:
            async with self.session.post(self.policy.webhook, json=alert) as response:
                await response.read()
        except Exception as exc:  # a dead webhook must never break serving; it is logged
            log.error("alert webhook %s failed: %s", self.policy.webhook, exc)

    def _write_sighting(self, rule: Rule, alert: dict[str, Any]) -> None:
        import stix2

        matched = alert["detail"].get("stix_indicators") or []
        indicator_id = (
            matched[0]["id"]
            if matched  # a sighting of the shared indicator itself
            else f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, 'tongzhou-gateway-rule:' + rule.id)}"
        )
        sighting = stix2.v21.Sighting(
            sighting_of_ref=indicator_id,
            count=1,
            description=f"Tongzhou gateway early-warning rule {rule.id}",
            first_seen=alert["time"],
            last_seen=alert["time"],
            allow_custom=True,
            x_tongzhou_alert=alert,
        )
        path = Path(str(self.policy.sightings_file))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(sighting.serialize() + "\n")


def _prompt_text(request: Any) -> str:
    if not isinstance(request, dict):
        return ""
    if isinstance(request.get("prompt"), str):
        return str(request["prompt"])
    parts = []
    for message in request.get("messages") or []:
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            parts.append(message["content"])
    return "\n".join(parts)
