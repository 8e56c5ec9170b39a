"""Two audits side by side: what moved between run A and run B, and whether it is more than noise.

:func:`compare_runs` returns a typed :class:`Comparison` — the record a scheduled drift check builds on — with,
per inventory × scale, the difference of the mean score (B − A) across respondents with a 95% confidence
interval and a test; reliability and option-order sensitivity of both runs; the items whose answers moved most;
and a short list of what changed, in words.

Scale differences
-----------------
Respondents are the unit (one ``template|order|sample|persona`` each, as in scoring), and the two runs are
independent samples of respondents. With :math:`\\bar x_a, s_a, n_a` and :math:`\\bar x_b, s_b, n_b` the
respondents' scale scores in each run, ``diff`` :math:`= \\bar x_b - \\bar x_a` and its interval is Welch's,

.. math::

    d \\pm t_{0.975,\\nu}\\sqrt{s_a^2/n_a + s_b^2/n_b}, \\qquad
    \\nu = \\frac{(s_a^2/n_a + s_b^2/n_b)^2}{(s_a^2/n_a)^2/(n_a-1) + (s_b^2/n_b)^2/(n_b-1)}

``test="welch"`` (default) tests it with Welch's t (effect size Hedges' g, the standardised difference with the
small-sample correction :math:`1 - 3/(4(n_a+n_b)-9)`); ``test="mann-whitney"`` uses the Mann–Whitney U test
(two-sided, effect size the rank-biserial :math:`r = 2U_b/(n_a n_b) - 1`, positive when B scores higher), which
assumes nothing about the shape of the score distribution. ``p_holm`` is Holm's step-down adjustment over every
scale with a p-value, and ``changed`` is ``p_holm < alpha``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from psychometrics._format import band, coef, missing, num, pvalue
from psychometrics.stats._multiple import holm
from psychometrics.stats._result import Estimate, OrderSensitivity

if TYPE_CHECKING:
    from psychometrics.report._data import RunData

COMPARISON_VERSION = 1
COMPARE_SECTION_IDS: tuple[str, ...] = ("summary", "changes", "scales", "reliability", "order", "items", "method")
"""The ``id`` of every section of the comparison report, in page order."""

CompareTest = Literal["welch", "mann-whitney"]
TESTS: tuple[str, ...] = ("welch", "mann-whitney")
RATE_CHANGE_MIN = 0.05
"""A refusal or invalid-reply rate is listed as changed when it moves by at least this much (5 points)."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class RunSide(_Record):
    """One of the two runs, as far as a comparison needs it."""

    run_id: str
    """The run id."""
    model: str
    """The model audited."""
    created_at: float
    """When the run started (Unix time)."""
    inventories: list[str] = Field(default_factory=list)
    """Inventories scored."""
    templates: list[str] = Field(default_factory=list)
    """Prompt templates present in the responses."""
    orders: list[str] = Field(default_factory=list)
    """Option orders present in the responses."""
    samples: int = 0
    """Samples per prompt."""
    n_responses: int = 0
    """Stored responses."""
    counts: dict[str, int] = Field(default_factory=dict)
    """Responses by status."""
    n_respondents: int = 0
    """Respondents (template|order|sample|persona)."""
    mode: str | None = None
    """``logprobs`` or ``generate``."""
    tool_version: str | None = None
    """psychometrics version that ran the audit."""
    refusal_rate: float = math.nan
    """Share of replies that were refusals."""
    invalid_rate: float = math.nan
    """Share of replies that could not be read."""


class ScaleDiff(_Record):
    """The change of one scale's mean score from run A to run B, across respondents."""

    inventory: str
    """Inventory id."""
    scale: str
    """Scale id."""
    name: str
    """Scale name."""
    mean_a: float
    """Mean score in run A (NaN when no respondent has a score)."""
    mean_b: float
    """Mean score in run B."""
    diff: float
    """``mean_b − mean_a``."""
    ci_low: float
    """Lower bound of the Welch confidence interval of ``diff``."""
    ci_high: float
    """Upper bound of the Welch confidence interval of ``diff``."""
    ci_level: float = 0.95
    """Coverage of the interval."""
    test: Literal["Welch t", "Mann-Whitney U"]
    """The test used."""
    statistic: float = math.nan
    """Welch's t, or U of run B (pairs where B scores higher, ties counted half)."""
    df: float = math.nan
    """Welch–Satterthwaite degrees of freedom (NaN for Mann–Whitney)."""
    p: float = math.nan
    """Two-sided p-value."""
    p_holm: float = math.nan
    """``p`` adjusted with Holm's method over all scales with a p-value."""
    effect_size: float = math.nan
    """Hedges' g (Welch) or the rank-biserial r (Mann–Whitney); positive when B scores higher."""
    effect_size_name: str
    """``"Hedges' g"`` or ``"rank-biserial r"``."""
    sd_a: float = math.nan
    """SD (n − 1) of the scores in run A."""
    sd_b: float = math.nan
    """SD (n − 1) of the scores in run B."""
    n_a: int
    """Respondents with a score in run A."""
    n_b: int
    """Respondents with a score in run B."""
    score_min: float = math.nan
    """Lowest possible score."""
    score_max: float = math.nan
    """Highest possible score."""
    changed: bool | None = None
    """``p_holm < alpha``; ``None`` when there is no p-value."""
    reason: str | None = None
    """Why a number is NaN."""
    warning: str | None = None
    """Caveats (few respondents)."""


class ReliabilityPair(_Record):
    """Reliability of one scale in both runs."""

    inventory: str
    """Inventory id."""
    scale: str
    """Scale id."""
    alpha_a: Estimate | None = None
    """Cronbach's α in run A (``None`` when the scale is not in run A)."""
    alpha_b: Estimate | None = None
    """Cronbach's α in run B."""
    lambda6_a: Estimate | None = None
    """Guttman's λ6 in run A."""
    lambda6_b: Estimate | None = None
    """Guttman's λ6 in run B."""
    omega_a: Estimate | None = None
    """McDonald's ω in run A."""
    omega_b: Estimate | None = None
    """McDonald's ω in run B."""
    band_a: str | None = None
    """psyborgs band of α in run A."""
    band_b: str | None = None
    """psyborgs band of α in run B."""


class OrderPair(_Record):
    """Option-order sensitivity (original vs reversed, original response values) and the verdict in both runs."""

    inventory: str
    """Inventory id."""
    scale: str
    """Scale id."""
    a: OrderSensitivity | None = None
    """Run A (``None`` when the scale is not in run A)."""
    b: OrderSensitivity | None = None
    """Run B."""
    verdict_a: str | None = None
    """Sensitivity verdict in run A."""
    verdict_b: str | None = None
    """Sensitivity verdict in run B."""


class ItemChange(_Record):
    """How one item's answers moved between the runs (``ok`` answers, original response scale)."""

    inventory: str
    """Inventory id."""
    item: str
    """Item id."""
    scale: str
    """Scale id."""
    text: str
    """What the item says."""
    measure: Literal["mean answer", "% high choices"]
    """What ``mean_a``/``mean_b`` are: the mean original response value, or (scenario items) the percentage of
    answers choosing a high-trait option."""
    mean_a: float
    """Run A."""
    mean_b: float
    """Run B."""
    diff: float
    """``mean_b − mean_a``."""
    shift: float
    """``|diff|`` as a share of the response range (0–1); the ranking key."""
    distribution_change: float
    """Total variation distance between the two answer distributions (0 = same, 1 = no answer in common)."""
    n_a: int
    """Answers in run A."""
    n_b: int
    """Answers in run B."""


class Comparison(_Record):
    """Run A against run B: every number a drift check needs, NaN with a reason where undefined."""

    version: Literal[1] = COMPARISON_VERSION
    """Version of this format."""
    run_a: RunSide
    """The reference run."""
    run_b: RunSide
    """The run compared with it; every difference is B − A."""
    test: Literal["welch", "mann-whitney"] = "welch"
    """The scale test asked for."""
    alpha: float = 0.05
    """Significance level for ``ScaleDiff.changed`` (after Holm's adjustment)."""
    changes: list[str] = Field(default_factory=list)
    """What changed, in words, most important first."""
    scales: list[ScaleDiff] = Field(default_factory=list)
    """One entry per inventory × scale scored in both runs."""
    reliability: list[ReliabilityPair] = Field(default_factory=list)
    """One entry per inventory × scale in either run."""
    order_sensitivity: list[OrderPair] = Field(default_factory=list)
    """One entry per inventory × scale in either run."""
    items: list[ItemChange] = Field(default_factory=list)
    """The items whose answers moved most, largest shift first."""
    only_in_a: list[str] = Field(default_factory=list)
    """``inventory:scale`` scored only in run A."""
    only_in_b: list[str] = Field(default_factory=list)
    """``inventory:scale`` scored only in run B."""
    prompts_shared: int = 0
    """Question variants (inventory × item × template × order × persona) asked in both runs."""
    prompts_reworded: int = 0
    """Of those, how many had a different prompt text in run B (a template or an item's text changed between
    the runs): differences may then come from the wording, not the model."""
    notes: list[str] = Field(default_factory=list)
    """Caveats about the comparison as a whole."""


# --------------------------------------------------------------------------------------------------------------
# statistics


def scale_difference(a: Any, b: Any, *, test: CompareTest = "welch", ci: float = 0.95) -> dict[str, Any]:
    """Difference ``mean(b) − mean(a)`` of two independent samples with Welch's interval and the chosen test.

    Returns a dict with the numeric fields of :class:`ScaleDiff` (``mean_a`` … ``n_b``, ``reason``).
    """
    import numpy as np
    from scipy import stats

    xa = np.asarray([v for v in a if not missing(v)], dtype=float)
    xb = np.asarray([v for v in b if not missing(v)], dtype=float)
    na, nb = len(xa), len(xb)
    nan = math.nan
    out: dict[str, Any] = {
        "mean_a": float(xa.mean()) if na else nan, "mean_b": float(xb.mean()) if nb else nan,
        "sd_a": float(xa.std(ddof=1)) if na > 1 else nan, "sd_b": float(xb.std(ddof=1)) if nb > 1 else nan,
        "n_a": na, "n_b": nb, "diff": nan, "ci_low": nan, "ci_high": nan, "ci_level": ci,
        "test": "Welch t" if test == "welch" else "Mann-Whitney U",
        "effect_size_name": "Hedges' g" if test == "welch" else "rank-biserial r",
        "statistic": nan, "df": nan, "p": nan, "effect_size": nan, "reason": None,
    }
    if na == 0 or nb == 0:
        which = "A" if na == 0 else "B"
        out["reason"] = f"no respondent has a score in run {which}"
        return out
    out["diff"] = out["mean_b"] - out["mean_a"]
    if na < 2 or nb < 2:
        out["reason"] = f"fewer than 2 respondents with a score (A: {na}, B: {nb}): no spread to test against"
        return out
    va, vb = out["sd_a"] ** 2, out["sd_b"] ** 2
    se2 = va / na + vb / nb
    if se2 <= 0:
        same = out["diff"] == 0
        out["reason"] = ("every respondent has the same score in both runs" if same else
                         "no spread within either run: every respondent of a run has the same score, so the "
                         "difference is exact but no test applies")
        if same:
            out["ci_low"] = out["ci_high"] = 0.0
        return out
    df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    half = float(stats.t.ppf(0.5 + ci / 2, df)) * math.sqrt(se2)
    out["ci_low"], out["ci_high"] = out["diff"] - half, out["diff"] + half
    if test == "welch":
        t = out["diff"] / math.sqrt(se2)
        out["statistic"], out["df"] = t, df
        out["p"] = float(2 * stats.t.sf(abs(t), df))
        pooled = math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
        if pooled > 0:
            correction = 1 - 3 / (4 * (na + nb) - 9) if na + nb > 3 else 1.0
            out["effect_size"] = out["diff"] / pooled * correction
    else:
        res = stats.mannwhitneyu(xb, xa, alternative="two-sided")
        out["statistic"] = float(res.statistic)
        out["p"] = float(res.pvalue)
        out["effect_size"] = 2 * float(res.statistic) / (na * nb) - 1
    return out


# --------------------------------------------------------------------------------------------------------------
# building the record


def _rate(data: "RunData", status: str) -> float:
    for r in data.scores.response_rates:
        if r.status == status:
            return r.rate
    return math.nan


def _side(data: "RunData") -> RunSide:
    info = data.scores.run
    counts = {s: int(data.frame["status"].eq(s).sum()) for s in ("ok", "refused", "invalid", "error")} \
        if len(data.frame) else dict(data.run.counts)
    return RunSide(
        run_id=data.run.run_id, model=data.run.model, created_at=data.run.created_at,
        inventories=list(info.inventories) or list(data.run.design.inventories), templates=list(info.templates),
        orders=list(info.orders), samples=len(info.samples) or data.run.design.samples,
        n_responses=len(data.frame), counts=counts, n_respondents=info.n_respondents,
        mode=data.run.mode_used or info.mode, tool_version=data.run.versions.get("psychometrics"),
        refusal_rate=_rate(data, "refused"), invalid_rate=_rate(data, "invalid"),
    )


def _respondent_scores(data: "RunData") -> Any:
    from psychometrics.report._audit import _respondent_frame

    return _respondent_frame(data)


def _item_means(data: "RunData") -> dict[tuple[str, str], dict[str, Any]]:
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


def _item_changes(da: "RunData", db: "RunData", top: int) -> list[ItemChange]:
    from psychometrics.report._audit import item_text

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
            inventory=key[0], item=key[1], scale=a["scale"], text=item_text(inv, key[1])[0], measure=a["measure"],
            mean_a=a["value"], mean_b=b["value"], diff=diff, shift=abs(diff) / a["span"],
            distribution_change=tvd, n_a=a["n"], n_b=b["n"],
        ))
    rows.sort(key=lambda r: (-r.shift, -r.distribution_change, r.inventory, r.item))
    return [r for r in rows if r.shift > 0 or r.distribution_change > 0][:top]


_VARIANT = ["inventory", "item", "template", "order", "persona"]


def reworded_prompts(frame_a: Any, frame_b: Any) -> tuple[int, int]:
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


def compare_data(da: "RunData", db: "RunData", *, test: CompareTest = "welch", alpha: float = 0.05,
                 top_items: int = 15) -> Comparison:
    """Build the :class:`Comparison` of two loaded runs (see :func:`compare_runs`)."""
    if test not in TESTS:
        raise ValueError(f"test must be one of {', '.join(TESTS)} (got {test!r})")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1 (got {alpha})")
    ra, rb = _respondent_scores(da), _respondent_scores(db)
    sa = {(s.inventory, s.scale): s for s in da.scores.scales}
    sb = {(s.inventory, s.scale): s for s in db.scores.scales}
    keys = [k for k in sa if k in sb]
    diffs: list[dict[str, Any]] = []
    for inv, scale in keys:
        xa = ra.loc[(ra["inventory"] == inv) & (ra["scale"] == scale), "score"].tolist()
        xb = rb.loc[(rb["inventory"] == inv) & (rb["scale"] == scale), "score"].tolist()
        d = scale_difference(xa, xb, test=test)
        s = sa[(inv, scale)]
        warning = None
        if 0 < min(d["n_a"], d["n_b"]) < 10:
            warning = f"few respondents (A: {d['n_a']}, B: {d['n_b']}): the test has little power"
        d.update(inventory=inv, scale=scale, name=s.name, score_min=s.score_min, score_max=s.score_max,
                 warning=warning)
        diffs.append(d)
    adjusted = holm([d["p"] for d in diffs])
    scales = []
    for d, ph in zip(diffs, adjusted):
        d["p_holm"] = ph
        d["changed"] = None if missing(ph) else bool(ph < alpha)
        scales.append(ScaleDiff(**d))

    rel_a = {(r.inventory, r.scale): r for r in da.scores.reliability}
    rel_b = {(r.inventory, r.scale): r for r in db.scores.reliability}
    all_keys = list(dict.fromkeys([*sa, *sb]))
    reliability = []
    for key in all_keys:
        a, b = rel_a.get(key), rel_b.get(key)
        reliability.append(ReliabilityPair(
            inventory=key[0], scale=key[1],
            alpha_a=a.alpha if a else None, alpha_b=b.alpha if b else None,
            lambda6_a=a.lambda6 if a else None, lambda6_b=b.lambda6 if b else None,
            omega_a=a.omega if a else None, omega_b=b.omega if b else None,
            band_a=band(a.alpha.value) if a else None, band_b=band(b.alpha.value) if b else None,
        ))
    sen_a = {(s.inventory, s.scale): s for s in da.scores.sensitivity}
    sen_b = {(s.inventory, s.scale): s for s in db.scores.sensitivity}
    orders = []
    for key in all_keys:
        a, b = sen_a.get(key), sen_b.get(key)
        orders.append(OrderPair(inventory=key[0], scale=key[1], a=a.order if a else None, b=b.order if b else None,
                                verdict_a=a.verdict if a else None, verdict_b=b.verdict if b else None))

    side_a, side_b = _side(da), _side(db)
    shared, reworded = reworded_prompts(da.frame, db.frame)
    cmp = Comparison(
        prompts_shared=shared, prompts_reworded=reworded,
        run_a=side_a, run_b=side_b, test=test, alpha=alpha, scales=scales, reliability=reliability,
        order_sensitivity=orders, items=_item_changes(da, db, top_items),
        only_in_a=[f"{i}:{s}" for i, s in sa if (i, s) not in sb],
        only_in_b=[f"{i}:{s}" for i, s in sb if (i, s) not in sa],
    )
    return cmp.model_copy(update={"changes": what_changed(cmp), "notes": _notes(cmp)})


def compare_runs(run_a: str, run_b: str, *, db: str | None = None, test: CompareTest = "welch",
                 alpha: float = 0.05, top_items: int = 15, n_boot: int = 1000, seed: int | None = 0) -> Comparison:
    """Compare two stored runs: run A is the reference, every difference is B − A.

    Parameters
    ----------
    run_a, run_b : str
        Run ids in the store at ``db``.
    db : str, optional
        Store URL (default ``sqlite:///psychometrics.db`` or ``$PSYCHOMETRICS_DB``).
    test : {"welch", "mann-whitney"}
        Test of each scale's difference across respondents (see the module documentation).
    alpha : float
        Level at which a Holm-adjusted p-value counts as a change.
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
        An unknown ``test`` or an ``alpha`` outside (0, 1).
    """
    from psychometrics.report._data import load_run_data

    if test not in TESTS:
        raise ValueError(f"test must be one of {', '.join(TESTS)} (got {test!r})")
    da = load_run_data(run_a, db=db, n_boot=n_boot, seed=seed)
    dbb = load_run_data(run_b, db=db, n_boot=n_boot, seed=seed)
    return compare_data(da, dbb, test=test, alpha=alpha, top_items=top_items)


# --------------------------------------------------------------------------------------------------------------
# what changed, in words


def _scale_label(inv: str, name: str) -> str:
    return f"{inv} {name}"


def what_changed(c: Comparison) -> list[str]:
    """The headline differences of a comparison, most important first."""
    out: list[str] = []
    a, b = c.run_a, c.run_b
    if a.model != b.model:
        out.append(f"Model: {a.model} → {b.model}.")
    if a.tool_version != b.tool_version:
        out.append(f"psychometrics version: {a.tool_version or '—'} → {b.tool_version or '—'}.")
    if a.mode != b.mode:
        out.append(f"Answer mode: {a.mode or '—'} → {b.mode or '—'} (log-probabilities and generated text can "
                   "differ by themselves).")
    design = []
    if a.templates != b.templates:
        design.append(f"templates {', '.join(a.templates) or '—'} → {', '.join(b.templates) or '—'}")
    if a.orders != b.orders:
        design.append(f"orders {', '.join(a.orders) or '—'} → {', '.join(b.orders) or '—'}")
    if a.samples != b.samples:
        design.append(f"samples {a.samples} → {b.samples}")
    if design:
        out.append("Design: " + "; ".join(design) + ".")
    if c.prompts_reworded:
        out.append(f"Prompt wording: {c.prompts_reworded} of the {c.prompts_shared} question variants asked in both "
                   "runs were worded differently (a template or an item's text changed between the runs).")
    moved = [s for s in c.scales if s.changed]
    moved.sort(key=lambda s: -abs(s.effect_size) if not missing(s.effect_size) else 0)
    for s in moved[:8]:
        out.append(
            f"{_scale_label(s.inventory, s.name)}: {num(s.mean_a)} → {num(s.mean_b)} "
            f"({num(s.diff, signed=True)}, 95% CI [{num(s.ci_low)}, {num(s.ci_high)}], {s.test} "
            f"p {_p_words(s.p)}, Holm p {_p_words(s.p_holm)}, {s.effect_size_name} {num(s.effect_size)}; "
            f"n = {s.n_a} / {s.n_b})."
        )
    if len(moved) > 8:
        out.append(f"… and {len(moved) - 8} more scale(s) changed significantly (see the table).")
    tested = [s for s in c.scales if s.changed is not None]
    if c.scales and not moved:
        out.append(f"No scale score changed significantly: Holm-adjusted p ≥ {c.alpha:g} for all {len(tested)} "
                   f"tested scale(s)" + (f" ({len(c.scales) - len(tested)} could not be tested)"
                                         if len(tested) < len(c.scales) else "") + ".")
    for r in c.reliability:
        if r.band_a and r.band_b and r.band_a != r.band_b and r.alpha_a and r.alpha_b:
            out.append(f"{r.inventory} {r.scale}: α {coef(r.alpha_a.value)} ({r.band_a}) → "
                       f"{coef(r.alpha_b.value)} ({r.band_b}).")
    for o in c.order_sensitivity:
        if o.verdict_a and o.verdict_b and o.verdict_a != o.verdict_b:
            out.append(f"{o.inventory} {o.scale}: sensitivity verdict {o.verdict_a} → {o.verdict_b}.")
    for what, ra, rb in (("Refusal rate", a.refusal_rate, b.refusal_rate),
                         ("Invalid-reply rate", a.invalid_rate, b.invalid_rate)):
        if not missing(ra) and not missing(rb) and abs(rb - ra) >= RATE_CHANGE_MIN:
            out.append(f"{what}: {100 * ra:.0f}% → {100 * rb:.0f}%.")
    if c.only_in_a:
        out.append(f"Scored only in run A: {', '.join(c.only_in_a)}.")
    if c.only_in_b:
        out.append(f"Scored only in run B: {', '.join(c.only_in_b)}.")
    if not out:
        out.append("Nothing to compare: the runs share no scored scale.")
    return out


def _p_words(p: float) -> str:
    text = pvalue(p)
    return text if text.startswith("<") or text == "—" else f"= {text}"


def _notes(c: Comparison) -> list[str]:
    notes = []
    if not c.scales:
        notes.append("The two runs share no scored scale, so no difference can be computed.")
    small = [s for s in c.scales if 0 < min(s.n_a, s.n_b) < 10]
    if small:
        notes.append("Some scales have fewer than 10 respondents in a run: a real change may not reach "
                     "significance. Add samples or templates for a sharper comparison.")
    if c.run_a.templates != c.run_b.templates or c.run_a.orders != c.run_b.orders:
        notes.append("The runs used different templates or option orders: part of any difference may come from "
                     "the design rather than the model.")
    if c.prompts_reworded:
        notes.append(f"{c.prompts_reworded} of {c.prompts_shared} prompts shown in both runs were worded differently: "
                     "part of any difference may come from the wording rather than the model. Re-audit the "
                     "reference model with the current templates for a like-for-like comparison.")
    return notes


# --------------------------------------------------------------------------------------------------------------
# the page


def comparison_context(c: Comparison) -> dict[str, Any]:
    """Every value the comparison template shows."""
    import datetime as _dt

    from psychometrics import __version__
    from psychometrics.report import _svg
    from psychometrics.report._audit import legend_bands, utc

    groups: dict[str, list[ScaleDiff]] = {}
    for s in c.scales:
        groups.setdefault(s.inventory, []).append(s)
    charts = {}
    for inv, rows in groups.items():
        lo, hi = rows[0].score_min, rows[0].score_max
        if missing(lo) or missing(hi) or hi <= lo:
            continue
        digits = 0 if hi - lo > 50 else 2

        def ci(s: ScaleDiff, side: str) -> tuple[float, float]:
            m, sd, n = (s.mean_a, s.sd_a, s.n_a) if side == "a" else (s.mean_b, s.sd_b, s.n_b)
            if n < 2 or missing(sd):
                return math.nan, math.nan
            from scipy import stats

            half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
            return m - half, m + half

        pr = []
        for s in rows:
            (al, ah), (bl, bh) = ci(s, "a"), ci(s, "b")
            pr.append(_svg.PairRow(label=s.name, a=s.mean_a, b=s.mean_b, a_low=al, a_high=ah, b_low=bl, b_high=bh,
                                   note=f"n = {s.n_a} / {s.n_b}", highlight=bool(s.changed)))
        ticks = ([float(v) for v in range(int(lo), int(hi) + 1)] if hi - lo <= 10 else None)
        charts[inv] = _svg.paired_dots(pr, lo=lo, hi=hi, ticks=ticks, digits=digits,
                                       label=f"{inv}: scale means in run A and run B")
    return {
        "title": f"{c.run_a.model} → {c.run_b.model}" if c.run_a.model != c.run_b.model
        else f"Two audits of {c.run_a.model}",
        "cmp": c,
        "groups": groups,
        "charts": charts,
        "section_ids": COMPARE_SECTION_IDS,
        "bands": legend_bands(),
        "created_a": utc(c.run_a.created_at),
        "created_b": utc(c.run_b.created_at),
        "generated": utc(_dt.datetime.now(tz=_dt.timezone.utc).timestamp()),
        "report_version": __version__,
    }
