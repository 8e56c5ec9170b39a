"""psychometrics.stats is the only home of statistics: no other module imports scipy.stats or statsmodels."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "psychometrics"


def _statistics_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports {n}" for n in names
                  if n == "scipy.stats" or n.startswith(("scipy.stats.", "statsmodels"))]
    return found


def test_no_module_outside_stats_imports_scipy_stats_or_statsmodels():
    outside = [p for p in PACKAGE.rglob("*.py") if PACKAGE / "stats" not in p.parents]
    assert len(outside) > 50
    assert [hit for p in outside for hit in _statistics_imports(p)] == []
    # the check sees an import where there is one
    assert _statistics_imports(PACKAGE / "stats" / "_groups.py")
