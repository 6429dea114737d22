"""The emulator's layout: sub-packages and root modules import each other in one direction only."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import bot.wecom.emulator

PACKAGE = "bot.wecom.emulator"
ROOT = Path(bot.wecom.emulator.__file__).parent


def _modules() -> dict[str, Path]:
    """Dotted name -> file, a package under its own name (its __init__.py)."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join([PACKAGE, *parts])] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Emulator modules `name` imports anywhere in its file (function bodies too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                targets.add(submodule if submodule in MODULES else module)
    return {t for t in targets if t in MODULES and t != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _unit(name: str) -> str:
    """The sub-package or root module a module belongs to."""
    return name[len(PACKAGE) + 1 :].split(".")[0]


def test_no_module_imports_a_module_that_imports_it_back():
    # The package's __init__ only re-exports the public names; everything inside is below it.
    graph = {name: deps for name, deps in GRAPH.items() if name != PACKAGE}
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_sub_packages_and_root_modules_depend_in_one_direction():
    units: dict[str, set[str]] = {}
    for name, deps in GRAPH.items():
        if name == PACKAGE:
            continue
        units.setdefault(_unit(name), set()).update(_unit(d) for d in deps if _unit(d) != _unit(name))
    try:
        TopologicalSorter(units).prepare()
    except CycleError as exc:
        pytest.fail(f"cycle between parts of the emulator: {' -> '.join(exc.args[1])}")


def test_only_the_package_imports_the_server():
    importers = sorted(name for name, deps in GRAPH.items() if f"{PACKAGE}.server" in deps)
    assert importers == [PACKAGE]


def test_no_import_hides_behind_type_checking():
    assert [str(p.relative_to(ROOT)) for p in MODULES.values() if "TYPE_CHECKING" in p.read_text()] == []


def test_each_package_and_module_opens_with_a_docstring():
    missing = [name for name, path in MODULES.items() if not ast.get_docstring(ast.parse(path.read_text()))]
    assert missing == []


def test_the_api_actions_and_console_are_sub_packages():
    packages = {_unit(n) for n, path in MODULES.items() if path.name == "__init__.py" and n != PACKAGE}
    assert packages == {"actions", "api", "console"}
