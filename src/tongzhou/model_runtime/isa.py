"""Which instruction-set extensions the installed llama.cpp libraries use: the proof of a portable build.

A build that runs on one CPU can die with SIGILL on another if it contains instructions the other
lacks. Tongzhou builds llama.cpp for x86-64-v3 (SSE4.2, AVX, AVX2, FMA, F16C, BMI2; see
scripts/build-model-runtime.sh), so its libraries must contain none of:

* **AVX-512** — any EVEX-encoded instruction (first opcode byte 0x62, which in 64-bit mode is always
  the EVEX prefix), or a ``%zmm`` / mask-register operand;
* **AMX** — ``ldtilecfg``, ``sttilecfg``, ``tile*`` and ``tdp*`` (the tile instructions that trap on a
  thread that has not asked the kernel for tile data);
* **AVX-VNNI** — ``{vex} vpdpbusd`` and its siblings (Alder Lake and later only).

The disassembly is GNU objdump's (binutils), read as a stream. Run ``python -m
tongzhou.model_runtime.isa`` to check the installed runtime; it exits 1 when a library has any.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tongzhou.errors import InputError

FAMILIES = ("AVX-512", "AMX", "AVX-VNNI")
"""The instruction families a portable x86-64-v3 build must not contain."""

_LEGACY_PREFIXES = {"66", "67", "f2", "f3", "f0", "2e", "36", "3e", "26", "64", "65"}
_AMX = re.compile(r"^(ldtilecfg|sttilecfg|tile\w*|tdp\w*)$")
_VNNI = {"vpdpbusd", "vpdpbusds", "vpdpwssd", "vpdpwssds"}
_AVX512_OPERAND = re.compile(r"%zmm\d|%k[0-7]\b|\{%k[0-7]\}")
# "  4a2f10:\t62 f1 7d 48 6f 04 24 \tvmovdqa32 (%rsp),%zmm0"
_LINE = re.compile(r"^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t(.*)$")


@dataclass
class IsaReport:
    """What one library contains, by forbidden family, with a few examples of each."""

    path: Path
    """The shared library disassembled."""
    instructions: int = 0
    """Instructions read (a report of 0 means objdump read nothing: not a pass)."""
    counts: Counter[str] = field(default_factory=Counter)
    """Instructions found per family in :data:`FAMILIES`."""
    examples: dict[str, list[str]] = field(default_factory=dict)
    """Up to three ``address: instruction`` lines per family."""

    @property
    def clean(self) -> bool:
        """True when instructions were read and none belongs to a forbidden family."""
        return self.instructions > 0 and not self.counts


def classify_instruction(raw_bytes: list[str], text: str) -> str | None:
    """The forbidden family of one disassembled instruction (its bytes and objdump's text), or None."""
    mnemonic = text.split(None, 1)[0] if text.strip() else ""
    if mnemonic == "{vex}":  # objdump marks a VEX encoding where an EVEX one exists: AVX-VNNI
        rest = text.split(None, 2)
        return "AVX-VNNI" if len(rest) > 1 and rest[1] in _VNNI else None
    if _AMX.match(mnemonic):
        return "AMX"
    opcode = next((b for b in raw_bytes if b not in _LEGACY_PREFIXES), "")
    if opcode == "62" or _AVX512_OPERAND.search(text):
        return "AVX-512"
    return None


def scan_library(path: Path) -> IsaReport:
    """Disassemble ``path`` with objdump and count the forbidden instructions in it."""
    objdump = shutil.which("objdump")
    if objdump is None:
        raise InputError("objdump not found: install binutils (Debian: apt-get install binutils)")
    report = IsaReport(path=path)
    with subprocess.Popen(
        [objdump, "-d", "--wide", str(path)], stdout=subprocess.PIPE, text=True, errors="replace"
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            match = _LINE.match(line)
            if not match or not match.group(3):
                continue
            report.instructions += 1
            family = classify_instruction(match.group(2).split(), match.group(3))
            if family is not None:
                report.counts[family] += 1
                examples = report.examples.setdefault(family, [])
                if len(examples) < 3:
                    examples.append(f"{match.group(1)}: {match.group(3).strip()}")
    if proc.returncode != 0:
        raise InputError(f"objdump could not read {path} (exit {proc.returncode})")
    return report


def runtime_libraries() -> list[Path]:
    """The installed llama-cpp-python's shared libraries (``llama_cpp/lib/*.so*``), without loading them."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("llama-cpp-python is not installed: run `make setup`")
    libs: list[Path] = []
    seen: set[str] = set()
    for location in spec.submodule_search_locations:
        # A wheel cannot hold symlinks, so libggml.so, .so.0 and .so.0.25.3 are three equal copies: read one.
        for path in sorted((Path(location) / "lib").glob("*.so*"), key=lambda p: (len(p.name), p.name)):
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            if digest and digest not in seen:
                seen.add(digest)
                libs.append(path)
    if not libs:
        raise InputError(f"no shared libraries under {spec.submodule_search_locations}/lib")
    return libs


def main() -> int:
    """Check every runtime library; print one line each; exit status 1 when any is not portable."""
    failed = False
    for lib in runtime_libraries():
        report = scan_library(lib)
        if report.clean:
            print(f"ok    {lib.name}: {report.instructions:,} instructions, none of {', '.join(FAMILIES)}")
            continue
        failed = True
        found = ", ".join(f"{family} ×{n:,}" for family, n in report.counts.most_common())
        print(f"FAIL  {lib.name}: {found or 'no instructions read'}")
        for family, examples in report.examples.items():
            for example in examples:
                print(f"        {family}: {example}")
    if failed:
        print(
            "The llama.cpp runtime is not the portable build; rebuild it: "
            "`make clean && make setup` / 运行时不是可移植构建，请重新构建。",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
