"""The comparison page: from a :class:`~psychometrics.score.Comparison` to the values its template shows.

The comparison itself (statistics, records, what changed in words) is the score stage's
(:func:`psychometrics.score.compare_runs`); this module only lays it out: charts and page context.
"""

from __future__ import annotations

from typing import Any

from psychometrics._format import command, missing
from psychometrics.score import Comparison, ScaleDiff
from psychometrics.store import db_option

COMPARE_SECTION_IDS: tuple[str, ...] = ("summary", "changes", "scales", "reliability", "retest", "order", "items",
                                        "method")
"""The ``id`` of every section of the comparison report, in page order."""


def comparison_context(c: Comparison, *, db: str | None = None) -> dict[str, Any]:
    """Every value the comparison template shows (``db``: the store named in the command for scripts)."""
    import datetime as _dt

    from psychometrics import __version__
    from psychometrics.report import _svg
    from psychometrics.report._audit import legend_bands, utc
    from psychometrics.stats import mean_ci_from_stats

    groups: dict[str, list[ScaleDiff]] = {}
    for s in c.scales:
        groups.setdefault(s.inventory, []).append(s)
    charts = {}
    left = _svg.label_width([s.name for s in c.scales])  # one label column: the charts share their x positions
    for inv, rows in groups.items():
        lo, hi = rows[0].score_min, rows[0].score_max
        if missing(lo) or missing(hi) or hi <= lo:
            continue
        digits = 0 if hi - lo > 50 else 2

        def ci(s: ScaleDiff, side: str) -> tuple[float, float]:
            m, sd, n = (s.mean_a, s.sd_a, s.n_a) if side == "a" else (s.mean_b, s.sd_b, s.n_b)
            est = mean_ci_from_stats(m, sd, n, ci=0.95)  # NaN bounds with fewer than 2 respondents
            return est.ci_low, est.ci_high

        pr = []
        for s in rows:
            (al, ah), (bl, bh) = ci(s, "a"), ci(s, "b")
            pr.append(_svg.PairRow(label=s.name, a=s.mean_a, b=s.mean_b, a_low=al, a_high=ah, b_low=bl, b_high=bh,
                                   note=f"n = {s.n_a} / {s.n_b}", highlight=bool(s.changed)))
        charts[inv] = _svg.paired_dots(pr, lo=lo, hi=hi, ticks=_svg.axis_ticks(lo, hi), digits=digits,
                                       label=f"{inv}: scale means in run A and run B", left=left)
    return {
        "title": f"{c.run_a.model} → {c.run_b.model}" if c.run_a.model != c.run_b.model
        else f"Two audits of {c.run_a.model}",
        "cmp": c,
        "script": command("compare", c.run_a.run_id, c.run_b.run_id, "--json", *db_option(db)),
        "groups": groups,
        "charts": charts,
        "section_ids": COMPARE_SECTION_IDS,
        "bands": legend_bands(),
        "created_a": utc(c.run_a.created_at),
        "created_b": utc(c.run_b.created_at),
        "generated": utc(_dt.datetime.now(tz=_dt.timezone.utc).timestamp()),
        "report_version": __version__,
    }
