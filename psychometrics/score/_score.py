"""Score a run: from responses to :class:`AuditScores` (scores, reliability, sensitivity, norms, validity).

Every statistic runs *across respondents*: a respondent is one ``template|order|sample|persona`` (the psyborgs
design, :func:`psychometrics.score.with_respondent`). Only ``ok`` answers count; refused, invalid and error cells
are missing answers. Whatever is missing (one template, no reversed order, all refusals, identical answers, no
norms, one inventory) gives NaN with a reason, never an exception and never a made-up number.

:func:`score` reads the store when given a run (:mod:`psychometrics.score._load`); :func:`score_responses` and the
modules it calls — scales, reliability, sensitivity and verdicts, validity, warnings — work on frames and
inventories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from psychometrics.inventory import Inventory, keyed_values, score_scales
from psychometrics.score._common import CI_LEVEL, rate_rows
from psychometrics.score._forms import forms_consistency, sample_retest
from psychometrics.score._interview import interview_scores, is_interview, rated_answers
from psychometrics.score._load import read_responses, run_temperatures, scoring_inventories
from psychometrics.score._model import VERDICT_THRESHOLDS, AuditScores, RunInfo, ScoreSettings
from psychometrics.score._reliability import scale_reliability
from psychometrics.score._respondents import with_respondent
from psychometrics.score._scales import scale_norms, scale_score, type_profile
from psychometrics.score._sensitivity import scale_sensitivity
from psychometrics.score._styles import CHOSEN, follows_position, interpretability, inventory_styles
from psychometrics.score._validity import validity
from psychometrics.score._warnings import run_warnings
from psychometrics.stats import distinct_respondents
from psychometrics.store import Run

NEEDED_COLUMNS = frozenset({"inventory", "item", "scale", "template", "order", "sample", "status", "value"})
"""The response columns scoring cannot do without."""


def score(
    run_or_responses: str | Sequence[str] | Run | pd.DataFrame,
    inventories: Mapping[str, Inventory] | Sequence[Inventory | str] | None = None,
    *,
    db: str | None = None,
    n_boot: int = 1000,
    seed: int | None = 0,
    value: str = "value",
    self_report: str | pd.DataFrame | None = None,
) -> AuditScores:
    """Score a run: scale scores, reliability, sensitivity with a verdict, norms and validity.

    An interview run (:func:`psychometrics.administer.interview`) is scored from its ratings: each answer
    counts as the mean of its raters' ratings on the item's response scale, and ``AuditScores.interview`` adds
    inter-rater reliability and the agreement with a self-report run (``self_report``; by default the newest
    finished audit of the same model and inventory in the store).

    Parameters
    ----------
    run_or_responses : str, list of str, Run or pandas.DataFrame
        A run id (read from the store at ``db``), several run ids of one model (scored together, e.g. an
        original and its parallel forms from separate audits; each inventory from one run), a
        :class:`~psychometrics.store.Run`, or a responses frame
        with the columns of :meth:`Store.responses_frame <psychometrics.store.Store.responses_frame>`
        (at least ``inventory, item, scale, template, order, sample, status, value``; ``persona``, ``model``
        and ``mode`` when present).
    inventories : mapping or sequence, optional
        A list of ``Inventory`` objects, ids or paths: these are scored (even without responses), together with
        every inventory in the responses and the run's design. A mapping ``{id: Inventory}``: used to look up
        the inventories in the responses and design. Any inventory not given is loaded by id.
    db : str, optional
        Store URL (``sqlite:///path``) for a run id or ``Run``.
    n_boot : int
        Bootstrap resamples for the λ6, ω and split-half intervals; 0 skips those intervals (the bootstrap
        dominates the run time).
    seed : int or None
        Seed of the bootstrap.
    self_report : str or pandas.DataFrame, optional
        An interview only: the self-report run (its id, or its responses) to compare the interview with.
    value : {"value", "expected_value"}
        What an answer counts as: the chosen option, or the expectation over the option probabilities
        (log-prob answers of likert and bipolar items; an answer without probabilities, or a scenario choice,
        keeps its chosen value).

    Returns
    -------
    AuditScores
        See :mod:`psychometrics.score._model` for every field.

    Raises
    ------
    LookupError
        No run with that id in the store.
    ValueError, TypeError
        A responses frame without the needed columns, answers outside an item's response values, or several
        runs of different models or sharing an inventory.
    """
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot must be a non-negative integer, got {n_boot!r}")
    run, frame = read_responses(run_or_responses, db)
    missing = sorted(NEEDED_COLUMNS - set(frame.columns))
    if missing:
        raise ValueError(f"responses lack the column(s) {missing}")
    invs = scoring_inventories(inventories, frame, run)
    if value not in ("value", "expected_value"):
        raise ValueError(f"value must be 'value' or 'expected_value' (got {value!r})")
    if value == "expected_value" and "expected_value" in frame:
        frame = _expected_values(frame, invs)
    if is_interview(frame, run):
        answers, ratings = rated_answers(frame)
        asked = run.model_copy(update={"n_cells": len(answers)}) if run is not None else None
        scores = score_responses(answers, invs, run=asked, n_boot=int(n_boot), seed=seed, value=value, db=db)
        extra = interview_scores(answers, ratings, invs, run, db=db, self_report=self_report)
        # one question template in one order is the interview's design, not a gap in it
        kept = [w for w in scores.warnings if "prompt template" not in w and "option order" not in w]
        return scores.model_copy(update={"interview": extra, "warnings": kept})
    if self_report is not None:
        raise ValueError("self_report applies to an interview run only")
    temperature = (run_temperatures(list(run_or_responses), db)
                   if run is None and not isinstance(run_or_responses, pd.DataFrame) else None)
    return score_responses(frame, invs, run=run, n_boot=int(n_boot), seed=seed, value=value,
                           temperature=temperature, db=db)


def _expected_values(frame: pd.DataFrame, invs: Mapping[str, Inventory]) -> pd.DataFrame:
    """``frame`` with ``value`` replaced by ``expected_value`` where the item is likert or bipolar and there is one."""
    out = frame.copy()
    out[CHOSEN] = pd.to_numeric(out["value"], errors="coerce").astype(float)  # response styles read the pick
    graded = out["inventory"].map(lambda i: i in invs and invs[i].kind != "scenario").astype(bool)
    ev = pd.to_numeric(out["expected_value"], errors="coerce")
    use = graded & ev.notna()
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    out.loc[use, "value"] = ev[use]
    return out


def score_responses(frame: pd.DataFrame, invs: Mapping[str, Inventory], *, run: Run | None = None,
                    n_boot: int = 1000, seed: int | None = 0, value: str = "value",
                    temperature: float | Mapping[str, float] | None = None, db: str | None = None) -> AuditScores:
    """:class:`AuditScores` of a responses frame and the inventories to score (by id), without the store.

    ``db`` names the store the run is in, for the commands its warnings suggest (``--db``); it is not read.

    ``run`` (its design and planned cells) refines the run information and warnings when known. ``temperature``
    (one value, or one per inventory id when the answers come from several runs) is the sampling temperature
    when there is no ``run``; the run's own setting wins otherwise.
    """
    everyone = _prepared(frame)
    distinct = _distinct(everyone)
    df = everyone[everyone["respondent"].isin(distinct[0])].reset_index(drop=True) if distinct else everyone
    keyed: dict[str, pd.DataFrame] = {}
    scores: dict[str, pd.DataFrame] = {}
    scales, types, rel, sens, norms, styles = [], [], [], [], [], []
    for inv_id, inv in invs.items():
        part = df[df["inventory"] == inv_id]
        keyed[inv_id] = _keyed(inv, part)
        scores[inv_id] = _respondent_scores(inv, part)
        styles.append(inventory_styles(inv, part))
        for sc in inv.scales:
            scale_styles = styles[-1].scales.get(sc.id)
            sens.append(scale_sensitivity(inv, sc.id, keyed[inv_id]))
            score_ = scale_score(inv, sc.id, scores[inv_id])
            readable, state, why = interpretability(
                score_, scale_styles, sens[-1].response_rates, protocol=styles[-1].overall,
                styles_reason=styles[-1].scale_reasons.get(sc.id) or styles[-1].reason)
            if state == "not readable" and sens[-1].verdict == "robust":
                # a first-option picker's keyed scale score does not move with the order (its picks cancel out
                # across keying): "robust" would certify answers that follow position, not content
                sens[-1] = sens[-1].model_copy(update={"verdict": "inconclusive", "verdict_reasons": [
                    *sens[-1].verdict_reasons, "robust is not claimed for a scale that cannot be read as a trait ("
                    + "; ".join(why[:1]) + ")"]})
            scales.append(score_.model_copy(update={"interpretable": readable, "readability": state,
                                                    "interpretability_reasons": why}))
            rel.append(scale_reliability(inv, sc.id, keyed[inv_id], n_boot=n_boot, seed=seed,
                                         follows_position=follows_position(scale_styles),
                                         model=_from_model(df, run)))
            norms.append(scale_norms(inv, sc.id, scores[inv_id]))
        if any(s.letters is not None for s in inv.scales):
            types.append(type_profile(inv, [s for s in scales if s.inventory == inv_id], scores[inv_id]))
    templates = {inv_id: _templates_of(df, inv_id, run) for inv_id in invs}
    valid = validity(invs, scores, keyed, templates, scales)
    overall = rate_rows(df["status"])
    retest, retest_reason = sample_retest(scores, invs, run.design.settings.temperature if run else temperature)
    info = _run_info(df, run, list(invs)).model_copy(update={
        "n_respondents": int(everyone["respondent"].nunique()),
        "n_effective": len(distinct[0]) if distinct else int(everyone["respondent"].nunique()),
        "temperature": run.design.settings.temperature if run else None})
    return AuditScores(
        run=info,
        settings=ScoreSettings(n_boot=n_boot, seed=seed, ci_level=CI_LEVEL, value=value),
        thresholds=dict(VERDICT_THRESHOLDS),
        scales=scales, types=types, reliability=rel, sensitivity=sens, response_rates=overall, norms=norms,
        validity=valid, forms=forms_consistency(df, invs, scores), sample_retest=retest,
        sample_retest_reason=retest_reason, response_styles=styles,
        warnings=run_warnings(df, run, overall, scales, sens, repeats=distinct[1] if distinct else None,
                              db=db),
    )


def distinct_responses(frame: pd.DataFrame) -> pd.DataFrame:
    """The responses of the respondents that carry information: a template × order × persona whose samples all
    answered alike keeps one of them (as :func:`score_responses` does before any interval or test)."""
    everyone = _prepared(frame)
    distinct = _distinct(everyone)
    if distinct is None:
        return frame
    return frame[everyone["respondent"].isin(distinct[0]).to_numpy()]


def _distinct(df: pd.DataFrame) -> tuple[list[str], str | None] | None:
    """The respondents that carry information, and a warning when some repeat another.

    A template × order × persona whose samples all gave the same answers (status included) is deterministic: its
    repeats are one respondent (:func:`psychometrics.stats.distinct_respondents`). Where samples differ, an exact
    match of two samples may be chance (a short scale, few options), so such groups keep every respondent.
    ``None`` with a single sample.
    """
    if not len(df) or df["sample"].nunique() < 2:
        return None
    persona = df["persona"].fillna("-").astype(str)
    answers = pd.DataFrame({
        "respondent": df["respondent"], "template": df["template"], "order": df["order"], "persona": persona,
        "item": df["inventory"].astype(str) + "|" + df["item"].astype(str),
        # a refusal or an error is not a missing cell: code the status into the compared value
        "value": df["value"].where(df["status"] == "ok", -df["status"].map(
            {"refused": 1, "invalid": 2, "error": 3}).fillna(4).astype(float)),
    }).drop_duplicates(["respondent", "item"])
    res = distinct_respondents(answers)
    identical = {tuple(g.group.values()) for g in res.groups if g.n_distinct == 1 and g.n_respondents > 1}
    group_of = answers.drop_duplicates("respondent").set_index("respondent")[["template", "order", "persona"]]
    kept = [r for r, rep in res.representative.items()
            if r == rep or tuple(str(x) for x in group_of.loc[r]) not in identical]
    warning = None
    if len(kept) < res.n_respondents:
        warning = (f"{res.n_respondents - len(kept)} of {res.n_respondents} respondents repeat the answers of another "
                   f"sample of the same template × order × persona exactly (every sample of {len(identical)} such "
                   f"group(s) answered alike): effective n = {len(kept)}; every interval and test uses the "
                   f"{len(kept)} distinct respondents")
    return kept, warning


def _from_model(df: pd.DataFrame, run: Run | None) -> bool:
    """Whether the answers come from a model (a run, or a frame naming a model) rather than from people."""
    return run is not None or ("model" in df and df["model"].notna().any())


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    """The responses with typed columns, non-``ok`` values blanked, ``respondent`` and ``pair_sample``."""
    df = frame.copy()
    if "persona" not in df:
        df["persona"] = None
    for col in ("inventory", "item", "template", "order", "status"):
        df[col] = df[col].astype(str)
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
    df.loc[df["status"] != "ok", "value"] = np.nan
    if CHOSEN in df:
        df.loc[df["status"] != "ok", CHOSEN] = np.nan
    df = with_respondent(df).reset_index(drop=True)
    # the pairing unit of sensitivity tests: sample × persona (so several personas never collide)
    df["pair_sample"] = df["sample"].astype(str) + "|" + df["persona"].fillna("-").astype(str)
    return df


def _keyed(inv: Inventory, part: pd.DataFrame) -> pd.DataFrame:
    """One inventory's answers with keyed values and the design columns the statistics need."""
    keyed = keyed_values(inv, part[["respondent", "item", "value"]])
    for col in ("template", "order", "pair_sample", "persona", "status", "sample"):
        keyed[col] = part[col].to_numpy()
    return keyed


def _respondent_scores(inv: Inventory, part: pd.DataFrame) -> pd.DataFrame:
    """One inventory's scale scores per respondent, with the respondent's template, order, sample and persona."""
    if not len(part):
        return pd.DataFrame(columns=["respondent", "inventory", "scale", "score", "n_answered", "n_items", "letter"])
    scored = score_scales(inv, part[["respondent", "item", "value"]])
    if len(scored):
        keys = part.drop_duplicates("respondent").set_index("respondent")[["template", "order", "sample", "persona"]]
        scored = scored.join(keys, on="respondent")
    return scored


def _templates_of(df: pd.DataFrame, inv_id: str, run: Run | None) -> list[str]:
    """The templates an inventory was given, in the design's order (others after, as found)."""
    used = list(dict.fromkeys(df.loc[df["inventory"] == inv_id, "template"]))
    design = list(run.design.templates) if run else []
    return [t for t in design if t in used] + [t for t in used if t not in design]


def _in_design_order(present: Any, planned: Any) -> list[str]:
    """The values present in the responses, in the order the design lists them (others after, as found); the
    design's list when there are no responses."""
    found = [str(v) for v in present]
    if not found:
        return [str(v) for v in planned]
    listed = [str(v) for v in planned]
    return [v for v in listed if v in found] + [v for v in found if v not in listed]


def _run_info(df: pd.DataFrame, run: Run | None, inventories: list[str]) -> RunInfo:
    counts = {s: int((df["status"] == s).sum()) for s in ("ok", "refused", "invalid", "error")}
    modes = sorted(df["mode"].dropna().astype(str).unique()) if "mode" in df else []
    model = run.model if run else (str(df["model"].iloc[0]) if "model" in df and len(df) else None)
    design = run.design if run else None
    return RunInfo(
        run_id=run.run_id if run else None,
        model=model,
        n_cells=len(df),
        counts=counts,
        mode="+".join(modes) if modes else (run.mode_used if run else None),
        answers_by_mode={str(m): int(n) for m, n in df.loc[df["status"] == "ok", "mode"].value_counts().items()}
        if "mode" in df else {},
        n_respondents=int(df["respondent"].nunique()),
        inventories=inventories,
        templates=_in_design_order(df["template"].unique(), design.templates if design else ()),
        orders=_in_design_order(df["order"].unique(), design.orders if design else ()),
        samples=sorted(int(s) for s in df["sample"].dropna().unique()),
        personas=[None if pd.isna(p) else str(p) for p in dict.fromkeys(df["persona"].tolist())]
        if len(df) else (list(design.personas) if design else []),
    )
