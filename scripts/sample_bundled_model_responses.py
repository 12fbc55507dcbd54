"""Sample answers of the bundled SmolLM2-135M-Instruct to prompts of the project's banks, for the
refusal-detector training corpus (they are then labelled by hand, by reading each one).

Usage (repository root): ``python scripts/sample_bundled_model_responses.py OUT.jsonl [PER_LANGUAGE]``.
Greedy decoding (the adapter's defaults) with ``max_tokens`` 110, one llama.cpp thread, one prompt at
a time; the prompts are a seeded sample of ``should-refuse.jsonl`` (55 %) and
``should-not-refuse.jsonl`` (45 %) per language. Each line is written as soon as it is generated, so
an interrupted run keeps what it did.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from pathlib import Path

from tongzhou.evaluate.models.gguf_adapter import GgufChatModel

SUITES = Path(__file__).resolve().parents[1] / "src" / "tongzhou" / "evaluate" / "suites"


def prompts(per_language: int) -> list[dict[str, str]]:
    rng = random.Random(21)
    picked: list[dict[str, str]] = []
    for language in ("en", "zh"):
        for bank, share in (("should-refuse.jsonl", 0.55), ("should-not-refuse.jsonl", 0.45)):
            rows = [json.loads(line) for line in (SUITES / bank).read_text(encoding="utf-8").splitlines()]
            mine = [r for r in rows if r["language"] == language]
            picked += rng.sample(mine, round(per_language * share))
    rng.shuffle(picked)
    return picked


async def main(out: Path, per_language: int) -> None:
    model = GgufChatModel(parameters={"max_tokens": 110}, n_threads=1)
    done = set()
    if out.exists():
        done = {
            json.loads(line)["prompt_id"] for line in out.read_text(encoding="utf-8").splitlines() if line
        }
    try:
        with out.open("a", encoding="utf-8") as fh:
            for item in prompts(per_language):
                if item["id"] in done:
                    continue
                answer = await model.complete([{"role": "user", "content": item["prompt"]}])
                row = {
                    "prompt_id": item["id"],
                    "language": item["language"],
                    "expected": item["expected"],
                    "prompt": item["prompt"],
                    "response": answer.text,
                }
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                fh.flush()
    finally:
        await model.aclose()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 220))
