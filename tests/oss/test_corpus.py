"""Every malicious sample fails the default threshold; no benign file of any format does."""

from __future__ import annotations

import pytest

from tests.oss.model_corpus import Sample
from tongzhou.bundled_model import bundled_model_path
from tongzhou.oss import Severity, scan_paths


def test_every_malicious_sample_is_detected(corpus: list[Sample]) -> None:
    missed = [
        s.technique for s in corpus if s.malicious and not scan_paths([s.path]).at_or_above(Severity.MEDIUM)
    ]
    assert missed == []
    assert sum(s.malicious for s in corpus) >= 45


def test_no_benign_file_is_flagged(corpus: list[Sample]) -> None:
    flagged = {
        s.path.name: [f.code for f in scan_paths([s.path]).at_or_above(Severity.LOW)]
        for s in corpus
        if not s.malicious
    }
    assert {name: codes for name, codes in flagged.items() if codes} == {}
    formats = scan_paths([corpus[-1].path.parent]).formats.values()
    assert {"pickle", "torch-zip", "npy", "zip", "safetensors", "gguf", "onnx", "hdf5", "tar", "gzip"} <= set(
        formats
    )


def test_code_execution_constructs_are_critical(corpus: list[Sample]) -> None:
    by_name = {s.path.name: scan_paths([s.path]) for s in corpus if s.malicious}
    for name in (
        "pip_main.pkl",
        "posixsubprocess.pkl",
        "memo_indirection.pkl",
        "lambda.keras",
        "escape.onnx",
        "template_globals.gguf",
        "nested.tar.gz",
        "torch_zip_bad_crc.pt",
        "legacy_torch.pt",
    ):
        assert by_name[name].worst() == Severity.CRITICAL, name


def test_findings_name_the_global_and_where_it_is(corpus: list[Sample]) -> None:
    nested = next(s for s in corpus if s.path.name == "nested.tar.gz")
    (finding,) = [f for f in scan_paths([nested.path]).findings if f.code == "pickle.global.dangerous"]
    assert finding.construct == "os.system"
    assert finding.member == "nested.tar!inner.zip!deeper.zip!model.pkl"
    assert finding.offset == 2  # the GLOBAL opcode right after PROTO 2
    memo = next(s for s in corpus if s.path.name == "memo_indirection.pkl")
    assert [f.construct for f in scan_paths([memo.path]).findings] == ["os.system"]


def test_bundled_smollm2_gguf_scans_clean() -> None:
    path = bundled_model_path()
    report = scan_paths([path])
    assert report.findings == []
    assert report.formats == {str(path): "gguf"}


def test_real_torch_save_scans_clean(tmp_path) -> None:  # type: ignore[no-untyped-def]
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.LayerNorm(2))
    torch.save(model.state_dict(), tmp_path / "model.pt")
    torch.save(model.state_dict(), tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    assert scan_paths([tmp_path]).at_or_above(Severity.LOW) == []
