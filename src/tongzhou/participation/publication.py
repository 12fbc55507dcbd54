"""Accepted incidents go to one public TAXII collection of the site's own server.

The collection (alias :data:`PUBLIC_COLLECTION`, readable without a key) is created on first use in
the default API root; anyone pulls it with any TAXII 2.1 client, e.g. the OASIS ``taxii2-client``:
``/tongzhou/collections/public-incidents/objects/``.
"""

from __future__ import annotations

from tongzhou.store import Store
from tongzhou.threats.incidents import IncidentRecord, incident_to_stix
from tongzhou.threats.repository import CollectionInfo
from tongzhou.threats.sharing import ensure_collection, publish

PUBLIC_COLLECTION = "public-incidents"
PUBLIC_TITLE = "AI incidents reported by the public (moderated)"


def public_collection(store: Store) -> CollectionInfo:
    """The public collection, created (``public_read``) if missing."""
    return ensure_collection(
        store,
        PUBLIC_COLLECTION,
        PUBLIC_TITLE,
        public_read=True,
        description="Incidents reported through the portal's public form and accepted by a moderator. "
        "公众报告并经审核的人工智能事件。",
    )


def publish_incident(store: Store, record: IncidentRecord) -> None:
    """Put the incident (STIX ``incident`` and its ``ai-system``) into the public collection; the same
    record twice is stored once (TAXII deduplicates by id and version)."""
    publish(store, public_collection(store), incident_to_stix(record))
