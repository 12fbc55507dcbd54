"""The Ray Data path (a local Ray instance) gives the same counts as the local path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.corpus.conftest import SOURCES, source_paths
from tongzhou.corpus.audit import run_audit
from tongzhou.corpus.automaton import KeywordScanner
from tongzhou.corpus.synthetic import PlantLog
from tongzhou.corpus.unit import AuditSettings

ray = pytest.importorskip("ray", reason="Ray Data not installed (pip install 'ray[data]')")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.mark.slow
def test_ray_path_gives_the_same_counts(
    local_ray: None, planted_corpus: tuple[Path, PlantLog], scanner: KeywordScanner
) -> None:
    root, log = planted_corpus
    settings = AuditSettings(sample_size=100, seed=4)
    local = run_audit(source_paths(root), settings=settings, scanner=scanner)
    on_ray = run_audit(source_paths(root), settings=settings, scanner=scanner, ray_address="auto", workers=2)
    assert on_ray.engine == "ray" and local.engine == "local"
    for name in SOURCES:
        a, b = local.sources[name], on_ray.sources[name]
        assert (a.tally.items, a.tally.flagged_items, a.tally.risk_items, a.tally.entry_items) == (
            b.tally.items,
            b.tally.flagged_items,
            b.tally.risk_items,
            b.tally.entry_items,
        )
        assert (a.tally.pii_counts, a.tally.pii_items, a.tally.languages) == (
            b.tally.pii_counts,
            b.tally.pii_items,
            b.tally.languages,
        )
        assert (a.exact_duplicates, a.near_duplicates) == (b.exact_duplicates, b.near_duplicates)
        assert (a.tally.length_hist == b.tally.length_hist).all()
    assert on_ray.total.tally.flagged_items == sum(log.keyword_items.values())
    assert [i["item_id"] for i in on_ray.sample] == [i["item_id"] for i in local.sample]
