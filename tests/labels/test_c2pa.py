"""C2PA: AIGC label first, then a signed manifest, read back by c2pa-python's Reader."""

from __future__ import annotations

import io
import json
from pathlib import Path

import c2pa
import pytest
from PIL import Image

from tests.labels.helpers import PRODUCER, exiftool_aigc, make_image, need
from tongzhou.errors import InputError
from tongzhou.labels.c2pa_certs import make_test_credentials
from tongzhou.labels.c2pa_manifest import TRAINED_ALGORITHMIC_MEDIA, C2paCredentials
from tongzhou.labels.files import inspect_file, label_file


@pytest.fixture(scope="module")
def credentials() -> C2paCredentials:
    return make_test_credentials()[0]


@pytest.mark.parametrize(
    ("fmt", "ext", "mime"),
    [("PNG", ".png", "image/png"), ("JPEG", ".jpg", "image/jpeg"), ("WEBP", ".webp", "image/webp")],
)
def test_aigc_then_c2pa_both_verify(
    tmp_path: Path, credentials: C2paCredentials, fmt: str, ext: str, mime: str
) -> None:
    need("exiftool")
    source = make_image(tmp_path / f"gen{ext}", fmt=fmt)
    result = label_file(source, PRODUCER, c2pa=credentials)
    data = result.output.read_bytes()
    # Independent reading of the manifest with c2pa-python's Reader.
    store = json.loads(c2pa.Reader(mime, io.BytesIO(data)).json())
    assert store["validation_state"] in ("Valid", "Trusted"), store.get("validation_results")
    active = store["manifests"][store["active_manifest"]]
    actions = next(a for a in active["assertions"] if a["label"].startswith("c2pa.actions"))["data"][
        "actions"
    ]
    assert actions[0]["action"] == "c2pa.created"
    assert actions[0]["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    # The GB 45438 label survives C2PA signing; its binding still verifies (C2PA box not hashed).
    assert len(exiftool_aigc(result.output)) == 1
    report = inspect_file(result.output)
    assert report.valid, report.to_dict()
    assert (
        report.c2pa
        and report.c2pa["trained_algorithmic_media"]
        and report.c2pa["validation_state"] == "Valid"
    )
    assert report.c2pa["aigc_assertion"]["ProduceID"] == result.label.ProduceID
    with Image.open(source) as a, Image.open(result.output) as b:
        assert a.tobytes() == b.tobytes()


def test_tampered_c2pa_asset_fails_validation(tmp_path: Path, credentials: C2paCredentials) -> None:
    result = label_file(make_image(tmp_path / "gen.png"), PRODUCER, c2pa=credentials)
    data = bytearray(result.output.read_bytes())
    # Re-encode different pixels with the same metadata chunks: change one IDAT byte and fix its CRC.
    idat = data.index(b"IDAT")
    length = int.from_bytes(data[idat - 4 : idat], "big")
    data[idat + 10] ^= 0x01
    import zlib

    data[idat + 4 + length : idat + 8 + length] = zlib.crc32(bytes(data[idat : idat + 4 + length])).to_bytes(
        4, "big"
    )
    tampered = tmp_path / "tampered.png"
    tampered.write_bytes(bytes(data))
    report = inspect_file(tampered)
    assert report.c2pa and report.c2pa["validation_state"] == "Invalid"
    assert report.checks[0].status == "invalid"


def test_mismatched_key_is_refused(tmp_path: Path, credentials: C2paCredentials) -> None:
    other = make_test_credentials()[0]
    with pytest.raises(InputError, match="does not match"):
        C2paCredentials(credentials.chain_pem, other.key_pem).algorithm()
