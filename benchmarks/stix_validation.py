"""STIX 2.1 validation rate per object: Tongzhou's fast check beside ``stix2.parse`` (the anchor).

Same objects, same process, one core: an AI threat feed built from the bundled ATLAS, AVID and AIID
samples (attack-pattern, course-of-action, relationship, report, identity, vulnerability with the
AVID extension, incident with the AI-incident extension, ai-system, extension-definition,
x-mitre-tactic), copied to ``--objects`` objects with fresh ids and distinct timestamps (so no
cache sees the same timestamp twice in a row). Measured:

* ``stix2.parse(obj, allow_custom=True, version="2.1")`` — what Tongzhou ran per object before;
* ``check_stix(obj)`` — the fast check alone, on the objects it covers;
* ``validate_object(obj)`` — the whole per-object path of the TAXII server (common checks, fast
  check, stix2 for what it does not cover, compact JSON), against ``mode="stix2-all"``.

Each figure is the median of ``--repeats`` timed passes over all objects (min and max shown too).
Run: ``.venv/bin/python benchmarks/stix_validation.py``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import stix2  # noqa: E402

from tongzhou.threats.aiid import import_aiid  # noqa: E402
from tongzhou.threats.atlas import import_atlas  # noqa: E402
from tongzhou.threats.avid import import_avid  # noqa: E402
from tongzhou.threats.incidents import incident_to_stix  # noqa: E402
from tongzhou.threats.stix_ai import extension_definitions  # noqa: E402
from tongzhou.threats.stix_checks import check_stix  # noqa: E402
from tongzhou.threats.validation import validate_object  # noqa: E402

NAMESPACE = uuid.UUID("9c1d7e55-3b2a-4f0e-8d6c-1a2b3c4d5e6f")


def feed(count: int) -> list[dict[str, Any]]:
    """``count`` objects cycled from the bundled samples, each with a fresh id and its own timestamp."""
    samples: list[dict[str, Any]] = import_atlas() + import_avid() + extension_definitions()
    for record in import_aiid().records:
        samples += incident_to_stix(record)
    objects = []
    for index in range(count):
        obj = json.loads(json.dumps(samples[index % len(samples)]))
        obj["id"] = f"{obj['type']}--{uuid.uuid5(NAMESPACE, str(index))}"
        day = f"2025-{1 + index % 12:02d}-{1 + index % 28:02d}"
        stamp = f"{day}T{index % 24:02d}:{index % 60:02d}:00.{index % 1000:03d}Z"
        obj["created"] = obj["modified"] = stamp
        objects.append(obj)
    return objects


def per_object_us(
    label: str, run: Callable[[dict[str, Any]], object], objects: list[dict[str, Any]], repeats: int
) -> tuple[float, float, float]:
    """Median, min and max µs per object over ``repeats`` passes."""
    passes = []
    for _ in range(repeats):
        start = time.perf_counter()
        for obj in objects:
            run(obj)
        passes.append((time.perf_counter() - start) / len(objects) * 1e6)
    median = statistics.median(passes)
    print(
        f"  {label:<46} {median:9.2f} µs/object  ({1e6 / median:>9,.0f} objects/s; "
        f"min {min(passes):.2f}, max {max(passes):.2f}; n={len(objects)} x {repeats})"
    )
    return median, min(passes), max(passes)


def stix2_parse(obj: dict[str, Any]) -> object:
    """The anchor."""
    return stix2.parse(obj, allow_custom=True, version="2.1")


def main() -> None:
    """Print the fast check's rate beside stix2.parse's, with the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    objects = feed(args.objects)
    covered = [o for o in objects if check_stix(o).covered]
    assert all(check_stix(o).valid for o in covered), "benchmark feed must be valid"
    types = sorted({o["type"] for o in objects})
    print(
        f"STIX validation, {len(objects)} objects of {len(types)} types ({', '.join(types)}); "
        f"fast check covers {len(covered)} ({len(covered) / len(objects):.0%})"
    )
    print("objects the fast check covers:")
    anchor, _, _ = per_object_us("stix2.parse (anchor)", stix2_parse, covered, args.repeats)
    ours, _, _ = per_object_us("check_stix (ours)", check_stix, covered, args.repeats)
    print(f"  ratio: fast check is {anchor / ours:.0f}x faster per covered object")
    print("whole server path, all objects (common checks + verdict + JSON body):")
    full, _, _ = per_object_us(
        "validate_object(mode='stix2-all') (before)",
        lambda o: validate_object(o, mode="stix2-all"),
        objects,
        args.repeats,
    )
    fast, _, _ = per_object_us("validate_object(mode='fast') (now)", validate_object, objects, args.repeats)
    print(f"  ratio: {full / fast:.1f}x faster per object; one core validates ~{1e6 / fast:,.0f} objects/s")


if __name__ == "__main__":
    main()
