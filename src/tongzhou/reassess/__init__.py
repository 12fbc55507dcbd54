"""Periodic re-assessment of public-sector AI (定期评估): review plans, the idempotent tick, alerts.

Every registered system whose deployer is a public body gets a review plan (interval from the
review policy, a YAML file by jurisdiction and tier). ``run_tick`` reviews the systems that are due:
it classifies them again under the rules in force on the as-of date, verifies their attestations
again, re-runs their registered evaluation suite against their endpoint, marks overdue reviews, and
records an assessment entry with its evidence; the responsible people are told by e-mail and
webhook. A database lease keeps ticks from running twice at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tongzhou.lazy_names import lazy_names

if TYPE_CHECKING:
    from tongzhou.reassess.lease import Lease
    from tongzhou.reassess.plans import (
        ReviewPlan,
        configure,
        get_plan,
        link_attestation,
        list_plans,
        sync_plans,
    )
    from tongzhou.reassess.policy import ReviewPolicy, load_policy
    from tongzhou.reassess.reviews import Assessment, OverdueReview, history, open_flags, overdue, sign_off
    from tongzhou.reassess.tick import TickReport, run_tick

__all__ = [
    "Assessment",
    "Lease",
    "OverdueReview",
    "ReviewPlan",
    "ReviewPolicy",
    "TickReport",
    "configure",
    "get_plan",
    "history",
    "link_attestation",
    "list_plans",
    "load_policy",
    "open_flags",
    "overdue",
    "run_tick",
    "sign_off",
    "sync_plans",
]

_HOMES = {
    "Lease": "tongzhou.reassess.lease",
    "ReviewPlan": "tongzhou.reassess.plans",
    "configure": "tongzhou.reassess.plans",
    "get_plan": "tongzhou.reassess.plans",
    "link_attestation": "tongzhou.reassess.plans",
    "list_plans": "tongzhou.reassess.plans",
    "sync_plans": "tongzhou.reassess.plans",
    "ReviewPolicy": "tongzhou.reassess.policy",
    "load_policy": "tongzhou.reassess.policy",
    "Assessment": "tongzhou.reassess.reviews",
    "OverdueReview": "tongzhou.reassess.reviews",
    "history": "tongzhou.reassess.reviews",
    "open_flags": "tongzhou.reassess.reviews",
    "overdue": "tongzhou.reassess.reviews",
    "sign_off": "tongzhou.reassess.reviews",
    "TickReport": "tongzhou.reassess.tick",
    "run_tick": "tongzhou.reassess.tick",
}
"""Loaded on first use: the store imports ``reassess._tables`` for its metadata, which must not pull
the classification and evaluation stacks along."""

__getattr__ = lazy_names(__name__, _HOMES)
