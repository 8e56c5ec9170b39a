"""Score a run: from stored responses to :class:`AuditScores` (scores, reliability, sensitivity, norms, validity).

Every statistic runs *across respondents*: a respondent is one ``template|order|sample|persona`` (the psyborgs
design, :func:`psychometrics.score.with_respondent`). Only ``ok`` answers count; refused, invalid and error cells
are missing answers. Whatever is missing (one template, no reversed order, all refusals, identical answers, no
norms, one inventory) gives NaN with a reason, never an exception and never a made-up number.

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
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from psychometrics._yamlfile import DataFileError
from psychometrics.inventory import Inventory, load_inventory
from psychometrics.inventory._score import keyed_values, score_scales, type_codes
from psychometrics.score._model import (
    MIN_RESPONDENTS,
    MOSTLY_REFUSED,
    ORDER_SHIFT_MIN,
    PROMPT_RANGE_MIN,
    SIGNIFICANCE,
    VERDICT_THRESHOLDS,
    AuditScores,
    CongruenceRow,
    InventoryEFA,
    MTMMPair,
    MTMMRow,
    RateRow,
    RespondentCheck,
    RunInfo,
    ScaleNorms,
    ScaleReliability,
    ScaleScore,
    ScaleSensitivity,
    ScoreSettings,
    Table,
    TypeProfile,
    Validity,
    Verdict,
)
from psychometrics.score._respondents import with_respondent
from psychometrics.stats import (
    Estimate,
    OrderSensitivity,
    PromptSensitivity,
    cronbach_alpha,
    efa,
    guttman_lambda6,
    mcdonald_omega,
    mtmm,
    norm_comparison,
    order_sensitivity,
    prompt_sensitivity,
    response_rates,
    split_half,
)
from psychometrics.store._records import Run

CI_LEVEL = 0.95
"""Coverage of every interval in :class:`AuditScores`."""
EFA_ROTATION = "oblimin"
"""Rotation of the per-inventory EFA (traits may correlate)."""
EFA_METHOD = "minres"
"""Extraction method of the per-inventory EFA."""
EFA_PER_ITEM = 5
"""EFA with fewer than this many respondents per item carries a warning (a common rule of thumb)."""
ORDER_A, ORDER_B = "original", "reversed"
"""The two option orders compared for order sensitivity."""

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


SCORED_COLUMNS = ("model", "inventory", "item", "scale", "template", "order", "sample", "persona", "mode", "status",
                  "value")
"""The response columns scoring reads from the store."""


def score(
    run_or_responses: str | Run | pd.DataFrame,
    inventories: Mapping[str, Inventory] | Sequence[Inventory | str] | None = None,
    *,
    db: str | None = None,
    n_boot: int = 1000,
    seed: int | None = 0,
) -> AuditScores:
    """Score a run: scale scores, reliability, sensitivity with a verdict, norms and validity.

    Parameters
    ----------
    run_or_responses : str, Run or pandas.DataFrame
        A run id (read from the store at ``db``), a :class:`~psychometrics.store.Run`, or a responses frame
        with the columns of :meth:`Store.responses_frame <psychometrics.store.Store.responses_frame>`
        (at least ``inventory, item, scale, template, order, sample, status, value``; ``persona``, ``model``
        and ``mode`` when present).
    inventories : mapping or sequence, optional
        A list of ``Inventory`` objects, ids or paths: these are scored (even without responses), together with
        every inventory in the responses and the run's design. A mapping ``{id: Inventory}``: used to look up
        the inventories in the responses and design. Any inventory not given is loaded by id.
    db : str, optional
        Store URL (``sqlite:///path``) for a run id or ``Run``.
    n_boot : int
        Bootstrap resamples for the λ6, ω and split-half intervals; 0 skips those intervals (the bootstrap
        dominates the run time).
    seed : int or None
        Seed of the bootstrap.

    Returns
    -------
    AuditScores
        See :mod:`psychometrics.score._model` for every field.

    Raises
    ------
    LookupError
        No run with that id in the store.
    ValueError, TypeError
        A responses frame without the needed columns, or answers outside an item's response values.
    """
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot must be a non-negative integer, got {n_boot!r}")
    run, frame = _load(run_or_responses, db)
    needed = {"inventory", "item", "scale", "template", "order", "sample", "status", "value"}
    missing = sorted(needed - set(frame.columns))
    if missing:
        raise ValueError(f"responses lack the column(s) {missing}")
    invs = _inventories(inventories, frame, run)
    return _Scorer(run, frame, invs, n_boot=int(n_boot), seed=seed).build()


# -------------------------------------------------------------------------------------------------------------
# inputs


def _load(source: str | Run | pd.DataFrame, db: str | None) -> tuple[Run | None, pd.DataFrame]:
    if isinstance(source, pd.DataFrame):
        return None, source.copy()
    from psychometrics.store import Store

    if isinstance(source, Run):
        with Store(db, create=False) as store:
            return source, store.responses_frame(source.run_id, columns=SCORED_COLUMNS)
    if isinstance(source, str):
        with Store(db, create=False) as store:
            run = store.get_run(source)
            return run, store.responses_frame(source, columns=SCORED_COLUMNS)
    raise TypeError(f"run_or_responses must be a run id, a Run or a DataFrame, got {type(source).__name__}")


def _inventories(
    given: Mapping[str, Inventory] | Sequence[Inventory | str] | None, frame: pd.DataFrame, run: Run | None
) -> dict[str, Inventory]:
    """The inventories to score, by id: those given as a list, then the run's design, then the responses."""
    lookup = dict(given) if isinstance(given, Mapping) else {}
    out: dict[str, Inventory] = {}

    def add(ref: Inventory | str) -> None:
        if isinstance(ref, Inventory):
            out.setdefault(ref.id, ref)
        elif str(ref) in lookup:
            out.setdefault(str(ref), lookup[str(ref)])
        elif str(ref) not in out:
            inv = load_inventory(str(ref))  # a shipped id, or the path a design recorded
            out.setdefault(inv.id, inv)

    if given is not None and not isinstance(given, Mapping):
        for ref in given:
            add(ref)
    for ref in run.design.inventories if run else []:
        try:
            add(ref)
        except (LookupError, OSError, DataFileError):
            pass  # e.g. a YAML path that moved since the audit; inventories with responses are loaded by id below
    for inv_id in frame["inventory"].astype(str).unique():
        add(inv_id)
    return out


# -------------------------------------------------------------------------------------------------------------
# small helpers


def _nan_estimate(reason: str, method: str, n: int = 0, k: int = 0) -> Estimate:
    return Estimate(value=math.nan, n=n, n_items=k, reason=reason, method=method)


def _safe(call: Any, fallback: Any) -> Any:
    """Run a statistic; an unexpected failure on odd data becomes a NaN result with the error as reason."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the score stage must not crash on odd data
        return fallback(f"could not be computed ({type(exc).__name__}: {' '.join(str(exc).split())})")


def _rate_rows(statuses: pd.Series) -> list[RateRow]:
    table = response_rates(statuses.astype(str), ci=CI_LEVEL)
    return [
        RateRow(
            status=r["status"], count=int(r["count"]), n=int(r["n"]), rate=float(r["rate"]),
            ci_low=float(r["ci_low"]), ci_high=float(r["ci_high"]),
            reason=None if pd.isna(r["reason"]) else str(r["reason"]),
        )
        for r in table.to_dict(orient="records")
    ]


def _rate(rows: list[RateRow], status: str) -> float:
    return next((r.rate for r in rows if r.status == status), math.nan)


def _mean_ci(x: np.ndarray) -> tuple[float, float, float, float, str | None, str | None]:
    """Mean, SD, t-based interval, reason (NaN), warning."""
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, "no respondent has a score", None
    m = float(x.mean())
    if n == 1:
        return m, math.nan, math.nan, math.nan, "1 respondent: the SD and the interval need at least 2", None
    sd = float(x.std(ddof=1))
    half = float(sps.t.ppf(0.5 + CI_LEVEL / 2, n - 1)) * sd / math.sqrt(n)
    warning = None
    if sd <= 1e-12 * max(1.0, abs(m)):
        sd, half = 0.0, 0.0
        warning = "every respondent has the same score (SD 0): the interval has zero width"
    return m, sd, m - half, m + half, None, warning


def _join(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return "; ".join(kept) if kept else None


def _fmt(x: float) -> str:
    return f"{x:.3g}"


# -------------------------------------------------------------------------------------------------------------
# the scorer


def _in_design_order(present: Any, planned: Any) -> list[str]:
    """The values present in the responses, in the order the design lists them (others after, as found); the
    design's list when there are no responses."""
    found = [str(v) for v in present]
    if not found:
        return [str(v) for v in planned]
    listed = [str(v) for v in planned]
    return [v for v in listed if v in found] + [v for v in found if v not in listed]


class _Scorer:
    def __init__(self, run: Run | None, frame: pd.DataFrame, invs: dict[str, Inventory], *, n_boot: int,
                 seed: int | None):
        self.run, self.invs, self.n_boot, self.seed = run, invs, n_boot, seed
        df = frame.copy()
        if "persona" not in df:
            df["persona"] = None
        df["inventory"] = df["inventory"].astype(str)
        df["item"] = df["item"].astype(str)
        df["template"] = df["template"].astype(str)
        df["order"] = df["order"].astype(str)
        df["status"] = df["status"].astype(str)
        df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
        df.loc[df["status"] != "ok", "value"] = np.nan
        df = with_respondent(df).reset_index(drop=True)
        # the pairing unit of sensitivity tests: sample × persona (so several personas never collide)
        df["pair_sample"] = df["sample"].astype(str) + "|" + df["persona"].fillna("-").astype(str)
        self.df = df
        self.warnings: list[str] = []
        # per inventory: answers with keyed values, respondent scores
        self.keyed: dict[str, pd.DataFrame] = {}
        self.scores: dict[str, pd.DataFrame] = {}

    # -- whole ---------------------------------------------------------------------------------------------

    def build(self) -> AuditScores:
        scales, types, rel, sens, norms = [], [], [], [], []
        for inv_id, inv in self.invs.items():
            part = self.df[self.df["inventory"] == inv_id]
            keyed = keyed_values(inv, part[["respondent", "item", "value"]])
            for col in ("template", "order", "pair_sample", "persona", "status", "sample"):
                keyed[col] = part[col].to_numpy()
            self.keyed[inv_id] = keyed
            scored = (
                score_scales(inv, part[["respondent", "item", "value"]]) if len(part)
                else pd.DataFrame(columns=["respondent", "inventory", "scale", "score", "n_answered", "n_items",
                                           "letter"])
            )
            if len(scored):
                keys = part.drop_duplicates("respondent").set_index("respondent")[
                    ["template", "order", "sample", "persona"]]
                scored = scored.join(keys, on="respondent")
            self.scores[inv_id] = scored
            for sc in inv.scales:
                scales.append(self._scale_score(inv, sc.id))
                rel.append(self._reliability(inv, sc.id))
                sens.append(self._sensitivity(inv, sc.id))
                norms.append(self._norms(inv, sc.id))
            if any(s.letters is not None for s in inv.scales):
                types.append(self._types(inv, [s for s in scales if s.inventory == inv_id]))
        validity = self._validity()
        overall = _rate_rows(self.df["status"])
        self._run_warnings(overall, scales, sens)
        return AuditScores(
            run=self._run_info(),
            settings=ScoreSettings(n_boot=self.n_boot, seed=self.seed, ci_level=CI_LEVEL),
            thresholds=dict(VERDICT_THRESHOLDS),
            scales=scales, types=types, reliability=rel, sensitivity=sens, response_rates=overall, norms=norms,
            validity=validity, warnings=self.warnings,
        )

    def _run_info(self) -> RunInfo:
        df, run = self.df, self.run
        counts = {s: int((df["status"] == s).sum()) for s in ("ok", "refused", "invalid", "error")}
        modes = sorted(df["mode"].dropna().astype(str).unique()) if "mode" in df else []
        model = run.model if run else (str(df["model"].iloc[0]) if "model" in df and len(df) else None)
        design = run.design if run else None
        return RunInfo(
            run_id=run.run_id if run else None,
            model=model,
            n_cells=len(df),
            counts=counts,
            mode="+".join(modes) if modes else (run.mode_used if run else None),
            answers_by_mode={str(m): int(n) for m, n in df.loc[df["status"] == "ok", "mode"].value_counts().items()}
            if "mode" in df else {},
            n_respondents=int(df["respondent"].nunique()),
            inventories=list(self.invs),
            templates=_in_design_order(df["template"].unique(), design.templates if design else ()),
            orders=_in_design_order(df["order"].unique(), design.orders if design else ()),
            samples=sorted(int(s) for s in df["sample"].dropna().unique()),
            personas=[None if pd.isna(p) else str(p) for p in dict.fromkeys(df["persona"].tolist())]
            if len(df) else (list(design.personas) if design else []),
        )

    def _run_warnings(self, overall: list[RateRow], scales: list[ScaleScore],
                      sens: list[ScaleSensitivity]) -> None:
        df, w = self.df, self.warnings
        if self.run is not None and self.run.n_cells and len(df) < self.run.n_cells:
            w.append(f"{len(df)} of {self.run.n_cells} planned cells have a response (run {self.run.status}): "
                     "scores use what was answered")
        if len(df) == 0:
            w.append("no responses: every statistic is NaN")
            return
        n_ok = int((df["status"] == "ok").sum())
        if n_ok == 0:
            w.append("no ok answers (every cell was refused, invalid or an error): every statistic is NaN")
        refused = _rate(overall, "refused")
        if refused >= MOSTLY_REFUSED:
            w.append(f"{refused:.0%} of the replies are refusals: scores rest on the answers the model did give")
        n_err = int((df["status"] == "error").sum())
        if n_err:
            w.append(f"{n_err} cell(s) ended in an error (no reply): resume the run to retry them")
        n_resp = int(df.loc[df["status"] == "ok", "respondent"].nunique())
        if 0 < n_resp < MIN_RESPONDENTS:
            w.append(f"only {n_resp} respondents (template|order|sample|persona) with answers, fewer than "
                     f"{MIN_RESPONDENTS}: reliability, validity and intervals are unstable; add samples or templates")
        templates = df["template"].unique()
        if len(templates) < 2:
            w.append(f"a single prompt template ({templates[0]}): prompt sensitivity cannot be assessed; "
                     "run with several templates (e.g. --templates all)")
        orders = set(df["order"].unique())
        if not {ORDER_A, ORDER_B} <= orders:
            w.append(f"the run lacks the {ORDER_B if ORDER_A in orders else ORDER_A!r} option order: order "
                     "sensitivity cannot be assessed")
        flat = [f"{s.inventory}:{s.scale}" for s in scales if s.n >= 2 and s.sd == 0]
        if flat:
            w.append(f"every respondent has the same score on {', '.join(flat)}: correlations, reliability and "
                     "validity are undefined there")
        bad = [f"{s.inventory}:{s.scale} ({s.verdict})" for s in sens
               if s.verdict in ("order-sensitive", "prompt-sensitive", "unstable")]
        if bad:
            w.append(f"answers depend on how the question is asked for {', '.join(bad)}: read those scores with "
                     "care")
        if "mode" in df and df["mode"].nunique() > 1:
            w.append("the responses mix log-prob and generated answers")

    # -- scale scores --------------------------------------------------------------------------------------

    def _score_range(self, inv: Inventory, scale_id: str) -> tuple[float, float]:
        if inv.scoring == "high_choice_percent":
            return 0.0, 100.0
        lo, hi = float(inv.min_value), float(inv.max_value)
        if inv.scoring == "signed_sum":
            items = inv.items_of(scale_id)
            n_rev = sum(bool(getattr(i, "reverse", False)) for i in items)
            n_fwd = len(items) - n_rev
            c = inv.scale(scale_id).constant
            return c + n_fwd * lo - n_rev * hi, c + n_fwd * hi - n_rev * lo
        return lo, hi

    def _scale_score(self, inv: Inventory, scale_id: str) -> ScaleScore:
        sc = inv.scale(scale_id)
        scored = self.scores[inv.id]
        x = scored.loc[scored["scale"] == scale_id, "score"].dropna().to_numpy(dtype=float) if len(scored) \
            else np.array([])
        m, sd, lo, hi, reason, warning = _mean_ci(x)
        if inv.scoring == "signed_sum" and len(scored) and x.size < int((scored["scale"] == scale_id).sum()):
            warning = _join(warning, "signed-sum scores need every item: respondents with a missing answer have no "
                                     "score")
        if 0 < x.size < MIN_RESPONDENTS:
            warning = _join(warning, f"n = {x.size} < {MIN_RESPONDENTS}: unstable interval")
        smin, smax = self._score_range(inv, scale_id)
        if (not math.isnan(lo) and lo < smin) or (not math.isnan(hi) and hi > smax):
            # A t interval can leave the possible range (e.g. a share near 0%); the bound is the range's end.
            lo, hi = max(lo, smin), min(hi, smax)
            warning = _join(warning, "the t interval was clipped to the possible score range")
        letter = None
        if sc.letters is not None and not math.isnan(m):
            letter = sc.letters.high if m > sc.letters.cutoff else sc.letters.low
        return ScaleScore(
            inventory=inv.id, scale=scale_id, name=sc.name, trait=sc.trait, scoring=inv.scoring, mean=m, sd=sd,
            ci_low=lo, ci_high=hi, ci_level=CI_LEVEL, n=int(x.size), n_items=len(inv.items_of(scale_id)),
            score_min=smin, score_max=smax,
            high_choice_percent=m if inv.scoring == "high_choice_percent" else None,
            letter=letter, reason=reason, warning=warning,
        )

    def _types(self, inv: Inventory, scales: list[ScaleScore]) -> TypeProfile:
        lettered = [s for s in inv.scales if s.letters is not None]
        means = {s.scale: s.mean for s in scales if inv.scale(s.scale).letters is not None}
        letters = {s.scale: s.letter for s in scales if inv.scale(s.scale).letters is not None}
        mean_type = None if any(letters.get(s.id) is None for s in lettered) else "".join(
            letters[s.id] for s in lettered)  # type: ignore[misc]
        scored = self.scores[inv.id]
        codes = type_codes(inv, scored).dropna() if len(scored) else pd.Series(dtype=object)
        dist = {str(k): int(v) for k, v in codes.value_counts().items()}
        reason = None
        if not dist:
            reason = "no respondent has a score on every dimension (signed-sum scores need every item answered)"
        return TypeProfile(inventory=inv.id, n=int(codes.size), distribution=dist, dimension_means=means,
                           dimension_letters=letters, mean_type=mean_type, reason=reason)

    # -- reliability ---------------------------------------------------------------------------------------

    def _reliability(self, inv: Inventory, scale_id: str) -> ScaleReliability:
        what = ("0/100 high-choice indicator per scenario item" if inv.kind == "scenario"
                else f"keyed item values (reverse-keyed items as {inv.min_value + inv.max_value} − x)")
        keyed = self.keyed[inv.id]
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
            ests = [_nan_estimate(reason, m, 0, k) for m in methods]
            return ScaleReliability(inventory=inv.id, scale=scale_id, values=what, alpha=ests[0], lambda6=ests[1],
                                    omega=ests[2], split_half=ests[3], n=0, n_items=k, reason=reason)
        wide = wide.astype(float)
        ci = CI_LEVEL
        nb = self.n_boot
        boot_ci = ci if nb > 0 else None
        nbx = max(nb, 1)

        def fallback(method: str) -> Any:
            return lambda why: _nan_estimate(why, method, n, k)

        alpha = _safe(lambda: cronbach_alpha(wide, ci=ci), fallback("Feldt"))
        lam6 = _safe(lambda: guttman_lambda6(wide, ci=boot_ci, n_boot=nbx, seed=self.seed), fallback("bootstrap"))
        omega = _safe(lambda: mcdonald_omega(wide, ci=boot_ci, n_boot=nbx, seed=self.seed), fallback("bootstrap"))
        sh = _safe(lambda: split_half(wide, ci=boot_ci, n_boot=nbx, seed=self.seed), fallback("bootstrap"))
        reasons = {e.reason for e in (alpha, lam6, omega, sh)}
        common = next(iter(reasons)) if len(reasons) == 1 else None
        return ScaleReliability(inventory=inv.id, scale=scale_id, values=what, alpha=alpha, lambda6=lam6,
                                omega=omega, split_half=sh, n=n, n_items=k, reason=common)

    # -- sensitivity ---------------------------------------------------------------------------------------

    def _sensitivity(self, inv: Inventory, scale_id: str) -> ScaleSensitivity:
        keyed = self.keyed[inv.id]
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

        prompt = _safe(lambda: prompt_sensitivity(key), no_prompt)
        order = _safe(lambda: order_sensitivity(raw, a=ORDER_A, b=ORDER_B, scale_min=raw_lo, scale_max=raw_hi),
                      no_order)
        order_k = _safe(lambda: order_sensitivity(key, a=ORDER_A, b=ORDER_B, scale_min=key_lo, scale_max=key_hi),
                        no_order)
        rates = _rate_rows(pd.Series(part["status"].to_numpy(), dtype=str)) if len(part) else _rate_rows(
            pd.Series([], dtype=str))
        per = (part.groupby("respondent", sort=False)
               .agg(raw=("value", "mean"), key=("keyed", "mean"), order=("order", "first"),
                    template=("template", "first")))
        in_orders = per[per["order"].isin([ORDER_A, ORDER_B])]
        order_chk = _welch(in_orders, "raw")
        order_k_chk = _welch(in_orders, "key")
        prompt_chk = _anova(per, "key")
        verdict, why = _verdict(prompt, order, order_k, rates, raw_hi - raw_lo, key_hi - key_lo,
                                n_ok=int(part["keyed"].notna().sum()),
                                checks=(prompt_chk, order_chk, order_k_chk))
        return ScaleSensitivity(inventory=inv.id, scale=scale_id, prompt=prompt, order=order, order_keyed=order_k,
                                prompt_check=prompt_chk, order_check=order_chk, order_keyed_check=order_k_chk,
                                response_rates=rates, verdict=verdict, verdict_reasons=why)

    # -- norms ---------------------------------------------------------------------------------------------

    def _norms(self, inv: Inventory, scale_id: str) -> ScaleNorms:
        sc = inv.scale(scale_id)
        if sc.norms is None:
            return ScaleNorms(inventory=inv.id, scale=scale_id, reason="no human norms in the inventory file")
        scored = self.scores[inv.id]
        x = scored.loc[scored["scale"] == scale_id, "score"].to_numpy(dtype=float) if len(scored) else np.array([])
        nm = sc.norms
        cmp = _safe(lambda: norm_comparison(x, mean=nm.mean, sd=nm.sd), lambda why: None)
        reason = None if cmp is not None else "the norm comparison could not be computed"
        if cmp is not None and cmp.n == 0:
            reason = "no respondent has a score"
        return ScaleNorms(inventory=inv.id, scale=scale_id, comparison=cmp, source=nm.source, norm_n=nm.n,
                          reason=reason)

    # -- validity ------------------------------------------------------------------------------------------

    def _validity(self) -> Validity:
        pairs = []
        for a, b in combinations(self.invs, 2):
            ta = {s.trait for s in self.invs[a].scales if s.trait}
            tb = {s.trait for s in self.invs[b].scales if s.trait}
            if ta & tb:
                pairs.append(self._mtmm_pair(a, b, sorted(ta & tb)))
        reason = None
        if not pairs:
            reason = ("a single inventory: MTMM needs two instruments measuring the same traits" if len(self.invs) < 2
                      else "no two inventories measure a shared trait (Scale.trait)")
        efas = [self._efa(inv) for inv in self.invs.values()]
        return Validity(matching=MATCHING, mtmm=pairs, efa=efas, reason=reason)

    def _templates_of(self, inv_id: str) -> list[str]:
        used = list(dict.fromkeys(self.df.loc[self.df["inventory"] == inv_id, "template"]))
        design = list(self.run.design.templates) if self.run else []
        return [t for t in design if t in used] + [t for t in used if t not in design]

    def _mtmm_pair(self, a: str, b: str, traits: list[str]) -> MTMMPair:
        ta, tb = self._templates_of(a), self._templates_of(b)
        by_name = bool(set(ta) & set(tb)) or not (ta and tb)
        matching = MATCH_BY_NAME if by_name else MATCH_BY_POSITION
        frames = []
        for inv_id, tlist in ((a, ta), (b, tb)):
            inv = self.invs[inv_id]
            scored = self.scores[inv_id]
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
                            convergent_min=0.60, discriminant_min=0.40, reason=why)

        if long["score"].notna().sum() == 0:
            return undefined("no scores on the shared traits (no ok answers)")
        res = _safe(lambda: mtmm(long, respondent_col="match"), lambda why: None)
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

    def _efa(self, inv: Inventory) -> InventoryEFA:
        keyed = self.keyed[inv.id]
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
        res = _safe(lambda: efa(complete, n_factors, rotation=rotation, method=EFA_METHOD, keys=keys),
                    lambda why: None)
        if res is None:
            return undefined("the factor analysis could not be computed", n)
        warning = res.warning
        if n < EFA_PER_ITEM * k:
            warning = _join(warning, f"{n} respondents for {k} items (fewer than {EFA_PER_ITEM} per item): "
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


# -------------------------------------------------------------------------------------------------------------
# verdict


def _welch(per: pd.DataFrame, col: str) -> RespondentCheck:
    """Welch's t-test of respondents' mean answers between the two orders (reversed − original)."""
    a = per.loc[per["order"] == ORDER_A, col].dropna().to_numpy(dtype=float)
    b = per.loc[per["order"] == ORDER_B, col].dropna().to_numpy(dtype=float)
    base = {"test": "Welch t", "n": int(a.size + b.size), "n_groups": int((a.size > 0) + (b.size > 0))}
    if a.size < 2 or b.size < 2:
        return RespondentCheck(**base, reason=f"{a.size} respondent(s) in order {ORDER_A!r} and {b.size} in "
                                              f"{ORDER_B!r} with answers; at least 2 each are needed")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    diff = float(b.mean() - a.mean())
    se2 = va + vb
    if se2 <= 1e-24:
        if abs(diff) <= 1e-12:
            return RespondentCheck(**base, reason="every respondent has the same mean answer in both orders")
        return RespondentCheck(**base, statistic=math.copysign(math.inf, diff), df=float(a.size + b.size - 2),
                               p=0.0)
    t = diff / math.sqrt(se2)
    dof = se2**2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1)) if (va > 0 or vb > 0) else math.nan
    return RespondentCheck(**base, statistic=float(t), df=float(dof), p=float(2 * sps.t.sf(abs(t), dof)))


def _anova(per: pd.DataFrame, col: str) -> RespondentCheck:
    """One-way ANOVA of respondents' mean (keyed) answers across templates."""
    groups = [g[col].dropna().to_numpy(dtype=float) for _, g in per.groupby("template", sort=False)]
    groups = [g for g in groups if g.size]
    n = int(sum(g.size for g in groups))
    base = {"test": "ANOVA F", "n": n, "n_groups": len(groups)}
    if len(groups) < 2:
        return RespondentCheck(**base, reason=f"{len(groups)} template(s) with answers; at least 2 are needed")
    df_within = n - len(groups)
    if df_within < 1:
        return RespondentCheck(**base, reason="one respondent per template: variation between respondents "
                                              "cannot be told from the template effect")
    grand = np.concatenate(groups).mean()
    ss_between = float(sum(g.size * (g.mean() - grand) ** 2 for g in groups))
    ss_within = float(sum(((g - g.mean()) ** 2).sum() for g in groups))
    df_between = len(groups) - 1
    if ss_within <= 1e-24:
        if ss_between <= 1e-24:
            return RespondentCheck(**base, df=float(df_within),
                                   reason="every respondent has the same mean answer under every template")
        return RespondentCheck(**base, statistic=math.inf, df=float(df_within), p=0.0)
    f = (ss_between / df_between) / (ss_within / df_within)
    return RespondentCheck(**base, statistic=float(f), df=float(df_within),
                           p=float(sps.f.sf(f, df_between, df_within)))


def _confirmed(check: RespondentCheck, why: list[str], what: str) -> bool:
    """Whether the respondent-level check agrees (or cannot be made, which is said in ``why``)."""
    if not math.isnan(check.p):
        if check.p < SIGNIFICANCE:
            return True
        why.append(f"{what}: the item-level test is significant but respondents vary as much as that "
                   f"({check.test}, p = {_fmt(check.p)} ≥ {SIGNIFICANCE}): not counted")
        return False
    why.append(f"{what}: respondent-level check undefined ({check.reason}); the item-level test decides")
    return True


def _verdict(prompt: PromptSensitivity, order: OrderSensitivity, order_k: OrderSensitivity, rates: list[RateRow],
             raw_range: float, key_range: float, *, n_ok: int,
             checks: tuple[RespondentCheck, RespondentCheck, RespondentCheck]) -> tuple[Verdict, list[str]]:
    """The plain-language verdict of one scale and the reasons for it (thresholds: ``psychometrics.score._model``)."""
    prompt_chk, order_chk, order_k_chk = checks
    why: list[str] = []
    refused = _rate(rates, "refused")
    if refused >= MOSTLY_REFUSED:
        return "mostly refused", [f"{refused:.0%} of replies are refusals (threshold {MOSTLY_REFUSED:.0%})"]
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
        if (res.n_pairs and not math.isnan(res.p) and res.p < SIGNIFICANCE
                and abs(res.mean_difference) >= ORDER_SHIFT_MIN * rng
                and _confirmed(chk, why, f"order ({label})")):
            order_hit = True
            why.append(f"{res.order_b} vs {res.order_a} ({label}): shift {_fmt(res.mean_difference)} points "
                       f"(≥ {ORDER_SHIFT_MIN:.0%} of the {_fmt(rng)}-point range), p = {_fmt(res.p)} < {SIGNIFICANCE}")
    prompt_hit = bool(prompt_ok and not math.isnan(prompt.p) and prompt.p < SIGNIFICANCE
                      and prompt.score_range >= PROMPT_RANGE_MIN * key_range
                      and _confirmed(prompt_chk, why, "templates"))
    if prompt_hit:
        why.append(f"templates: score range {_fmt(prompt.score_range)} points (≥ {PROMPT_RANGE_MIN:.0%} of the "
                   f"{_fmt(key_range)}-point range), p = {_fmt(prompt.p)} < {SIGNIFICANCE}")
    if order_hit and prompt_hit:
        return "unstable", why
    if order_hit:
        return "order-sensitive", why
    if prompt_hit:
        return "prompt-sensitive", why
    if order_ok:
        why.append(f"order: shift {_fmt(order.mean_difference)} points, MAD {_fmt(order.mad)}"
                   + (f", p = {_fmt(order.p)}" if not math.isnan(order.p) else ""))
    if prompt_ok:
        why.append(f"templates: score range {_fmt(prompt.score_range)}"
                   + (f", p = {_fmt(prompt.p)}" if not math.isnan(prompt.p) else ""))
    return "robust", why
