"""What the consultation pages and API share: errors as portal problems, the spam defence for
anonymous comments, and a draft version laid out as paragraphs with their public comments."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from markupsafe import Markup
from starlette.requests import Request

from tongzhou.consultation import (
    Comment,
    ConsultationBook,
    ConsultationError,
    Draft,
    DraftKind,
    DraftVersion,
    markdown_to_html,
)
from tongzhou.portal.context import PortalContext
from tongzhou.portal.problems import PortalProblem
from tongzhou.portal.rate_limits import RateLimit
from tongzhou.portal.roles import Role
from tongzhou.portal.viewer import Viewer
from tongzhou.portal.visibility import is_restricted, sees_restricted

T = TypeVar("T")
POW_PURPOSE = "comment"
ANONYMOUS_COMMENTS_PER_HOUR = 5
"""Anonymous comments one address may send per hour (each also costs a proof of work)."""
TIER_CHANGE_CACHE = 16
"""Tier-change lists a worker keeps (one per draft version, date and registry state)."""
_TIER_CHANGES: OrderedDict[tuple[Any, ...], list[Any]] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def book_of(request: Request) -> ConsultationBook:
    """The consultation service on the portal's store."""
    ctx: PortalContext = request.app.state.portal
    return ConsultationBook(ctx.store)


def answer(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call the consultation service; its refusals become portal problems (status, catalog message)."""
    try:
        return fn(*args, **kwargs)
    except ConsultationError as exc:
        raise PortalProblem(exc.status, exc.template, **exc.values) from None


def client_digest(request: Request) -> str:
    """A keyed digest of the sender's address: enough to count its comments, not to recover it."""
    ctx: PortalContext = request.app.state.portal
    host = request.client.host if request.client else "unknown"
    return hmac.new(ctx.key, b"consultation-client\0" + host.encode(), hashlib.sha256).hexdigest()


def check_anonymous_sender(request: Request, viewer: Viewer, proof_of_work: str | None) -> None:
    """For a sender without an account: the proof of work (once) and the per-address rate limit."""
    if viewer.account is not None:
        return
    ctx: PortalContext = request.app.state.portal
    ctx.proof_of_work.redeem(proof_of_work, POW_PURPOSE)
    RateLimit(ctx.store, "consultation-comment", max_events=ANONYMOUS_COMMENTS_PER_HOUR, window_s=3600).take(
        client_digest(request)
    )


def comment_id_of(text: str) -> int:
    """A comment id from a URL (a forged or malformed one is simply not found)."""
    if not text.isdigit() or len(text) > 18:
        raise PortalProblem(404, "Not found.")
    return int(text)


def version_number(request: Request) -> int | None:
    """``?version=N`` (None: the current version); anything else is not found."""
    text = request.query_params.get("version")
    if text is None:
        return None
    return comment_id_of(text)


@dataclass
class ParagraphView:
    """One paragraph as the page shows it."""

    id: str
    html: Markup
    comments: list[Comment] = field(default_factory=list)


@dataclass
class DraftPage:
    """A draft version laid out for the page."""

    draft: Draft
    version: DraftVersion
    versions: list[int]
    paragraphs: list[ParagraphView]
    earlier: list[Comment]
    """Approved comments on paragraphs this version no longer has."""


def _html(kind: DraftKind, source: str) -> Markup:
    if kind is DraftKind.rules:
        return Markup("<pre><code>") + source + Markup("</code></pre>")  # Markup escapes the source
    return Markup(markdown_to_html(source))  # raw HTML is off: see consultation/markdown_html.py


def draft_page(book: ConsultationBook, draft_id: str, version: int | None) -> DraftPage:
    """The page's data: paragraphs (rendered safely) with their approved comments."""
    draft = answer(book.draft, draft_id)
    shown = answer(book.version, draft_id, version)
    paragraphs = [ParagraphView(p.id, _html(draft.kind, p.source)) for p in shown.paragraphs]
    by_id = {p.id: p for p in paragraphs}
    earlier = []
    for c in book.comments(draft_id, public_only=True):
        if c.paragraph_id in by_id:
            by_id[c.paragraph_id].comments.append(c)
        else:
            earlier.append(c)
    return DraftPage(draft, shown, book.versions(draft_id), paragraphs, earlier)


def visible_tier_changes(changes: list[Any], role: Role) -> list[Any]:
    """Tier changes without the Art. 49(4) non-public systems, except for those who may see them."""
    return changes if sees_restricted(role) else [c for c in changes if not is_restricted(c.sectors)]


def tier_changes_of(request: Request, draft: Draft, version: DraftVersion, role: Role) -> list[Any]:
    """The registered systems whose tier the draft rules change, as of entry into force."""
    if draft.kind is not DraftKind.rules or draft.rule_file is None or draft.entry_into_force is None:
        return []
    from tongzhou.consultation.rule_drafts import tier_changes
    from tongzhou.systems.registry import SystemRegistry

    ctx: PortalContext = request.app.state.portal
    registry = SystemRegistry(ctx.store)
    summaries = registry.list()
    # The list depends only on the draft version, the date and each profile's digest: a worker
    # reuses it until one of them changes (a registration, an edit, a new version).
    digests = tuple((s.id, s.sha256) for s in summaries)
    key = (draft.rule_file, version.sha256, draft.entry_into_force, digests)
    with _CACHE_LOCK:
        changes = _TIER_CHANGES.get(key)
    if changes is None:
        profiles = [registry.get(s.id) for s in summaries]
        changes = answer(tier_changes, draft.rule_file, version.body, profiles, draft.entry_into_force)
        with _CACHE_LOCK:
            _TIER_CHANGES[key] = changes
            while len(_TIER_CHANGES) > TIER_CHANGE_CACHE:
                _TIER_CHANGES.popitem(last=False)
    return visible_tier_changes(changes, role)
