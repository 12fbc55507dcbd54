"""Sharing STIX content: into local collections on the store, and to/from remote TAXII servers.

Local publishing goes through the same :class:`TaxiiRepository` the server uses (validation,
deduplication, one transaction per envelope). Remote push/pull use the OASIS ``taxii2-client``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from taxii2client.common import TokenAuth
from taxii2client.exceptions import AccessError, TAXIIServiceException
from taxii2client.exceptions import ValidationError as TaxiiValidationError
from taxii2client.v21 import Collection, as_pages

from tongzhou import atomic_file
from tongzhou.errors import InputError, RemoteError
from tongzhou.store import Store
from tongzhou.threats.json_input import read_json_list
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
    expected = "a STIX bundle, a TAXII envelope or a list of objects"
    return read_json_list(path, "objects", "STIX JSON", expected)


def remote_collection(
    url: str, *, api_key: str | None = None, user: str | None = None, password: str | None = None
) -> Collection:
    """A taxii2-client Collection with the given credentials, its information loaded.

    A URL ending in the collection's alias (which our server, like others, accepts) is turned into
    the URL with its id, which taxii2-client requires. :class:`RemoteError` when the server cannot be
    used, :class:`InputError` when the URL is not a collection's.
    """
    if not url.endswith("/"):
        url += "/"

    def connect(target: str) -> Collection:
        if api_key:
            return Collection(target, auth=TokenAuth(api_key))
        if user:
            return Collection(target, user=user, password=password or "")
        return Collection(target)

    collection = connect(url)
    with remote_errors(url):
        try:
            collection.refresh()
        except TaxiiValidationError:
            # taxii2-client checks that the URL contains the id; its fields are set by then.
            real_id, alias = getattr(collection, "_id", None), getattr(collection, "_alias", None)
            if not real_id or alias != url.rstrip("/").rsplit("/", 1)[-1]:
                raise
            collection = connect(f"{url.rstrip('/').rsplit('/', 1)[0]}/{real_id}/")
            collection.refresh()
    return collection


def _http_refusal(url: str, code: int) -> RemoteError:
    """The error for a TAXII server's HTTP error ``code``, with what to do about the usual ones."""
    if code == 401:
        return RemoteError.of(
            "TAXII {url}: the server refused the credentials: check --api-key (or TONGZHOU_TAXII_API_KEY) "
            "or --user/--password",
            url=url,
        )
    if code == 403:
        return RemoteError.of(
            "TAXII {url}: these credentials may not use this collection: ask its administrator for a "
            "grant (tongzhou threats grant)",
            url=url,
        )
    if code == 404:
        return RemoteError.of(
            "TAXII {url}: no collection at this URL: give …/{{api-root}}/collections/{{id}}/ (see the "
            "server's /taxii2/ discovery)",
            url=url,
        )
    return RemoteError.of("TAXII {url}: the server answered HTTP {code}", url=url, code=code)


@contextmanager
def remote_errors(url: str) -> Iterator[None]:
    """Turn what taxii2-client and requests raise into one :class:`RemoteError` naming ``url``."""
    try:
        yield
    except requests.exceptions.HTTPError as exc:
        code = exc.response.status_code if exc.response is not None else 0
        raise _http_refusal(url, code) from exc
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        raise RemoteError.of(
            "cannot reach the TAXII server at {url}: is it running, and is the address right?", url=url
        ) from exc
    except requests.exceptions.RequestException as exc:
        raise RemoteError.of(
            "TAXII {url}: the request failed ({kind})", url=url, kind=type(exc).__name__
        ) from exc
    except TaxiiValidationError as exc:
        raise InputError.of(
            "TAXII {url}: {exc}. Give a collection's URL, …/{{api-root}}/collections/{{id or alias}}/ (the "
            "server lists them at …/{{api-root}}/collections/)",
            url=url,
            exc=exc,
        ) from exc
    except AccessError as exc:
        raise RemoteError.of("TAXII {url}: {exc}", url=url, exc=exc) from exc
    except TAXIIServiceException as exc:
        raise RemoteError.of("TAXII {url}: {exc}", url=url, exc=exc) from exc


def push(
    collection: Collection, objects: list[dict[str, Any]], envelope_size: int = ENVELOPE_SIZE
) -> dict[str, Any]:
    """POST ``objects`` in envelopes; summed counts and every failure (:class:`RemoteError` when the
    server cannot be used)."""
    summary: dict[str, Any] = {"total": 0, "success": 0, "failure": 0, "failures": []}
    with remote_errors(collection.url):
        for start in range(0, len(objects), envelope_size):
            status = collection.add_objects({"objects": objects[start : start + envelope_size]})
            summary["total"] += int(status.total_count)
            summary["success"] += int(status.success_count)
            summary["failure"] += int(status.failure_count)
            summary["failures"].extend(status.failures or [])
    return summary


def pull(collection: Collection, page_size: int = ENVELOPE_SIZE, **filters: Any) -> Iterator[dict[str, Any]]:
    """Every object matching ``filters`` (taxii2-client filter names), page by page (:class:`RemoteError`
    when the server cannot be used)."""
    with remote_errors(collection.url):
        for envelope in as_pages(collection.get_objects, per_request=page_size, **filters):
            yield from envelope.get("objects", [])


def write_bundle(objects: list[dict[str, Any]], out: Path) -> None:
    """Write a STIX 2.1 bundle atomically."""
    from tongzhou.threats.stix_ai import deterministic_id

    bundle = {
        "type": "bundle",
        "id": deterministic_id("bundle", json.dumps([o.get("id") for o in objects])),
        "objects": objects,
    }
    atomic_file.write_text_atomic(out, json.dumps(bundle, ensure_ascii=False, indent=1))
