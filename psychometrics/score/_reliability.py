"""Reliability of one scale across respondents: α (Feldt interval), λ6, ω and split-half (bootstrap intervals)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from psychometrics.inventory import Inventory
from psychometrics.score._common import CI_LEVEL, nan_estimate, safe
from psychometrics.score._model import ScaleReliability
from psychometrics.stats import cronbach_alpha, guttman_lambda6, mcdonald_omega, split_half


def scale_reliability(inv: Inventory, scale_id: str, keyed: pd.DataFrame, *, n_boot: int,
                      seed: int | None) -> ScaleReliability:
    """Internal consistency of one scale: respondents × items of keyed values, listwise deletion.

    ``keyed`` holds the inventory's answers with keyed values (:func:`psychometrics.inventory._score.keyed_values`
    plus a ``respondent`` column); ``n_boot`` = 0 skips the bootstrap intervals.
    """
    what = ("0/100 high-choice indicator per scenario item" if inv.kind == "scenario"
            else f"keyed item values (reverse-keyed items as {inv.min_value + inv.max_value} − x)")
    k = len(inv.items_of(scale_id))
    part = keyed[keyed["scale"] == scale_id]
    wide = part.pivot(index="respondent", columns="item", values="keyed") if len(part) else pd.DataFrame()
    complete = wide.dropna(axis=0, how="any") if wide.shape[1] else wide
    n = len(complete)
    reason = None
    if part["keyed"].notna().sum() == 0 if len(part) else True:
        reason = "no ok answers on this scale"
    elif n == 0:
        reason = "no respondent answered every item of the scale (listwise deletion)"
    if reason is not None:
        methods = ("Feldt", "bootstrap", "bootstrap", "bootstrap")
        ests = [nan_estimate(reason, m, 0, k) for m in methods]
        return ScaleReliability(inventory=inv.id, scale=scale_id, values=what, alpha=ests[0], lambda6=ests[1],
                                omega=ests[2], split_half=ests[3], n=0, n_items=k, reason=reason)
    wide = wide.astype(float)
    boot_ci = CI_LEVEL if n_boot > 0 else None
    nbx = max(n_boot, 1)

    def fallback(method: str) -> Any:
        return lambda why: nan_estimate(why, method, n, k)

    alpha = safe(lambda: cronbach_alpha(wide, ci=CI_LEVEL), fallback("Feldt"))
    lam6 = safe(lambda: guttman_lambda6(wide, ci=boot_ci, n_boot=nbx, seed=seed), fallback("bootstrap"))
    omega = safe(lambda: mcdonald_omega(wide, ci=boot_ci, n_boot=nbx, seed=seed), fallback("bootstrap"))
    sh = safe(lambda: split_half(wide, ci=boot_ci, n_boot=nbx, seed=seed), fallback("bootstrap"))
    reasons = {e.reason for e in (alpha, lam6, omega, sh)}
    common = next(iter(reasons)) if len(reasons) == 1 else None
    return ScaleReliability(inventory=inv.id, scale=scale_id, values=what, alpha=alpha, lambda6=lam6,
                            omega=omega, split_half=sh, n=n, n_items=k, reason=common)
