"""Evidence files: typed by their bytes, bounded in size, images opened with a pixel limit."""

from __future__ import annotations

import pytest

from tests.participation.conftest import png_bytes
from tongzhou.participation import ReportProblem, check_evidence
from tongzhou.participation.evidence import MAX_FILE_BYTES, EvidenceFile, safe_filename

_png = png_bytes


def _refusal(files: list[EvidenceFile]) -> ReportProblem:
    with pytest.raises(ReportProblem) as caught:
        check_evidence(files)
    return caught.value


def test_accepted_kinds_are_typed_by_content() -> None:
    checked = check_evidence(
        [
            EvidenceFile("a.pdf", "application/octet-stream", b"%PDF-1.7\n%..."),
            EvidenceFile("b.png", "image/png", _png(4, 4)),
            EvidenceFile("c.txt", "", "证据 evidence".encode()),
        ]
    )
    assert [c.media_type for c in checked] == ["application/pdf", "image/png", "text/plain"]
    assert checked[1].size == len(_png(4, 4)) and len(checked[1].sha256) == 64


@pytest.mark.parametrize(
    ("upload", "status"),
    [
        (EvidenceFile("x.html", "text/html", b"<script>alert(1)</script>"), 415),
        (EvidenceFile("x.svg", "image/svg+xml", b"<svg onload=alert(1)>"), 415),
        (EvidenceFile("x.png", "image/png", b"%PDF-1.4 pretending"), 415),
        (EvidenceFile("x.zip", "application/zip", b"PK\x03\x04\x00\x00bomb"), 415),
        (EvidenceFile("x.bin", "", b"\x00\x01\x02"), 415),
        (EvidenceFile("x.png", "image/png", b"\x89PNG\r\n\x1a\nbroken"), 415),
        (EvidenceFile("big.txt", "text/plain", b"a" * (MAX_FILE_BYTES + 1)), 413),
        (EvidenceFile("empty.txt", "text/plain", b""), 422),
    ],
    ids=["html", "svg", "lying-type", "zip", "binary", "broken-png", "oversized", "empty"],
)
def test_hostile_files_are_refused(upload: EvidenceFile, status: int) -> None:
    refusal = _refusal([upload])
    assert refusal.status == status and refusal.values.get("name", "") in str(refusal)


def test_an_image_that_decodes_to_gigapixels_is_refused() -> None:
    bomb = _png(8000, 6000)  # 48 megapixels, a few kilobytes on disk
    assert len(bomb) < 100_000
    refusal = _refusal([EvidenceFile("bomb.png", "image/png", bomb)])
    assert refusal.status == 413 and "megapixels" in str(refusal)


def test_limits_on_count_and_total() -> None:
    small = EvidenceFile("a.txt", "text/plain", b"a")
    assert _refusal([small] * 4).status == 413
    big = EvidenceFile("b.txt", "text/plain", b"b" * MAX_FILE_BYTES)
    assert _refusal([big, big, small]).status == 413


def test_file_names_lose_paths_and_control_characters() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\x\\evil\x00.txt") == "evil_.txt"
    assert safe_filename("") == "evidence"
