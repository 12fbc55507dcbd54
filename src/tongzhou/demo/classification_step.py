"""Main-job step: register the bundled example systems (idempotently) and print their classification."""

from __future__ import annotations

import json

from rich.table import Table

from tongzhou.atomic_file import write_text_atomic
from tongzhou.classify.engine import Classifier
from tongzhou.classify.render import render_markdown
from tongzhou.demo import DemoContext
from tongzhou.systems.bundled import example_profiles
from tongzhou.systems.registry import SystemRegistry, profile_digest


def register_and_classify_systems(ctx: DemoContext) -> None:
    """Register every bundled example, classify it today in every jurisdiction, write JSON + Markdown."""
    registry = SystemRegistry(ctx.store)
    classifier = Classifier()
    out = ctx.out_dir / "classification"
    binding = [r.jurisdiction for r in classifier.ruleset.regimes if r.binding]
    codes = list(dict.fromkeys(binding))
    summary = Table(
        "system",
        "registry",
        *[c.upper() for c in codes],
        title="Classification of the bundled example systems / 示例系统分类分级 (binding regimes; "
        "NIST AI RMF and ISO/IEC 42001 mappings are in the full reports)",
        title_justify="left",
    )
    for profile in example_profiles():
        outcome = registry.add(profile, replace=True, source=f"examples/{profile.id}.yaml")
        result = classifier.classify(registry.get(profile.id))
        result.profile_sha256 = profile_digest(profile)[1]
        cells = []
        for code in codes:
            j = result.jurisdiction(code)
            if j.in_scope is False:
                cells.append("[dim]—[/]")
                continue
            text = j.headline_text  # the tier applying today, "unless ..." and upcoming changes
            if j.undetermined:
                text += f" [red]+{len(j.undetermined)} undetermined[/]"
            cells.append(text)
        summary.add_row(profile.id, outcome, *cells)
        write_text_atomic(
            out / f"{profile.id}.json", json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
        )
        write_text_atomic(out / f"{profile.id}.md", render_markdown(result))
    ctx.console.print(summary)
    ctx.console.print(f"Full classifications (JSON + Markdown): {out}")
