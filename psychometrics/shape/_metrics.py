"""Controllability statistics: rank correlation of target level and score, level-1→9 change, drift, refusals.

The respondent is ``template|order|sample|persona`` as everywhere in the package; in a shaping run the persona
carries the level (``shape/extraversion/7``, optionally ``+default/017``), so every respondent belongs to one
targeted trait and one level. For each targeted trait :math:`t` only the respondents shaped on :math:`t` count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from psychometrics.shape._model import (
    Drift,
    LevelSummary,
    RefusalTrend,
    TraitShaping,
    ValueColumn,
    WithinRho,
)
from psychometrics.stats import cochran_armitage, spearman_ci

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from psychometrics.inventory import Inventory

NAN = math.nan
REFUSAL_TREND_SIGNIFICANCE = 0.05
"""Significance level of the refusal trend: refusals count as rising with the level when the Cochran–Armitage z
is positive and its two-sided p-value is below this."""


def scale_of_trait(inventory: Inventory, trait: str) -> str | None:
    """The id of the inventory's scale that measures ``trait`` (its ``trait`` field, else its id)."""
    for s in inventory.scales:
        if (s.trait or s.id) == trait:
            return s.id
    return None


def shaping_scores(responses: pd.DataFrame, inventory: Inventory, *,
                   value: ValueColumn = "value") -> pd.DataFrame:
    """Respondent scores of a shaping run, one row per respondent × scale, with its ``target`` and ``level``.

    ``responses`` is a run's responses frame (one inventory's rows are used); rows whose persona is not a
    shaping id are dropped. Only ``ok`` answers count. Columns: ``respondent, target, level, base, template,
    order, sample, persona, scale, score, n_answered, n_items`` and ``person``: the respondent without its level
    (``template|order|sample|biography``), the same at every level.
    """
    import pandas as pd

    from psychometrics.inventory import score_scales
    from psychometrics.plan import parse_shaping_id

    df = responses[responses["inventory"] == inventory.id].copy()
    targets = df["persona"].map(parse_shaping_id)
    df = df[targets.notna()].copy()
    cols = ["respondent", "person", "target", "level", "base", "template", "order", "sample", "persona", "scale",
            "score", "n_answered", "n_items"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    df["target"] = [t.trait for t in targets[targets.notna()]]
    df["level"] = [t.level for t in targets[targets.notna()]]
    df["base"] = [t.base for t in targets[targets.notna()]]
    df["respondent"] = (df["template"].astype(str) + "|" + df["order"].astype(str) + "|" + df["sample"].astype(str)
                        + "|" + df["persona"].astype(str))
    if value == "expected_value":
        df["value"] = pd.to_numeric(df["expected_value"], errors="coerce")
    else:
        df["value"] = pd.to_numeric(df["value"], errors="coerce")
    df.loc[df["status"] != "ok", "value"] = float("nan")
    if value == "expected_value" and inventory.kind == "scenario":
        raise ValueError("expected_value scoring needs likert or bipolar items (a scenario option number has no "
                         "expectation); use value")
    scored = score_scales(inventory, df[["respondent", "item", "value"]])
    keys = df.drop_duplicates("respondent").set_index("respondent")[
        ["target", "level", "base", "template", "order", "sample", "persona"]]
    out = scored.join(keys, on="respondent")
    out["person"] = (out["template"].astype(str) + "|" + out["order"].astype(str) + "|" + out["sample"].astype(str)
                     + "|" + out["base"].fillna("-").astype(str))
    return out[cols].reset_index(drop=True)


def within_rho(scores: pd.DataFrame) -> WithinRho:
    """Per-person Spearman ρ of ``level`` and ``score`` (columns ``person, level, score``), summarised."""
    import numpy as np

    values: list[float] = []
    undefined = 0
    for _, part in scores.groupby("person", sort=False):
        part = part.dropna(subset=["score"])
        if part["level"].nunique() < 3 or part["score"].nunique() < 2:
            undefined += 1
            continue
        values.append(spearman_ci(part["level"].astype(float), part["score"].astype(float)).value)
    if not values:
        reason = ("no respondent has at least 3 scored levels" if scores["level"].nunique() < 3
                  else "every respondent has the same score at every level (or too few scored levels)")
        return WithinRho(median=NAN, mean=NAN, n_respondents=0, n_undefined=undefined, reason=reason)
    return WithinRho(median=float(np.median(values)), mean=float(np.mean(values)), n_respondents=len(values),
                     n_undefined=undefined)


def _quantile(values: pd.Series, q: float) -> float:
    v = values.dropna()
    return float(v.quantile(q)) if len(v) else NAN


def trait_shaping(responses: pd.DataFrame, inventory: Inventory, trait: str, *, levels: Sequence[int],
                  scores: pd.DataFrame | None = None, value: ValueColumn = "value", ci: float = 0.95) -> TraitShaping:
    """Controllability of one ``trait`` from a shaping run's responses (see :func:`shaping_metrics`)."""
    import pandas as pd

    from psychometrics.plan import parse_shaping_id

    scale = scale_of_trait(inventory, trait)
    if scale is None:
        raise ValueError(f"{inventory.id} has no scale for trait {trait!r}")
    if scores is None:
        scores = shaping_scores(responses, inventory, value=value)
    mine = scores[scores["target"] == trait]
    own = mine[mine["scale"] == scale]
    lo, hi = inventory.score_range(scale)
    levels = sorted(int(x) for x in levels)

    # Refusals: every answer asked at each level of this trait, whatever the scale.
    rows = responses[responses["inventory"] == inventory.id]
    parsed = rows["persona"].map(parse_shaping_id)
    here = rows[[t is not None and t.trait == trait for t in parsed]]
    here_levels = pd.Series([t.level for t in parsed if t is not None and t.trait == trait], index=here.index,
                            dtype=int)
    level_rows: list[LevelSummary] = []
    refused_counts, totals = [], []
    for level in levels:
        at = own[own["level"] == level]["score"]
        cells = here[here_levels == level]
        n_cells = len(cells)
        n_refused = int((cells["status"] == "refused").sum())
        refused_counts.append(n_refused)
        totals.append(n_cells)
        level_rows.append(LevelSummary(
            level=level, n_respondents=int(at.notna().sum()), median=_quantile(at, 0.5),
            mean=float(at.mean()) if at.notna().any() else NAN, q1=_quantile(at, 0.25), q3=_quantile(at, 0.75),
            ideal=lo + (level - 1) / 8 * (hi - lo), n_cells=n_cells, n_refused=n_refused,
            refusal_rate=n_refused / n_cells if n_cells else NAN,
        ))

    rho = spearman_ci(own["level"].astype(float), own["score"].astype(float), ci=ci)
    rho_within = within_rho(own)
    low_level, high_level = levels[0], levels[-1]
    median_low = level_rows[0].median
    median_high = level_rows[-1].median
    diff = median_high - median_low
    diff_reason = None
    if math.isnan(median_low) or math.isnan(median_high):
        diff_reason = (f"no scored respondent at level {low_level if math.isnan(median_low) else high_level}"
                       " (all answers refused, invalid or missing)")
        diff = NAN
    share = diff / (hi - lo) if not math.isnan(diff) and hi > lo else NAN

    drift: list[Drift] = []
    for s in inventory.scales:
        if s.id == scale:
            continue
        other = mine[mine["scale"] == s.id]
        olo, ohi = inventory.score_range(s.id)
        r = spearman_ci(other["level"].astype(float), other["score"].astype(float), ci=ci)
        m_low = _quantile(other[other["level"] == low_level]["score"], 0.5)
        m_high = _quantile(other[other["level"] == high_level]["score"], 0.5)
        change = m_high - m_low
        reason = None
        if math.isnan(change):
            reason = "no scored respondent at the lowest or the highest level"
        medians = [_quantile(other[other["level"] == level]["score"], 0.5) for level in levels]
        drift.append(Drift(trait=s.trait or s.id, scale=s.id, rho=r, median_change=change,
                           share_of_range=change / (ohi - olo) if not math.isnan(change) and ohi > olo else NAN,
                           medians=medians, reason=reason))
    abs_rhos = [abs(d.rho.value) for d in drift if not math.isnan(d.rho.value)]
    abs_shares = [abs(d.share_of_range) for d in drift if not math.isnan(d.share_of_range)]
    drift_reason = None
    if not drift:
        drift_reason = "the inventory has no other scale"
    elif not abs_rhos:
        drift_reason = "no other scale has a defined rank correlation with the level"

    refusal = refusal_trend(refused_counts, totals, levels)

    return TraitShaping(
        trait=trait, scale=scale, rho=rho, rho_within=rho_within, low_level=low_level, high_level=high_level, median_low=median_low,
        median_high=median_high, median_diff=diff, scale_min=lo, scale_max=hi, diff_share=share,
        diff_reason=diff_reason, levels=level_rows, drift=drift,
        drift_mean_abs_rho=sum(abs_rhos) / len(abs_rhos) if abs_rhos else NAN,
        drift_max_abs_share=max(abs_shares) if abs_shares else NAN, drift_reason=drift_reason, refusal=refusal,
    )


def refusal_trend(refused: Sequence[int], totals: Sequence[int], levels: Sequence[int]) -> RefusalTrend:
    """Whether refusals rise with the shaping level: the Cochran–Armitage test of ``refused / totals`` across
    ``levels`` (:func:`psychometrics.stats.cochran_armitage`) and Spearman ρ of level and refusal rate."""
    test = cochran_armitage(refused, totals, levels)
    defined = [(lv, r / n) for lv, r, n in zip(levels, refused, totals) if n]
    rate_rho = NAN
    if len(defined) >= 3 and len({r_ for _, r_ in defined}) > 1:
        rate_rho = spearman_ci([float(lv) for lv, _ in defined], [r_ for _, r_ in defined]).value
    if test.reason is None:
        rises: bool | None = bool(test.statistic > 0 and test.p < REFUSAL_TREND_SIGNIFICANCE)
    elif sum(totals) and sum(refused) in (0, sum(totals)):
        rises = False  # a flat rate (none or all refused) does not rise
    else:
        rises = None
    return RefusalTrend(z=test.statistic, p=test.p, rho=rate_rho, rises=rises, n_cells=sum(totals),
                        n_refused=sum(refused), reason=test.reason)


def shaping_metrics(responses: pd.DataFrame, inventory: Inventory, *, traits: Sequence[str] | None = None,
                    levels: Sequence[int] | None = None, value: ValueColumn = "value",
                    ci: float = 0.95) -> list[TraitShaping]:
    """Controllability of every shaped trait in a run's responses.

    Parameters
    ----------
    responses
        A responses frame (``Store.responses_frame``): columns ``inventory, item, template, order, sample,
        persona, status, value`` (and ``expected_value`` for ``value="expected_value"``). Personas that are not
        shaping ids (``shape/<trait>/<level>[+…]``) are ignored.
    inventory
        The inventory administered.
    traits
        Targeted traits to analyse; default: every trait with shaping personas in ``responses``, in the
        inventory's scale order.
    levels
        Levels asked; default: those present in ``responses``.
    value
        ``value`` (the chosen option) or ``expected_value`` (log-prob expectation).
    ci
        Coverage of the confidence intervals.

    Returns
    -------
    list of TraitShaping
        Per trait: ρ (target level vs respondent score, pooled over all respondents and levels) with CI; the
        median score at the lowest and highest level, their difference in points and as a share of the range;
        off-target drift of every other scale (ρ with the level and median change); the refusal rate per level
        with a Cochran–Armitage trend test.
    """
    from psychometrics.plan import parse_shaping_id

    parsed = [t for t in responses.loc[responses["inventory"] == inventory.id, "persona"].map(parse_shaping_id)
              if t is not None]
    present_traits = {t.trait for t in parsed}
    if traits is None:
        order = [s.trait or s.id for s in inventory.scales]
        traits = [t for t in order if t in present_traits]
    if levels is None:
        levels = sorted({t.level for t in parsed})
    if not traits:
        raise ValueError(f"no shaping personas (shape/<trait>/<level>) for {inventory.id} in these responses")
    if len(set(levels)) < 2:
        raise ValueError(f"shaping needs at least two levels (got {sorted(set(levels))})")
    scores = shaping_scores(responses, inventory, value=value)
    return [trait_shaping(responses, inventory, t, levels=levels, scores=scores, value=value, ci=ci)
            for t in traits]
