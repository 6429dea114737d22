"""The code's layout: imports point one way (sidebar_web → domain packages → bot.contacts → bot.store and
bot.wecom), no two packages import each other, and no module or folder outgrows one sitting."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP = ("bot", "sidebar_web")

# Layers of bot/, lowest first: a module may import its own layer's units and any lower layer, never a
# higher one. Units are a top-level module (bot.settings) or a package (bot.contacts).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot.settings_values", "bot.settings", "bot.values", "bot.logs", "bot.jobs"),
    ("bot.wecom", "bot.store", "bot.migrations"),
    ("bot.appkeys", "bot.notify", "bot.inbox", "bot.tasks"),
    ("bot.contacts",),
    # the domain packages: each reads bot.contacts, none reads another
    ("bot.followups", "bot.radar", "bot.segments", "bot.campaigns", "bot.channels", "bot.profile",
     "bot.reports"),
    # composition: what runs every package's jobs and handlers
    ("bot.scheduler", "bot.runtime"),
    ("sidebar_web",),
)  # fmt: skip
DOMAINS = set(LAYERS[4])


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    found = {}
    for top in TOP:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "static" not in path.parts:
                found[module_name(path)] = path
    return found


MODULES = modules()


def imports_of(name: str, path: Path) -> set[str]:
    """The project modules `name` imports (a `from package import module` names the module)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        found.update(t for t in targets if t.split(".")[0] in TOP and t in MODULES)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def unit(name: str) -> str:
    """The layer unit a module belongs to: bot.contacts.sync → bot.contacts, bot.settings → bot.settings."""
    if name.startswith("sidebar_web"):
        return "sidebar_web"
    parts = name.split(".")
    return ".".join(parts[:2])


def layer_of(name: str) -> int:
    u = unit(name)
    for i, layer in enumerate(LAYERS):
        if u in layer:
            return i
    raise AssertionError(f"{name} belongs to no layer: add its package to LAYERS in {Path(__file__).name}")


def test_every_module_has_a_layer():
    for name in MODULES:
        if name not in TOP:
            layer_of(name)


def test_imports_point_down_the_layers():
    wrong = [
        f"{a} imports {b}"
        for a, targets in GRAPH.items()
        for b in targets
        if a not in TOP and b not in TOP and layer_of(b) > layer_of(a)
    ]
    assert not wrong, "imports pointing up the layers:\n" + "\n".join(wrong)


def test_domain_packages_never_import_each_other():
    wrong = [
        f"{a} imports {b}"
        for a, targets in GRAPH.items()
        for b in targets
        if unit(a) in DOMAINS and unit(b) in DOMAINS and unit(a) != unit(b)
    ]
    assert not wrong, "domain packages must meet through bot.contacts, not each other:\n" + "\n".join(wrong)


def children_graph(package: str) -> dict[str, set[str]]:
    """Within one package: which of its direct children (sub-packages, modules, and its __init__) import
    which. A child stands for everything below it."""
    prefix = package + "."

    def child(name: str) -> str | None:
        if name == package:
            return "__init__"
        if not name.startswith(prefix):
            return None
        return name[len(prefix) :].split(".")[0]

    edges: dict[str, set[str]] = {}
    for a, targets in GRAPH.items():
        ca = child(a)
        if ca is None:
            continue
        for b in targets:
            cb = child(b)
            if cb is not None and cb != ca:
                edges.setdefault(ca, set()).add(cb)
    return edges


def cycle_in(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path [a, b, ..., a], or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


PACKAGES = sorted({*TOP, *(n for n, p in MODULES.items() if p.name == "__init__.py")})


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_inside(package):
    cycle = cycle_in(children_graph(package))
    assert cycle is None, f"import cycle in {package}: " + " → ".join(cycle)


def test_the_bot_never_imports_the_web_server():
    wrong = [f"{a} imports {b}" for a, ts in GRAPH.items() for b in ts if a.startswith("bot") and b in MODULES
             and b.startswith("sidebar_web")]  # fmt: skip
    assert not wrong, "\n".join(wrong)


def test_services_take_no_requests():
    """Domain code never sees aiohttp's request objects; the web faces parse them and call services."""
    wrong = [
        name
        for name, path in MODULES.items()
        if unit(name) in DOMAINS | {"bot.contacts"} and "web.Request" in path.read_text(encoding="utf-8")
    ]
    assert not wrong, wrong


def test_modules_read_in_one_sitting():
    long = {
        name: n
        for name, path in MODULES.items()
        if not name.startswith(("bot.wecom.emulator", "bot.migrations"))
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert not long, f"modules over 400 lines: {long}"


def test_folders_hold_at_most_sixteen_modules():
    per_folder = Counter(
        path.parent for name, path in MODULES.items() if not name.startswith("bot.migrations")
    )
    crowded = {str(folder.relative_to(ROOT)): n for folder, n in per_folder.items() if n > 16}
    assert not crowded, f"folders that want sub-packages: {crowded}"


def test_the_checker_sees_a_cycle_and_names_it():
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set()}) is None


def test_documents_name_only_paths_that_exist():
    """The README and the settings' comments point at files and folders a reader can open."""
    named = set()
    for doc in ("README.md", "config/default.toml"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        named.update(re.findall(r"\b((?:bot|sidebar_web|tests|templates|config)/[\w./-]*\w/?)", text))
    missing = sorted(p for p in named if not (ROOT / p.split(":")[0]).exists())
    assert not missing, f"documents name paths that do not exist: {missing}"
