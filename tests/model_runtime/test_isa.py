"""The installed llama.cpp runtime is the portable build: no AVX-512, AMX or AVX-VNNI instruction in it."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from tongzhou.model_runtime.isa import runtime_libraries, scan_library

pytestmark = [
    pytest.mark.skipif(platform.machine() != "x86_64", reason="the instruction check reads x86-64 code"),
    pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump (binutils) is needed"),
]

PROBE = r"""
void avx512(void) { __asm__ volatile("vpaddd %zmm0, %zmm1, %zmm2"); }
void avx512vl(void) { __asm__ volatile("vpternlogd $0xff, %ymm0, %ymm1, %ymm2"); }
void masked(void) { __asm__ volatile("kmovw %k1, %eax"); }
void amx(void) { __asm__ volatile("tilerelease"); }
void amx_load(void) { __asm__ volatile("tileloadd (%rax,%rbx,1), %tmm0"); }
void vnni(void) { __asm__ volatile("{vex} vpdpbusd %ymm0, %ymm1, %ymm2"); }
void avx2(void) { __asm__ volatile("vpaddd %ymm0, %ymm1, %ymm2\n vfmadd231ps %ymm0, %ymm1, %ymm2"); }
"""


def test_every_installed_runtime_library_is_free_of_avx512_amx_and_avx_vnni() -> None:
    libraries = runtime_libraries()
    assert {lib.name.split(".so")[0] for lib in libraries} >= {"libllama", "libggml", "libggml-cpu"}
    for lib in libraries:
        report = scan_library(lib)
        assert report.instructions > 1000, f"objdump read almost nothing from {lib}"
        assert report.clean, f"{lib.name}: {dict(report.counts)} e.g. {report.examples}"


@pytest.mark.skipif(
    os.environ.get("TONGZHOU_RUNTIME_ISA") == "x86-64-v2", reason="built without AVX2 on purpose"
)
def test_the_compute_kernels_do_use_avx2() -> None:
    """Portable is not slow: the x86-64-v3 build's matrix kernels run on 256-bit AVX2 registers."""
    cpu = next(lib for lib in runtime_libraries() if lib.name.startswith("libggml-cpu"))
    listing = subprocess.run(["objdump", "-d", str(cpu)], capture_output=True, text=True, check=True).stdout
    assert listing.count("%ymm") > 10_000
    assert "vfmadd" in listing


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc compiles the probe object")
def test_the_check_finds_each_forbidden_family_and_passes_avx2(tmp_path: Path) -> None:
    source = tmp_path / "probe.c"
    source.write_text(PROBE)
    obj = tmp_path / "probe.o"
    subprocess.run(["gcc", "-c", "-O2", str(source), "-o", str(obj)], check=True)
    report = scan_library(obj)
    assert dict(report.counts) == {"AVX-512": 3, "AMX": 2, "AVX-VNNI": 1}
    assert not report.clean
    assert any("tileloadd" in e for e in report.examples["AMX"])
