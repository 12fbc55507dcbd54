"""Sharing STIX content: into local collections on the store, and to/from remote TAXII servers.

Local publishing goes through the same :class:`TaxiiRepository` the server uses (validation,
deduplication, one transaction per envelope). Remote push/pull use the OASIS ``taxii2-client``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from taxii2client.common import TokenAuth
from taxii2client.v21 import Collection, as_pages

from tongzhou.errors import InputError
from tongzhou.store import Store
from tongzhou.threats.repository import CollectionInfo, TaxiiRepository, UnknownCollection

DEFAULT_API_ROOT = "tongzhou"
ENVELOPE_SIZE = 1000


def ensure_collection(
    store: Store,
    alias: str,
    title: str,
    *,
    public_read: bool = False,
    description: str | None = None,
    api_root: str = DEFAULT_API_ROOT,
) -> CollectionInfo:
    """The collection with ``alias`` in ``api_root``, created if missing."""
    repo = TaxiiRepository(store)
    try:
        return repo.collection(api_root, alias)
    except UnknownCollection:
        return repo.create_collection(
            api_root, title, alias=alias, public_read=public_read, description=description
        )


def publish(store: Store, collection: CollectionInfo, objects: list[dict[str, Any]]) -> dict[str, int]:
    """Add ``objects`` to a local collection in envelopes; returns summed Status counts."""
    repo = TaxiiRepository(store)
    totals = {"total": 0, "success": 0, "failure": 0}
    failures: list[dict[str, str]] = []
    for start in range(0, len(objects), ENVELOPE_SIZE):
        status = repo.add_objects(collection, objects[start : start + ENVELOPE_SIZE])
        totals["total"] += status["total_count"]
        totals["success"] += status["success_count"]
        totals["failure"] += status["failure_count"]
        failures.extend(status["failures"])
    if failures:
        first = failures[0]
        raise InputError(f"{len(failures)} object(s) rejected, first {first['id']}: {first['message']}")
    return totals


def read_stix_file(path: Path) -> list[dict[str, Any]]:
    """Objects from a STIX bundle, a TAXII envelope or a JSON list; :class:`InputError` when malformed."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read STIX JSON: {exc}") from None
    objects = data.get("objects") if isinstance(data, dict) else data
    if not isinstance(objects, list):
        raise InputError(f"{path}: expected a STIX bundle, a TAXII envelope or a list of objects")
    return objects


def remote_collection(
    url: str, *, api_key: str | None = None, user: str | None = None, password: str | None = None
) -> Collection:
    """A taxii2-client Collection with the given credentials."""
    if not url.endswith("/"):
        url += "/"
    if api_key:
        return Collection(url, auth=TokenAuth(api_key))
    if user:
        return Collection(url, user=user, password=password or "")
    return Collection(url)


def push(
    collection: Collection, objects: list[dict[str, Any]], envelope_size: int = ENVELOPE_SIZE
) -> dict[str, Any]:
    """POST ``objects`` in envelopes; summed counts and every failure."""
    summary: dict[str, Any] = {"total": 0, "success": 0, "failure": 0, "failures": []}
    for start in range(0, len(objects), envelope_size):
        status = collection.add_objects({"objects": objects[start : start + envelope_size]})
        summary["total"] += int(status.total_count)
        summary["success"] += int(status.success_count)
        summary["failure"] += int(status.failure_count)
        summary["failures"].extend(status.failures or [])
    return summary


def pull(collection: Collection, page_size: int = ENVELOPE_SIZE, **filters: Any) -> Iterator[dict[str, Any]]:
    """Every object matching ``filters`` (taxii2-client filter names), page by page."""
    for envelope in as_pages(collection.get_objects, per_request=page_size, **filters):
        yield from envelope.get("objects", [])


def write_text_atomic(out: Path, text: str) -> None:
    """Write ``text`` to ``out`` atomically (temp file in the same directory + rename)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bundle(objects: list[dict[str, Any]], out: Path) -> None:
    """Write a STIX 2.1 bundle atomically."""
    from tongzhou.threats.stix_ai import deterministic_id

    bundle = {
        "type": "bundle",
        "id": deterministic_id("bundle", json.dumps([o.get("id") for o in objects])),
        "objects": objects,
    }
    write_text_atomic(out, json.dumps(bundle, ensure_ascii=False, indent=1))
