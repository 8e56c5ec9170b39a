"""Validity evidence: MTMM between inventories that share traits, EFA within each inventory.

Respondent matching for MTMM
----------------------------
Two inventories are compared on the same respondents. A respondent of inventory A is matched with the
respondent of inventory B that shares its ``order``, ``sample`` and ``persona`` and its template: by template
*name* when the two inventories were given at least one template of the same name (the shipped templates
``instruct``, ``qa``, ``short`` exist for every item kind, so this is the usual case; respondents under a
template only one of them used are left out), else by the template's *position* among the templates each
inventory was given, in the run's order (user template files, which are named per kind). The rule used is
stated in :attr:`MTMMPair.matching`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import combinations

import pandas as pd

from psychometrics.inventory import Inventory
from psychometrics.score._common import join, safe
from psychometrics.score._model import (
    CongruenceRow,
    InventoryEFA,
    MTMMPair,
    MTMMRow,
    ScaleScore,
    Table,
    Validity,
)
from psychometrics.stats import CONVERGENT_MIN, DISCRIMINANT_MIN, efa, mtmm

EFA_ROTATION = "oblimin"
"""Rotation of the per-inventory EFA (traits may correlate)."""
EFA_METHOD = "minres"
"""Extraction method of the per-inventory EFA."""
MTMM_MIN_N = 10
"""A trait's MTMM verdict within an option order needs at least this many matched respondents of that order
(project choice: below it a convergent r of .60 has a 95% interval reaching below 0)."""
EFA_PER_ITEM = 5
"""EFA with fewer than this many respondents per item carries a warning (a common rule of thumb)."""

MATCH_BY_NAME = (
    "matched on template name, order, sample and persona (respondents under a template only one inventory used "
    "are left out)"
)
MATCH_BY_POSITION = (
    "matched on order, sample, persona and the template's position among each inventory's templates (the two "
    "inventories share no template name)"
)
MATCHING = (
    "A respondent is template|order|sample|persona. Across inventories, respondents are matched on order, sample, "
    "persona and template name when the inventories share template names (the shipped templates instruct, qa, "
    "short exist for every item kind), else on the template's position in each inventory's list of templates."
)


def validity(invs: Mapping[str, Inventory], scores: Mapping[str, pd.DataFrame], keyed: Mapping[str, pd.DataFrame],
             templates: Mapping[str, list[str]], scales: Sequence[ScaleScore] = ()) -> Validity:
    """MTMM for every pair of inventories sharing a trait, and an EFA of each inventory.

    Per inventory id: ``scores`` are respondent scale scores with their ``template, order, sample, persona``,
    ``keyed`` the answers with keyed values, ``templates`` the templates it was given in the run's order;
    ``scales`` the scale scores with their interpretability (a trait whose scales cannot be read is not
    assessable).
    """
    pairs = []
    for a, b in combinations(invs, 2):
        ta = {s.trait for s in invs[a].scales if s.trait}
        tb = {s.trait for s in invs[b].scales if s.trait}
        if ta & tb:
            pair = _mtmm_pair(invs, scores, templates, a, b, sorted(ta & tb))
            pairs.append(_judged(pair, _within_orders(invs, scores, templates, a, b, sorted(ta & tb)), invs,
                                 scales))
    reason = None
    if not pairs:
        reason = ("a single inventory: MTMM needs two instruments measuring the same traits" if len(invs) < 2
                  else "no two inventories measure a shared trait (Scale.trait)")
    efas = [inventory_efa(inv, keyed[inv.id]) for inv in invs.values()]
    return Validity(matching=MATCHING, mtmm=pairs, efa=efas, reason=reason)


def _within_orders(invs: Mapping[str, Inventory], scores: Mapping[str, pd.DataFrame],
                   templates: Mapping[str, list[str]], a: str, b: str, traits: list[str]) -> dict[str, MTMMPair]:
    """The MTMM analysis of the respondents of each option order on their own."""
    orders = sorted({str(o) for inv_id in (a, b) if len(scores[inv_id]) for o in scores[inv_id]["order"].unique()})
    out = {}
    for order in orders:
        only = {k: (v[v["order"].astype(str) == order] if len(v) else v) for k, v in scores.items()}
        out[order] = _mtmm_pair(invs, only, templates, a, b, traits)
    return out


def _judged(pair: MTMMPair, within: dict[str, MTMMPair], invs: Mapping[str, Inventory],
            scales: Sequence[ScaleScore]) -> MTMMPair:
    """``pair`` (pooled over orders) with each trait's convergent r within every order and its verdict."""
    unreadable = {(s.inventory, s.scale): s.interpretability_reasons for s in scales if s.interpretable is not True}
    rows = []
    for row in pair.rows:
        per_order = {o: next((r for r in p.rows if r.trait == row.trait), None) for o, p in within.items()}
        rs = {o: (r.convergent_r if r is not None else math.nan) for o, r in per_order.items()}
        blocked = [f"{inv_id}:{sc.id} ({unreadable[(inv_id, sc.id)][0]})" for inv_id in (pair.method_a, pair.method_b)
                   for sc in invs[inv_id].scales if sc.trait == row.trait and (inv_id, sc.id) in unreadable]
        judged = [(o, r) for o, r in per_order.items() if r is not None and r.convergent_pass is not None
                  and r.discriminant_pass is not None and r.n >= MTMM_MIN_N]
        failed = [o for o, r in judged if not (r.convergent_pass and r.discriminant_pass)]
        if blocked:
            sure = any(" (uncertain whether" not in b for b in blocked)
            verdict, why = "not assessable", ("the scores cannot be read as traits: " if sure else
                                              "the scores are not shown to be readable (uncertain): ") + "; ".join(
                blocked)
        elif failed:
            verdict, why = "fail", ("convergent or discriminant criterion not met within the "
                                    + ", ".join(repr(o) for o in failed) + " option order")
        elif not judged:
            sizes = ", ".join(f"{o}: {r.n if r is not None else 0}" for o, r in per_order.items())
            verdict, why = "not assessable", (f"no option order has {MTMM_MIN_N} matched respondents or more for a "
                                              f"convergent r of its own ({sizes}); the pooled r can come from "
                                              "option order alone")
        else:
            verdict, why = "pass", None
        rows.append(row.model_copy(update={"within_orders": rs, "verdict": verdict, "verdict_reason": why}))
    return pair.model_copy(update={"rows": rows})


def _mtmm_pair(invs: Mapping[str, Inventory], scores: Mapping[str, pd.DataFrame],
               templates: Mapping[str, list[str]], a: str, b: str, traits: list[str]) -> MTMMPair:
    ta, tb = templates[a], templates[b]
    by_name = bool(set(ta) & set(tb)) or not (ta and tb)
    matching = MATCH_BY_NAME if by_name else MATCH_BY_POSITION
    frames = []
    for inv_id, tlist in ((a, ta), (b, tb)):
        inv = invs[inv_id]
        scored = scores[inv_id]
        if not len(scored):
            continue
        trait_of = {s.id: s.trait for s in inv.scales if s.trait in traits}
        part = scored[scored["scale"].isin(list(trait_of))].copy()
        tkey = part["template"] if by_name else part["template"].map({t: str(i) for i, t in enumerate(tlist)})
        part["match"] = (tkey.astype(str) + "|" + part["order"].astype(str) + "|" + part["sample"].astype(str)
                         + "|" + part["persona"].fillna("-").astype(str))
        part["method"] = inv_id
        part["trait"] = part["scale"].map(trait_of)
        # one score per trait: an inventory with two scales of one trait averages them
        frames.append(part.groupby(["match", "method", "trait"], as_index=False)["score"].mean())
    long = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["match", "method", "trait", "score"])
    long["score"] = long["score"].astype(float)

    def undefined(why: str) -> MTMMPair:
        return MTMMPair(method_a=a, method_b=b, traits=traits, matching=matching, n=0,
                        convergent_min=CONVERGENT_MIN, discriminant_min=DISCRIMINANT_MIN, reason=why)

    if long["score"].notna().sum() == 0:
        return undefined("no scores on the shared traits (no ok answers)")
    res = safe(lambda: mtmm(long, respondent_col="match"), lambda why: None)
    if res is None:
        return undefined("the MTMM analysis could not be computed")
    rows = []
    for r in res.summary.to_dict(orient="records"):
        rows.append(MTMMRow(
            trait=str(r["trait"]), method_a=str(r["method_a"]), method_b=str(r["method_b"]),
            convergent_r=float(r["convergent_r"]), discriminant_delta=float(r["discriminant_delta"]),
            convergent_pass=None if pd.isna(r["convergent_pass"]) else bool(r["convergent_pass"]),
            discriminant_pass=None if pd.isna(r["discriminant_pass"]) else bool(r["discriminant_pass"]),
            n=int(r["n"]), reason=None if pd.isna(r["reason"]) else str(r["reason"]),
        ))
    reason = res.reason
    if reason is None and len(long["method"].unique()) < 2:
        reason = "only one of the two inventories has scores"
    return MTMMPair(
        method_a=a, method_b=b, traits=traits, matching=matching, n=res.n, convergent_min=res.convergent_min,
        discriminant_min=res.discriminant_min, rows=rows,
        matrix=None if res.reason else Table.from_frame(res.matrix), reason=reason, warning=res.warning,
    )


def inventory_efa(inv: Inventory, keyed: pd.DataFrame) -> InventoryEFA:
    """Exploratory factor analysis of one inventory's items (as many factors as scales), with key congruence."""
    n_factors = len(inv.scales)
    k = len(inv.items)

    def undefined(why: str, n: int = 0, warning: str | None = None) -> InventoryEFA:
        return InventoryEFA(inventory=inv.id, n_factors=n_factors, method=EFA_METHOD, rotation=EFA_ROTATION,
                            n=n, n_items=k, kmo=math.nan, bartlett_chi2=math.nan, bartlett_df=k * (k - 1) / 2,
                            bartlett_p=math.nan, reason=why, warning=warning)

    if keyed["keyed"].notna().sum() == 0:
        return undefined("no ok answers")
    # scenario option numbers are nominal: analyse the 0/100 high-choice indicator, keyed +1
    col = "keyed" if inv.kind == "scenario" else "value"
    wide = keyed.pivot(index="respondent", columns="item", values=col).astype(float)
    wide = wide[[it.id for it in inv.items if it.id in wide.columns]]
    complete = wide.dropna(axis=0, how="any")
    n = len(complete)
    if wide.shape[1] < k:
        return undefined(f"only {wide.shape[1]} of {k} items have answers", n)
    if n <= k:
        return undefined(f"{n} respondents answered every item; an EFA of {k} items needs more than {k} "
                         f"(better {EFA_PER_ITEM * k}: {EFA_PER_ITEM} per item)", n)
    keys: dict[str, list[tuple[str, int]]] = {s.id: [] for s in inv.scales}
    for it in inv.items:
        sign = -1 if (inv.kind != "scenario" and getattr(it, "reverse", False)) else 1
        keys[it.scale].append((it.id, sign))
    rotation = EFA_ROTATION if n_factors > 1 else None
    res = safe(lambda: efa(complete, n_factors, rotation=rotation, method=EFA_METHOD, keys=keys), lambda why: None)
    if res is None:
        return undefined("the factor analysis could not be computed", n)
    warning = res.warning
    if n < EFA_PER_ITEM * k:
        warning = join(warning, f"{n} respondents for {k} items (fewer than {EFA_PER_ITEM} per item): "
                                "loadings are unstable")
    cong = []
    if res.congruence is not None:
        for r in res.congruence.to_dict(orient="records"):
            cong.append(CongruenceRow(scale=str(r["scale"]), factor=None if r["factor"] is None else str(
                r["factor"]), phi=float(r["phi"]), reflected=bool(r["reflected"])))
    return InventoryEFA(
        inventory=inv.id, n_factors=res.n_factors, method=res.method, rotation=res.rotation, n=res.n,
        n_items=res.n_items, kmo=res.kmo, bartlett_chi2=res.bartlett_chi2, bartlett_df=res.bartlett_df,
        bartlett_p=res.bartlett_p, congruence=cong,
        loadings=Table.from_frame(res.loadings) if res.loadings is not None else None,
        reason=res.reason, warning=warning,
    )
