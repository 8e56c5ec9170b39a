"""Caveats about a whole run, in words: missing cells, refusals, errors, too few respondents, designs that cannot
show a sensitivity, flat scales and scales whose answers depend on how the question is asked."""

from __future__ import annotations

import pandas as pd

from psychometrics._format import pct
from psychometrics.score._common import ORDER_A, ORDER_B, rate
from psychometrics.score._model import MIN_RESPONDENTS, MOSTLY_REFUSED, RateRow, ScaleScore, ScaleSensitivity
from psychometrics.store import Run


def run_warnings(df: pd.DataFrame, run: Run | None, overall: list[RateRow], scales: list[ScaleScore],
                 sens: list[ScaleSensitivity], *, repeats: str | None = None) -> list[str]:
    """The run's warnings, most basic first.

    ``df`` is the responses frame as scored (``status``, ``respondent``, ``template``, ``order`` and ``mode`` when
    known; repeated respondents already collapsed); ``run`` the run record when there is one; ``overall`` the
    run's response rates; ``repeats`` the warning about repeated respondents, if any.
    """
    w: list[str] = []
    temperature = run.design.settings.temperature if run is not None else None
    if run is not None and run.design.samples > 1 and temperature == 0:
        w.append(f"{run.design.samples} samples per prompt were requested at temperature 0: a deterministic model "
                 "repeats its answers, which adds no information (samples differ only when sampling at "
                 "temperature > 0)")
    if repeats:
        w.append(repeats)
    if run is not None and run.n_cells and len(df) < run.n_cells:
        w.append(f"{len(df)} of {run.n_cells} planned cells have a response (run {run.status}): "
                 "scores use what was answered")
    if len(df) == 0:
        w.append("no responses: every statistic is NaN")
        return w
    n_ok = int((df["status"] == "ok").sum())
    if n_ok == 0:
        w.append("no ok answers (every cell was refused, invalid or an error): every statistic is NaN")
    unreadable = [s for s in scales if not s.interpretable]
    if unreadable and n_ok:
        w.append(f"{len(unreadable)} of {len(scales)} scale scores cannot be read as traits: "
                 + "; ".join(f"{s.inventory}:{s.scale} ({s.interpretability_reasons[0]})" for s in unreadable[:3])
                 + (f"; and {len(unreadable) - 3} more" if len(unreadable) > 3 else ""))
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
