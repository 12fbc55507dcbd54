"""The tick lease: exclusive, renewed by its holder, expiring when the holder died; and two ticks
started at once in two processes, of which exactly one does the work (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
from pathlib import Path

from sqlalchemy import text, update

from tests.reassess.conftest import PUBLIC, register
from tongzhou.reassess import history
from tongzhou.reassess._tables import LeaseRow
from tongzhou.reassess.lease import Lease
from tongzhou.store import Store
from tongzhou.systems import example_names


def test_only_one_holder_at_a_time_and_release_frees_it(store: Store) -> None:
    first, second = Lease(store, holder="a"), Lease(store, holder="b")
    assert first.acquire()
    assert not second.acquire()
    assert first.renew() and not second.renew()
    second.release()  # not its lease: nothing happens
    assert first.current() is not None and first.current()[0] == "a"  # type: ignore[index]
    first.release()
    assert second.acquire()


def test_an_expired_lease_is_taken_over_and_its_old_holder_notices(store: Store) -> None:
    crashed, next_one = Lease(store, holder="crashed"), Lease(store, holder="next")
    assert crashed.acquire()
    with store.transaction() as session:  # the crashed holder stopped renewing long ago
        session.execute(update(LeaseRow).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert next_one.acquire()
    assert not crashed.renew()
    assert next_one.current()[0] == "next"  # type: ignore[index]


def _tick_in_child(url: str, schema: str | None, home: str, start: float, out: str) -> None:
    import time

    os.environ["TONGZHOU_HOME"] = home
    from tongzhou.reassess import run_tick
    from tongzhou.store import open_store

    store = open_store(url, schema=schema)
    time.sleep(max(0.0, start - time.time()))  # both processes start the tick at the same instant
    try:
        report = run_tick(store, dt.date(2026, 12, 6), deliver=False)
    except Exception:
        import traceback

        Path(out).write_text(json.dumps({"error": traceback.format_exc()}), encoding="utf-8")
        raise
    finally:
        store.close()
    Path(out).write_text(json.dumps(report.to_dict()), encoding="utf-8")


def test_two_ticks_started_at_once_in_two_processes_exactly_one_does_the_work(
    store: Store, tmp_path: Path, tongzhou_home: Path
) -> None:
    import time

    register(store, *example_names())
    search_path = None
    if store.url.startswith("postgresql"):  # the test's own schema, for the children's connections
        with store.engine.connect() as connection:
            search_path = connection.execute(text("SELECT current_schema()")).scalar_one()
    context = multiprocessing.get_context("spawn")
    start = time.time() + 3.0
    outs = [tmp_path / f"tick-{n}.json" for n in range(2)]
    children = [
        context.Process(
            target=_tick_in_child, args=(store.url, search_path, str(tongzhou_home), start, str(o))
        )
        for o in outs
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
    reports = [json.loads(o.read_text(encoding="utf-8")) for o in outs]
    assert [r.get("error") for r in reports] == [None, None]
    assert [c.exitcode for c in children] == [0, 0]
    worked = [r for r in reports if r["assessed"]]
    assert len(worked) == 1
    assert sorted(worked[0]["assessed"]) == sorted(PUBLIC)
    other = next(r for r in reports if r is not worked[0])
    # The other either found the lease held, or came after the first had finished and found nothing due.
    assert (not other["ran"] and other["held_by"]) or (other["ran"] and other["nothing_new"])
    for system_id in PUBLIC:
        assert len(history(store, system_id)) == 1
