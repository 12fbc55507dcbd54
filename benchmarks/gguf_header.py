"""GGUF header reading on the bundled SmolLM2 model: ours (general.* kept, the rest skipped) vs anchors.

    PYTHONPATH=src:. .venv/bin/python benchmarks/gguf_header.py [--repeat 20]

Three readers over the same file, each timed as the least CPU time (``time.process_time``) of --repeat
runs, in one process:

- ``ours``: :func:`tongzhou.oss.gguf_metadata.read_gguf_metadata`, which decodes only the ``general.*``
  values and steps over every other string (the 49,152-token vocabulary) without copying it;
- ``decode-all``: the same reader told to keep every key, so every string is copied and decoded, as the
  three readers the ``oss`` package had before they were merged into one did for the strings they met;
- ``llama.cpp``: llama-cpp-python ``Llama(path, vocab_only=True)``, which parses the header in C and
  also builds the vocabulary (more work than reading metadata; shown as the runtime's own cost of
  opening the file, not as a like-for-like reader).

Ratios are each anchor's time over ours.
"""

from __future__ import annotations

import argparse
import mmap
import time
from collections.abc import Callable
from pathlib import Path

from tongzhou.bundled_model import bundled_model_path
from tongzhou.oss.gguf_metadata import GgufReader, read_gguf_metadata


class _DecodingReader(GgufReader):
    """The reader with skipping turned off: every string is copied and decoded."""

    def skip_strings(self, n: int) -> None:
        for _ in range(n):
            self.string()


def _decode_all(path: Path) -> int:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        view = memoryview(mapped)
        try:
            return sum(1 for _ in _DecodingReader(view).key_values(lambda key: True))
        finally:
            view.release()


def _llama_cpp(path: Path) -> int:
    from llama_cpp import Llama

    model = Llama(str(path), vocab_only=True, verbose=False)
    return len(model.metadata)


def _least_cpu(run: Callable[[Path], object], path: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run(path)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    path = bundled_model_path()
    ours = _least_cpu(read_gguf_metadata, path, args.repeat)
    print(f"file: {path.name} ({path.stat().st_size / 1e6:.1f} MB), least CPU time of {args.repeat} runs")
    print(f"{'reader':<12} {'CPU ms':>8} {'anchor/ours':>12}")
    print(f"{'ours':<12} {ours * 1e3:8.1f} {'1.00':>12}")
    for name, run in (("decode-all", _decode_all), ("llama.cpp", _llama_cpp)):
        took = _least_cpu(run, path, args.repeat)
        print(f"{name:<12} {took * 1e3:8.1f} {took / ours:12.2f}")


if __name__ == "__main__":
    main()
