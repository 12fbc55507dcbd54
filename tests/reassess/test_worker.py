"""The tick in a background thread (the portal's workers): it reviews what is due, two workers on
one store do the work once, and the environment switch reads its number."""

from __future__ import annotations

import time

import pytest

from tests.reassess.conftest import PUBLIC, register
from tongzhou.reassess import history
from tongzhou.reassess.worker import TickWorker, worker_from_env
from tongzhou.store import Store


def test_two_workers_review_each_due_system_once(store: Store) -> None:
    register(store, *PUBLIC)
    workers = [TickWorker(store, 0.2, run_evaluations=False) for _ in range(2)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(history(store, s) for s in PUBLIC):
        time.sleep(0.1)
    time.sleep(0.5)  # a few more ticks each, which must find nothing to do
    for worker in workers:
        worker.stop()
    assert sum(w.ticks for w in workers) >= 3
    assert [len(history(store, s)) for s in PUBLIC] == [1, 1]


@pytest.mark.parametrize(("value", "started"), [("", False), ("0", False), ("soon", False), ("3600", True)])
def test_the_portal_worker_starts_only_for_a_positive_interval(
    store: Store, monkeypatch: pytest.MonkeyPatch, value: str, started: bool
) -> None:
    monkeypatch.setenv("TONGZHOU_REASSESS_EVERY", value)
    worker = worker_from_env(store)
    try:
        assert (worker is not None) is started
        if worker is not None:
            assert worker.every_s == 3600
    finally:
        if worker is not None:
            worker.stop()
