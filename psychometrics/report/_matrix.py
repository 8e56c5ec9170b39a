"""The matrix page: several runs side by side, from a :class:`~psychometrics.score.RunMatrix` to the values its
template shows (``templates/report/matrix.html.j2``)."""

from __future__ import annotations

from typing import Any

from psychometrics._format import command, missing
from psychometrics.score import MatrixScale, RunMatrix
from psychometrics.store import db_option

MATRIX_SECTION_IDS: tuple[str, ...] = ("summary", "profiles", "interpretability", "reliability", "order", "method")
"""The ``id`` of every section of the matrix page, in page order."""


def matrix_context(mx: RunMatrix, *, db: str | None = None) -> dict[str, Any]:
    """Every value the matrix template shows (``db``: the store named in the command for scripts)."""
    import datetime as _dt

    from psychometrics import __version__
    from psychometrics.report import _svg
    from psychometrics.report._audit import legend_bands, utc

    groups: dict[str, list[MatrixScale]] = {}
    for s in mx.scales:
        groups.setdefault(s.inventory, []).append(s)
    labels = [r.side.model for r in mx.runs]
    if len(set(labels)) < len(labels):  # the same model twice (e.g. two dates): tell the runs apart
        labels = [f"{r.side.model} ({r.side.run_id})" for r in mx.runs]
    left = _svg.label_width([s.name for s in mx.scales])  # one label column: the charts share their x positions
    charts = {}
    for inv, rows in groups.items():
        lo, hi = rows[0].score_min, rows[0].score_max
        if missing(lo) or missing(hi) or hi <= lo:
            continue
        series_rows = [_svg.SeriesRow(label=s.name, points=[
            _svg.SeriesPoint(value=e.mean, ci_low=e.ci_low, ci_high=e.ci_high,
                             unreadable=("; ".join(e.interpretability_reasons) or e.readability)
                             if e.readability not in (None, "readable") else None)
            for e in s.entries]) for s in rows]
        charts[inv] = _svg.profile_matrix(series_rows, labels, lo=lo, hi=hi, ticks=_svg.axis_ticks(lo, hi),
                                          digits=0 if hi - lo > 50 else 2, left=left,
                                          label=f"{inv}: scale means of {len(labels)} runs side by side")
    failed = {r.side.run_id for r in mx.runs if r.failure}

    def quiet(entry: Any, reason: str | None = None) -> str | None:
        """The reason a value is missing, unless its run failed or lacks the inventory: the runs table and the
        line under each inventory say those once."""
        if entry.run_id in failed or entry.mean != entry.mean and entry.reason and "not in this run" in entry.reason:
            return None
        return reason if reason is not None else entry.reason

    absent = {inv: [labels[i] for i, e in enumerate(rows[0].entries)
                    if e.reason and "not in this run" in e.reason] for inv, rows in groups.items()}

    models = list(dict.fromkeys(r.side.model for r in mx.runs))
    title = (f"{len(models)} models side by side" if len(models) == len(mx.runs)
             else f"{len(mx.runs)} runs side by side")
    return {
        "title": title,
        "script": command("compare", *mx.run_ids, "--json", *db_option(db)),
        "mx": mx,
        "labels": labels,
        "groups": groups,
        "charts": charts,
        "quiet": quiet,
        "absent": absent,
        "section_ids": MATRIX_SECTION_IDS,
        "bands": legend_bands(),
        "created": [utc(r.side.created_at) for r in mx.runs],
        "generated": utc(_dt.datetime.now(tz=_dt.timezone.utc).timestamp()),
        "report_version": __version__,
    }
