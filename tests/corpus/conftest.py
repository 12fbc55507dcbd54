"""Shared fixtures: the bundled library compiled once per session; a generated corpus with known plants."""

from __future__ import annotations

from pathlib import Path

import pytest

from tongzhou.corpus.automaton import KeywordScanner
from tongzhou.corpus.keywords import KeywordLibrary, load_library
from tongzhou.corpus.synthetic import PlantLog, write_corpus

SOURCES = {"web": 900, "books": 600, "forum": 300}


@pytest.fixture(scope="session")
def library() -> KeywordLibrary:
    return load_library()


@pytest.fixture(scope="session")
def scanner(library: KeywordLibrary) -> KeywordScanner:
    return KeywordScanner(library)


@pytest.fixture(scope="session")
def planted_corpus(
    tmp_path_factory: pytest.TempPathFactory, library: KeywordLibrary
) -> tuple[Path, PlantLog]:
    root = tmp_path_factory.mktemp("corpus")
    log = write_corpus(root, library, SOURCES, seed=11, keyword_rate=0.04, pii_rate=0.06, dup_rate=0.03)
    return root, log


def source_paths(root: Path) -> list[str]:
    return [str(root / name) for name in SOURCES]
