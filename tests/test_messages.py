"""The one catalog: every message Babel extracts from the code and the portal's templates (babel.cfg,
the same mapping `make i18n` uses) has its Chinese; no entry is there twice or without a message
that uses it; both languages have the same ``{name}`` fields; and the CLI prints an error in both
languages from it."""

from __future__ import annotations

import ast
import functools
import re
import string
import sys
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


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
"""Chinese characters and Chinese punctuation (CJK symbols, unified ideographs, full-width forms)."""

CHINESE_ALLOWED_IN_ERRORS = {
    ("cli/failures.py", "interrupted / 已中断"): (
        "a start-up line: Ctrl-C may come while the CLI is still importing, before the catalog can load"
    ),
    ("labels/explicit_text.py", "'人工智能' or 'AI' and '生成' or '合成'"): (
        "data: the words GB 45438 §5 asks an explicit label to contain, named in both languages"
    ),
    ("corpus/review.py", "pass/fail (合格/不合格)"): (
        "data: the Chinese verdict words a review file may use, named in both languages"
    ),
}
"""(module, text) → why Chinese may be written in that error's message in the code.

The other start-up lines printed before anything can load (``interrupted / 已中断`` in cli/entry.py,
``terminated / 已终止`` in cli/main.py) are written to stderr, not raised, so they need no entry."""


def _error_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    return (
        _is_error(node.func)
        or name == "of"
        or (isinstance(node.func, ast.Name) and node.func.id == "bilingual")
    )


def _chinese_in_raised_messages() -> Iterator[str]:
    """Every string written in the code with Chinese in it that is part of a raised error's message or
    of the arguments of an error's constructor (``raise X(…)``, ``X.of(…)``, ``bilingual(…)``), or that
    is assigned, in the same function, to a name such a message uses."""
    for module in PACKAGE.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        if not CJK.search(text):
            continue
        relative = module.relative_to(PACKAGE).as_posix()
        tree = ast.parse(text, str(module))
        messages_of: list[ast.AST] = []
        for function in [
            tree,
            *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)),
        ]:
            raised = [n.exc for n in ast.walk(function) if isinstance(n, ast.Raise) and n.exc]
            raised += [n for n in ast.walk(function) if _error_call(n)]
            messages_of += raised
            # a message built in a variable first: ``message = "…"; raise X(message)``
            names = {n.id for message in raised for n in ast.walk(message) if isinstance(n, ast.Name)}
            messages_of += [
                n.value
                for n in ast.walk(function)
                if isinstance(n, ast.Assign)
                and any(isinstance(target, ast.Name) and target.id in names for target in n.targets)
            ]
        seen: set[int] = set()
        for message in messages_of:
            for node in ast.walk(message):
                if id(node) in seen or not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                    continue
                seen.add(id(node))
                if CJK.search(node.value) and not any(
                    module_name == relative and allowed in node.value
                    for module_name, allowed in CHINESE_ALLOWED_IN_ERRORS
                ):
                    yield f"{relative}:{node.lineno}: {node.value[:80]!r}"


def test_no_error_message_has_its_chinese_written_in_the_code() -> None:
    # "english / 中文" written inline would bypass the catalog: the Chinese belongs in the .po, found
    # by its English (TongzhouError.of("…"), or messages.bilingual("…") for other errors' texts).
    inline = list(_chinese_in_raised_messages())
    assert inline == [], "Chinese written in an error message in the code (use the catalog): " + "; ".join(
        inline
    )


def test_the_check_for_chinese_in_errors_finds_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tool.py").write_text(
        "from tongzhou.errors import InputError\n"
        'def f(path):\n    raise InputError(f"{path}: empty / 文件为空")\n'
        'def g():\n    message = "nested too deeply / 嵌套过深"\n    raise ValueError(message)\n'
        'def h():\n    raise InputError("plain English")\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path)
    found = list(_chinese_in_raised_messages())
    assert found == ["tool.py:3: ': empty / 文件为空'", "tool.py:5: 'nested too deeply / 嵌套过深'"]


def test_an_error_among_the_values_is_shown_in_the_chosen_language() -> None:
    reason = InputError.of("{path}: no such AI-BOM file", path="bom.json")
    assert messages.translate("en", "The workspace refused the change: {reason}", reason=reason) == (
        "The workspace refused the change: bom.json: no such AI-BOM file"
    )
    chinese = messages.translate("zh", "The workspace refused the change: {reason}", reason=reason)
    assert "bom.json：物料清单文件不存在" in chinese and "no such" not in chinese
    assert messages.bilingual("request body is not JSON") == "request body is not JSON / 请求体不是 JSON"
    assert messages.bilingual("a text nobody catalogued") == "a text nobody catalogued"
