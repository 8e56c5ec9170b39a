"""Caveats about a whole run, in words: missing cells, refusals, errors, too few respondents, designs that cannot
show a sensitivity, flat scales and scales whose answers depend on how the question is asked."""

from __future__ import annotations

import pandas as pd

from psychometrics._format import pct
from psychometrics.score._common import ORDER_A, ORDER_B, rate
from psychometrics.score._model import MIN_RESPONDENTS, MOSTLY_REFUSED, RateRow, ScaleScore, ScaleSensitivity
from psychometrics.store import Run


def run_warnings(df: pd.DataFrame, run: Run | None, overall: list[RateRow], scales: list[ScaleScore],
                 sens: list[ScaleSensitivity]) -> list[str]:
    """The run's warnings, most basic first.

    ``df`` is the responses frame as scored (``status``, ``respondent``, ``template``, ``order`` and ``mode`` when
    known); ``run`` the run record when there is one; ``overall`` the run's response rates.
    """
    w: list[str] = []
    if run is not None and run.n_cells and len(df) < run.n_cells:
        w.append(f"{len(df)} of {run.n_cells} planned cells have a response (run {run.status}): "
                 "scores use what was answered")
    if len(df) == 0:
        w.append("no responses: every statistic is NaN")
        return w
    n_ok = int((df["status"] == "ok").sum())
    if n_ok == 0:
        w.append("no ok answers (every cell was refused, invalid or an error): every statistic is NaN")
    refused = rate(overall, "refused")
    if refused >= MOSTLY_REFUSED:
        w.append(f"{pct(refused)} of the replies are refusals: scores rest on the answers the model did give")
    n_err = int((df["status"] == "error").sum())
    if n_err:
        w.append(f"{n_err} cell(s) ended in an error (no reply): resume the run to retry them")
    n_resp = int(df.loc[df["status"] == "ok", "respondent"].nunique())
    if 0 < n_resp < MIN_RESPONDENTS:
        w.append(f"only {n_resp} respondents (template|order|sample|persona) with answers, fewer than "
                 f"{MIN_RESPONDENTS}: reliability, validity and intervals are unstable; add samples or templates")
    templates = df["template"].unique()
    if len(templates) < 2:
        w.append(f"a single prompt template ({templates[0]}): prompt sensitivity cannot be assessed; "
                 "run with several templates (e.g. --templates all)")
    orders = set(df["order"].unique())
    if not {ORDER_A, ORDER_B} <= orders:
        w.append(f"the run lacks the {ORDER_B if ORDER_A in orders else ORDER_A!r} option order: order "
                 "sensitivity cannot be assessed")
    flat = [f"{s.inventory}:{s.scale}" for s in scales if s.n >= 2 and s.sd == 0]
    if flat:
        w.append(f"every respondent has the same score on {', '.join(flat)}: correlations, reliability and "
                 "validity are undefined there")
    bad = [f"{s.inventory}:{s.scale} ({s.verdict})" for s in sens
           if s.verdict in ("order-sensitive", "prompt-sensitive", "unstable")]
    if bad:
        w.append(f"answers depend on how the question is asked for {', '.join(bad)}: read those scores with "
                 "care")
    if "mode" in df and df["mode"].nunique() > 1:
        w.append("the responses mix log-prob and generated answers")
    return w
