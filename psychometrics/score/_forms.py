"""Consistency across parallel forms: the same items in other words or another language, answered by one model.

Inventories are grouped by their original (``Inventory.original_id or Inventory.id``); within a group the original
is set beside each of its forms (without the original, the first form beside the others). Answers are compared on
the original response scale, item by item through the form's ``parallel_item`` mapping, and scale scores across
respondents matched on template × order × sample × persona. The statistics are those of
:mod:`psychometrics.stats` (``item_consistency``, ``parallel_forms_reliability``, ``mean_shift``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from psychometrics._format import coef, p_is, pct
from psychometrics.inventory import Inventory, score_scales
from psychometrics.score._model import (
    FORMS_MIN_RESPONDENTS,
    FORMS_RELIABILITY_MIN,
    FORMS_SHIFT_MIN,
    VERDICT_SIGNIFICANCE,
    FormPair,
    FormScale,
    SampleRetest,
    Table,
)
from psychometrics.stats import (
    Correlation,
    PairedDifference,
    icc,
    item_consistency,
    mean_shift,
    parallel_forms_reliability,
)


def form_groups(invs: Mapping[str, Inventory]) -> list[tuple[Inventory, Inventory]]:
    """The (reference, form) pairs to compare: each original with each of its forms present."""
    groups: dict[str, list[Inventory]] = {}
    for inv in invs.values():
        groups.setdefault(inv.original_id or inv.id, []).append(inv)
    pairs = []
    for root, members in groups.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda inv: inv.id != root)  # the original first, when present
        pairs += [(members[0], other) for other in members[1:]]
    return pairs


def _original_items(inv: Inventory) -> dict[str, str]:
    """Item id → the original item it renders (itself for an original)."""
    return inv.parallel_items() or {it.id: it.id for it in inv.items}


def _scale_verdict(rel: Correlation, shift: PairedDifference, width: float) -> tuple[str, list[str]]:
    """The verdict on one scale (see :data:`psychometrics.score.FormVerdict`) and why it is not ``consistent``."""
    share = abs(shift.diff) / width if width > 0 and not math.isnan(shift.diff) else math.nan
    reasons = []
    if not math.isnan(shift.p) and shift.p < VERDICT_SIGNIFICANCE and share >= FORMS_SHIFT_MIN:
        reasons.append(f"the scores shift by {pct(share)} of the score range between the forms "
                       f"(p {p_is(shift.p)}; a shift of {pct(FORMS_SHIFT_MIN)} or more at p < "
                       f"{coef(VERDICT_SIGNIFICANCE)} flags)")
    if not math.isnan(rel.ci_high) and rel.ci_high < FORMS_RELIABILITY_MIN:
        reasons.append(f"the forms rank respondents differently: the interval of r lies below "
                       f"{coef(FORMS_RELIABILITY_MIN)}")
    if reasons:
        return "inconsistent", reasons
    if math.isnan(rel.value) and math.isnan(shift.diff):
        return "not enough data", ["neither the correlation nor the shift could be computed"]
    bound = FORMS_SHIFT_MIN * width
    if rel.n < FORMS_MIN_RESPONDENTS:
        reasons.append(f"only {rel.n} matched respondent(s): calling the forms consistent needs at least "
                       f"{FORMS_MIN_RESPONDENTS}")
    elif not (rel.ci_low >= FORMS_RELIABILITY_MIN):  # NaN fails too
        reasons.append(f"the interval of r reaches below {coef(FORMS_RELIABILITY_MIN)} (or is undefined)")
    if not (-bound < shift.ci_low and shift.ci_high < bound):
        reasons.append(f"the interval of the shift does not rule out {pct(FORMS_SHIFT_MIN)} of the score range")
    return ("inconclusive", reasons) if reasons else ("consistent", [])


def forms_consistency(answers: pd.DataFrame, invs: Mapping[str, Inventory],
                      scores: Mapping[str, pd.DataFrame]) -> list[FormPair]:
    """Per-item consistency, parallel-forms reliability and mean shift for every pair of parallel forms.

    Parameters
    ----------
    answers : pandas.DataFrame
        Prepared responses (``inventory, item, respondent, value``; ``value`` NaN unless ``ok``).
    invs : mapping
        The inventories scored, by id.
    scores : mapping
        Inventory id → scale scores per respondent (``respondent, scale, score``).
    """
    out = []
    for ref, form in form_groups(invs):
        nominal = ref.kind == "scenario"
        parts = []
        for inv in (ref, form):
            part = answers.loc[answers["inventory"] == inv.id, ["respondent", "item", "value"]]
            parts.append(part.assign(item=part["item"].map(_original_items(inv)), form=inv.id))
        long = pd.concat(parts, ignore_index=True)
        pair_scores, note = _common_item_scores(long, (ref, form), scores)
        items = (item_consistency(long, respondent="respondent", item="item", form="form", value="value",
                                  forms=(ref.id, form.id), nominal=nominal)
                 if set(long["form"]) == {ref.id, form.id} else None)
        scales = []
        for sc in ref.scales:
            a, b = (_scale_scores(pair_scores.get(inv.id), sc.id) for inv in (ref, form))
            rel = parallel_forms_reliability(a, b)
            shift = mean_shift(a, b)
            lo, hi = ref.score_range(sc.id)
            share = abs(shift.diff) / (hi - lo) if hi > lo and not math.isnan(shift.diff) else math.nan
            verdict, reasons = _scale_verdict(rel, shift, hi - lo)
            scales.append(FormScale(scale=sc.id, reliability=rel, shift=shift, shift_share=share, verdict=verdict,
                                    verdict_reasons=reasons))
        matched = set(answers.loc[answers["inventory"] == ref.id, "respondent"]) & set(
            answers.loc[answers["inventory"] == form.id, "respondent"])
        out.append(FormPair(
            original=ref.id, form=form.id, relation=form.relation, language_original=ref.language,
            language_form=form.language, nominal=nominal, n_respondents=len(matched),
            items=Table.from_frame(items) if items is not None else None,
            reason=None if items is not None else "one of the forms has no answers",
            scales=scales, note=note,
        ))
    return out


def _common_item_scores(long: pd.DataFrame, pair: tuple[Inventory, Inventory], scores: Mapping[str, pd.DataFrame]
                        ) -> tuple[Mapping[str, pd.DataFrame], str | None]:
    """The two forms' scale scores over the original items asked on both, and which items were left out.

    Forms cut differently (``--limit-items`` on forms listing their items in another order) were asked about
    different items; comparing their scale scores would compare different item sets, so both are rescored over
    the shared items. ``long`` holds both forms' answers with ``item`` mapped to the original item."""
    asked = [set(long.loc[long["form"] == inv.id, "item"].dropna()) for inv in pair]
    common = asked[0] & asked[1]
    only = [sorted(side - common, key=str) for side in asked]
    if not only[0] and not only[1]:
        return scores, None
    rescored = {}
    for inv in pair:
        back = {orig: own for own, orig in _original_items(inv).items()}
        part = long[(long["form"] == inv.id) & long["item"].isin(common)]
        rescored[inv.id] = score_scales(inv, part.assign(item=part["item"].map(back))[["respondent", "item", "value"]])
    left = "; ".join(f"{len(o)} only on {inv.id} ({', '.join(map(str, o[:5]))}{', …' if len(o) > 5 else ''})"
                     for inv, o in zip(pair, only) if o)
    return rescored, (f"the forms were asked about different items ({left}): both forms' scale scores use only the "
                      f"{len(common)} original item(s) asked on both")


def _scale_scores(scored: pd.DataFrame | None, scale: str) -> pd.Series:
    if scored is None or not len(scored):
        return pd.Series(dtype=float)
    part = scored[scored["scale"] == scale]
    return pd.Series(part["score"].to_numpy(dtype=float), index=part["respondent"].to_numpy())


def sample_retest(scores: Mapping[str, pd.DataFrame], invs: Mapping[str, Inventory],
                  temperature: float | Mapping[str, float] | None) -> tuple[list[SampleRetest], str | None]:
    """ICC(2,1) and ICC(3,1) of each scale across the repeated samples of a run (respondents: template × order ×
    persona, raters: samples); an empty list and the reason when there is nothing to compare.

    ``temperature`` is the run's sampling temperature, or one per inventory id when the answers come from
    several runs; an inventory sampled at temperature 0 is left out (its samples repeat one answer)."""
    temps = dict(temperature) if isinstance(temperature, Mapping) else {inv: temperature for inv in scores}
    if temps and all(t is not None and t <= 0 for t in temps.values()):
        return [], ("the run was sampled at temperature 0: repeated samples repeat the same answer, so their "
                    "stability says nothing")
    out = []
    for inv_id, scored in scores.items():
        t = temps.get(inv_id)
        if not len(scored) or scored["sample"].nunique() < 2 or (t is not None and t <= 0):
            continue
        df = scored.dropna(subset=["score"]).assign(
            target=lambda d: d["template"].astype(str) + "|" + d["order"].astype(str) + "|"
            + d["persona"].fillna("-").astype(str))
        for sc in invs[inv_id].scales:
            part = df[df["scale"] == sc.id]
            if not len(part):
                continue
            kinds = [icc(part, targets="target", raters="sample", ratings="score", icc_type=kind)
                     for kind in ("ICC(2,1)", "ICC(3,1)")]
            out.append(SampleRetest(inventory=inv_id, scale=sc.id, n_samples=int(part["sample"].nunique()),
                                    agreement=kinds[0], consistency=kinds[1], temperature=t))
    if not out:
        return [], "every inventory was asked once per respondent (one sample): there is nothing to repeat"
    return out, None
