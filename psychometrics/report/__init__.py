"""Stage 5 of the pipeline: a self-contained HTML page per audit, and a comparison of two audits.

:func:`write_audit_report` renders ``templates/report/audit.html.j2`` for one run — sections ``summary``,
``profile``, ``reliability``, ``sensitivity``, ``validity``, ``items`` and ``method`` — with charts as inline SVG
built by hand, autoescaping on and a Content-Security-Policy that forbids every external load; the page runs no
script. :func:`write_comparison_report` renders a :class:`~psychometrics.score.Comparison` (built by
:func:`psychometrics.score.compare_runs`). The report only lays out the records the score stage gives it.

The report stage owns the presentation layer of every page: the Jinja environment and its templates
(``templates/report/``), the Content-Security-Policy, and the charts (:func:`trend_chart` for the schedule page,
:func:`level_chart` for the shaping page). ``schedule`` and ``shape`` render their pages through :func:`render`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from psychometrics.report._audit import SECTION_IDS
    from psychometrics.report._compare import COMPARE_SECTION_IDS
    from psychometrics.report._matrix import MATRIX_SECTION_IDS
    from psychometrics.report._render import (
        CSP,
        audit_report_path,
        comparison_report_path,
        matrix_report_path,
        page_path,
        render,
        render_audit_report,
        render_comparison_report,
        render_matrix_report,
        write_audit_report,
        warm_up,
        write_comparison_report,
        write_matrix_report,
    )
    from psychometrics.report._svg import LevelLine, LevelPoint, level_chart, profile_matrix, trend_chart

__all__ = [
    "COMPARE_SECTION_IDS",
    "CSP",
    "LevelLine",
    "LevelPoint",
    "MATRIX_SECTION_IDS",
    "SECTION_IDS",
    "audit_report_path",
    "comparison_report_path",
    "level_chart",
    "matrix_report_path",
    "page_path",
    "profile_matrix",
    "render",
    "render_audit_report",
    "render_comparison_report",
    "render_matrix_report",
    "trend_chart",
    "warm_up",
    "write_audit_report",
    "write_comparison_report",
    "write_matrix_report",
]

_WHERE = {
    "SECTION_IDS": "_audit",
    "COMPARE_SECTION_IDS": "_compare",
    "MATRIX_SECTION_IDS": "_matrix",
    "CSP": "_render",
    "render": "_render",
    "audit_report_path": "_render",
    "comparison_report_path": "_render",
    "matrix_report_path": "_render",
    "page_path": "_render",
    "render_audit_report": "_render",
    "render_comparison_report": "_render",
    "write_audit_report": "_render",
    "write_comparison_report": "_render",
    "warm_up": "_render",
    "render_matrix_report": "_render",
    "write_matrix_report": "_render",
    "LevelLine": "_svg",
    "LevelPoint": "_svg",
    "level_chart": "_svg",
    "profile_matrix": "_svg",
    "trend_chart": "_svg",
}


def __getattr__(name: str) -> Any:
    # Lazy: `psychometrics --help` and `import psychometrics.report` stay light; pandas loads on first use.
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'psychometrics.report' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"psychometrics.report.{module}"), name)
