"""The README's map (mechanism → package → command → page) names only things that exist, and every package."""

from __future__ import annotations

import re
from pathlib import Path

from tongzhou.cli.lazy_group import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_ROOT = ROOT / "src" / "tongzhou"
HEADING = "## Where each mechanism lives in the code"


def _rows() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert HEADING in readme, f"README.md has no section {HEADING!r}"
    section = readme.split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("|")
    ]
    assert rows[0] == ["mechanism", "package", "command", "documentation"], rows[0]
    body = rows[2:]
    assert body and all(len(r) == 4 for r in body), body
    return body


def _mapped_packages() -> list[str]:
    return [name for row in _rows() for name in re.findall(r"`([a-z_]+)`", row[1])]


def test_every_package_named_exists() -> None:
    for name in _mapped_packages():
        package, module = PACKAGE_ROOT / name / "__init__.py", PACKAGE_ROOT / f"{name}.py"
        assert package.is_file() or module.is_file(), f"README names {name}: not in src/tongzhou"


def test_every_package_is_named_once() -> None:
    mapped = _mapped_packages()
    assert len(mapped) == len(set(mapped)), mapped
    packages = {p.parent.name for p in PACKAGE_ROOT.glob("*/__init__.py")}
    modules = {p.stem for p in PACKAGE_ROOT.glob("*.py") if p.stem != "__init__"}
    assert packages | modules == set(mapped), "add to (or remove from) the README map: " + ", ".join(
        sorted((packages | modules) ^ set(mapped))
    )


def test_every_command_named_exists_and_every_command_is_named() -> None:
    names = {entry.name for entry in COMMANDS}
    named = {command for row in _rows() for command in re.findall(r"`tongzhou ([a-z-]+)`", row[2])}
    assert named <= names, named - names
    assert named == names, "commands missing from the README map: " + ", ".join(sorted(names - named))


def test_every_page_named_exists() -> None:
    pages = [link for row in _rows() for link in re.findall(r"\]\(([^)]+)\)", row[3])]
    assert pages
    for page in pages:
        assert (ROOT / page).is_file(), page
