"""Threat information sharing (威胁信息共享): a TAXII 2.1 server and STIX 2.1 content for AI.

* :mod:`tongzhou.threats.server` — the TAXII 2.1 app (``create_app``, ``app_from_env``);
* :class:`TaxiiRepository` — collections and objects on the store (bulk ingest, keyset paging);
* :class:`Authority` — API keys, HTTP Basic, per-collection grants;
* AI content: extension definitions (``ai_content``), importers (``atlas``, ``avid``, ``aiid``);
* incident records with EU AI Act Art. 73 report drafts (``incidents``).

See ``docs/threats.md``.
"""

from tongzhou.threats.auth import Authority, Caller
from tongzhou.threats.repository import CollectionInfo, ObjectFilter, TaxiiRepository, UnknownCollection

__all__ = ["Authority", "Caller", "CollectionInfo", "ObjectFilter", "TaxiiRepository", "UnknownCollection"]
