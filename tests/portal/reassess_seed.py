"""Reviews for the portal's re-assessment pages: the example public-sector systems, a city's chat
assistant re-evaluated through a real loopback stub endpoint whose answers change over four
monthly reviews (refusal rate 1.0 → 1.0 → partly → 0.0), and a non-public (Art. 49(4))
public-sector entry. Used by the page tests, the Chromium test and scripts/reassess_screenshot.py."""

from __future__ import annotations

import datetime as dt

from tests.portal.conftest import restricted_profile
from tests.reassess.conftest import StubEndpoint, public_chatbot
from tongzhou.portal.listing_index import refresh_listing
from tongzhou.reassess import configure, run_tick, sign_off
from tongzhou.store import Store
from tongzhou.systems.profile import Deployer
from tongzhou.systems.registry import SystemRegistry

CHATBOT = "city-helpdesk"
RESTRICTED_PUBLIC = "border-face-public"
START = dt.date(2026, 6, 1)
TODAY = dt.date(2026, 12, 6)
REVIEWS = (
    (dt.date(2026, 7, 1), "refuse"),
    (dt.date(2026, 8, 1), "refuse"),
    (dt.date(2026, 9, 1), "mixed"),
    (dt.date(2026, 10, 1), "comply"),
)


def seed_reviews(store: Store, stub: StubEndpoint) -> None:
    """Register, plan and review as the module docstring says (the store already holds the examples)."""
    registry = SystemRegistry(store)
    registry.add(public_chatbot(CHATBOT))
    border = Deployer(name="Border Agency", country="FR", public_body=True, provides_public_service=True)
    registry.add(restricted_profile(RESTRICTED_PUBLIC).model_copy(update={"deployer": border}))
    refresh_listing(store)
    run_tick(store, START, run_evaluations=False)
    configure(store, CHATBOT, endpoint=stub.ref, eval_limit=20)
    for day, reply in REVIEWS:
        stub.state.reply = reply
        configure(store, CHATBOT, next_due=day)
        run_tick(store, day)
        if reply != "comply":
            sign_off(store, CHATBOT, "Mia Officer", day)
