"""Quorum rules of the trust policy: which halt orders take effect only once k of n issuers sign.

A rule lives under ``halt.quorum`` in ``gateway.yaml`` (docs/gateway.md, "Quorum"). It names the
actions and scopes it governs, how many distinct trusted issuers must sign (``required``), who
counts (``issuers``; empty: every trusted issuer the trust policy lets order it) and how long
matching orders may take to gather (``window_seconds``). An order no rule governs takes effect on
one signature, as before.
"""

from __future__ import annotations

import fnmatch

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tongzhou.gateway.halt_order import HaltAction, HaltScope


class QuorumRule(BaseModel):
    """k-of-n issuers for some actions on some scopes."""

    model_config = ConfigDict(extra="forbid")

    actions: list[HaltAction] = Field(min_length=1)
    """The actions this rule governs (e.g. ``[TERMINATE]``)."""
    scopes: list[str] = Field(default_factory=lambda: ["*"])
    """Scope patterns, as in a trust entry (``all``, ``model:*``; ``*`` = any scope)."""
    lifting: list[HaltAction] = Field(default_factory=list)
    """RESUME rules only: govern a RESUME only when it would lift an order in force with one of
    these actions (``[TERMINATE]``: lifting a TERMINATE needs the quorum, lifting a PAUSE does not).
    Empty: every RESUME the rule's scopes match."""
    required: int = Field(ge=1, le=64)
    """k: how many distinct issuers must sign (an issuer with several keys counts once)."""
    issuers: list[str] = Field(default_factory=list)
    """The n issuers whose signatures count (names of trust entries); empty: every trust entry
    permitted to order the action on the scope."""
    window_seconds: float = Field(default=3600, gt=0)
    """Orders matching the first (same action, scope and ``lifts``) count if they arrive within
    this many seconds of it; after that the partial quorum is dropped and counting starts anew."""

    @model_validator(mode="after")
    def _consistent(self) -> QuorumRule:
        if self.lifting and self.actions != [HaltAction.RESUME]:
            raise ValueError("quorum rule: 'lifting' is for rules whose actions are [RESUME] only")
        if HaltAction.RESUME in self.lifting:
            raise ValueError("quorum rule: 'lifting' names the orders lifted: PAUSE and/or TERMINATE")
        if self.issuers and self.required > len(set(self.issuers)):
            raise ValueError(
                f"quorum rule needs {self.required} issuers but names only {len(set(self.issuers))}"
            )
        return self

    def governs(self, action: HaltAction, scope: HaltScope, lifted: frozenset[HaltAction]) -> bool:
        """Whether an order of ``action`` on ``scope`` needs this quorum. ``lifted``: for a RESUME,
        the actions of the orders in force it would lift."""
        if action not in self.actions or not any(fnmatch.fnmatchcase(str(scope), p) for p in self.scopes):
            return False
        return not self.lifting or bool(lifted & set(self.lifting))
