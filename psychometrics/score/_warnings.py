"""Caveats about a whole run, in words: missing cells, refusals, errors, too few respondents, designs that cannot
show a sensitivity, flat scales and scales whose answers depend on how the question is asked."""

from __future__ import annotations

import pandas as pd

from psychometrics._format import command, count, pct
from psychometrics.score._common import ORDER_A, ORDER_B, rate
from psychometrics.score._model import MIN_RESPONDENTS, MOSTLY_REFUSED, RateRow, ScaleScore, ScaleSensitivity
from psychometrics.store import Run, Store, StoreError, db_option


def run_warnings(df: pd.DataFrame, run: Run | None, overall: list[RateRow], scales: list[ScaleScore],
                 sens: list[ScaleSensitivity], *, repeats: str | None = None,
                 db: str | None = None, asked: pd.DataFrame | None = None) -> list[str]:
    """The run's warnings, most basic first.

    ``df`` is the responses frame as scored (``status``, ``respondent``, ``template``, ``order`` and ``mode`` when
    known; repeated respondents already collapsed); ``run`` the run record when there is one; ``overall`` the
    run's response rates; ``repeats`` the warning about repeated respondents, if any; ``db`` the store the user
    named (for the commands the warnings suggest); ``asked`` every response before repeats were collapsed (what
    completeness and errors count; ``df`` when not given).
    """
    asked = df if asked is None else asked
    w: list[str] = []
    temperature = run.design.settings.temperature if run is not None else None
    if run is not None and run.design.samples > 1 and temperature == 0:
        w.append(f"{run.design.samples} samples per prompt were requested at temperature 0: a deterministic model "
                 "repeats its answers, which adds no information (samples differ only when sampling at "
                 "temperature > 0)")
    if repeats:
        w.append(repeats)
    answered = answered_cells(run) if run is not None and run.design.interview is not None else (
        int((asked["status"] != "error").sum()) if len(asked) else 0)
    incomplete = run is not None and bool(run.n_cells) and answered < run.n_cells
    if incomplete:
        w.append(incomplete_note(run, answered, db) + ": scores use what was answered")
    if len(df) == 0:
        w.append("no responses: every statistic is NaN")
        return w
    n_ok = int((df["status"] == "ok").sum())
    if n_ok == 0:
        w.append("no ok answers (every cell was refused, invalid or an error): every statistic is NaN")
    for state, words in ((False, "cannot be read as traits"), (None, "may not be readable (uncertain)")):
        group = [s for s in scales if s.interpretable is state]
        if group and n_ok:
            w.append(f"{len(group)} of {len(scales)} scale scores {words}: "
                     + "; ".join(f"{s.inventory}:{s.scale} ({s.interpretability_reasons[0]})" for s in group[:3])
                     + (f"; and {len(group) - 3} more" if len(group) > 3 else ""))
    refused = rate(overall, "refused")
    if refused >= MOSTLY_REFUSED:
        w.append(f"{pct(refused)} of the replies are refusals: scores rest on the answers the model did give")
    n_err = int((asked["status"] == "error").sum())
    if n_err:
        w.append(f"{count(n_err, 'cell')} ended in an error (no reply): resume the run to retry "
                 f"{'it' if n_err == 1 else 'them'}")
    # An incomplete run lacks templates, orders or respondents its design has: advise finishing it, not a new design.
    finish = " until the run is complete" if incomplete else None
    n_resp = int(df.loc[df["status"] == "ok", "respondent"].nunique())
    if 0 < n_resp < MIN_RESPONDENTS:
        w.append(f"only {count(n_resp, 'respondent')} (template|order|sample|persona) with answers, fewer than "
                 f"{MIN_RESPONDENTS}: reliability, validity and intervals are unstable"
                 + (finish or "; add samples or templates"))
    templates = df["template"].unique()
    if len(templates) < 2:
        w.append(f"a single prompt template ({templates[0]}): prompt sensitivity cannot be assessed"
                 + (finish or "; run with several templates (e.g. --templates all)"))
    orders = set(df["order"].unique())
    if not {ORDER_A, ORDER_B} <= orders:
        w.append(f"the run lacks the {ORDER_B if ORDER_A in orders else ORDER_A!r} option order: order "
                 "sensitivity cannot be assessed" + (finish or ""))
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


def answered_cells(run: Run) -> int:
    """The run's cells with a stored answer or rating (``ok``, ``refused`` or ``invalid``; not ``error``)."""
    return sum(run.counts.get(k, 0) for k in ("ok", "refused", "invalid"))


def incomplete_note(run: Run, answered: int, db: str | None = None) -> str:
    """``incomplete: 38 of 264 answered — re-run to resume`` (with the command that resumes the run, ``--db``
    included when the run is in the store ``db`` the user named). An interview's cells are its answers and
    ratings; it resumes by running the same ``psychometrics interview`` command again."""
    if run.design.interview is not None:
        return (f"incomplete: {answered} of {run.n_cells} answers and ratings stored — re-run the same "
                "psychometrics interview command to resume")
    batch = ["--batch"] if _asked_in_batches(run, db) else []
    return (f"incomplete: {answered} of {run.n_cells} answered — re-run to resume "
            f"({command('audit', '--resume', run.run_id, *batch, *db_option(db))})")


def _asked_in_batches(run: Run, db: str | None) -> bool:
    """The run was asked through the provider's batch API (``audit --batch``): it resumes the same way (without
    ``--batch`` its cells would go synchronously, at the full price; with batches open it is refused). False
    where the store cannot be read (a run scored from a frame): the hint then has no ``--batch``."""
    try:
        with Store(db, create=False) as store:
            return bool(store.batches(run.run_id))
    except StoreError:
        return False
