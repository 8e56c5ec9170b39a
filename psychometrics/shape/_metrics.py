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
    RankCorrelation,
    RefusalTrend,
    TraitShaping,
    ValueColumn,
    WithinRho,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from psychometrics.inventory import Inventory

NAN = math.nan
SIGNIFICANCE = 0.05
"""A refusal trend counts as rising when z > 0 and its two-sided p-value is below this."""


def spearman_ci(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, *,
                ci: float = 0.95) -> RankCorrelation:
    """Spearman ρ between ``x`` and ``y`` with a Fisher-z confidence interval; pairs with a NaN are dropped.

    Parameters
    ----------
    x, y
        Paired values (here: target level and measured score).
    ci
        Coverage of the interval.

    Returns
    -------
    RankCorrelation
        NaN with a ``reason`` when fewer than 3 pairs remain or either variable does not vary.

    Notes
    -----
    With :math:`z = \\operatorname{atanh}\\rho` and :math:`SE = \\sqrt{(1 + \\rho^2/2)/(n - 3)}` (Bonett &
    Wright, 2000), the interval is :math:`\\tanh(z \\pm z_{1-\\alpha/2} SE)`; it needs :math:`n \\ge 4`. When
    :math:`|\\rho| = 1` the interval collapses to :math:`[\\rho, \\rho]`. R: ``cor.test(x, y, method =
    "spearman")`` gives the same ρ and p-value (its exact p for small n differs).

    References
    ----------
    Bonett, D. G., & Wright, T. A. (2000). Sample size requirements for estimating Pearson, Kendall and Spearman
    correlations. *Psychometrika, 65*(1), 23–28.

    Examples
    --------
    >>> r = spearman_ci([1, 2, 3, 4, 5], [2.0, 2.5, 2.4, 4.0, 4.5])
    >>> round(r.value, 2), round(r.ci_low, 2), round(r.ci_high, 3)
    (0.9, -0.17, 0.996)
    """
    import numpy as np
    from scipy import stats

    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    keep = ~(np.isnan(xa) | np.isnan(ya))
    xa, ya = xa[keep], ya[keep]
    n = len(xa)
    if n < 3:
        return RankCorrelation(value=NAN, n=n, ci_level=ci, reason=f"{n} scored respondent(s): ρ needs at least 3")
    if np.ptp(xa) == 0:
        return RankCorrelation(value=NAN, n=n, ci_level=ci, reason="only one level has scored respondents")
    if np.ptp(ya) == 0:
        return RankCorrelation(value=NAN, n=n, ci_level=ci,
                               reason=f"every respondent has the same score ({ya[0]:g}): ρ is undefined")
    res = stats.spearmanr(xa, ya)
    rho, p = float(res.statistic), float(res.pvalue)
    if n < 4:
        return RankCorrelation(value=rho, p_value=p, n=n, ci_level=ci)
    if abs(rho) >= 1.0 - 1e-12:
        return RankCorrelation(value=rho, ci_low=rho, ci_high=rho, p_value=p, n=n, ci_level=ci)
    se = math.sqrt((1.0 + rho * rho / 2.0) / (n - 3))
    zc = float(stats.norm.ppf(0.5 + ci / 2.0))
    z = math.atanh(rho)
    return RankCorrelation(value=rho, ci_low=math.tanh(z - zc * se), ci_high=math.tanh(z + zc * se), p_value=p,
                           n=n, ci_level=ci)


def cochran_armitage(refused: Sequence[int], totals: Sequence[int], scores: Sequence[float]) -> tuple[float, float, str | None]:
    """Cochran–Armitage test for a linear trend in proportions ``refused / totals`` across ordered ``scores``.

    Returns ``(z, p, reason)``: :math:`z = T/\\sqrt{V}` with :math:`T = \\sum_k s_k (r_k - n_k \\bar p)` and
    :math:`V = \\bar p (1 - \\bar p) \\big(\\sum_k n_k s_k^2 - (\\sum_k n_k s_k)^2 / N\\big)`, and the two-sided
    normal p-value; NaN with a reason when :math:`\\bar p` is 0 or 1 or the scores do not vary. Same as R's
    ``prop.trend.test(refused, totals, score = scores)`` (which reports :math:`\\chi^2 = z^2`).

    Examples
    --------
    >>> z, p, _ = cochran_armitage([1, 2, 4, 8], [20, 20, 20, 20], [1, 2, 3, 4])
    >>> round(z, 3), round(p, 4)
    (2.946, 0.0032)
    """
    from scipy import stats

    r = [int(v) for v in refused]
    n = [int(v) for v in totals]
    s = [float(v) for v in scores]
    big_n = sum(n)
    if big_n == 0:
        return NAN, NAN, "nothing was asked"
    p_bar = sum(r) / big_n
    if p_bar == 0:
        return NAN, NAN, "no refusals at any level: no trend to test"
    if p_bar == 1:
        return NAN, NAN, "every answer was refused: no trend to test"
    t = sum(sk * (rk - nk * p_bar) for sk, rk, nk in zip(s, r, n))
    sxx = sum(nk * sk * sk for sk, nk in zip(s, n)) - sum(nk * sk for sk, nk in zip(s, n)) ** 2 / big_n
    if sxx <= 0:
        return NAN, NAN, "only one level was asked"
    z = t / math.sqrt(p_bar * (1 - p_bar) * sxx)
    return z, float(2 * stats.norm.sf(abs(z))), None


def scale_range(inventory: Inventory, scale_id: str) -> tuple[float, float]:
    """Lowest and highest possible score of a scale, by its scoring rule."""
    if inventory.scoring == "high_choice_percent":
        return 0.0, 100.0
    lo, hi = float(inventory.min_value), float(inventory.max_value)
    if inventory.scoring == "signed_sum":
        items = inventory.items_of(scale_id)
        plus = sum(1 for it in items if not getattr(it, "reverse", False))
        minus = len(items) - plus
        const = inventory.scale(scale_id).constant
        return const + plus * lo - minus * hi, const + plus * hi - minus * lo
    return lo, hi


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
    from scipy import stats

    values: list[float] = []
    undefined = 0
    for _, part in scores.groupby("person", sort=False):
        part = part.dropna(subset=["score"])
        if part["level"].nunique() < 3 or part["score"].nunique() < 2:
            undefined += 1
            continue
        values.append(float(stats.spearmanr(part["level"], part["score"]).statistic))
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
    lo, hi = scale_range(inventory, scale)
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
        olo, ohi = scale_range(inventory, s.id)
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

    z, p, why = cochran_armitage(refused_counts, totals, levels)
    rates = [lv.refusal_rate for lv in level_rows]
    rate_rho = NAN
    defined = [(lv.level, r_) for lv, r_ in zip(level_rows, rates) if not math.isnan(r_)]
    if len(defined) >= 3 and len({r_ for _, r_ in defined}) > 1:
        from scipy import stats

        rate_rho = float(stats.spearmanr([lv for lv, _ in defined], [r_ for _, r_ in defined]).statistic)
    if why is None:
        rises: bool | None = bool(z > 0 and p < SIGNIFICANCE)
    elif sum(totals) and sum(refused_counts) in (0, sum(totals)):
        rises = False  # a flat rate (none or all refused) does not rise
    else:
        rises = None
    refusal = RefusalTrend(z=z, p_value=p, rho=rate_rho, rises=rises, n_cells=sum(totals),
                           n_refused=sum(refused_counts), reason=why)

    return TraitShaping(
        trait=trait, scale=scale, rho=rho, rho_within=rho_within, low_level=low_level, high_level=high_level, median_low=median_low,
        median_high=median_high, median_diff=diff, scale_min=lo, scale_max=hi, diff_share=share,
        diff_reason=diff_reason, levels=level_rows, drift=drift,
        drift_mean_abs_rho=sum(abs_rhos) / len(abs_rhos) if abs_rhos else NAN,
        drift_max_abs_share=max(abs_shares) if abs_shares else NAN, drift_reason=drift_reason, refusal=refusal,
    )


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
