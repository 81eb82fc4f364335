"""The import graph of ``survey_app`` has no circle: no module imports, at module level, a module
that (directly or through others) imports it back. An import inside a function is deferred and
allowed; so is one under ``if TYPE_CHECKING:``.

A package's ``__init__`` counts as the package: ``from survey_app.admin import bp`` in
``survey_app/admin/rounds.py`` is an edge to ``survey_app.admin``. A package that imports its own
submodules at its end, after defining what they need (Flask's blueprint pattern), would be a
circle by that rule, so the edges from a package to its own submodules are left out.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "survey_app"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def module_level_imports(path: Path, modules: set[str]) -> set[str]:
    """The ``survey_app`` modules ``path`` imports when it is imported."""
    name = module_name(path)
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def visit(statements) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - node.level + 1]
                    origin = ".".join(base + ([node.module] if node.module else []))
                else:
                    origin = node.module or ""
                found.add(origin)
                found.update(f"{origin}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If) and not _type_checking(node):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, (ast.Try, ast.With)):
                visit(node.body)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
                visit(getattr(node, "orelse", []))
                visit(getattr(node, "finalbody", []))

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    targets = {m for m in found if m in modules and m != name}
    if is_package:
        targets = {m for m in targets if not m.startswith(name + ".")}
    return targets


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): module_level_imports(p, modules) for p in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of ``graph`` as a path that ends where it starts, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state:
                found = walk(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = walk(node)
            if found:
                return found
    return None


def test_the_finder_sees_a_circle_and_a_straight_line():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_module_level_imports_only():
    graph = import_graph()
    assert "survey_app.extensions" in graph["survey_app.operations.rounds"]
    # operations/rounds.py imports round_fit at module level, round_fit imports documents
    # only inside a function
    assert "survey_app.operations.round_fit" in graph["survey_app.operations.rounds"]
    assert "survey_app.operations.documents" not in graph["survey_app.operations.round_fit"]


def test_survey_app_has_no_import_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)
