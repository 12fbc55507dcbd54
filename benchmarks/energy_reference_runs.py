"""Measure reference runs for the energy rating (tongzhou/energy/data/reference_runs.yaml).

    python benchmarks/energy_reference_runs.py cpu    # bundled SmolLM2 via llama.cpp, whole machine
    python benchmarks/energy_reference_runs.py gpu    # GPT-2-architecture models on CUDA (NVML)

Prints YAML entries for the ``runs:`` list. Every figure comes from a ``tongzhou.energy``
window around the workload; the entry says which meter and whether it was measured or
estimated. The GPU runs use randomly initialised GPT-2-architecture models (no weights can be
downloaded here), generating a fixed number of tokens per query: energy depends on the
architecture, batch and tokens generated, not on the weights' values, so they stand in for
trained models of those sizes — say so wherever they are cited.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tongzhou.energy import measure  # noqa: E402
from tongzhou.energy.window import meter_report  # noqa: E402

PROMPTS = [
    "Explain what a power usage effectiveness of 1.3 means.",
    "Write one sentence about rivers.",
    "What is the capital of France?",
    "List three colours.",
    "Translate 'good morning' into Chinese.",
    "Why is the sky blue?",
    "Give a short tip for saving energy at home.",
    "Name a planet in the solar system.",
]


def _entry(
    task_class: str,
    model: str,
    hardware: str,
    window,
    queries: int,
    source: str,  # type: ignore[no-untyped-def]
    joules: float | None = None,
    meter: str | None = None,
    method: str | None = None,
) -> str:
    wh_k = (window.joules if joules is None else joules) / 3.6 / queries
    return (
        f"  - task_class: {task_class}\n"
        f"    model: {model!r}\n"
        f"    hardware: {hardware!r}\n"
        f"    wh_per_1000_queries: {wh_k:.5g}\n"
        f"    method: {method or window.method}\n"
        f"    meter: {meter or window.meter}\n"
        f"    measured_at: {dt.date.today().isoformat()}\n"
        f"    source: {source!r}\n"
        f"    # {window.joules:.2f} J over {window.seconds:.2f} s for {queries} queries"
    )


def cpu_runs(queries: int, max_tokens: int) -> None:
    from llama_cpp import Llama

    from tongzhou.bundled_model import bundled_model_path

    hardware = f"{platform.processor() or platform.machine()}, {__import__('os').cpu_count()} vCPU"
    for threads in (1, 2):
        llm = Llama(model_path=str(bundled_model_path()), n_ctx=512, n_threads=threads, verbose=False, seed=0)
        llm("warm-up", max_tokens=4)
        with measure(f"smollm2-threads{threads}") as window:
            for i in range(queries):
                out = llm(PROMPTS[i % len(PROMPTS)], max_tokens=max_tokens, temperature=0.0)
                window.record(tokens=out["usage"]["completion_tokens"], queries=1)
        print(
            _entry(
                "text-generation/cpu-gguf",
                f"SmolLM2-135M-Instruct Q4_1, llama.cpp n_threads={threads}",
                hardware,
                window,
                queries,
                f"benchmarks/energy_reference_runs.py cpu --queries {queries} --max-tokens {max_tokens}",
            )
        )


def gpu_runs(queries: int, max_tokens: int, batch: int) -> None:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    sizes = {"124M": (12, 768, 12), "355M": (24, 1024, 16), "774M": (36, 1280, 20), "1.5B": (48, 1600, 25)}
    gpu = torch.cuda.get_device_name(0)
    torch.manual_seed(0)
    for label, (layers, width, heads) in sizes.items():
        config = GPT2Config(n_layer=layers, n_embd=width, n_head=heads, vocab_size=50257, n_positions=1024)
        with torch.device("cuda"):
            model = GPT2LMHeadModel(config).half().eval()
        prompts = torch.randint(0, 50257, (queries, 32), device="cuda")
        mask = torch.ones_like(prompts[:batch])

        def generate(ids: torch.Tensor, model: GPT2LMHeadModel = model, mask: torch.Tensor = mask) -> None:
            model.generate(
                ids,
                attention_mask=mask[: len(ids)],
                max_new_tokens=max_tokens,
                min_new_tokens=max_tokens,
                do_sample=False,
                pad_token_id=0,
            )

        with torch.no_grad():
            generate(prompts[:batch])  # warm-up
            torch.cuda.synchronize()
            with measure(f"gpt2-{label}") as window:
                for start in range(0, queries, batch):
                    generate(prompts[start : start + batch])
                torch.cuda.synchronize()
                window.record(tokens=queries * max_tokens, queries=queries)
        gpu_j = sum(c["joules"] for c in window.to_dict()["components"] if "gpu" in c["covers"])
        print(
            _entry(
                "text-generation/h100",
                f"GPT-2 architecture {label} (random weights, fp16), batch {batch}",
                gpu,
                window,
                queries,
                f"benchmarks/energy_reference_runs.py gpu --queries {queries} --max-tokens {max_tokens} "
                f"--batch {batch} (GPU energy only)",
                joules=gpu_j,
                meter="nvml",
                method="measured",
            )
        )
        print(
            f"    # GPU {gpu_j:.2f} J = {gpu_j / (queries * max_tokens):.4g} J/token; whole window {window}"
        )
        del model
        torch.cuda.empty_cache()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["cpu", "gpu"])
    parser.add_argument("--queries", type=int, default=None)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    print(f"# meters: {meter_report()}")
    if args.kind == "cpu":
        cpu_runs(args.queries or 16, args.max_tokens)
    else:
        gpu_runs(args.queries or 64, args.max_tokens, args.batch)


if __name__ == "__main__":
    main()
