"""Write the JSON schemas of Tongzhou's contracts, generated from their types, into docs/schemas/.

    python scripts/generate_schemas.py          # write the files
    python scripts/generate_schemas.py --check  # exit 1 when a committed file differs from its type

The types are the ``TypedDict`` s of ``tongzhou.evaluate.contract`` (the run summary),
``tongzhou.corpus.contract`` (the corpus audit report) and ``tongzhou.energy.contract`` (the energy
report); pydantic turns each into a JSON Schema (draft 2020-12). tests/test_contract_schemas.py runs
the check, so a change to a type that is not regenerated here fails the tests.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from tongzhou.atomic_file import write_text_atomic
from tongzhou.corpus.contract import CorpusReport
from tongzhou.energy.contract import EnergyReport
from tongzhou.evaluate.contract import RunSummary

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "docs" / "schemas"

CONTRACTS: dict[str, Any] = {
    "run-summary.schema.json": RunSummary,
    "corpus-report.schema.json": CorpusReport,
    "energy-report.schema.json": EnergyReport,
}


def generated() -> dict[str, str]:
    """File name → the schema text generated from its type now."""
    out = {}
    for name, kind in CONTRACTS.items():
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$comment": f"Generated from {kind.__module__}.{kind.__name__} by scripts/generate_schemas.py; "
            "do not edit by hand.",
            **TypeAdapter(kind).json_schema(),
        }
        out[name] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return out


def stale(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of the committed schema files that differ from (or lack) their generated text."""
    return [
        name
        for name, text in generated().items()
        if not (directory / name).is_file() or (directory / name).read_text("utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    if args.check:
        differing = stale()
        for name in differing:
            print(f"{SCHEMA_DIR / name} differs from its type: run scripts/generate_schemas.py")
        return 1 if differing else 0
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in generated().items():
        write_text_atomic(SCHEMA_DIR / name, text)
        print(f"wrote {SCHEMA_DIR / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
