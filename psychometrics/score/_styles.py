"""Response styles of a run and whether each scale's score can be read.

A score means something only when the answers behind it follow the items' content. An answer that follows the
displayed position of an option (always the first one shown), agrees with every statement whatever its keying, or
repeats one option throughout gives a score — often a tidy 3.00 with a narrow interval — that says nothing about
the trait. :func:`inventory_styles` computes the response-style indices of :mod:`psychometrics.stats` for each
inventory and each of its scales; :func:`interpretability` turns them into ``interpretable`` (readable, not
readable, or uncertain) with every reason in words.
"""

from __future__ import annotations

import pandas as pd

from psychometrics._format import pct
from psychometrics.inventory import Inventory, ScenarioItem
from psychometrics.plan import option_values, order_permutation
from psychometrics.score._common import CI_LEVEL, safe
from psychometrics.score._model import MOSTLY_REFUSED, InventoryStyles, RateRow, Readability, ScaleScore
from psychometrics.stats import ResponseStyles, StyleIndex, response_styles

MIN_ANSWERED = 1 - MOSTLY_REFUSED
"""A scale whose cells have fewer ``ok`` answers than this share is not interpretable: the score rests on a
minority of the questions asked, chosen by what the model was willing or able to answer."""

CHOSEN = "chosen_value"
"""Column of the picked option's value when ``value`` holds something else (the expected value)."""

POSITION_INDICES = ("first-position rate", "last-position rate", "position-following index")
"""Indices that show answers following the displayed position of the options."""


def shown_values(inv: Inventory, orders: list[str]) -> dict:
    """``(item, order)`` → the original values in the order they were shown, for every item and order given."""
    out: dict = {}
    for item in inv.items:
        values = option_values(inv, item)
        high = [o.high for o in item.options] if isinstance(item, ScenarioItem) else None
        for order in orders:
            try:
                perm = order_permutation(order, len(values), high=high)
            except ValueError:
                continue  # an order this item cannot take (e.g. 'swapped' for a Likert item) is never asked
            out[(item.id, order)] = [values[j] for j in perm]
    return out


def style_answers(inv: Inventory, part: pd.DataFrame) -> pd.DataFrame:
    """One inventory's answers as the style functions read them: original values, keying and the design columns.

    Response styles are about which option was picked, so ``value`` is the picked option (``chosen_value`` when
    the scores use another value, e.g. the expectation over the option probabilities)."""
    reverse = {it.id: bool(getattr(it, "reverse", False)) for it in inv.items}
    cols = ["respondent", "item", "scale", "value", "order", "template", "sample", "persona"]
    df = part[cols].copy()
    if CHOSEN in part.columns:
        df["value"] = part[CHOSEN].to_numpy(dtype=float)
    df["keying"] = df["item"].map(lambda i: -1 if reverse.get(i, False) else 1)
    df["persona"] = df["persona"].fillna("-").astype(str)
    return df


def _styles(inv: Inventory, answers: pd.DataFrame, shown: dict) -> ResponseStyles:
    ordered = inv.kind != "scenario"
    order_of = [it.id for it in inv.items]
    return response_styles(answers, scale_min=inv.min_value if ordered else None,
                           scale_max=inv.max_value if ordered else None, shown_values=shown, item_order=order_of,
                           ci=CI_LEVEL)


def inventory_styles(inv: Inventory, part: pd.DataFrame) -> InventoryStyles:
    """Every response-style index of one inventory's answers, over all its answers and per scale.

    ``part`` is the inventory's responses as scored (``respondent``, ``item``, ``scale``, ``value`` with non-``ok``
    answers blank, ``order``, ``template``, ``sample``, ``persona``). The per-scale entries leave out the
    per-respondent straight-lining rows (the inventory entry has them).
    """
    if not len(part) or part["value"].notna().sum() == 0:
        return InventoryStyles(inventory=inv.id, reason="no ok answers")
    answers = style_answers(inv, part)
    shown = shown_values(inv, sorted(answers["order"].unique()))
    overall = safe(lambda: _styles(inv, answers, shown), lambda why: why)
    if isinstance(overall, str):
        return InventoryStyles(inventory=inv.id, reason=overall)
    scales, failed = {}, {}
    for sc in inv.scales:
        sub = answers[answers["scale"] == sc.id]
        if sub["value"].notna().sum() == 0:
            continue
        res = safe(lambda sub=sub: _styles(inv, sub, shown), lambda why: why)
        if isinstance(res, str):
            failed[sc.id] = res
        else:
            scales[sc.id] = res.model_copy(update={"straight_lining": res.straight_lining.model_copy(
                update={"respondents": []})})
    return InventoryStyles(inventory=inv.id, overall=overall, scales=scales, scale_reasons=failed)


_STYLE_WORDS = {
    "acquiescence": "agreement whatever the keying",
    "nay-saying": "disagreement whatever the keying",
    "straight-lining": "one identical answer to every item",
}


def _style_words(index: StyleIndex) -> str:
    name = index.name.split(" (")[0]
    if name == "net acquiescence":
        name = "acquiescence" if index.value > 0 else "nay-saying"
    return _STYLE_WORDS.get(name, index.name)


def _phrase(index: StyleIndex) -> str:
    what = {
        "first-position rate": "answers follow option position (the first option shown, whatever it says)",
        "last-position rate": "answers follow option position (the last option shown, whatever it says)",
        "position-following index": "answers follow option position, not the option's content, when the order is "
                                    "reversed",
        "straight-lining": "straight-lining: respondents give one identical answer to items keyed in opposite "
                           "directions",
    }.get(index.name)
    if what is None and index.name.startswith("net acquiescence"):
        what = ("acquiescence: agreement with items whatever their keying" if index.value > 0
                else "nay-saying: disagreement with items whatever their keying")
    if what is None:
        what = ("acquiescence: agreement with items whatever their keying" if index.name.startswith("acquiescence")
                else "nay-saying: disagreement with items whatever their keying"
                if index.name.startswith("nay-saying") else index.name)
    bound = "±" if index.name.startswith("net acquiescence") else ""
    numbers = (f"{index.name} {index.value:.2f} [{index.ci_low:.2f}, {index.ci_high:.2f}], threshold "
               f"{bound}{index.threshold:.3g}")
    if index.verdict == "flagged":
        return f"{what}: {numbers}"
    return (f"uncertain whether {what}: {numbers} — the interval straddles the threshold, so the answers can "
            "neither clear the score nor condemn it (more respondents would settle it)")


def readability_note(scale: ScaleScore, where: str) -> str | None:
    """Why ``scale`` cannot be read as a trait in ``where`` ("run A", "version M"), in one phrase — ``not readable in
    … (first reason)`` or ``uncertain whether readable in … (…)`` — or None when it is readable. The verdicts that
    compare two runs (drift, change, test–retest) give it as their reason for certifying nothing."""
    if scale.interpretable is True:
        return None
    why = (scale.interpretability_reasons or ["see its audit"])[0].removeprefix("uncertain whether ")
    state = "not readable" if scale.interpretable is False else "uncertain whether readable"
    return f"{state} in {where} ({why})"


def interpretability(score: ScaleScore, styles: ResponseStyles | None, rates: list[RateRow],
                     protocol: ResponseStyles | None = None, styles_reason: str | None = None
                     ) -> tuple[bool | None, Readability, list[str]]:
    """Whether a scale's score can be read, three-way, and every reason in words.

    Returns ``(interpretable, readability, reasons)``:

    ``False``, ``"not readable"``
        No respondent has a score, fewer than :data:`MIN_ANSWERED` of the scale's replies are ``ok`` answers, or a
        response-style index that makes content unreadable is *flagged* on the scale's answers (its whole interval
        beyond the threshold): position (first/last-position rate, position-following), acquiescence or nay-saying,
        straight-lining.
    ``None``, ``"uncertain"``
        None of those, but one such index is *inconclusive*: its interval straddles the threshold, so the data allow
        both a clean score and one driven by the style. Not shown to be readable; the reason says which index.
    ``True``, ``"readable"``
        Every such index is clear or cannot be assessed in this design — except position: when neither the
        position-following index (it needs reversed orders) nor a first/last-position rate can be judged, the scale
        is uncertain, since nothing then tells an answer that follows position from one that follows content.

    The first/last-position rates count only when the position-following index is not clear: a rate above the human
    rate can be an extreme respondent whose answers follow content (see
    :func:`psychometrics.stats.position_rates`), and a clear position-following index, which reverses the order,
    shows that they do; without it (one order, rotations, scenario items) the rates are the evidence.

    ``styles`` is ``None`` when the scale's indices could not be computed (``styles_reason`` says why): such a
    scale is uncertain, never readable, since nothing then shows that its answers follow content.

    Net acquiescence (the balanced mean, :func:`psychometrics.stats.balanced_mean`) is read from ``protocol``, the
    styles of every answer to the scale's inventory, when given: acquiescence is a respondent's style, judged over
    the whole protocol as the NEO PI-R rule does, and it bears on every scale of it. When it is clear, a scale's
    agreement or disagreement share that is only inconclusive leaves the scale readable (a flagged share still
    counts), as a clear position-following index leaves the position rates aside.

    The reasons list the flagged indices first, then the inconclusive ones ("uncertain whether …"). Extreme and
    midpoint responding are reported but do not by themselves make a score unreadable, as issue 14 decides (its
    reasons are position, acquiescence, straight-lining and too few answers): a content answer may well be extreme,
    and a neutral respondent's answer sits at the midpoint. A respondent that answers the midpoint to every item is
    still caught, by straight-lining (one answer to items of both keyings). The rule is symmetric, like the indices' own verdicts: "readable" needs every interval on the
    clean side, as "not readable" needs one wholly on the other.
    """
    reasons: list[str] = []
    if score.n == 0:
        reasons.append("no respondent has a score on this scale")
    ok = next((r for r in rates if r.status == "ok"), None)
    if ok is not None and ok.n and ok.rate < MIN_ANSWERED:
        reasons.append(f"only {pct(ok.rate)} of the scale's replies are usable answers (at least "
                       f"{pct(MIN_ANSWERED)} needed)")
    open_: list[str] = []
    if styles is None and score.n:
        open_.append("whether the answers follow option position or content is unknown: the response-style indices "
                     f"{styles_reason or 'could not be computed'}")
    if styles is not None:
        # when the position-following index is clear (answers move with their option when the order is reversed),
        # it settles the position question: the rates then only describe where content put the answers
        rates = [] if styles.following.index.verdict == "clear" else [styles.positions.first, styles.positions.last]
        # net acquiescence is a respondent's style, judged over its whole protocol (every answer to the
        # inventory, as the NEO PI-R rule counts all 240), and it bears on every scale of that protocol
        whole = (protocol or styles).acquiescence.balanced_mean
        net = [whole] if whole is not None else []
        shares = [styles.acquiescence.index, styles.acquiescence.nay_saying]
        content = [*rates, styles.following.index, *shares, *net, styles.straight_lining.index]
        flagged = [i for i in content if i.verdict == "flagged"]
        reasons += [_phrase(i) for i in flagged]
        # a clear net acquiescence settles the agreement question as a clear position-following index settles the
        # position rates: the scale's agreement shares, counted over answers as if independent, then only describe
        # where content put them (one scale of a planted-steady protocol straddled 0.625 at 0.48 [0.36, 0.63])
        settled = whole is not None and whole.verdict == "clear"
        open_ = [_phrase(i) for i in content
                 if i.verdict == "inconclusive" and not (settled and any(i is s for s in shares))]
        if styles.following.index.verdict == "not assessed" and not any(i.verdict == "clear" for i in rates):
            # nothing in this design tells answers that follow position from answers that follow content (one
            # option order, and position rates that cannot be judged): such a score is not shown to be readable
            why = styles.following.index.reason or "the position-following index is not assessed"
            one_order = styles.positions.n_orders < 2
            design = ("in this design (one option order)" if one_order else
                      "from these answers, although both orders were asked")
            remedy = ("add the reversed order (--orders original,reversed), or resume the run where reversed "
                      "cells were asked but not answered" if one_order else
                      "ask more of the scale's items, or more templates or samples, under both orders")
            styled = [i for i in flagged if i.name not in POSITION_INDICES]
            if styled:
                # agreeing, disagreeing or one answer throughout is also what picking the first (or last) option
                # shown produces: when the design cannot say which, the first reason says so
                reasons.insert(0, f"whether the answers follow option position or content cannot be told {design}: "
                               f"the {' and '.join(dict.fromkeys(_style_words(i) for i in styled))} "
                               "may follow the position of the options shown as well as their content; "
                               f"{remedy} to tell them apart ({why})")
            else:
                open_.append(f"whether the answers follow option position cannot be told {design} ({why}): {remedy}")
    if reasons:
        return False, "not readable", reasons + open_
    if open_:
        return None, "uncertain", open_
    return True, "readable", []


def follows_position(styles: ResponseStyles | None) -> bool:
    """Whether any position index is flagged on these answers."""
    return styles is not None and any(i.flagged and i.name in POSITION_INDICES for i in styles.indices())
