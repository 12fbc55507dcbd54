"""Model card front matter and config.json: read as found, malformed ones refused with the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tongzhou.errors import InputError
from tongzhou.oss.model_card import front_matter, read_card, read_config, read_folder_metadata

SOURCE = Path("README.md")


def test_front_matter_is_the_first_yaml_block() -> None:
    text = "---\nlicense: mit\nbase_model: org/base\n---\n# Title\n---\nnot: yaml\n"
    assert front_matter(text, SOURCE) == {"license": "mit", "base_model": "org/base"}
    assert front_matter("# no front matter\n", SOURCE) == {}
    assert front_matter("---\n---\nbody", SOURCE) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\nlicense: [mit\n---\n", "malformed at line"),
        ("---\nlicense: mit\n", "never closed"),
        ("---\n- a\n- b\n---\n", "must be a mapping"),
    ],
)
def test_malformed_front_matter_is_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        front_matter(text, SOURCE)
    assert caught.value.zh and "YAML" in caught.value.zh


def test_config_json_errors_name_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{\n  "model_type": "llama",\n  "architectures": [\n}\n')
    with pytest.raises(InputError, match=r"line 4, column 1"):
        read_config(path)
    path.write_text("[1, 2]")
    with pytest.raises(InputError, match="JSON object"):
        read_config(path)
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(InputError, match="not UTF-8"):
        read_config(path)


def test_folder_without_metadata_files_has_none(tmp_path: Path) -> None:
    metadata = read_folder_metadata(tmp_path)
    assert (metadata.card, metadata.config) == ({}, {})


def test_a_byte_order_mark_does_not_hide_the_front_matter() -> None:
    assert front_matter("\ufeff---\nlicense: mit\n---\n", SOURCE) == {"license": "mit"}


def test_folder_metadata_refuses_junk_huge_and_deep_files(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InputError, match="binary data"):
        read_folder_metadata(tmp_path)
    readme.write_bytes(b"---\nlicense: mit\n---\n" + b"a" * (1 << 20))
    with pytest.raises(InputError, match="over the 1,048,576-byte limit"):
        read_folder_metadata(tmp_path)
    readme.write_text("---\nlicense: " + "[" * 50_000 + "]" * 50_000 + "\n---\n")
    with pytest.raises(InputError, match="nested too deeply"):
        read_folder_metadata(tmp_path)
    readme.unlink()
    (tmp_path / "config.json").write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(InputError, match="config.json: the JSON is nested too deeply"):
        read_folder_metadata(tmp_path)


def test_card_fields_carry_their_lines(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("---\nlicense: mit\ndatasets:\n  - a/b\n  - c/d\ntags: [x]\n---\nBuilt with Llama\n")
    card = read_card(readme)
    assert card.first("license") == ("mit", 2)
    assert card.fields["datasets"].lines == (4, 5) and "tags" not in card.fields
    assert (card.body, card.body_first_line) == ("Built with Llama", 8)
    readme.write_text("# no front matter\n")
    assert read_card(readme).fields == {}
