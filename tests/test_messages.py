"""The one catalog: every message Babel extracts from the code and the portal's templates (babel.cfg,
the same mapping `make i18n` uses) has its Chinese; no entry is there twice or without a message
that uses it; both languages have the same ``{name}`` fields; and the CLI prints an error in both
languages from it."""

from __future__ import annotations

import ast
import functools
import string
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, unescape

from tongzhou import messages
from tongzhou.errors import InputError, RemoteError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "tongzhou"
MAPPING = ROOT / "babel.cfg"


def extract(directory: Path) -> dict[str, list[str]]:
    """English message → where it is written (``file:line``), as ``pybabel extract -F babel.cfg`` finds it."""
    with MAPPING.open(encoding="utf-8") as mapping:
        method_map, options_map = parse_mapping_cfg(mapping, str(MAPPING))
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        directory, method_map, options_map
    ):
        text = message[0] if isinstance(message, tuple) else message
        found.setdefault(text, []).append(f"{filename}:{lineno}")
    return found


@functools.cache
def extracted() -> dict[str, list[str]]:
    return extract(PACKAGE)


def catalog_text() -> str:
    return resources.files("tongzhou").joinpath(messages.CATALOG).read_text(encoding="utf-8")


def fields(text: str) -> Counter[tuple[str, str | None, str | None]]:
    """The ``{name!conversion:spec}`` fields of a message, counted."""
    return Counter(
        (name, conversion, spec)
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


def test_extraction_finds_the_messages_of_every_kind() -> None:
    found = extracted()
    assert {
        "Registry",  # a template's _("…")
        "Wrong name or password.",  # PortalProblem(status, "…")
        "status",  # N_("…") of a message templates show through a variable
        "Not found.",  # N_("…") in the portal's code
        "No report with this id.",  # ReportProblem(status, "…")
        "There is no consultation {id}.",  # consultation's table of refusals, N_("…")
        "{path}: no such AI-BOM file",  # the CLI: InputError.of("…", path=…)
        "the judge model did not answer: {reason}",  # RemoteError.of
        "the input is nested too deeply",  # the CLI's own failure lines, Failure.of
    } <= set(found)
    assert len(found) > 500


def test_every_message_has_chinese() -> None:
    translated = messages.catalog()
    missing = sorted(m for m in extracted() if not translated.get(m))
    assert not missing, (
        f"no Chinese (run `make i18n`, then fill in the msgstr in src/tongzhou/{messages.CATALOG}"
        " and drop any fuzzy flag): " + "; ".join(f"{m!r} ({extracted()[m][0]})" for m in missing)
    )


def test_no_entry_is_left_that_no_code_uses() -> None:
    with resources.files("tongzhou").joinpath(messages.CATALOG).open("rb") as po:
        catalog = read_po(po)
    unused = sorted(str(entry.id) for entry in catalog if entry.id and entry.id not in extracted())
    assert not unused, "in the catalog but in no code or template (run `make i18n`): " + "; ".join(unused)
    assert not catalog.obsolete, "obsolete (#~) entries: " + "; ".join(map(str, catalog.obsolete))


def _msgids(text: str) -> Iterator[str]:
    """Every msgid of a .po file's text, continuation lines joined (read_po would keep the last twin)."""
    lines = iter(text.splitlines())
    for line in lines:
        if line.startswith("msgid "):
            parts = [line.removeprefix("msgid ").strip()]
            for more in lines:
                if not more.startswith('"'):
                    break
                parts.append(more.strip())
            yield "".join(unescape(part) for part in parts)


def test_every_message_is_in_the_catalog_once() -> None:
    # A merge of two branches that each added the same message would otherwise keep one of two
    # translations without a word.
    counts = Counter(_msgids(catalog_text()))
    assert len(counts) > 500
    assert [m for m, n in counts.items() if n > 1] == []


def test_chinese_has_the_same_fields_as_english() -> None:
    differ = [
        f"{english!r} → {chinese!r}"
        for english, chinese in messages.catalog().items()
        if fields(english) != fields(chinese)
    ]
    assert not differ, "the {name} fields differ: " + "; ".join(differ)


def test_a_message_without_chinese_would_fail(tmp_path: Path) -> None:
    (tmp_path / "portal" / "templates").mkdir(parents=True)
    (tmp_path / "portal" / "templates" / "page.html").write_text('<p>{{ _("A page nobody translated") }}</p>')
    (tmp_path / "tool.py").write_text(
        'from tongzhou.errors import InputError\nraise InputError.of("{path}: nobody translated", path=1)\n'
    )
    found = extract(tmp_path)
    assert set(found) == {"A page nobody translated", "{path}: nobody translated"}
    assert not set(found) & set(messages.catalog())


def _is_error(func: ast.expr) -> bool:
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name == "TongzhouError" or name.endswith(("Error", "Failure", "Problem"))


def _chinese_written_in_code() -> Iterator[str]:
    """Errors given their Chinese in the code, and ``.of`` calls Babel cannot extract."""
    for module in PACKAGE.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        if "zh=" not in text and ".of(" not in text:
            continue
        tree = ast.parse(text, str(module))
        # ``of`` itself hands its template on (Failure.of -> TongzhouError.of): not a message.
        passing_on = {
            id(inner)
            for definition in ast.walk(tree)
            if isinstance(definition, ast.FunctionDef) and definition.name == "of"
            for inner in ast.walk(definition)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in passing_on:
                continue
            where = f"{module.relative_to(PACKAGE)}:{node.lineno}"
            if _is_error(node.func) and any(keyword.arg == "zh" for keyword in node.keywords):
                yield f"{where}: zh=… (use TongzhouError.of with a catalog message)"
            named = node.func.attr if isinstance(node.func, ast.Attribute) else None
            first = node.args[0] if node.args else None
            if named == "of" and not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                yield f"{where}: .of(…) needs a literal message for Babel, not an f-string or a name"


def test_the_chinese_of_errors_comes_from_the_catalog() -> None:
    assert list(_chinese_written_in_code()) == []


def test_an_error_is_english_then_the_catalogs_chinese() -> None:
    error = InputError.of("{path}: no such AI-BOM file", path="bom.json")
    assert str(error) == "bom.json: no such AI-BOM file"
    assert error.zh == "bom.json：物料清单文件不存在"
    assert error.bilingual() == "bom.json: no such AI-BOM file / bom.json：物料清单文件不存在"
    assert RemoteError.of("the judge model did not answer: {reason}", reason="timeout").bilingual() == (
        "the judge model did not answer: timeout / 评审模型无响应：timeout"
    )
    unknown = InputError.of("{n} is a message nobody catalogued", n=1)
    assert unknown.zh is None and unknown.bilingual() == "1 is a message nobody catalogued"


def test_a_cli_error_prints_both_languages_from_the_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tongzhou.cli.main import run

    missing = tmp_path / "nothing-here"
    assert run(["oss", "scan", str(missing)]) == 2
    chinese = messages.catalog()["{path}: no such file or directory"].format(path=missing)
    assert capsys.readouterr().err.strip() == f"error: {missing}: no such file or directory / {chinese}"
    assert chinese == f"{missing}：文件或目录不存在"
