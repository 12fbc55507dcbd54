"""Build the bundled keyword library from the hand-written seeds, reproducibly.

``python -m tongzhou.corpus.library_build [OUT] [--built YYYY-MM-DD]`` expands
``data/keyword-seeds.yaml`` (terms × templates per risk) into ``data/keywords-gbt45654.jsonl.gz``.
The same seeds always give the same entries in the same order.

Rules (why): a discrimination *group* name alone (女人, old people) is not harmful, so for
``zh_stereotype``/``en_stereotype`` groups only the compounds are entries; a single English word
(``meth``, ``rape``) is a ``word``-mode entry, because as a substring it would hit ``something`` and
``grape``; everything else is ``substring`` mode (matched after normalisation, separators removed).
"""

from __future__ import annotations

import argparse
import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tongzhou.corpus.keywords import KeywordEntry, KeywordLibrary, save_library
from tongzhou.corpus.normalize import normalize_text

_GROUP_ONLY_TEMPLATES = {"zh_stereotype", "en_stereotype"}


def _mode(term: str, language: str) -> str:
    return "word" if language == "en" and " " not in term.strip() else "substring"


def build_library(seeds: dict[str, Any], built: str | None = None) -> KeywordLibrary:
    """Expand a seeds document into a library (deduplicated on risk + normalised keyword)."""
    templates: dict[str, list[str]] = seeds["templates"]
    entries: list[KeywordEntry] = []
    seen: set[tuple[str, str]] = set()

    def add(keyword: str, risk: str, language: str, mode: str, origin: str) -> None:
        key = (risk, normalize_text(keyword))
        if key[1] and key not in seen:
            seen.add(key)
            entries.append(KeywordEntry(keyword, risk, language, mode, origin))

    for risk, groups in seeds["risks"].items():
        for group in groups:
            language = group["language"]
            tset = group["templates"]
            for term in group["terms"]:
                term = str(term)
                if tset not in _GROUP_ONLY_TEMPLATES:
                    add(term, risk, language, _mode(term, language), "seed")
                for template in templates[tset]:
                    compound = template.replace("{t}", term)
                    add(compound, risk, language, _mode(compound, language), f"compound:{template}")
    meta = {
        "name": "tongzhou-gbt45654",
        "built": built or dt.date.today().isoformat(),
        "built_by": "tongzhou.corpus.library_build from data/keyword-seeds.yaml",
        "standard": "GB/T 45654-2025 Annex A (A.1.1-A.2.9)",
        "note": "compounds of hand-written seed terms and templates; extend with the provider's own terms",
    }
    return KeywordLibrary(entries, meta)


def load_seeds(path: str | Path | None = None) -> dict[str, Any]:
    """The seeds document (bundled by default)."""
    if path is None:
        text = resources.files("tongzhou.corpus").joinpath("data/keyword-seeds.yaml").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: write the built library."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = Path(str(resources.files("tongzhou.corpus").joinpath("data/keywords-gbt45654.jsonl.gz")))
    parser.add_argument("out", nargs="?", type=Path, default=default_out)
    parser.add_argument("--seeds", type=Path, default=None)
    parser.add_argument("--built", default=None, help="build date to record (default: today)")
    args = parser.parse_args(argv)
    library = build_library(load_seeds(args.seeds), built=args.built)
    save_library(library, args.out)
    print(f"{len(library)} entries → {args.out}")


if __name__ == "__main__":
    main()
