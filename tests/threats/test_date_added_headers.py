"""``X-TAXII-Date-Added-First`` / ``-Last`` on every listing, and paging by ``added_after`` with them.

TAXII 2.1 §3.4 gives clients two ways through a long listing: ``next``, or ``added_after`` set to the
``X-TAXII-Date-Added-Last`` of the page before (OpenCTI's ingester pages this way). The second only
works if ``date_added`` never ties inside a collection, which the server guarantees.
"""

from __future__ import annotations

import httpx

from tests.threats.conftest import LiveTaxii, attack_pattern
from tongzhou.threats.media import TAXII_MEDIA_TYPE


def _get(live: LiveTaxii, path: str, **params: str) -> httpx.Response:
    response = httpx.get(
        live.collection_url(live.shared) + path,
        params=params,
        headers={"Accept": TAXII_MEDIA_TYPE, "Authorization": f"Bearer {live.admin_key}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response


def _post(live: LiveTaxii, objects: list[dict[str, object]]) -> None:
    response = httpx.post(
        live.collection_url(live.shared) + "objects/",
        json={"objects": objects},
        headers={
            "Accept": TAXII_MEDIA_TYPE,
            "Content-Type": TAXII_MEDIA_TYPE,
            "Authorization": f"Bearer {live.writer_key}",
        },
        timeout=30,
    )
    assert response.status_code == 202 and response.json()["success_count"] == len(objects)


def test_headers_name_the_first_and_last_date_added_of_each_listing(live_taxii: LiveTaxii) -> None:
    first = attack_pattern("versioned", modified="2025-01-01T00:00:00.000Z")
    second = {**first, "modified": "2025-02-01T00:00:00.000Z"}
    _post(live_taxii, [first, attack_pattern("other")])
    _post(live_taxii, [second])
    manifest = _get(live_taxii, "manifest/", **{"match[version]": "all"})
    dates = [m["date_added"] for m in manifest.json()["objects"]]
    assert len(dates) == 3 and dates == sorted(dates) and len(set(dates)) == 3
    assert manifest.headers["X-TAXII-Date-Added-First"] == dates[0]
    assert manifest.headers["X-TAXII-Date-Added-Last"] == dates[-1]
    objects = _get(live_taxii, "objects/", **{"match[version]": "all"})
    assert (objects.headers["X-TAXII-Date-Added-First"], objects.headers["X-TAXII-Date-Added-Last"]) == (
        dates[0],
        dates[-1],
    )
    versions = _get(live_taxii, f"objects/{first['id']}/versions/")
    assert versions.json()["versions"] == [first["modified"], second["modified"]]
    assert versions.headers["X-TAXII-Date-Added-First"] == dates[0]
    assert versions.headers["X-TAXII-Date-Added-Last"] == dates[2]
    one = _get(live_taxii, f"objects/{first['id']}/")  # version=last by default: the second version
    assert one.json()["objects"] == [second]
    assert one.headers["X-TAXII-Date-Added-First"] == one.headers["X-TAXII-Date-Added-Last"] == dates[2]
    empty = _get(live_taxii, "objects/", added_after=dates[-1])
    assert empty.json() == {"more": False}
    assert "X-TAXII-Date-Added-First" not in empty.headers


def test_paging_by_added_after_from_the_last_header_has_no_gaps_or_repeats(live_taxii: LiveTaxii) -> None:
    sent: list[str] = []
    for chunk in range(3):
        batch = [attack_pattern(f"technique {chunk}-{i}") for i in range(800)]
        _post(live_taxii, batch)
        sent.extend(o["id"] for o in batch)
    seen: list[str] = []
    after: str | None = None
    for _ in range(10):
        page = _get(live_taxii, "objects/", limit="700", **({"added_after": after} if after else {}))
        objects = page.json().get("objects", [])
        if not objects:
            break
        seen.extend(o["id"] for o in objects)
        after = page.headers["X-TAXII-Date-Added-Last"]
    assert seen == sent  # 2,400 objects in four pages of at most 700, in the order they were added
