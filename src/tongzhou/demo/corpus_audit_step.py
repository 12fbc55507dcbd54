"""Demo step (`make run`): audit a small generated bilingual corpus and print the verdicts.

Three sources are generated at run time; one ("forum-scrape") is deliberately dirty (8 % of its items
carry a keyword, many in evasive spellings) so the blacklist rule has something to catch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tongzhou.corpus.console import print_verdicts
from tongzhou.corpus.keywords import load_library
from tongzhou.corpus.synthetic import write_corpus
from tongzhou.corpus.unit import AuditSettings
from tongzhou.corpus.workflow import audit_to_dir

if TYPE_CHECKING:
    from tongzhou.demo import DemoContext


def audit_corpus(ctx: DemoContext) -> None:
    """Generate ~2,000 zh/en items in three sources, audit them with the bundled library, print verdicts."""
    console = ctx.console
    out = ctx.out_dir / "corpus"
    corpus = out / "generated-corpus"
    library = load_library()
    clean = write_corpus(corpus, library, {"encyclopedia": 900, "news": 700}, seed=21, keyword_rate=0.005)
    dirty = write_corpus(corpus, library, {"forum-scrape": 400}, seed=22, keyword_rate=0.08, pii_rate=0.1)
    planted = sum(clean.keyword_items.values()) + sum(dirty.keyword_items.values())
    items = sum(clean.items.values()) + sum(dirty.items.values())
    console.print(
        f"Generated corpus 生成语料: {items} items in 3 sources, "
        f"{planted} with planted keywords (plain, full-width, spaced, symbols, upper case, traditional).",
        highlight=False,
    )
    outcome = audit_to_dir(
        [corpus / "encyclopedia", corpus / "news", corpus / "forum-scrape"],
        out,
        settings=AuditSettings(sample_size=200, seed=1),
        workers=1,
    )
    print_verdicts(outcome.report, console)
    found = outcome.report["totals"]["keyword_flagged_items"]
    console.print(
        f"Keyword-flagged items 命中条目: {found} (planted {planted}); PII items 个人信息条目: "
        f"{outcome.report['totals']['pii']['items_with_pii']}; report 报告: {outcome.html_path}",
        highlight=False,
    )
