"""Two audits side by side: what moved between run A and run B, and whether it is more than noise.

:func:`compare_runs` returns a typed :class:`Comparison` — the record a scheduled drift check builds on — with,
per inventory × scale, the difference of the mean score (B − A) across respondents with a 95% confidence
interval and a test; reliability and option-order sensitivity of both runs; the items whose answers moved most;
and a short list of what changed, in words.

Scale differences
-----------------
Respondents are the unit (one ``template|order|sample|persona`` each, as in scoring), and the two runs are
independent samples of respondents. ``diff`` is the difference of the respondents' mean scale scores, B − A,
with Welch's interval (:func:`psychometrics.stats.welch_ttest`). ``test="welch"`` (default) tests it with
Welch's t (effect size Hedges' g); ``test="mann-whitney"`` uses the Mann–Whitney U test
(:func:`psychometrics.stats.mann_whitney_u`, effect size the rank-biserial r, positive when B scores higher),
which assumes nothing about the shape of the score distribution. ``p_holm`` is Holm's step-down adjustment over
every scale with a p-value, and ``changed`` is ``p_holm < significance``.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from psychometrics._format import band, missing
from psychometrics.score._changes import FEW_RESPONDENTS, comparison_notes, what_changed
from psychometrics.score._comparison import (
    COMPARE_SIGNIFICANCE,
    EXACT_MIN_MATCHED,
    NO_CHANGE_BOUND,
    TESTS,
    CompareTest,
    Comparison,
    ItemChange,
    OrderPair,
    ReliabilityPair,
    RunSide,
    ScaleDiff,
)
from psychometrics.score._load import RunData, load_run_data
from psychometrics.score._model import ScaleScore
from psychometrics.score._styles import readability_note
from psychometrics.score._respondents import respondent_frame
from psychometrics.score._retest import scale_retest
from psychometrics.score._score import distinct_responses
from psychometrics.stats import equivalence_test, holm, mann_whitney_u, mean_shift, welch_ttest

def scale_difference(a: Any, b: Any, *, test: CompareTest = "welch", ci: float = 0.95) -> dict[str, Any]:
    """Difference ``mean(b) − mean(a)`` of two independent samples with Welch's interval and the chosen test.

    Returns a dict with the numeric fields of :class:`ScaleDiff` (``mean_a`` … ``n_b``, ``reason``): NaN with a
    reason when a run has no score, fewer than 2, or no spread in either run (the difference is then exact).
    """
    xa, xb = [v for v in a if not missing(v)], [v for v in b if not missing(v)]
    res = welch_ttest(xa, xb, ci=ci)
    na, nb = res.n_a, res.n_b
    nan = math.nan
    out: dict[str, Any] = {
        "mean_a": res.mean_a, "mean_b": res.mean_b, "sd_a": res.sd_a, "sd_b": res.sd_b, "n_a": na, "n_b": nb,
        "diff": nan, "ci_low": nan, "ci_high": nan, "ci_level": ci,
        "test": "Welch t" if test == "welch" else "Mann-Whitney U",
        "effect_size_name": "Hedges' g" if test == "welch" else "rank-biserial r",
        "statistic": nan, "df": nan, "p": nan, "effect_size": nan, "reason": None,
    }
    if na == 0 or nb == 0:
        out["reason"] = f"no respondent has a score in run {'A' if na == 0 else 'B'}"
        return out
    out["diff"] = res.diff
    if na < 2 or nb < 2:
        out["reason"] = f"fewer than 2 respondents with a score (A: {na}, B: {nb}): no spread to test against"
        return out
    if res.se == 0:
        same = res.diff == 0
        out["reason"] = ("every respondent has the same score in both runs" if same else
                         "no spread within either run: every respondent of a run has the same score, so the "
                         "difference is exact but no test applies")
        if same:
            out["ci_low"] = out["ci_high"] = 0.0
        return out
    out["ci_low"], out["ci_high"] = res.ci_low, res.ci_high
    chosen = res if test == "welch" else mann_whitney_u(xa, xb)
    out.update(statistic=chosen.statistic, df=chosen.df, p=chosen.p, effect_size=chosen.effect_size)
    return out


def matched_scores(a: pd.Series, b: pd.Series) -> bool:
    """Whether two runs' scores of a scale come from the same respondents, one to one (each template × order ×
    sample × persona scored in both runs, at least 2, none on one side only): then the change is paired."""
    a, b = a.dropna(), b.dropna()
    return len(a) >= 2 and a.index.is_unique and b.index.is_unique and set(a.index) == set(b.index)


def paired_difference(a: pd.Series, b: pd.Series, *, ci: float = 0.95) -> dict[str, Any]:
    """``mean(b − a)`` over matched respondents with the paired t interval and test
    (:func:`psychometrics.stats.mean_shift`; R ``t.test(b, a, paired = TRUE)``), as the fields of :class:`ScaleDiff`.
    The effect size is Cohen's d_z. Every difference 0 gives the interval [0, 0] with a reason and no test."""
    res = mean_shift(a, b, ci=ci)
    out: dict[str, Any] = {
        "mean_a": res.mean_a, "mean_b": res.mean_b, "sd_a": float(a.std(ddof=1)), "sd_b": float(b.std(ddof=1)),
        "n_a": res.n, "n_b": res.n, "diff": res.diff, "ci_low": res.ci_low, "ci_high": res.ci_high, "ci_level": ci,
        "test": "paired t", "effect_size_name": "Cohen's d_z", "statistic": res.t, "df": res.df, "p": res.p,
        "effect_size": res.d_z, "reason": res.reason,
    }
    if res.sd_diff == 0 and res.diff == 0:
        out["reason"] = f"every one of the {res.n} matched respondents has the same score in both runs"
    return out


def _readable_gate(d: ScaleDiff, a: ScaleScore, b: ScaleScore) -> ScaleDiff:
    """A scale that cannot be read as a trait in run A or B gets no "no change" (nor "inconclusive"): it is *not
    assessable*. A significant change stays "changed" (the answers did change), and a scale whose reading is only
    uncertain in a run keeps its verdict. The reason is added to ``warning``."""
    notes = [n for side, s in (("A", a), ("B", b)) if (n := readability_note(s, f"run {side}"))]
    if not notes:
        return d
    verdict = d.verdict
    if any(s.interpretable is False for s in (a, b)) and verdict in ("no change", "inconclusive"):
        verdict = "not assessable"
    elif verdict == "no change":  # an uncertain reading certifies nothing either
        verdict = "inconclusive"
    warning = "; ".join(w for w in (d.warning, *notes) if w)
    return d.model_copy(update={"verdict": verdict, "warning": warning})


def compare_data(da: RunData, db: RunData, *, test: CompareTest = "welch",
                 significance: float = COMPARE_SIGNIFICANCE, top_items: int = 15) -> Comparison:
    """Build the :class:`Comparison` of two loaded runs (see :func:`compare_runs`)."""
    if test not in TESTS:
        raise ValueError(f"test must be one of {', '.join(TESTS)} (got {test!r})")
    if not 0 < significance < 1:
        raise ValueError(f"significance must lie between 0 and 1 (got {significance})")
    ra = respondent_frame(distinct_responses(da.frame), da.inventories)
    rb = respondent_frame(distinct_responses(db.frame), db.inventories)
    sa = {(s.inventory, s.scale): s for s in da.scores.scales}
    sb = {(s.inventory, s.scale): s for s in db.scores.scales}
    diffs: list[dict[str, Any]] = []
    for inv, scale in [k for k in sa if k in sb]:
        pa, pb = _by_respondent(ra, inv, scale), _by_respondent(rb, inv, scale)
        xa, xb = pa.tolist(), pb.tolist()
        paired = test == "welch" and matched_scores(pa, pb)
        d = paired_difference(pa, pb) if paired else scale_difference(xa, xb, test=test)
        s = sa[(inv, scale)]
        warning = None
        if 0 < min(d["n_a"], d["n_b"]) < FEW_RESPONDENTS:
            warning = f"few respondents (A: {d['n_a']}, B: {d['n_b']}): the test has little power"
        bound = NO_CHANGE_BOUND * (s.score_max - s.score_min)
        if paired:
            both = pd.concat([pa, pb], axis=1, join="inner").dropna()
            eq = equivalence_test(both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy(), bound=bound, paired=True)
        else:
            eq = equivalence_test([v for v in xa if not missing(v)], [v for v in xb if not missing(v)],
                                  bound=bound) if d["n_a"] and d["n_b"] else None
        if eq is not None and eq.verdict == "equivalent" and eq.equivalence_ci_low == eq.equivalence_ci_high \
                and not (paired and eq.n >= EXACT_MIN_MATCHED):
            # a zero-width interval: no spread at all, or an exact 0 from too few matched respondents
            eq = eq.model_copy(update={"verdict": "inconclusive"})
            d["reason"] = ((d["reason"] + "; ") if d["reason"] else "") + (
                f"a zero-width interval certifies no 'no change' (it needs {EXACT_MIN_MATCHED} or more matched "
                "respondents)")
        d.update(inventory=inv, scale=scale, name=s.name, score_min=s.score_min, score_max=s.score_max,
                 warning=warning, bound=bound, detectable=eq.detectable if eq else math.nan)
        diffs.append((d, eq))
    scales = []
    for (d, eq), ph in zip(diffs, holm([d["p"] for d, _ in diffs])):
        d["p_holm"] = ph
        d["changed"] = None if missing(ph) else bool(ph < significance)
        d["verdict"] = ("changed" if d["changed"] else "not assessed" if eq is None or eq.verdict == "not assessed"
                        else "no change" if eq.verdict == "equivalent" else "inconclusive")
        scales.append(_readable_gate(ScaleDiff(**d), sa[(d["inventory"], d["scale"])],
                                     sb[(d["inventory"], d["scale"])]))
    all_keys = list(dict.fromkeys([*sa, *sb]))
    retest, retest_reason, retest_note = scale_retest(da.frame, db.frame, da.inventories, db.inventories,
                                                     da.scores.scales, db.scores.scales)
    shared, reworded = reworded_prompts(da.frame, db.frame)
    cmp = Comparison(
        prompts_shared=shared, prompts_reworded=reworded,
        run_a=_side(da), run_b=_side(db), test=test, significance=significance, scales=scales,
        reliability=_reliability_pairs(da, db, all_keys), order_sensitivity=_order_pairs(da, db, all_keys),
        items=_item_changes(da, db, top_items), retest=retest, retest_reason=retest_reason, retest_note=retest_note,
        only_in_a=[f"{i}:{s}" for i, s in sa if (i, s) not in sb],
        only_in_b=[f"{i}:{s}" for i, s in sb if (i, s) not in sa],
    )
    return cmp.model_copy(update={"changes": what_changed(cmp), "notes": comparison_notes(cmp)})


def _by_respondent(frame: pd.DataFrame, inv: str, scale: str) -> pd.Series:
    part = frame[(frame["inventory"] == inv) & (frame["scale"] == scale)]
    index = part["respondent"].astype(str).to_numpy() if "respondent" in part else None
    return pd.Series(part["score"].to_numpy(dtype=float), index=index)


def compare_runs(run_a: str, run_b: str, *, db: str | None = None, test: CompareTest = "welch",
                 significance: float = COMPARE_SIGNIFICANCE, top_items: int = 15, n_boot: int = 1000,
                 seed: int | None = 0) -> Comparison:
    """Compare two stored runs: run A is the reference, every difference is B − A.

    Parameters
    ----------
    run_a, run_b : str
        Run ids in the store at ``db``.
    db : str, optional
        Store URL (default ``sqlite:///psychometrics.db`` or ``$PSYCHOMETRICS_DB``).
    test : {"welch", "mann-whitney"}
        Test of each scale's difference across respondents (see the module documentation).
    significance : float
        Significance level: a Holm-adjusted p-value below it counts as a change.
    top_items : int
        How many of the most-changed items to keep.
    n_boot, seed
        Bootstrap settings of the reliability intervals (:func:`psychometrics.score.score`).

    Returns
    -------
    Comparison

    Raises
    ------
    LookupError
        Either run is not in the store.
    ValueError
        An unknown ``test`` or a ``significance`` outside (0, 1).
    """
    if test not in TESTS:
        raise ValueError(f"test must be one of {', '.join(TESTS)} (got {test!r})")
    da = load_run_data(run_a, db=db, n_boot=n_boot, seed=seed)
    dbb = load_run_data(run_b, db=db, n_boot=n_boot, seed=seed)
    return compare_data(da, dbb, test=test, significance=significance, top_items=top_items)


_VARIANT = ["inventory", "item", "template", "order", "persona"]


def reworded_prompts(frame_a: pd.DataFrame, frame_b: pd.DataFrame) -> tuple[int, int]:
    """(question variants asked in both runs, variants whose prompt text differs) from two responses frames
    with the columns inventory, item, template, order, persona and prompt — see :class:`Comparison`."""
    frames = []
    for f in (frame_a, frame_b):
        if "prompt" not in f or not len(f):
            return 0, 0
        f = f[_VARIANT + ["prompt"]].copy()
        f["persona"] = f["persona"].fillna("-")
        frames.append(f.drop_duplicates(_VARIANT).set_index(_VARIANT)["prompt"])
    a, b = frames
    both = a.index.intersection(b.index)
    return len(both), int((a.loc[both] != b.loc[both]).sum())


def _rate(data: RunData, status: str) -> float:
    return next((r.rate for r in data.scores.response_rates if r.status == status), math.nan)


def _side(data: RunData) -> RunSide:
    info = data.scores.run
    counts = {s: int(data.frame["status"].eq(s).sum()) for s in ("ok", "refused", "invalid", "error")} \
        if len(data.frame) else dict(data.run.counts)
    return RunSide(
        run_id=data.run.run_id, model=data.run.model, created_at=data.run.created_at,
        inventories=list(info.inventories) or list(data.run.design.inventories), templates=list(info.templates),
        orders=list(info.orders), samples=len(info.samples) or data.run.design.samples,
        n_responses=len(data.frame), counts=counts, n_respondents=_answering(data.frame, info.n_respondents),
        mode=data.run.mode_used or info.mode, tool_version=data.run.versions.get("psychometrics"),
        refusal_rate=_rate(data, "refused"), invalid_rate=_rate(data, "invalid"),
    )


def _answering(frame: Any, planned: int) -> int:
    """Respondents (template × order × sample × persona) with at least one answer: a run without answers has
    none, whatever its design planned (``planned``, used when the frame lacks those columns)."""
    keys = [c for c in ("template", "order", "sample", "persona") if c in frame]
    if len(keys) < 4 or "status" not in frame:
        return planned
    answered = frame.loc[frame["status"] == "ok", keys]
    return len(answered.drop_duplicates())


def _paired(rows_a: list[Any], rows_b: list[Any],
            keys: list[tuple[str, str]]) -> list[tuple[tuple[str, str], Any, Any]]:
    """Per ``(inventory, scale)`` key: run A's row and run B's row of that scale (``None`` where a run lacks it)."""
    by_a = {(r.inventory, r.scale): r for r in rows_a}
    by_b = {(r.inventory, r.scale): r for r in rows_b}
    return [(key, by_a.get(key), by_b.get(key)) for key in keys]


def _reliability_pairs(da: RunData, db: RunData, keys: list[tuple[str, str]]) -> list[ReliabilityPair]:
    return [
        ReliabilityPair(
            inventory=key[0], scale=key[1],
            alpha_a=a.alpha if a else None, alpha_b=b.alpha if b else None,
            lambda6_a=a.lambda6 if a else None, lambda6_b=b.lambda6 if b else None,
            omega_a=a.omega if a else None, omega_b=b.omega if b else None,
            band_a=band(a.alpha.value) if a else None, band_b=band(b.alpha.value) if b else None,
        )
        for key, a, b in _paired(da.scores.reliability, db.scores.reliability, keys)
    ]


def _order_pairs(da: RunData, db: RunData, keys: list[tuple[str, str]]) -> list[OrderPair]:
    return [
        OrderPair(inventory=key[0], scale=key[1], a=a.order if a else None, b=b.order if b else None,
                  verdict_a=a.verdict if a else None, verdict_b=b.verdict if b else None)
        for key, a, b in _paired(da.scores.sensitivity, db.scores.sensitivity, keys)
    ]


def _item_means(data: RunData) -> dict[tuple[str, str], dict[str, Any]]:
    """Per item: counts per answer value and the mean (or % high) of ``ok`` answers."""
    from psychometrics.inventory import ScenarioItem

    frame = data.frame
    out: dict[tuple[str, str], dict[str, Any]] = {}
    if not len(frame):
        return out
    ok = frame[frame["status"] == "ok"]
    counts = ok.groupby([ok["inventory"].astype(str), ok["item"].astype(str), "value"]).size()
    per: dict[tuple[str, str], dict[int, int]] = {}
    for (inv, item, val), n in counts.items():
        per.setdefault((inv, item), {})[int(val)] = int(n)
    for key, dist in per.items():
        inv = data.inventories.get(key[0])
        if inv is None:
            continue
        try:
            it = inv.item(key[1])
        except KeyError:
            continue
        n = sum(dist.values())
        if isinstance(it, ScenarioItem):
            highs = {k + 1 for k, o in enumerate(it.options) if o.high}
            value = 100.0 * sum(c for v, c in dist.items() if v in highs) / n
            measure, span = "% high choices", 100.0
        else:
            value = sum(v * c for v, c in dist.items()) / n
            measure, span = "mean answer", float(inv.max_value - inv.min_value) or 1.0
        out[key] = {"dist": dist, "n": n, "value": value, "measure": measure, "span": span,
                    "scale": it.scale}
    return out


def _item_changes(da: RunData, db: RunData, top: int) -> list[ItemChange]:
    ma, mb = _item_means(da), _item_means(db)
    rows = []
    for key in ma.keys() & mb.keys():
        a, b = ma[key], mb[key]
        if a["measure"] != b["measure"]:
            continue
        diff = b["value"] - a["value"]
        values = set(a["dist"]) | set(b["dist"])
        tvd = 0.5 * sum(abs(a["dist"].get(v, 0) / a["n"] - b["dist"].get(v, 0) / b["n"]) for v in values)
        inv = da.inventories.get(key[0]) or db.inventories[key[0]]
        rows.append(ItemChange(
            inventory=key[0], item=key[1], scale=a["scale"], text=inv.item_text(key[1])[0], measure=a["measure"],
            mean_a=a["value"], mean_b=b["value"], diff=diff, shift=abs(diff) / a["span"],
            distribution_change=tvd, n_a=a["n"], n_b=b["n"],
        ))
    rows.sort(key=lambda r: (-r.shift, -r.distribution_change, r.inventory, r.item))
    return [r for r in rows if r.shift > 0 or r.distribution_change > 0][:top]
