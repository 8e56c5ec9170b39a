"""Render and write the HTML reports: one self-contained file, autoescaped, with a strict Content-Security-Policy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from psychometrics._paths import data_dir
from psychometrics import _format

if TYPE_CHECKING:
    from psychometrics.score import AuditScores, Comparison, RunMatrix

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
"""The page's Content-Security-Policy: nothing may load from anywhere, no script runs, styles are inline."""

REPORTS_DIR = "reports"


def templates_dir() -> Path:
    """The folder of the report templates (``templates/report``)."""
    return data_dir("templates") / "report"


@lru_cache(maxsize=None)
def environment(folder: Path | None = None) -> jinja2.Environment:
    """The Jinja2 environment of the report templates: autoescape on for every template, undefined is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder or templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update({
        "num": _format.num,
        "coef": _format.coef,
        "pvalue": _format.pvalue,
        "pct": _format.pct,
        "interval": _format.interval,
        "band": _format.band,
        "seconds": _format.seconds,
        "money": _format.money,
        "integer": _format.integer,
        "percentile": _format.percentile,
    })
    env.tests["missing"] = _format.missing
    env.globals.update({"CSP": CSP, "DASH": _format.DASH})
    return env


def warm_up() -> None:
    """Import what scoring and the audit report load on first use (pandas, scipy, the score stage) and compile the
    report's templates.

    Nothing is computed: a caller that waits for something else (the audit command, while the model answers) runs
    this in a thread so that the scoring that follows does not start with seconds of imports.
    """
    import psychometrics.report._audit  # noqa: F401 - imports the score stage, the statistics, pandas and scipy

    environment().get_template("audit.html.j2")


def render(template: str, context: dict[str, Any]) -> str:
    """Render ``template`` (a file in ``templates/report``) with ``context``."""
    return environment().get_template(template).render(**context)


def page_path(out: str | Path | None, default_name: str) -> Path:
    """Where a page goes: ``out`` is a folder (created when missing) that receives ``default_name``; a path ending
    in ``.html`` names the file itself (the older spelling); None is ``reports/``."""
    if out is None:
        return Path(REPORTS_DIR) / default_name
    path = Path(out)
    return path if path.suffix.lower() in (".html", ".htm") else path / default_name


def audit_report_path(run_id: str, out: str | Path | None = None) -> Path:
    """The file :func:`write_audit_report` writes for ``run_id`` and ``out`` (see :func:`page_path`)."""
    return page_path(out, f"{_safe_name(run_id)}.html")


def comparison_report_path(run_a: str, run_b: str, out: str | Path | None = None) -> Path:
    """The file :func:`write_comparison_report` writes (see :func:`page_path`)."""
    return page_path(out, f"{_safe_name(run_a)}-vs-{_safe_name(run_b)}.html")


def matrix_report_path(run_ids: "list[str]", out: str | Path | None = None) -> Path:
    """The file :func:`write_matrix_report` writes for these runs (see :func:`page_path`):
    ``matrix-<8 hex digits of the run ids>.html``, so the same runs always land on the same page."""
    import hashlib

    digest = hashlib.sha256("\n".join(run_ids).encode()).hexdigest()[:8]
    return page_path(out, f"matrix-{digest}.html")


def _write(html: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def _safe_name(run_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id).lstrip(".") or "run"


def render_audit_report(run_id: str, *, db: str | None = None, scores: "AuditScores | None" = None,
                        n_boot: int = 1000, seed: int | None = 0) -> str:
    """The audit report of ``run_id`` as one self-contained HTML document.

    Parameters
    ----------
    run_id : str
        A stored run.
    db : str, optional
        Store URL (default ``sqlite:///psychometrics.db`` or ``$PSYCHOMETRICS_DB``).
    scores : AuditScores, optional
        Scores already computed for this run; by default :func:`psychometrics.score.score` runs.
    n_boot, seed
        Passed to :func:`psychometrics.score.score` when ``scores`` is not given.

    Raises
    ------
    LookupError
        No run with that id.
    """
    from psychometrics.report._audit import FRAME_COLUMNS, build_audit_context
    from psychometrics.score import load_run_data

    data = load_run_data(run_id, db=db, scores=scores, n_boot=n_boot, seed=seed, columns=FRAME_COLUMNS)
    return render("audit.html.j2", build_audit_context(data, db))


def write_audit_report(run_id: str, *, db: str | None = None, out: str | Path | None = None,
                       scores: "AuditScores | None" = None, n_boot: int = 1000, seed: int | None = 0) -> Path:
    """Write the audit report of ``run_id`` and return its path.

    ``out`` is a folder that receives ``<run_id>.html`` (default ``reports/``), or a path ending in ``.html``;
    missing folders are created.
    """
    html = render_audit_report(run_id, db=db, scores=scores, n_boot=n_boot, seed=seed)
    return _write(html, audit_report_path(run_id, out))


def render_comparison_report(comparison: "Comparison", *, db: str | None = None) -> str:
    """A :class:`Comparison` as one self-contained HTML document (``db``: the store the runs are in, named in the
    command the page gives for scripts)."""
    from psychometrics.report._compare import comparison_context

    return render("compare.html.j2", comparison_context(comparison, db=db))


def write_comparison_report(run_a: str, run_b: str, *, db: str | None = None, out: str | Path | None = None,
                            comparison: "Comparison | None" = None, n_boot: int = 1000) -> Path:
    """Compare two runs (unless ``comparison`` is given) and write the report: ``<run_a>-vs-<run_b>.html`` in the
    folder ``out`` (default ``reports/``), or ``out`` itself when it ends in ``.html``."""
    from psychometrics.score import compare_runs

    cmp = comparison or compare_runs(run_a, run_b, db=db, n_boot=n_boot)
    html = render_comparison_report(cmp, db=db)
    return _write(html, comparison_report_path(run_a, run_b, out))


def render_matrix_report(matrix: "RunMatrix", *, db: str | None = None) -> str:
    """A :class:`~psychometrics.score.RunMatrix` as one self-contained HTML document (``db``: the store the runs
    are in, named in the command the page gives for scripts)."""
    from psychometrics.report._matrix import matrix_context

    return render("matrix.html.j2", matrix_context(matrix, db=db))


def write_matrix_report(matrix: "RunMatrix", *, out: str | Path | None = None, db: str | None = None) -> Path:
    """Write the page of several runs side by side and return its path: ``matrix-<hash>.html`` in the folder
    ``out`` (default ``reports/``), or ``out`` itself when it ends in ``.html`` (:func:`matrix_report_path`)."""
    return _write(render_matrix_report(matrix, db=db), matrix_report_path(matrix.run_ids, out))
