"""The shape of the code: no import cycle among the app's modules, and a permission registry that
depends on the models only.

The import graph is read from the source with ``ast`` (nothing is imported), counting imports
inside functions too: an import moved into a function hides a cycle from Python, not from us.
Only ``if TYPE_CHECKING:`` blocks are left out, since they never run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"

# The area packages (accompaniment, admin, ..., supports): every package under app/ but the models.
AREAS = frozenset(path.parent.name for path in APP.glob("*/__init__.py")) - {"models"}


def module_name(path: Path, root: Path = APP) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
                continue
            stack.append(child)
    return found


def import_graph(root: Path = APP) -> dict[str, set[str]]:
    """Module -> the modules of ``root``'s package it imports. ``from app.x import y`` points at
    ``app.x.y`` when ``y`` is a submodule, else at ``app.x``."""
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base for alias in node.names]
            for target in targets:
                # ``import app.x.y`` names a module; keep the longest known prefix of anything else.
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """Every elementary cycle, each rotated to start at its smallest name so that it reads the same
    every run. Empty when there is none."""
    cycles = []
    for group in _tangles(graph):
        # Searching inside one tangle only keeps this quick: elsewhere no path comes back.
        for start in sorted(group):
            # Cycles through ``start`` and larger names only: each is found once, from its smallest.
            path, stack = [start], [iter(sorted(graph[start] & group))]
            while stack:
                for child in stack[-1]:
                    if child == start:
                        cycles.append(tuple(path))
                    elif child > start and child not in path:
                        path.append(child)
                        stack.append(iter(sorted(graph[child] & group)))
                        break
                else:
                    stack.pop()
                    path.pop()
    return sorted(cycles)


def _tangles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of modules that reach each other (Tarjan's strongly connected components), with
    a self-import counting as a group of one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        # Iterative, so that a long chain of imports cannot hit the recursion limit.
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(graph[root])))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    # The group is everything stacked since ``node``.
                    group = set(stack[stack.index(node) :])
                    del stack[stack.index(node) :]
                    on_stack -= group
                    if len(group) > 1 or node in graph[node]:
                        groups.append(group)
    return groups


def _show(cycle: tuple[str, ...]) -> str:
    return " -> ".join((*cycle, cycle[0]))


# --- The cycle finder itself ----------------------------------------------------------------------


def test_cycle_finder_finds_a_cycle_and_only_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}, "f": {"a"}}
    assert find_cycles(graph) == [("a", "b", "c"), ("e",)]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_cycle_finder_lists_every_loop_of_a_tangle_once():
    graph = {"a": {"b", "c"}, "b": {"a"}, "c": {"b"}, "x": {"y"}, "y": {"x"}, "z": {"x"}}
    assert find_cycles(graph) == [("a", "b"), ("a", "c", "b"), ("x", "y")]


def test_import_graph_counts_function_imports_and_submodules(tmp_path):
    package = tmp_path / "pkg"
    (package / "area").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "area" / "__init__.py").write_text("")
    (package / "area" / "services.py").write_text("def f():\n    from pkg import rules\n")
    (package / "area" / "routes.py").write_text("from pkg.area import services\nfrom . import helpers\n")
    (package / "area" / "helpers.py").write_text("from ..rules import x\n")
    (package / "rules.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.area import routes\n"
        "def g():\n    import pkg.area.services\n"
    )
    graph = import_graph(package)
    assert graph["pkg.area.routes"] == {"pkg.area.services", "pkg.area.helpers"}
    assert graph["pkg.area.helpers"] == {"pkg.rules"}
    assert graph["pkg.rules"] == {"pkg.area.services"}  # not the TYPE_CHECKING one
    assert find_cycles(graph) == [("pkg.area.services", "pkg.rules")]


# --- The app ----------------------------------------------------------------------------------------


def test_no_import_cycle_among_app_modules():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(_show(c) for c in cycles)


def test_permission_registry_imports_no_area_package():
    # Not even through another module: the registry reads as plain functions of user and object
    # over the models.
    graph = import_graph()
    reached, todo = set(), ["app.permissions"]
    while todo:
        for module in graph[todo.pop()] - reached:
            reached.add(module)
            todo.append(module)
    areas = sorted(m for m in reached if m.split(".")[1] in AREAS)
    assert not areas, f"app/permissions.py imports area packages: {areas}"
    assert reached <= {"app.extensions"} | {m for m in graph if m.startswith("app.models")}, sorted(reached)


def test_only_the_access_module_records_authorized_actions():
    # Views call authorize() (with ``explain=`` for a refusal they answer themselves); writing
    # ``g.authorized_actions`` directly would silence the check that a per-object view authorized.
    touching = sorted(
        str(path.relative_to(APP.parent))
        for path in APP.rglob("*.py")
        if path.name != "access.py"
        and any(
            isinstance(node, ast.Attribute) and node.attr == "authorized_actions"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    )
    assert not touching, f"g.authorized_actions written outside app/access.py: {touching}"


def test_importing_a_small_module_loads_no_area():
    # The blueprints are imported inside create_app: a script or a test that needs app.text must not
    # load every route module (and every import cycle they could hide) on the way.
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, app.text; print(*sorted(m for m in sys.modules if m.startswith('app.')))"],
        cwd=APP.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "app.text" in loaded
    areas = [m for m in loaded if m.split(".")[1] in AREAS]
    assert not areas, f"importing app.text loads {areas}"
