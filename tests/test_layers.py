"""Layers point one way: every import of a pipeline module points to its own layer or one below, and no two
modules import each other, whether imported at the top or inside a function.

The layers, lowest first, are LAYERS; docs/development.md and the README draw the same tree.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "pipeline"
# read → validate → score → rank → write, as packages: each may import only from itself and the layers before it.
LAYERS = ("core", "rules", "scoring", "reading", "procedure", "checking", "workspace", "run", "outputs", "forms",
          "province", "cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, modules: set[str]) -> set[str]:
    """The pipeline modules `path` imports anywhere in its code (top level, functions, TYPE_CHECKING blocks)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # `from pipeline import workbook` imports the module pipeline.outputs.workbook, not a name of pipeline.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module in modules and module != name}


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(path): imported(path, modules) for path in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk meets, each as the list of modules around it."""
    found: list[list[str]] = []
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                found.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def layer(module: str) -> int:
    """Where a module stands: its package's place in LAYERS; the package root (its version) below them all,
    `python -m pipeline` above them all."""
    parts = module.split(".")
    if len(parts) == 1:
        return -1
    if parts[1] == "__main__":
        return len(LAYERS)
    return LAYERS.index(parts[1])


def upward(graph: dict[str, set[str]]) -> list[str]:
    """Every import that points to a higher layer, as "importer → imported"."""
    return [f"{importer} → {target}" for importer, targets in sorted(graph.items()) for target in sorted(targets)
            if layer(target) > layer(importer)]


def test_the_graph_sees_the_package():
    graph = import_graph()
    workbook = "pipeline.outputs.workbook"
    assert workbook in graph and f"{workbook}.ranking" in graph[workbook]
    assert workbook in graph["pipeline.outputs.write"]  # imported inside write_outputs: still counted


def test_every_module_is_in_a_layer():
    assert not [module for module in import_graph() if module.count(".") and module.split(".")[1] not in
                (*LAYERS, "__main__")]


def test_imports_point_down_the_layers():
    found = upward(import_graph())
    assert not found, "imports that point up the layers (LAYERS, lowest first):\n" + "\n".join(found)


def test_an_upward_import_is_caught():
    graph = {"pipeline.scoring.rank": {"pipeline.outputs.write", "pipeline.core.labels"},
             "pipeline.outputs.write": {"pipeline.scoring.rank"}}
    assert upward(graph) == ["pipeline.scoring.rank → pipeline.outputs.write"]


@pytest.mark.parametrize("page", ["README.md", "docs/development.md"])
def test_the_documented_tree_is_the_layers(page):
    """The tree of packages each page draws, read top to bottom, is LAYERS from the highest down."""
    text = (ROOT / page).read_text(encoding="utf-8")
    tree = text[text.index("pipeline/\n"):]
    tree = tree[:tree.index("```")]
    drawn = [match.group(1) for match in re.finditer(r"^\S*\s*[├└]── (\w+)(?:/|\.py)", tree, re.M)]
    assert drawn == list(reversed(LAYERS))


def test_no_import_cycle_in_pipeline():
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" → ".join(cycle) for cycle in found)


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b", "a"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c", "a"]]),
    ],
)
def test_cycles_are_found(graph, expected):
    assert cycles(graph) == expected


def test_imports_inside_functions_and_relative_imports_count(tmp_path, monkeypatch):
    package = tmp_path / "pipeline"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def f():\n    from pipeline import high\n")
    (package / "high.py").write_text("from pipeline.low import f\n")
    (package / "sub" / "__init__.py").write_text("from .leaf import g\n")
    (package / "sub" / "leaf.py").write_text("from .. import low\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.PACKAGE", package)
    graph = import_graph()
    assert graph["pipeline.low"] == {"pipeline", "pipeline.high"}
    assert graph["pipeline.sub"] == {"pipeline.sub.leaf"}
    assert graph["pipeline.sub.leaf"] == {"pipeline", "pipeline.low"}
    assert cycles(graph) == [["pipeline.high", "pipeline.low", "pipeline.high"]]
