"""The labels demo step runs end to end and leaves verifiable outputs."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from tongzhou.demo import DemoContext
from tongzhou.demo.labelling_step import add_and_verify_labels


def test_demo_step_labels_and_verifies(tmp_path: Path) -> None:
    add_and_verify_labels(DemoContext(store=None, console=Console(width=120), out_dir=tmp_path))  # type: ignore[arg-type]
    reports = json.loads((tmp_path / "labels" / "verification.json").read_text(encoding="utf-8"))
    labelled = [r for r in reports if "/labelled/" in r["path"]]
    assert len(labelled) >= 3 and all(r["valid"] and r["art6"] == "confirmed" for r in labelled)
    assert reports[-1]["art6"] == "suspected"
