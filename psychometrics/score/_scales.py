"""Scale scores across respondents: mean with its interval, type codes of lettered scales, human norms."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from psychometrics.inventory import Inventory, type_codes
from psychometrics.score._common import CI_LEVEL, join, safe
from psychometrics.score._model import MIN_RESPONDENTS, ScaleNorms, ScaleScore, TypeProfile
from psychometrics.stats import mean_ci, norm_comparison


def _scores_of(scored: pd.DataFrame, scale_id: str) -> np.ndarray:
    """Respondents' scores on one scale (NaN kept)."""
    if not len(scored):
        return np.array([])
    return scored.loc[scored["scale"] == scale_id, "score"].to_numpy(dtype=float)


def scale_score(inv: Inventory, scale_id: str, scored: pd.DataFrame) -> ScaleScore:
    """Mean score of one scale across respondents with its t interval (clipped to the possible range).

    ``scored`` holds the inventory's respondent scores (:func:`psychometrics.inventory.score_scales`).
    """
    sc = inv.scale(scale_id)
    all_scores = _scores_of(scored, scale_id)
    x = all_scores[~np.isnan(all_scores)]
    est = mean_ci(x, ci=CI_LEVEL)
    m, sd, lo, hi, reason, warning = est.mean, est.sd, est.ci_low, est.ci_high, est.reason, est.warning
    if inv.scoring == "signed_sum" and len(scored) and x.size < all_scores.size:
        warning = join(warning, "signed-sum scores need every item: respondents with a missing answer have no "
                                "score")
    if 0 < x.size < MIN_RESPONDENTS:
        warning = join(warning, f"n = {x.size} < {MIN_RESPONDENTS}: unstable interval")
    smin, smax = inv.score_range(scale_id)
    if (not math.isnan(lo) and lo < smin) or (not math.isnan(hi) and hi > smax):
        # A t interval can leave the possible range (e.g. a share near 0%); the bound is the range's end.
        lo, hi = max(lo, smin), min(hi, smax)
        warning = join(warning, "the t interval was clipped to the possible score range")
    letter = None
    if sc.letters is not None and not math.isnan(m):
        letter = sc.letters.high if m > sc.letters.cutoff else sc.letters.low
    return ScaleScore(
        inventory=inv.id, scale=scale_id, name=sc.name, trait=sc.trait, scoring=inv.scoring, mean=m, sd=sd,
        ci_low=lo, ci_high=hi, ci_level=CI_LEVEL, n=int(x.size), n_items=len(inv.items_of(scale_id)),
        score_min=smin, score_max=smax,
        high_choice_percent=m if inv.scoring == "high_choice_percent" else None,
        letter=letter, reason=reason, warning=warning,
    )


def type_profile(inv: Inventory, scales: list[ScaleScore], scored: pd.DataFrame) -> TypeProfile:
    """Type codes of a lettered inventory (OEJTS): their distribution and the type of the mean profile."""
    lettered = [s for s in inv.scales if s.letters is not None]
    means = {s.scale: s.mean for s in scales if inv.scale(s.scale).letters is not None}
    letters = {s.scale: s.letter for s in scales if inv.scale(s.scale).letters is not None}
    mean_type = None if any(letters.get(s.id) is None for s in lettered) else "".join(
        letters[s.id] for s in lettered)  # type: ignore[misc]
    codes = type_codes(inv, scored).dropna() if len(scored) else pd.Series(dtype=object)
    dist = {str(k): int(v) for k, v in codes.value_counts().items()}
    reason = None
    if not dist:
        reason = "no respondent has a score on every dimension (signed-sum scores need every item answered)"
    return TypeProfile(inventory=inv.id, n=int(codes.size), distribution=dist, dimension_means=means,
                       dimension_letters=letters, mean_type=mean_type, reason=reason)


def scale_norms(inv: Inventory, scale_id: str, scored: pd.DataFrame) -> ScaleNorms:
    """One scale's respondent scores against the human norm its inventory gives, or why there is none."""
    sc = inv.scale(scale_id)
    if sc.norms is None:
        return ScaleNorms(inventory=inv.id, scale=scale_id, reason="no human norms in the inventory file")
    x = _scores_of(scored, scale_id)
    nm = sc.norms
    cmp = safe(lambda: norm_comparison(x, mean=nm.mean, sd=nm.sd), lambda why: None)
    reason = None if cmp is not None else "the norm comparison could not be computed"
    if cmp is not None and cmp.n == 0:
        reason = "no respondent has a score"
    return ScaleNorms(inventory=inv.id, scale=scale_id, comparison=cmp, source=nm.source, norm_n=nm.n,
                      reason=reason)
