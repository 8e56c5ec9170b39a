"""Scoring an interview: scale scores from the raters' ratings, inter-rater reliability, and agreement with a
self-report run of the same model and inventory.

An interview's respondent is a sample × persona (its answers come from one question template, in one order); in
a self-report run the same persona answers under several templates and orders. Samples of one model are
exchangeable draws, so interview sample k and self-report sample k are not the same respondent: respondents match
across the two runs on their persona only (each persona's score the mean over its samples, templates and orders).
Without personas the correlation is missing with its reason, and the two methods' means are compared unpaired
(Welch) over their respondents.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
from pydantic import Field

from psychometrics._format import command
from psychometrics._record import ResultRecord
from psychometrics.inventory import Inventory
from psychometrics.score._respondents import respondent_scores
from psychometrics.stats import (Correlation, Estimate, GroupDifference, PairedDifference, inter_rater_reliability,
                                 mean_shift, welch_ttest)
from psychometrics.stats import parallel_forms_reliability as matched_correlation
from psychometrics.store import Run, Store, db_option

INTERVIEW_RESPONDENT = "persona"
"""What matches an interview respondent to a self-report respondent."""
UNMATCHED = "none (no personas: compared unpaired)"
"""The respondent match when there are no personas."""
EXCHANGEABLE = ("samples are exchangeable draws: pairing interview sample k with self-report sample k is arbitrary; "
                "give personas to match respondents")
"""Why the interview–self-report correlation is missing without personas."""


class RaterCounts(ResultRecord):
    """What one rater made of the answers it read."""

    rater: str
    """The rater's model string."""
    n: int
    """Rating cells (answers × repeats)."""
    counts: dict[str, int] = Field(default_factory=dict)
    """Ratings by status: ``ok`` (read on the scale), ``refused``, ``invalid`` (no rating in the reply), ``error``."""
    mean: float = math.nan
    """Mean rating on the items' original response scale (ok ratings); NaN without one."""


class ScaleRaterAgreement(ResultRecord):
    """How far the ratings of one scale's answers agree: across raters, or across one rater's repeats."""

    inventory: str
    scale: str
    raters: list[str]
    """Across these raters (``between``), or the one rater whose repeats are compared (``within``)."""
    kind: str
    """``between`` raters (each rater's mean over its repeats), or ``within`` one rater (its repeats)."""
    single: Estimate
    """ICC(2,1): the reliability of one rating (NaN with a reason when undefined)."""
    average: Estimate
    """ICC(2,k): the reliability of the mean of the k ratings."""
    n: int
    """Answers rated by every rater (or on every repeat)."""


class ScaleSelfReport(ResultRecord):
    """One scale scored from the interview and from the self-report: correlation and mean difference."""

    inventory: str
    scale: str
    interview_mean: float
    """Mean interview score of the matched respondents (the raters' mean rating, keyed)."""
    self_report_mean: float
    """Mean self-report score of the matched respondents."""
    correlation: Correlation
    """Pearson r of the interview and self-report scores across respondents matched by persona (Fisher-z
    interval); NaN with its reason without personas."""
    difference: PairedDifference | GroupDifference
    """Mean difference ``interview − self-report``: paired t over personas, or Welch's t over the two runs'
    respondents (samples) when there are no personas to match."""


class InterviewScores(ResultRecord):
    """What an interview adds to the scores of a run: its raters, their reliability, agreement with self-report."""

    raters: list[str]
    repeats: int
    """Ratings per rater per answer."""
    n_answers: int
    """Interview answers stored as text (``ok``)."""
    n_refused: int = 0
    """Interview answers that refused to answer (the parser's refusal phrases, e.g. "As an AI, ..."): not rated."""
    n_rated: int
    """Answers with at least one rating read on the scale (they are scored)."""
    rater_counts: list[RaterCounts] = Field(default_factory=list)
    reliability: list[ScaleRaterAgreement] = Field(default_factory=list)
    """Inter-rater reliability per scale (two or more raters) and intra-rater reliability per rater and scale
    (two or more repeats)."""
    reliability_reason: str | None = None
    """Why there is no reliability (one rater and one repeat)."""
    self_report_run: str | None = None
    """The self-report run compared with (given, or the newest finished audit of the same model and inventory
    in the store)."""
    self_report: list[ScaleSelfReport] = Field(default_factory=list)
    """One entry per scale scored in both."""
    self_report_reason: str | None = None
    """Why there is no comparison with a self-report."""
    respondent: str = INTERVIEW_RESPONDENT
    """What matches respondents across the interview and the self-report (``persona``, or none)."""


def is_interview(frame: pd.DataFrame, run: Run | None) -> bool:
    """Whether a responses frame holds an interview (its run's design says so, or it has ratings)."""
    if run is not None:
        return run.design.interview is not None
    return "rates" in frame and frame["rates"].notna().any()


def rated_answers(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split an interview's responses into the answers, each valued by its ratings, and the ratings.

    Returns ``(answers, ratings)``. ``answers`` has one row per answer cell, with ``value`` the mean of its
    ``ok`` ratings over raters and repeats (on the item's original scale) and ``status`` ``ok`` when at least
    one rating was read, the answer's own status when it is not ``ok``, else ``invalid`` (no rating could be
    read). ``ratings`` has one row per rating with ``rater`` (its model), ``repeat`` and the answer's
    ``inventory, item, scale, sample, persona``.
    """
    is_rating = frame["rates"].notna()
    answers = frame[~is_rating].copy()
    answers["answer_status"] = answers["status"]
    ratings = frame[is_rating].copy()
    ratings = ratings.rename(columns={"model": "rater", "sample": "repeat"})
    ratings["value"] = pd.to_numeric(ratings["value"], errors="coerce").astype(float)
    ok = ratings[ratings["status"] == "ok"]
    mean = ok.groupby("rates")["value"].mean()
    answers["value"] = answers["cell_id"].map(mean).astype(float)
    rated = answers["value"].notna()
    answers["status"] = answers["status"].where(answers["status"] != "ok", "invalid").where(~rated, "ok")
    keys = answers.set_index("cell_id")[["sample"]]  # the respondent; a rating carries its persona already
    ratings = ratings.join(keys, on="rates")
    return answers.reset_index(drop=True), ratings.reset_index(drop=True)


def interview_scores(answers: pd.DataFrame, ratings: pd.DataFrame, invs: Mapping[str, Inventory], run: Run | None,
                     *, db: str | None = None, self_report: str | pd.DataFrame | None = None) -> InterviewScores:
    """The interview part of a run's scores (see :class:`InterviewScores`).

    ``self_report`` is a run id, or a responses frame of the self-report; None looks for the newest finished
    audit of the run's model that holds the inventory in the store at ``db`` (when a run is given).
    """
    design = run.design.interview if run is not None else None
    raters = list(design.raters) if design else list(dict.fromkeys(ratings["rater"].astype(str)))
    repeats = design.repeats if design else int(ratings["repeat"].max() + 1) if len(ratings) else 1
    counts = []
    for rater in raters:
        part = ratings[ratings["rater"] == rater]
        ok = part.loc[part["status"] == "ok", "value"]
        counts.append(RaterCounts(rater=rater, n=len(part), counts={s: int((part["status"] == s).sum())
                                                                    for s in ("ok", "refused", "invalid", "error")},
                                  mean=float(ok.mean()) if len(ok) else math.nan))
    reliability, why = _reliability(ratings, invs, raters, repeats)
    source, frame, reason = _self_report(self_report, run, invs, db)
    agreement, respondent = _agreement(answers, frame, invs) if frame is not None else ([], INTERVIEW_RESPONDENT)
    if frame is not None and not agreement:
        reason = f"no respondent ({respondent}) and scale in both the interview and run {source}"
    return InterviewScores(
        raters=raters, repeats=repeats, n_answers=int((answers["answer_status"] == "ok").sum()),
        n_refused=int((answers["answer_status"] == "refused").sum()),
        n_rated=int((answers["status"] == "ok").sum()), rater_counts=counts, reliability=reliability,
        reliability_reason=why, self_report_run=source, self_report=agreement, self_report_reason=reason,
        respondent=respondent)


def _reliability(ratings: pd.DataFrame, invs: Mapping[str, Inventory], raters: list[str],
                 repeats: int) -> tuple[list[ScaleRaterAgreement], str | None]:
    if len(raters) < 2 and repeats < 2:
        return [], "one rater and one rating per answer: give a second --rater, or --repeats 2 or more"
    ok = ratings[ratings["status"] == "ok"]
    out = []
    for inv_id, inv in invs.items():
        for sc in inv.scales:
            part = ok[(ok["inventory"] == inv_id) & (ok["scale"] == sc.id)]
            if len(raters) >= 2:
                per_rater = part.groupby(["rates", "rater"], as_index=False)["value"].mean()
                res = inter_rater_reliability(per_rater, targets="rates", raters="rater", ratings="value")
                out.append(ScaleRaterAgreement(inventory=inv_id, scale=sc.id, raters=raters, kind="between",
                                               single=res.single, average=res.average, n=res.n))
            if repeats >= 2:
                for rater in raters:
                    mine = part[part["rater"] == rater]
                    res = inter_rater_reliability(mine, targets="rates", raters="repeat", ratings="value")
                    out.append(ScaleRaterAgreement(inventory=inv_id, scale=sc.id, raters=[rater], kind="within",
                                                   single=res.single, average=res.average, n=res.n))
    return out, None


def _self_report(given: str | pd.DataFrame | None, run: Run | None, invs: Mapping[str, Inventory],
                 db: str | None) -> tuple[str | None, pd.DataFrame | None, str | None]:
    """(run id, responses, reason): the self-report to compare with, or why there is none."""
    from psychometrics.score._load import SCORED_COLUMNS

    if isinstance(given, pd.DataFrame):
        return None, given, None
    if run is None and given is None:
        return None, None, "no self-report given (score a stored interview run, or give one)"
    columns = list(SCORED_COLUMNS)
    with Store(db, create=False) as store:
        if given is not None:
            other = store.get_run(given)
            if other.design.interview is not None:
                raise ValueError(f"run {given} is an interview, not a self-report")
            if run is not None and other.model != run.model:
                raise ValueError(f"run {given} audited {other.model}, not {run.model}: agreement compares one model")
            return given, store.responses_frame(given, columns=columns), None
        assert run is not None
        found = [r for r in store.list_runs() if r.model == run.model and r.design.interview is None
                 and r.status == "finished" and set(_ids(r)) & set(invs)]
        if not found:
            return None, None, (f"no finished self-report run of {run.model} with {', '.join(invs)} in the store: "
                                "run " + command("audit", "--model", run.model, "--inventory", next(iter(invs)),
                                                 *db_option(db)) + " "
                                "(with the same --samples and --personas), or give --self-report RUN")
        newest = max(found, key=lambda r: r.created_at)
        return newest.run_id, store.responses_frame(newest.run_id, columns=columns), None


def _ids(run: Run) -> list[str]:
    from pathlib import Path

    return [Path(str(i)).stem if str(i).endswith((".yaml", ".yml")) else str(i) for i in run.design.inventories]


def _keyed_scores(frame: pd.DataFrame, invs: Mapping[str, Inventory], by: list[str]) -> pd.DataFrame:
    """Scale score per inventory × scale × respondent (``by`` columns): the mean over templates and orders (and
    over samples when ``by`` is the persona)."""
    usable = frame[frame["inventory"].astype(str).isin(invs)].copy()
    if not len(usable):
        return pd.DataFrame(columns=["inventory", "scale", "key", "score"])
    usable["value"] = pd.to_numeric(usable["value"], errors="coerce").astype(float)
    scores = respondent_scores(usable, dict(invs))
    scores["key"] = scores[by].astype(str).agg("|".join, axis=1)
    return scores.groupby(["inventory", "scale", "key"], as_index=False)["score"].mean()


def _has_personas(frame: pd.DataFrame) -> bool:
    return "persona" in frame and len(frame) > 0 and bool(frame["persona"].notna().all())


def _agreement(answers: pd.DataFrame, self_report: pd.DataFrame,
               invs: Mapping[str, Inventory]) -> tuple[list[ScaleSelfReport], str]:
    """Per scale: paired over personas when both runs give every respondent a persona, else unpaired."""
    paired = _has_personas(answers) and _has_personas(self_report)
    by = ["persona"] if paired else ["sample", "persona"]
    mine, theirs = (_keyed_scores(f.assign(persona=f["persona"].fillna("-")), invs, by)
                    for f in (answers, self_report))
    out = []
    for inv_id, inv in invs.items():
        for sc in inv.scales:
            a, b = (_series(s, inv_id, sc.id) for s in (mine, theirs))
            if not len(a) or not len(b):
                continue
            if paired:
                both = a.index.intersection(b.index)
                out.append(ScaleSelfReport(
                    inventory=inv_id, scale=sc.id,
                    interview_mean=float(a.loc[both].mean()) if len(both) else math.nan,
                    self_report_mean=float(b.loc[both].mean()) if len(both) else math.nan,
                    correlation=matched_correlation(a, b), difference=mean_shift(b, a)))
            else:
                out.append(ScaleSelfReport(
                    inventory=inv_id, scale=sc.id, interview_mean=float(a.mean()), self_report_mean=float(b.mean()),
                    correlation=Correlation(value=math.nan, n=0, n_unmatched=len(a) + len(b), reason=EXCHANGEABLE),
                    difference=welch_ttest(b.to_numpy(), a.to_numpy())))
    return out, INTERVIEW_RESPONDENT if paired else UNMATCHED


def _series(scores: pd.DataFrame, inventory: str, scale: str) -> pd.Series:
    part = scores[(scores["inventory"] == inventory) & (scores["scale"] == scale)].dropna(subset=["score"])
    return pd.Series(part["score"].to_numpy(dtype=float), index=part["key"].to_numpy())
