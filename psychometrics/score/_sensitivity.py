"""Sensitivity of one scale to the prompt template and the option order, checked at item and respondent level."""

from __future__ import annotations

import math

import pandas as pd

from psychometrics.inventory import Inventory
from psychometrics.score._comparison import EXACT_MIN_MATCHED
from psychometrics.score._common import ORDER_A, ORDER_B, rate_rows, safe
from psychometrics.score._model import ORDER_SHIFT_MIN, PROMPT_RANGE_MIN, RespondentCheck, ScaleSensitivity
from psychometrics.score._verdict import robust_or_inconclusive, verdict
from psychometrics.stats import (
    EquivalenceDecision,
    OrderSensitivity,
    PromptSensitivity,
    equivalence_test,
    one_way_anova,
    order_sensitivity,
    prompt_sensitivity,
    welch_ttest,
)


def scale_sensitivity(inv: Inventory, scale_id: str, keyed: pd.DataFrame) -> ScaleSensitivity:
    """Template and order effects on one scale, response rates, and the verdict.

    ``keyed`` holds the inventory's answers with keyed values and the columns ``respondent, template, order,
    pair_sample, status`` (the pairing unit of the order test is ``sample|persona``).
    """
    part = keyed[keyed["scale"] == scale_id]
    if inv.kind == "scenario":
        raw_lo, raw_hi, key_lo, key_hi = 1.0, 4.0, 0.0, 100.0
    else:
        raw_lo, raw_hi = float(inv.min_value), float(inv.max_value)
        key_lo, key_hi = raw_lo, raw_hi
    base = pd.DataFrame({
        "item": part["item"].to_numpy(), "template": part["template"].to_numpy(),
        "order": part["order"].to_numpy(), "sample": part["pair_sample"].to_numpy(),
    })
    raw = base.assign(value=part["value"].to_numpy(dtype=float))
    key = base.assign(value=part["keyed"].to_numpy(dtype=float))

    def no_prompt(why: str) -> PromptSensitivity:
        return PromptSensitivity(n_templates=0, n_items=0, n_answers=0, score_range=math.nan,
                                 score_sd=math.nan, reason=why)

    def no_order(why: str) -> OrderSensitivity:
        return OrderSensitivity(order_a=ORDER_A, order_b=ORDER_B, unit="item", n_pairs=0, n_items=0,
                                mean_difference=math.nan, mad=math.nan, flip_share=math.nan,
                                pair_flip_share=math.nan, reason=why)

    prompt = safe(lambda: prompt_sensitivity(key), no_prompt)
    order = safe(lambda: order_sensitivity(raw, a=ORDER_A, b=ORDER_B, scale_min=raw_lo, scale_max=raw_hi),
                 no_order)
    order_k = safe(lambda: order_sensitivity(key, a=ORDER_A, b=ORDER_B, scale_min=key_lo, scale_max=key_hi),
                   no_order)
    rates = rate_rows(pd.Series(part["status"].to_numpy(), dtype=str)) if len(part) else rate_rows(
        pd.Series([], dtype=str))
    per = (part.groupby("respondent", sort=False)
           .agg(raw=("value", "mean"), key=("keyed", "mean"), order=("order", "first"),
                template=("template", "first")))
    in_orders = per[per["order"].isin([ORDER_A, ORDER_B])]
    order_chk = order_check(in_orders, "raw")
    order_k_chk = order_check(in_orders, "key")
    prompt_chk = template_check(per, "key")
    decided, why = verdict(prompt, order, order_k, rates, raw_hi - raw_lo, key_hi - key_lo,
                           n_ok=int(part["keyed"].notna().sum()), checks=(prompt_chk, order_chk, order_k_chk))
    order_dec = order_decision(in_orders, ORDER_SHIFT_MIN * (key_hi - key_lo))
    prompt_dec = prompt_decision(per, PROMPT_RANGE_MIN * (key_hi - key_lo))
    if decided == "robust":
        decided, why = robust_or_inconclusive(why, order_dec, prompt_dec)
    return ScaleSensitivity(inventory=inv.id, scale=scale_id, prompt=prompt, order=order, order_keyed=order_k,
                            prompt_check=prompt_chk, order_check=order_chk, order_keyed_check=order_k_chk,
                            response_rates=rates, verdict=decided, verdict_reasons=why, order_decision=order_dec,
                            prompt_decision=prompt_dec)


def order_decision(per: pd.DataFrame, bound: float) -> EquivalenceDecision | None:
    """Three-way decision on the shift of respondents' mean keyed answers, reversed − original, against ±bound
    (Welch TOST; :func:`psychometrics.stats.equivalence_test`); ``None`` without both orders."""
    a, b = per.loc[per["order"] == ORDER_A, "key"].dropna(), per.loc[per["order"] == ORDER_B, "key"].dropna()
    if not len(a) or not len(b):
        return None
    return uncertified_if_exact(equivalence_test(a, b, bound=bound))


def uncertified_if_exact(d: EquivalenceDecision) -> EquivalenceDecision:
    """``d``, made inconclusive when it is "equivalent" only through a zero-width interval from fewer than
    :data:`EXACT_MIN_MATCHED` respondents: no spread among a few respondents certifies nothing about the next."""
    if d.verdict != "equivalent" or d.equivalence_ci_low != d.equivalence_ci_high or d.n >= EXACT_MIN_MATCHED:
        return d
    return d.model_copy(update={"verdict": "inconclusive", "reason": (
        f"no spread: the interval [{d.equivalence_ci_low:.2g}, {d.equivalence_ci_high:.2g}] has zero width, and from "
        f"{d.n} respondents that certifies nothing (at least {EXACT_MIN_MATCHED} needed before an exact "
        "difference certifies equivalence: rule of three)")})


def prompt_decision(per: pd.DataFrame, bound: float) -> EquivalenceDecision | None:
    """Three-way decision on the largest difference between two templates' respondent means against ±bound.

    Every pair of templates is judged by :func:`psychometrics.stats.equivalence_test` at α / m (Bonferroni over
    the m pairs): equivalent when every pair is, different when any pair is, else inconclusive. The record is the
    pair with the largest difference, its reason naming the pair. ``None`` with fewer than two templates.
    """
    groups = [(t, g["key"].dropna()) for t, g in per.groupby("template", sort=False)]
    groups = [(t, g) for t, g in groups if len(g)]
    pairs = [(ta, ga, tb, gb) for i, (ta, ga) in enumerate(groups) for tb, gb in groups[i + 1:]]
    if not pairs:
        return None
    alpha = 0.05 / len(pairs)
    judged = [(ta, tb, uncertified_if_exact(equivalence_test(ga, gb, bound=bound, alpha=alpha)))
              for ta, ga, tb, gb in pairs]
    verdicts = {d.verdict for _, _, d in judged}
    pick = max(judged, key=lambda x: (x[2].verdict == "different", abs(x[2].estimate)
                                      if math.isfinite(x[2].estimate) else -1.0))
    if "different" not in verdicts and verdicts != {"equivalent"}:
        pick = next(x for x in judged if x[2].verdict != "equivalent")
    ta, tb, d = pick
    verdict_ = "different" if "different" in verdicts else ("equivalent" if verdicts == {"equivalent"}
                                                           else "inconclusive")
    return d.model_copy(update={"verdict": verdict_, "reason": f"{tb} − {ta} (of {len(pairs)} template pair(s), "
                                                                  f"Bonferroni α = {alpha:.3g}): {d.reason}"})


def order_check(per: pd.DataFrame, col: str) -> RespondentCheck:
    """Welch's t-test of respondents' mean answers ``col`` between the two orders (reversed − original)."""
    res = welch_ttest(per.loc[per["order"] == ORDER_A, col], per.loc[per["order"] == ORDER_B, col])
    base = {"test": "Welch t", "n": res.n_a + res.n_b, "n_groups": int(res.n_a > 0) + int(res.n_b > 0)}
    if res.n_a < 2 or res.n_b < 2:
        return RespondentCheck(**base, reason=f"{res.n_a} respondent(s) in order {ORDER_A!r} and {res.n_b} in "
                                              f"{ORDER_B!r} with answers; at least 2 each are needed")
    if math.isnan(res.statistic):
        return RespondentCheck(**base, reason="every respondent has the same mean answer in both orders")
    return RespondentCheck(**base, statistic=res.statistic, df=res.df, p=res.p)


def template_check(per: pd.DataFrame, col: str) -> RespondentCheck:
    """One-way ANOVA of respondents' mean (keyed) answers ``col`` across templates."""
    res = one_way_anova([g[col] for _, g in per.groupby("template", sort=False)])
    base = {"test": "ANOVA F", "n": res.n, "n_groups": res.n_groups}
    if res.n_groups < 2:
        return RespondentCheck(**base, reason=f"{res.n_groups} template(s) with answers; at least 2 are needed")
    if res.df_within < 1:
        return RespondentCheck(**base, reason="one respondent per template: variation between respondents "
                                              "cannot be told from the template effect")
    if math.isnan(res.statistic):
        return RespondentCheck(**base, df=res.df_within,
                               reason="every respondent has the same mean answer under every template")
    return RespondentCheck(**base, statistic=res.statistic, df=res.df_within, p=res.p)
