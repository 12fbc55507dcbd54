"""Loading profiles: examples validate; every error names the file, the field path and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from tongzhou.errors import InputError
from tongzhou.systems.bundled import example_names, example_profiles
from tongzhou.systems.loading import MAX_PROFILE_BYTES, dump_profile, load_profile, profile_from_data
from tongzhou.systems.profile import FACT_NAMES

MINIMAL = """\
id: minimal
name: Minimal
purpose: Something.
registrant: {name: A, role: provider}
provider: {name: A}
"""


def test_bundled_examples_cover_the_required_kinds() -> None:
    names = set(example_names())
    assert {
        "public-chatbot-cn",
        "public-chatbot-eu",
        "cv-screening",
        "credit-scoring",
        "classroom-emotion",
        "frontier-gpai",
    } <= names
    profiles = example_profiles()
    assert len(profiles) >= 5
    assert all(p.id == n for p, n in zip(profiles, sorted(names), strict=True))


def test_minimal_profile_leaves_facts_unknown(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    profile = load_profile(path)
    facts = profile.facts()
    assert set(facts) == FACT_NAMES
    assert facts["functions"] is None and facts["model.training_compute_flop"] is None
    assert facts["registrant.role"] == "provider"


def test_json_profiles_load_and_round_trip(tmp_path: Path) -> None:
    original = example_profiles()[0]
    for fmt in ("json", "yaml"):
        path = tmp_path / f"p.{fmt}"
        path.write_text(dump_profile(original, fmt), encoding="utf-8")
        assert load_profile(path) == original


def test_error_names_file_field_path_and_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        MINIMAL + "model: {training_compute_flop: -5}\nfunctions: [chatbot]\nusers: {audeince: public}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_profile(path)
    message = str(err.value)
    assert str(path) in message
    assert "model.training_compute_flop: Input should be greater than or equal to 0" in message
    assert "functions: Value error, unknown functions term(s) 'chatbot'" in message
    assert "users.audeince: unknown field" in message


def test_missing_required_field_is_named() -> None:
    with pytest.raises(InputError, match=r"registrant: Field required"):
        profile_from_data({"id": "x", "name": "x", "purpose": "x", "provider": {"name": "p"}}, "x.yaml")


def test_list_index_is_in_the_path() -> None:
    data = {
        "id": "x",
        "name": "x",
        "purpose": "x",
        "provider": {"name": "p"},
        "registrant": {"name": "p", "role": "provider"},
        "markets": ["EU", "MARS"],
    }
    with pytest.raises(InputError, match=r"markets: Value error, unknown markets term\(s\) 'MARS'"):
        profile_from_data(data, "x.yaml")


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nname: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken.yaml: not valid YAML at line \d+"):
        load_profile(path)


def test_not_a_mapping_missing_file_and_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(InputError, match="must be a mapping"):
        load_profile(path)
    with pytest.raises(InputError, match="no such profile file"):
        load_profile(tmp_path / "absent.yaml")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_PROFILE_BYTES + 1))
    with pytest.raises(InputError, match="over the"):
        load_profile(big)


def test_bad_id_is_refused() -> None:
    with pytest.raises(InputError, match=r"id: String should match pattern"):
        profile_from_data(
            {
                "id": "Bad Id!",
                "name": "x",
                "purpose": "x",
                "provider": {"name": "p"},
                "registrant": {"name": "p", "role": "provider"},
            },
            "x.yaml",
        )


def test_yaml_alias_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghi"
    for prev, cur in zip(names, names[1:], strict=False):
        levels.append(f"{cur}: &{cur} [{','.join(['*' + prev] * 9)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text(MINIMAL + "\n".join(levels) + "\nfunctions: *i\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"functions\[0\]: Input should be a valid string"):
        load_profile(path)
