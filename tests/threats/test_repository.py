"""The storage layer on SQLite and PostgreSQL: ingest, version flags, paging, tokens, deletes."""

from __future__ import annotations

import pytest

from tests.threats.conftest import API_ROOT, attack_pattern
from tongzhou.store import Store
from tongzhou.threats.object_pages import page_statement, plan_pages_by_index
from tongzhou.threats.paging import BadPageToken
from tongzhou.threats.repository import (
    CollectionInfo,
    ObjectFilter,
    TaxiiRepository,
    UnknownCollection,
)
from tongzhou.threats.validation import validate_objects


def _all(repo: TaxiiRepository, collection: CollectionInfo, flt: ObjectFilter, limit: int = 3) -> list[str]:
    ids: list[str] = []
    token: str | None = None
    while True:
        page = repo.page(collection, flt, limit=limit, next_token=token, endpoint="manifest")
        ids.extend(f"{r.stix_id}@{r.version}" for r in page.records)
        if not page.more:
            assert page.next is None
            return ids
        token = page.next


def test_versions_flags_and_filters(store: Store) -> None:
    repo = TaxiiRepository(store)
    col = repo.create_collection(API_ROOT, "c")
    a1 = attack_pattern("a", modified="2025-01-01T00:00:00.000Z")
    a3 = dict(a1, modified="2025-03-01T00:00:00.000Z")
    a2 = dict(a1, modified="2025-02-01T00:00:00.000Z")
    b = attack_pattern("b")
    repo.add_objects(col, [a1, b])
    repo.add_objects(col, [a3])
    repo.add_objects(col, [a2])  # arrives last but is neither first nor last
    a = a1["id"]
    assert _all(repo, col, ObjectFilter()) == [f"{b['id']}@{b['modified']}", f"{a}@{a3['modified']}"]
    assert _all(repo, col, ObjectFilter(versions=["first"])) == [
        f"{a}@{a1['modified']}",
        f"{b['id']}@{b['modified']}",
    ]
    assert len(_all(repo, col, ObjectFilter(versions=["all"]))) == 4
    assert _all(repo, col, ObjectFilter(ids=[a], versions=["2025-02-01T00:00:00Z"])) == [
        f"{a}@{a2['modified']}"
    ]
    assert _all(repo, col, ObjectFilter(ids=[a], versions=["first", "last"])) == [
        f"{a}@{a1['modified']}",
        f"{a}@{a3['modified']}",
    ]
    # Re-posting a stored version is an idempotent success and stores nothing new.
    status = repo.add_objects(col, [a1, a1, b])
    assert status["success_count"] == 3 and repo.count(col) == 4
    # Delete the last version: the next newest becomes last.
    assert repo.delete_object(col, a, ObjectFilter(versions=[a3["modified"]])) == 1
    assert _all(repo, col, ObjectFilter(ids=[a])) == [f"{a}@{a2['modified']}"]
    assert repo.delete_object(col, a, ObjectFilter(versions=["all"])) == 2
    assert not repo.object_exists(col, a)


def test_date_added_strictly_increasing_and_added_after(store: Store) -> None:
    repo = TaxiiRepository(store)
    col = repo.create_collection(API_ROOT, "c")
    for round_ in range(3):
        repo.add_objects(col, [attack_pattern(f"{round_}-{i}") for i in range(50)])
    page = repo.page(col, ObjectFilter(), limit=1000, next_token=None)
    stamps = page.dates_added_us
    assert stamps == sorted(set(stamps)) and len(stamps) == 150
    later = repo.page(col, ObjectFilter(added_after_us=stamps[99]), limit=1000, next_token=None)
    assert later.dates_added_us == stamps[100:]


def test_page_tokens_are_bound_and_shared_across_repositories(store: Store) -> None:
    repo = TaxiiRepository(store)
    col = repo.create_collection(API_ROOT, "c")
    other = repo.create_collection(API_ROOT, "other")
    repo.add_objects(col, [attack_pattern(str(i)) for i in range(10)])
    first = repo.page(col, ObjectFilter(), limit=4, next_token=None)
    assert first.next
    # A second repository (another worker) reads the same key from the store and continues.
    second = TaxiiRepository(store).page(col, ObjectFilter(), limit=4, next_token=first.next)
    assert second.bodies and not set(second.bodies) & set(first.bodies)
    with pytest.raises(BadPageToken):
        repo.page(other, ObjectFilter(), limit=4, next_token=first.next)
    with pytest.raises(BadPageToken):
        repo.page(col, ObjectFilter(types=["indicator"]), limit=4, next_token=first.next)
    with pytest.raises(BadPageToken):
        repo.page(col, ObjectFilter(), limit=4, next_token=first.next.replace(".", "x.", 1))


def test_collections_by_id_alias_and_api_root(store: Store) -> None:
    repo = TaxiiRepository(store)
    col = repo.create_collection(API_ROOT, "c", alias="ai-incidents", public_read=True)
    assert repo.collection(API_ROOT, "ai-incidents").id == col.id
    assert repo.collection(API_ROOT, col.id).public_read
    with pytest.raises(UnknownCollection):
        repo.collection("elsewhere", col.id)
    assert [c.id for c in repo.collections(API_ROOT)] == [col.id]


def test_observables_without_timestamps_are_stored_once(store: Store) -> None:
    repo = TaxiiRepository(store)
    col = repo.create_collection(API_ROOT, "c")
    url = {
        "type": "url",
        "spec_version": "2.1",
        "id": "url--4c3b8b0c-1e1d-4a58-9d7d-1b2a0c9e1f11",
        "value": "https://prompt-injection.example/payload",
    }
    assert repo.add_objects(col, [url])["success_count"] == 1
    assert repo.add_objects(col, [url])["success_count"] == 1
    assert repo.count(col) == 1


def test_parallel_validation_matches_in_process(store: Store) -> None:
    objects: list[object] = [attack_pattern(f"p{i}") for i in range(300)]
    objects[7] = dict(attack_pattern("bad"), modified="not a time")
    objects[150] = {"type": "indicator", "spec_version": "2.1"}
    objects[299] = "not an object"
    assert validate_objects(objects, processes=2) == validate_objects(objects, processes=0)
    repo = TaxiiRepository(store, validation_processes=2)
    status = repo.add_objects(repo.create_collection(API_ROOT, "c"), objects)
    assert (status["success_count"], status["failure_count"]) == (297, 3)
    assert [f["id"] for f in status["failures"]] == [objects[7]["id"], "", ""]  # type: ignore[index]


def test_broken_validation_pool_falls_back_to_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures.process import BrokenProcessPool

    import tongzhou.threats.validation as validation

    class DeadPool:
        def map(self, *_args: object) -> list[object]:
            raise BrokenProcessPool("a worker died")

        def shutdown(self, **_kwargs: object) -> None:
            pass

    monkeypatch.setitem(validation._POOLS, 3, DeadPool())  # type: ignore[arg-type]
    objects = [attack_pattern(str(i)) for i in range(250)]
    # stix2-all: every object goes to the pool (in fast mode attack-patterns never leave the process).
    in_process = validation.validate_objects(objects, mode="stix2-all")
    assert validation.validate_objects(objects, processes=3, mode="stix2-all") == in_process
    assert 3 not in validation._POOLS


def test_postgres_pages_walk_the_page_index_even_without_statistics(store: Store) -> None:
    """Freshly loaded (no ANALYZE yet), the planner once sorted the whole rest of the collection per page."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL planner's choice; SQLite walks the index by itself")
    repo = TaxiiRepository(store)
    col = repo.create_collection(API_ROOT, "fresh")
    for chunk in range(3):
        repo.add_objects(col, [attack_pattern(f"t{chunk}-{i}") for i in range(1000)])
    first = repo.page(col, ObjectFilter(), limit=500, next_token=None)
    cursor = repo.page_cursor(col, ObjectFilter(), "objects", first.next)
    query = page_statement(col.id, ObjectFilter().conditions(), "objects", cursor, 501)
    with store.engine.connect() as conn:
        plan_pages_by_index(conn)
        sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql))
    assert "Index Scan using ix_threats_object_page" in plan, plan
    assert "Sort" not in plan and "Bitmap" not in plan, plan
    # The settings last for that transaction only.
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW enable_bitmapscan").scalar() == "on"
    second = repo.page(col, ObjectFilter(), limit=500, next_token=first.next)
    assert len(second.rows) == 500 and second.rows[0][1] > first.rows[-1][1]
