"""Storing batches: the look-up of stored versions stays one index probe per id on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.threats.conftest import API_ROOT, attack_pattern
from tongzhou.store import Store
from tongzhou.threats.object_ingest import _STORED_VERSIONS_PG
from tongzhou.threats.repository import ObjectFilter, TaxiiRepository


def test_stored_versions_probe_the_version_index_even_without_statistics(store: Store) -> None:
    """Freshly loaded (no ANALYZE yet), ``stix_id = ANY(…)`` had scanned the whole collection per envelope."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL planner's choice; SQLite probes the index by itself")
    repo = TaxiiRepository(store)
    col = repo.create_collection(API_ROOT, "fresh")
    batches = [[attack_pattern(f"t{chunk}-{i}") for i in range(1000)] for chunk in range(3)]
    for batch in batches:
        repo.add_objects(col, batch)
    wanted = [o["id"] for o in batches[1][:300]] + [
        f"attack-pattern--{i:08d}-0000-4000-8000-000000000000" for i in range(300)
    ]
    params = {"stix_ids": wanted, "collection_id": col.id}
    with store.engine.connect() as conn:
        plan = "\n".join(row[0] for row in conn.execute(text("EXPLAIN " + _STORED_VERSIONS_PG.text), params))
        found = conn.execute(_STORED_VERSIONS_PG, params).all()
    assert "Index Scan using uq_threats_object_version" in plan, plan
    assert "Seq Scan on threats_object" not in plan and "Bitmap" not in plan, plan
    assert sorted(r.stix_id for r in found) == sorted(wanted[:300])
    # Re-posting a mix of stored and new versions through that look-up: stored ones are idempotent.
    newer = dict(batches[2][0], modified="2025-06-01T00:00:00.000Z")
    status = repo.add_objects(col, [*batches[0][:10], newer])
    assert status["success_count"] == 11 and repo.count(col) == 3001
    latest = repo.page(col, ObjectFilter(ids=[newer["id"]]), limit=10, next_token=None, endpoint="manifest")
    assert [r.version for r in latest.records] == [newer["modified"]]
