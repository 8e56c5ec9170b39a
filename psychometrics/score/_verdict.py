"""The plain-language verdict on one scale: robust, order-/prompt-sensitive, unstable, mostly refused or not enough
data (thresholds: the constants of :mod:`psychometrics.score._model`)."""

from __future__ import annotations

import math

from psychometrics._format import p_is, pct, pvalue, significant
from psychometrics.score._common import rate
from psychometrics.score._model import (
    MOSTLY_REFUSED,
    ORDER_SHIFT_MIN,
    PROMPT_RANGE_MIN,
    VERDICT_SIGNIFICANCE,
    RateRow,
    RespondentCheck,
    Verdict,
)
from psychometrics.stats import EquivalenceDecision, OrderSensitivity, PromptSensitivity


def verdict(prompt: PromptSensitivity, order: OrderSensitivity, order_k: OrderSensitivity, rates: list[RateRow],
            raw_range: float, key_range: float, *, n_ok: int,
            checks: tuple[RespondentCheck, RespondentCheck, RespondentCheck]) -> tuple[Verdict, list[str]]:
    """The verdict of one scale and the reasons for it, in words.

    ``order`` is on the original response values and ``order_k`` on keyed values, with response ranges
    ``raw_range`` and ``key_range``; ``checks`` are the respondent-level checks of the template, order and keyed
    order effects; ``n_ok`` counts the scale's ``ok`` answers.
    """
    prompt_chk, order_chk, order_k_chk = checks
    why: list[str] = []
    refused = rate(rates, "refused")
    if refused >= MOSTLY_REFUSED:
        return "mostly refused", [f"{pct(refused)} of replies are refusals (threshold {pct(MOSTLY_REFUSED)})"]
    if n_ok == 0:
        return "not enough data", ["no ok answers"]
    order_ok = order.n_pairs > 0
    prompt_ok = prompt.n_templates >= 2
    if not order_ok:
        why.append(f"order not assessed: {order.reason or 'no pairs'}")
    if not prompt_ok:
        why.append(f"prompt not assessed: {prompt.reason or 'fewer than 2 templates'}")
    if not order_ok and not prompt_ok:
        return "not enough data", why

    order_hit = False
    for res, chk, rng, label in ((order, order_chk, raw_range, "original values"),
                                 (order_k, order_k_chk, key_range, "keyed values")):
        if (res.n_pairs and not math.isnan(res.p) and res.p < VERDICT_SIGNIFICANCE
                and abs(res.mean_difference) >= ORDER_SHIFT_MIN * rng
                and _confirmed(chk, why, f"order ({label})")):
            order_hit = True
            why.append(f"{res.order_b} vs {res.order_a} ({label}): shift {significant(res.mean_difference)} points "
                       f"(≥ {pct(ORDER_SHIFT_MIN)} of the {significant(rng)}-point range), p {p_is(res.p)} < "
                       f"{pvalue(VERDICT_SIGNIFICANCE)}")
    prompt_hit = bool(prompt_ok and not math.isnan(prompt.p) and prompt.p < VERDICT_SIGNIFICANCE
                      and prompt.score_range >= PROMPT_RANGE_MIN * key_range
                      and _confirmed(prompt_chk, why, "templates"))
    if prompt_hit:
        why.append(f"templates: score range {significant(prompt.score_range)} points (≥ {pct(PROMPT_RANGE_MIN)} of the "
                   f"{significant(key_range)}-point range), p {p_is(prompt.p)} < {pvalue(VERDICT_SIGNIFICANCE)}")
    if order_hit and prompt_hit:
        return "unstable", why
    if order_hit:
        return "order-sensitive", why
    if prompt_hit:
        return "prompt-sensitive", why
    if order_ok:
        why.append(f"order: shift {significant(order.mean_difference)} points, MAD {significant(order.mad)}"
                   + (f", p {p_is(order.p)}" if not math.isnan(order.p) else ""))
    if prompt_ok:
        why.append(f"templates: score range {significant(prompt.score_range)}"
                   + (f", p {p_is(prompt.p)}" if not math.isnan(prompt.p) else ""))
    return "robust", why


def _confirmed(check: RespondentCheck, why: list[str], what: str) -> bool:
    """Whether the respondent-level check agrees (or cannot be made, which is said in ``why``)."""
    if not math.isnan(check.p):
        if check.p < VERDICT_SIGNIFICANCE:
            return True
        why.append(f"{what}: the item-level test is significant but respondents vary as much as that "
                   f"({check.test}, p {p_is(check.p)} ≥ {pvalue(VERDICT_SIGNIFICANCE)}): not counted")
        return False
    why.append(f"{what}: respondent-level check undefined ({check.reason}); the item-level test decides")
    return True


def robust_or_inconclusive(why: list[str], order: EquivalenceDecision | None,
                           prompt: EquivalenceDecision | None) -> tuple[Verdict, list[str]]:
    """"robust" only when every effect that could be assessed is shown to be small (its interval inside the
    bound: equivalence, Schuirmann 1987), else "inconclusive" with the smallest effect the design could detect.

    A check the design cannot make (one template, no reversed order) is not assessed and does not by itself make
    the verdict inconclusive; with neither check assessable the verdict is "not enough data".
    """
    judged = [(label, d) for label, d in (("order", order), ("templates", prompt))
              if d is not None and d.verdict != "not assessed"]
    if not judged:
        return "not enough data", [*why, "neither the order nor the template effect could be estimated across "
                                          "respondents"]
    open_ = [(label, d) for label, d in judged if d.verdict != "equivalent"]
    words = [f"{label} across respondents: {d.verdict} — {d.reason}" for label, d in judged]
    if not open_:
        return "robust", [*why, *words]
    return "inconclusive", [*why, *words, "robust needs every assessed effect's interval inside its bound"]
