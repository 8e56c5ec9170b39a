"""The package-level import graph of ``psychometrics/``: no cycle between stages, imports only downward, no stage
reaching into another stage's private (``_``) modules or names, and docs/architecture.md drawing the same table.

Every module is parsed with :mod:`ast`; every ``import`` counts, including those inside functions and under
``TYPE_CHECKING`` (a deferred import is still a dependency). A node is a stage package (``plan``, ``store``…) or
a top-level module (``psychometrics`` itself for ``__version__``, ``_paths``, ``_yamlfile``, ``__main__``).

``python tests/test_architecture.py`` prints the table and the diagram of docs/architecture.md from :data:`ALLOWED`.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

PACKAGE = Path(__file__).resolve().parents[1] / "psychometrics"
DOC = PACKAGE.parent / "docs" / "architecture.md"
ROOT = "psychometrics"

BOTTOM = {ROOT, "_paths", "_yamlfile", "_format", "_record", "stats"}
"""Imported by any stage, import no stage: the version, data folders, the declarative-file loader, number
formatting, the record base, statistics."""

ALLOWED: dict[str, set[str]] = {
    # The pipeline is inventory → plan → administer → store → score → report. ``administer`` writes to the store,
    # so it sits above ``store`` in the import graph; ``store`` keeps the records both sides share (``Run``,
    # ``Response``) and imports ``Design`` from ``plan``.
    ROOT: set(),  # its lazy façade (``psychometrics.score`` …) resolves names at attribute access, not at import
    "_paths": set(),
    "_yamlfile": {"_record", "_format"},  # FileProblem is a record; "did you mean …?" is worded in _format
    "_format": set(),
    "_record": set(),
    "stats": {"_record"},  # its results derive from the record base
    "inventory": set(),
    "plan": {"inventory"},
    "store": {"plan"},
    "administer": {"inventory", "plan", "store", "score"},  # AuditResult.score() scores what was asked
    "score": {"inventory", "plan", "store"},
    "report": {"inventory", "plan", "store", "score"},
    "schedule": {"inventory", "plan", "administer", "store", "score", "report"},
    "shape": {"inventory", "plan", "administer", "store", "score", "report"},  # report renders its page
    "cli": {"inventory", "plan", "administer", "store", "score", "report", "schedule", "shape"},
    "__main__": {"cli"},
}
"""Which nodes each node may import besides itself (and besides :data:`BOTTOM`, for every node not in it)."""

class Edge(NamedTuple):
    module: str
    line: int
    target: str
    names: tuple[str, ...] = ()
    """The names a ``from … import`` takes from ``target``."""


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
                names = tuple(a.name for a in node.names) if isinstance(node, ast.ImportFrom) else ()
                for target in dict.fromkeys(_targets(node, module, path.name == "__init__.py")):
                    if target == ROOT or target.startswith(ROOT + "."):
                        edges.append(Edge(module, node.lineno, target, names))
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
    found = [
        f"{e.module}:{e.line} imports {e.target}: import the name from {'.'.join(e.target.split('.')[:2])}"
        for es in private_imports(EDGES).values()
        for e in es
    ]
    assert found == []


def test_no_stage_imports_a_private_name_of_another_stage() -> None:
    found = [
        f"{e.module}:{e.line} imports {name} from {e.target}"
        for e in EDGES
        if node_of(e.module) != node_of(e.target)
        for name in e.names
        if name.startswith("_") and not name.startswith("__") and not e.target.endswith(f".{name}")
    ]
    assert found == []


# -- docs/architecture.md draws the same table -------------------------------------------------------------------


def _reduction(allowed: dict[str, set[str]]) -> dict[str, set[str]]:
    """The arrows of ``allowed`` that no path of two or more arrows implies (what the diagram draws)."""

    def reach(n: str) -> set[str]:
        seen: set[str] = set()
        todo = list(allowed[n])
        while todo:
            v = todo.pop()
            if v not in seen:
                seen.add(v)
                todo.extend(allowed[v])
        return seen

    return {n: {t for t in ts if not any(t in reach(o) for o in ts - {t})} for n, ts in allowed.items()}


STAGES = [n for n in ALLOWED if n not in BOTTOM]
"""The stages in pipeline order, as the doc lists them."""


def doc_table() -> str:
    """The Markdown table of docs/architecture.md: each stage and what it may import besides the bottom modules."""
    rows = ["| stage | may import (besides the bottom modules) |", "|---|---|"]
    rows += [f"| `{n}` | {', '.join(f'`{t}`' for t in STAGES if t in ALLOWED[n]) or '—'} |" for n in STAGES]
    return "\n".join(rows)


def doc_diagram() -> str:
    """The mermaid diagram of docs/architecture.md: the arrows of :data:`ALLOWED` that no other path implies."""
    arrows = _reduction({n: ALLOWED[n] for n in STAGES})
    lines = ["```mermaid", "graph BT"]
    lines += [f"  {n} --> {t}" for n in STAGES for t in STAGES if t in arrows[n]]
    return "\n".join([*lines, "```"])


def test_the_doc_shows_the_allowed_table_and_diagram() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert doc_table() in text, "docs/architecture.md: paste the table `python tests/test_architecture.py` prints"
    assert doc_diagram() in text, "docs/architecture.md: paste the diagram `python tests/test_architecture.py` prints"
    bottom = re.search(r"bottom modules[^\n]*: (.*)", text)
    assert bottom and set(re.findall(r"`(?:psychometrics/|psychometrics\.)?(\w+)`", bottom.group(1))) >= BOTTOM - {ROOT}


if __name__ == "__main__":
    print(doc_table(), doc_diagram(), sep="\n\n")
