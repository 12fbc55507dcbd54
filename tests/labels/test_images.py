"""PNG, JPEG, WebP: round trip, independent reader (exiftool), pixels unchanged, XMP merged."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import pytest
from PIL import Image

from tests.labels.helpers import PRODUCER, exiftool_aigc, exiftool_json, make_image, need
from tongzhou.labels.files import inspect_file, label_file
from tongzhou.labels.xmp import TC260_NS

FORMATS = [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp"), ("WEBP-lossless", ".webp")]


def _sample(tmp_path: Path, fmt: str, ext: str) -> Path:
    if fmt == "WEBP-lossless":
        return make_image(tmp_path / f"lossless{ext}", fmt="WEBP", lossless=True)
    return make_image(tmp_path / f"sample{ext}", fmt=fmt)


@pytest.mark.parametrize(("fmt", "ext"), FORMATS)
def test_round_trip_seen_by_exiftool_and_pixels_unchanged(tmp_path: Path, fmt: str, ext: str) -> None:
    need("exiftool")
    source = _sample(tmp_path, fmt, ext)
    before = source.read_bytes()
    result = label_file(source, PRODUCER)
    assert source.read_bytes() == before  # input untouched
    assert result.output != source and result.output.exists()
    seen = exiftool_aigc(result.output)
    assert len(seen) == 1 and json.loads(seen[0]) == result.label.to_dict()
    report = inspect_file(result.output)
    assert report.valid and report.art6 == "confirmed", report.to_dict()
    with Image.open(source) as a, Image.open(result.output) as b:
        assert a.size == b.size and a.tobytes() == b.tobytes()


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp")])
def test_exiftool_extracts_xmp_with_the_tc260_namespace_uri(tmp_path: Path, fmt: str, ext: str) -> None:
    need("exiftool")
    result = label_file(make_image(tmp_path / f"a{ext}", fmt=fmt), PRODUCER)
    packet = subprocess.run(
        ["exiftool", "-xmp", "-b", str(result.output)], check=True, capture_output=True
    ).stdout
    root = ET.fromstring(packet[packet.index(b"<x:xmpmeta") : packet.rindex(b"</x:xmpmeta>") + 12])
    values = [e.text for e in root.iter("{" + TC260_NS + "}AIGC")]
    assert len(values) == 1 and json.loads(values[0] or "") == result.label.to_dict()
    config = resources.files("tongzhou.labels").joinpath("data/exiftool-tc260.config")
    tagged = subprocess.run(
        ["exiftool", "-config", str(config), "-s3", "-XMP-TC260:AIGC", str(result.output)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert json.loads(tagged) == result.label.to_dict()


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp")])
def test_existing_xmp_and_exif_are_kept(tmp_path: Path, fmt: str, ext: str) -> None:
    need("exiftool")
    source = make_image(tmp_path / f"meta{ext}", fmt=fmt)
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-XMP-dc:Title=原标题 kept",
            "-XMP-dc:Creator=Ada",
            "-EXIF:Artist=Ada" if fmt == "JPEG" else "-XMP-xmp:Rating=4",
            str(source),
        ],
        check=True,
    )
    result = label_file(source, PRODUCER)
    tags = exiftool_json(result.output)
    assert tags["XMP-dc:Title"] == "原标题 kept"
    assert tags["XMP-dc:Creator"] in ("Ada", ["Ada"])
    assert tags.get("IFD0:Artist", tags.get("XMP-xmp:Rating")) in ("Ada", 4)
    assert len(exiftool_aigc(result.output)) == 1


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp")])
def test_relabelling_keeps_exactly_one_label(tmp_path: Path, fmt: str, ext: str) -> None:
    need("exiftool")
    first = label_file(make_image(tmp_path / f"x{ext}", fmt=fmt), PRODUCER, produce_id="first")
    second = label_file(first.output, PRODUCER, produce_id="second", out_dir=tmp_path / "again")
    seen = exiftool_aigc(second.output)
    assert len(seen) == 1 and json.loads(seen[0])["ProduceID"] == "second"
    assert inspect_file(second.output).valid


def test_label_copied_onto_another_image_is_suspected(tmp_path: Path) -> None:
    labelled = label_file(make_image(tmp_path / "gen.png"), PRODUCER).output
    other = make_image(tmp_path / "photo.png", size=(97, 64))
    # Graft the label chunk (exactly as written) onto a different image.
    data = labelled.read_bytes()
    start = data.index(b"iTXtXML:com.adobe.xmp") - 4
    length = int.from_bytes(data[start : start + 4], "big")
    chunk = data[start : start + 12 + length]
    photo = other.read_bytes()
    grafted = tmp_path / "grafted.png"
    grafted.write_bytes(photo[:33] + chunk + photo[33:])
    report = inspect_file(grafted)
    assert report.label is not None and not report.valid
    assert report.checks[0].status == "invalid" and "content hash" in report.checks[0].reason
    assert report.art6 == "suspected"


def test_unlabelled_image_is_class_none_and_declared_is_possible(tmp_path: Path) -> None:
    plain = make_image(tmp_path / "plain.jpg", fmt="JPEG")
    assert inspect_file(plain).art6 == "none"
    assert inspect_file(plain, declared=True).art6 == "possible"


def test_out_dir_and_in_place(tmp_path: Path) -> None:
    source = make_image(tmp_path / "a.png")
    out = label_file(source, PRODUCER, out_dir=tmp_path / "out").output
    assert out == tmp_path / "out" / "a.png"
    in_place = label_file(source, PRODUCER, in_place=True)
    assert in_place.output == source and inspect_file(source).valid


def test_label_under_wrong_namespace_is_reported_and_replaced(tmp_path: Path) -> None:
    need("exiftool")
    source = make_image(tmp_path / "defect.jpg", fmt="JPEG")
    value = '{"Label":"1","ContentProducer":"OTHERTOOL","ProduceID":"x1"}'
    # The known defect: a TC260 prefix bound to another namespace URI (written here by exiftool).
    config = tmp_path / "wrong.config"
    config.write_text(
        "%Image::ExifTool::UserDefined = ('Image::ExifTool::XMP::Main' => { TC260 => { SubDirectory => "
        "{ TagTable => 'Image::ExifTool::UserDefined::TC260' } } });\n"
        "%Image::ExifTool::UserDefined::TC260 = (GROUPS => { 0 => 'XMP', 1 => 'XMP-TC260', 2 => 'Image' }, "
        "NAMESPACE => { 'TC260' => 'http://www.example.com/AIGC/' }, WRITABLE => 'string', AIGC => {});\n1;\n"
    )
    subprocess.run(
        [
            "exiftool",
            "-config",
            str(config),
            "-q",
            "-overwrite_original",
            f"-XMP-TC260:AIGC={value}",
            "-XMP-dc:Title=kept",
            str(source),
        ],
        check=True,
    )
    report = inspect_file(source)
    assert report.label is not None and report.label.ContentProducer == "OTHERTOOL"
    assert any("namespace" in p for p in report.problems)
    assert report.checks[0].status == "absent" and report.art6 == "confirmed"
    result = label_file(source, PRODUCER)
    after = inspect_file(result.output)
    assert after.valid and after.locations == ["XMP TC260:AIGC (APP1)"]
    assert exiftool_json(result.output)["XMP-dc:Title"] == "kept"


def test_exif_usercomment_form_is_read_and_cleared_on_relabel(tmp_path: Path) -> None:
    need("exiftool")
    source = make_image(tmp_path / "exif.jpg", fmt="JPEG")
    wrapped = '{"AIGC":{"Label":"1","ContentProducer":"EXIFTOOL","ProduceID":"e1"}}'
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            f"-EXIF:UserComment={wrapped}",
            "-EXIF:Artist=Ada",
            str(source),
        ],
        check=True,
    )
    report = inspect_file(source)
    assert report.locations == ["EXIF UserComment (APP1)"]
    assert report.label is not None and report.label.ContentProducer == "EXIFTOOL"  # wrapped form accepted
    result = label_file(source, PRODUCER)
    after = inspect_file(result.output)
    assert after.valid and after.locations == ["XMP TC260:AIGC (APP1)"]
    tags = exiftool_json(result.output)
    assert tags["IFD0:Artist"] == "Ada" and "AIGC" not in str(tags.get("ExifIFD:UserComment", ""))


@pytest.mark.parametrize("lossless", [True, False])
def test_simple_webp_with_alpha_gets_a_vp8x_header_with_alpha_and_xmp_flags(
    tmp_path: Path, lossless: bool
) -> None:
    need("exiftool")
    source = tmp_path / "alpha.webp"
    Image.new("RGBA", (50, 40), (255, 0, 0, 128)).save(source, lossless=lossless, quality=80)
    result = label_file(source, PRODUCER)
    with Image.open(source) as a, Image.open(result.output) as b:
        assert b.mode == "RGBA" and a.tobytes() == b.tobytes()
    flags = exiftool_json(result.output)["RIFF:WebP_Flags"]
    assert "XMP" in flags and "Alpha" in flags
    assert inspect_file(result.output).valid
