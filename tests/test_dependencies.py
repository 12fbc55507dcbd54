"""Every third-party module the shipped code uses comes from a requirement ``pyproject.toml`` declares.

CI and users build a fresh virtualenv that holds only what the project declares and what those
packages declare in turn. A module that merely happens to be installed on the building machine
(left there by an older version of some package) makes the code work here and fail there: that is
how the portal's upload form once lost ``python-multipart``. Two checks close that gap:

- every ``import`` in ``src/tongzhou`` names a module of a declared distribution, and
- after importing every module of the package and building the served app (so that libraries run
  their own optional imports, as Starlette does for ``python_multipart``), every third-party module
  loaded belongs to a declared distribution.

"Declared" means the runtime requirements and their transitive requirements (with the extras they
ask for), plus the project's own optional extras for imports the code guards (``inspect``, ``ray``).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "tongzhou"

# Extras the shipped code may import behind a guard (it says how to install them when missing).
GUARDED_EXTRAS = ("inspect", "ray")

# Imports of a development extra that the shipped code reaches only when a user names them.
CHOSEN_BY_NAME = {
    "ahocorasick": "keyword_automaton's 'pyahocorasick' backend, a benchmark candidate (dev extra)",
}

# Libraries that a declared library imports only if they happen to be installed, and never needs:
# jsonschema's format checkers (its 'format' extra). Tongzhou validates without a format checker.
OPPORTUNISTIC = {
    "arrow",
    "fqdn",
    "isoduration",
    "lark",
    "rfc3339_validator",
    "rfc3986_validator",
    "rfc3987_syntax",
    "uri_template",
    "webcolors",
    "jsonpointer",
}


def _runtime_lines() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"])


def _extra_lines(extra: str) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(project["optional-dependencies"][extra])


def _satisfied(requirement: Requirement, extras: Iterable[str]) -> bool:
    if requirement.marker is None:
        return True
    environment = {key: str(value) for key, value in default_environment().items()}
    choices = list(extras) or [""]
    return any(requirement.marker.evaluate({**environment, "extra": extra}) for extra in choices)


def _closure(requirements: Iterable[Requirement]) -> set[str]:
    """Canonical names of the installed distributions these requirements pull in, transitively."""
    seen: set[tuple[str, frozenset[str]]] = set()
    names: set[str] = set()
    pending: list[tuple[Requirement, frozenset[str]]] = [
        (req, frozenset()) for req in requirements if _satisfied(req, ())
    ]
    while pending:
        requirement, _ = pending.pop()
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a platform-specific requirement not installed here (e.g. hyperscan off x86-64)
        names.add(name)
        for line in distribution.requires or ():
            child = Requirement(line)
            if _satisfied(child, requirement.extras):
                pending.append((child, frozenset()))
    return names


@cache
def _declared() -> frozenset[str]:
    runtime = [Requirement(line) for line in _runtime_lines()]
    guarded = [Requirement(line) for extra in GUARDED_EXTRAS for line in _extra_lines(extra)]
    return frozenset(_closure(runtime) | _closure(guarded))


@cache
def _declared_elsewhere() -> frozenset[str]:
    """Runtime requirements whose platform marker leaves them out here (e.g. hyperscan off x86-64)."""
    requirements = map(Requirement, _runtime_lines())
    return frozenset(canonicalize_name(r.name) for r in requirements if not _satisfied(r, ()))


@cache
def _distributions_of() -> dict[str, list[str]]:
    mapping = metadata.packages_distributions().items()
    return {module: [canonicalize_name(d) for d in dists] for module, dists in mapping}


def _third_party(module: str) -> bool:
    return module not in sys.stdlib_module_names and module != "tongzhou" and module != "__main__"


def _undeclared(modules: Iterable[str]) -> dict[str, list[str]]:
    declared = _declared()
    found: dict[str, list[str]] = {}
    for module in sorted(set(modules)):
        dists = _distributions_of().get(module)
        if dists is None:
            if canonicalize_name(module) not in _declared_elsewhere():
                found[module] = ["(no installed distribution provides it)"]
        elif not declared.intersection(dists):
            found[module] = dists
    return found


def _imported_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_import_in_the_source_is_a_declared_requirement() -> None:
    modules = {name for path in SOURCE.rglob("*.py") for name in _imported_names(path) if _third_party(name)}
    modules -= CHOSEN_BY_NAME.keys()
    assert modules, "the scan found no third-party import at all"
    assert _undeclared(modules) == {}


_LOAD_EVERYTHING = r"""
import json, pkgutil, importlib, sys
import tongzhou
for info in pkgutil.walk_packages(tongzhou.__path__, "tongzhou."):
    if ".migrations." in info.name:
        continue  # Alembic revision scripts run only inside Alembic's context
    importlib.import_module(info.name)
from tongzhou.portal.service import service_from_env
service_from_env()
# Built-in modules a library creates at run time (Cython's cython_runtime) have no file and no distribution.
files = {name.split(".")[0] for name, m in list(sys.modules.items()) if getattr(m, "__file__", None)}
print(json.dumps(sorted(files)))
"""


def test_every_module_loaded_at_run_time_is_a_declared_requirement(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_EVERYTHING],
        capture_output=True,
        text=True,
        timeout=300,
        env={"TONGZHOU_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    modules = {name for name in loaded if _third_party(name) and not re.match(r"^_", name)} - OPPORTUNISTIC
    assert "python_multipart" in modules, "the served app no longer loads Starlette's form parser"
    assert _undeclared(modules) == {}
