"""Reliability of one scale across respondents: α (Feldt interval), λ6, ω and split-half (bootstrap intervals)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from psychometrics.inventory import Inventory
from psychometrics.score._common import CI_LEVEL, nan_estimate, safe
from psychometrics.score._model import ScaleReliability
from psychometrics.stats import cronbach_alpha, guttman_lambda6, item_rest_correlations, mcdonald_omega, split_half


POSITION_CAUSE = ("the answers follow option position, not content (see response_styles): perfectly correlated "
                  "items come from the position, not from duplicated items")
"""What replaces the statistics' guess "a duplicated item?" when the scale's answers follow option position."""


def scale_reliability(inv: Inventory, scale_id: str, keyed: pd.DataFrame, *, n_boot: int,
                      seed: int | None, follows_position: bool = False, model: bool = True) -> ScaleReliability:
    """Internal consistency of one scale: respondents × items of keyed values, listwise deletion.

    ``keyed`` holds the inventory's answers with keyed values (:func:`psychometrics.inventory._score.keyed_values`
    plus a ``respondent`` column); ``n_boot`` = 0 skips the bootstrap intervals. ``follows_position``: the scale's
    answers follow option position (a flagged position index), which then names the cause of singular or
    perfectly correlated items. ``model``: the answers come from a model (notes then say the answers contradict
    the keying rather than that an item needs reversing).
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
    if follows_position:
        alpha, lam6, omega, sh = (_name_position(e) for e in (alpha, lam6, omega, sh))
    reasons = {e.reason for e in (alpha, lam6, omega, sh)}
    common = next(iter(reasons)) if len(reasons) == 1 else None
    items = safe(lambda: item_rest_correlations(wide), lambda why: None)
    return ScaleReliability(inventory=inv.id, scale=scale_id, values=what, alpha=alpha, lambda6=lam6,
                            omega=omega, split_half=sh, n=n, n_items=k, reason=common, items=items,
                            notes=keying_notes(alpha.value, items, follows_position, model))


def _name_position(est: Any) -> Any:
    """The estimate with "(a duplicated item?)" replaced by the real cause: answers following option position."""
    if est.reason and "duplicated item" in est.reason:
        return est.model_copy(update={"reason": est.reason.replace("(a duplicated item?)", f"({POSITION_CAUSE})")})
    return est


def keying_notes(alpha: float, items: Any, follows_position: bool, model: bool) -> list[str]:
    """Negative α and the items correlating negatively with the rest of their scale, named (as ``psych::alpha``
    warns), with what that means for a model's answers or for people's data."""
    notes = []
    negative = list(items.negative) if items is not None else []
    meaning = ("the answers contradict the keying of the scale" if model
               else "they probably need reversing (check their keying)")
    named = (f"item(s) {', '.join(repr(i) for i in negative)} correlate negatively with the rest of the scale: "
             f"{meaning}") if negative else None
    if alpha < 0:
        notes.append(f"α = {alpha:.2f} is negative: the items correlate negatively on average"
                     + (f"; {named}" if named else ""))
    elif named:
        notes.append(named)
    if follows_position:
        notes.append(POSITION_CAUSE)
    return notes
