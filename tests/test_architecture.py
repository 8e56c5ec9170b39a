"""The package-level import graph of ``psychometrics/``: no cycle between stages, imports only downward, and no
stage reaching into another stage's private (``_``) modules.

Every module is parsed with :mod:`ast`; every ``import`` counts, including those inside functions and under
``TYPE_CHECKING`` (a deferred import is still a dependency). A node is a stage package (``plan``, ``store``…) or
a top-level module (``psychometrics`` itself for ``__version__``, ``_paths``, ``_yamlfile``, ``__main__``).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

PACKAGE = Path(__file__).resolve().parents[1] / "psychometrics"
ROOT = "psychometrics"

BOTTOM = {ROOT, "_paths", "_yamlfile", "_format", "stats"}
"""Imported by any stage, import no stage: the version, data folders, the declarative-file loader, number
formatting, statistics."""

ALLOWED: dict[str, set[str]] = {
    # The pipeline is inventory → plan → administer → store → score → report. ``administer`` writes to the store,
    # so it sits above ``store`` in the import graph; ``store`` keeps the records both sides share (``Run``,
    # ``Response``) and imports ``Design`` from ``plan``.
    ROOT: set(),  # its lazy façade (``psychometrics.score`` …) resolves names at attribute access, not at import
    "_paths": set(),
    "_yamlfile": set(),
    "_format": set(),
    "stats": set(),
    "inventory": set(),
    "plan": {"inventory"},
    "store": {"plan"},
    "administer": {"inventory", "plan", "store"},
    "score": {"inventory", "plan", "store"},
    "report": {"inventory", "plan", "store", "score"},
    "schedule": {"inventory", "plan", "administer", "store", "score", "report"},
    "shape": {"inventory", "plan", "administer", "store", "score"},
    "cli": {"inventory", "plan", "administer", "store", "score", "report", "schedule", "shape"},
    "__main__": {"cli"},
}
"""Which nodes each node may import besides itself (and besides :data:`BOTTOM`, for every node not in it)."""

KNOWN_VIOLATIONS: set[tuple[str, str]] = {
    # (importing module, imported private module of another stage), with the public name to use instead.
    ("psychometrics.score._model", "psychometrics.stats._result"),  # frame_to_json: one NaN↔null home (item 4)
}

PRIVATE_IMPORTS_WITH_REASON: dict[tuple[str, str], str] = {}
"""Imports of another stage's private module that are meant to stay, each with its reason (none today)."""


class Edge(NamedTuple):
    module: str
    line: int
    target: str


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        anchor = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
        base = ".".join(anchor + ([node.module] if node.module else []))
    # ``from psychometrics import report`` and ``from psychometrics.report import _svg`` import modules
    return [f"{base}.{alias.name}" if _is_module(f"{base}.{alias.name}") else base for alias in node.names]


def import_edges() -> list[Edge]:
    """Every import of a ``psychometrics`` module by a ``psychometrics`` module."""
    edges: list[Edge] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in dict.fromkeys(_targets(node, module, path.name == "__init__.py")):
                    if target == ROOT or target.startswith(ROOT + "."):
                        edges.append(Edge(module, node.lineno, target))
    return edges


def node_of(module: str) -> str:
    """``psychometrics.plan._build`` → ``plan``; ``psychometrics._paths`` → ``_paths``; the package → itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT


def _is_private_module_of_a_stage(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 2 and any(p.startswith("_") for p in parts[2:])


def stage_graph(edges: list[Edge]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        if node_of(e.module) != node_of(e.target):
            graph[node_of(e.module)].add(node_of(e.target))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(set(graph) | {w for ws in graph.values() for w in ws}):
        if v not in index:
            visit(v)
    return found


def private_imports(edges: list[Edge]) -> dict[tuple[str, str], list[Edge]]:
    out: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for e in edges:
        if node_of(e.module) != node_of(e.target) and _is_private_module_of_a_stage(e.target):
            out[(e.module, e.target)].append(e)
    return out


EDGES = import_edges()


def test_the_scan_sees_module_level_and_deferred_imports() -> None:
    seen = {(node_of(e.module), node_of(e.target)) for e in EDGES}
    assert ("store", "plan") in seen  # store/_records.py: Design, at module level
    assert ("shape", "administer") in seen  # shape/_api.py: ``audit``, imported inside shape()
    assert ("schedule", "report") in seen  # ``from psychometrics import report``, inside a function


def test_every_node_has_a_row_in_the_table() -> None:
    nodes = {node_of(_module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert nodes == set(ALLOWED), "add the new stage to ALLOWED (and docs/architecture.md)"
    assert BOTTOM <= set(ALLOWED)


def test_the_allowed_table_itself_has_no_cycle() -> None:
    allowed = {n: ALLOWED[n] | (set() if n in BOTTOM else BOTTOM) for n in ALLOWED}
    assert cycles(allowed) == []


def test_no_import_cycle_between_stages() -> None:
    found = cycles(stage_graph(EDGES))
    detail = [
        f"{e.module}:{e.line} imports {e.target}"
        for e in EDGES
        if any(node_of(e.module) in c and node_of(e.target) in c and node_of(e.module) != node_of(e.target)
               for c in found)
    ]
    assert found == [], "import cycle between stages:\n" + "\n".join(detail)


def test_stages_import_only_what_the_table_allows() -> None:
    wrong = [
        f"{e.module}:{e.line} imports {e.target} ({node_of(e.module)} → {node_of(e.target)})"
        for e in EDGES
        if node_of(e.target) != node_of(e.module)
        and node_of(e.target) not in ALLOWED[node_of(e.module)]
        and not (node_of(e.target) in BOTTOM and node_of(e.module) not in BOTTOM)
    ]
    assert wrong == []


def test_no_stage_imports_another_stages_private_module() -> None:
    found = private_imports(EDGES)
    unexpected = [
        f"{e.module}:{e.line} imports {e.target}: import the name from {'.'.join(e.target.split('.')[:2])}"
        for key, es in sorted(found.items())
        if key not in KNOWN_VIOLATIONS and key not in PRIVATE_IMPORTS_WITH_REASON
        for e in es
    ]
    assert unexpected == []


def test_known_violations_are_still_there() -> None:
    """A fixed violation leaves the list: the list shrinks to nothing instead of hiding new ones."""
    found = private_imports(EDGES)
    stale = sorted(key for key in KNOWN_VIOLATIONS | set(PRIVATE_IMPORTS_WITH_REASON) if key not in found)
    assert stale == [], "remove from KNOWN_VIOLATIONS / PRIVATE_IMPORTS_WITH_REASON"
