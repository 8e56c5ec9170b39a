"""``AuditScores``: everything the score stage says about one run, and how far each number can be trusted.

One typed record per run, built by :func:`psychometrics.score.score`. It holds the run's design, the scale
scores across respondents (a respondent is one ``template|order|sample|persona``, following the psyborgs
design), reliability, sensitivity to the prompt and the option order with a plain-language verdict, response
rates, human norms and validity (MTMM, EFA), and warnings. A statistic that cannot be computed is NaN with a
``reason`` in words, never a made-up number.

JSON (:meth:`AuditScores.to_json`) writes NaN as ``null``; :meth:`AuditScores.from_json` reads it back (a
``null`` in a number field becomes NaN again), so the JSON round-trips. Data frames (MTMM matrix, EFA
loadings) are stored as :class:`Table` (``columns``, ``index``, ``data``).

The verdict thresholds are the module constants below; :attr:`AuditScores.thresholds` carries the values
used, so a report can state them.
"""

from __future__ import annotations

import math
import typing
from typing import Any, Literal

from pydantic import Field

from psychometrics._record import ResultRecord, frame_to_json
from psychometrics.stats import Estimate, NormComparison, OrderSensitivity, PromptSensitivity

AUDIT_SCORES_VERSION = 1
"""Version of the :class:`AuditScores` format."""

RESPONDENT_DEFINITION = "template|order|sample|persona"
"""A respondent: one combination of prompt template, option order, sample and persona (psyborgs design)."""

# -- verdict thresholds ----------------------------------------------------------------------------------------

VERDICT_SIGNIFICANCE = 0.01
"""Significance level of the sensitivity verdicts: an item-level or respondent-level test counts only when its
p-value is below this."""
ORDER_SHIFT_MIN = 0.10
"""Order-sensitive: a significant mean shift between the original and the reversed option order of at least
this share of the response range (max − min; e.g. 0.4 points on a 1–5 scale, 10 points on a 0–100 percent
scale), on the original response values (position bias) or on the keyed values (the score moves)."""
PROMPT_RANGE_MIN = 0.10
"""Prompt-sensitive: a significant difference between templates whose template scores span at least this share
of the response range."""
MOSTLY_REFUSED = 0.50
"""Mostly refused: at least this share of the scale's replies (every status but ``error``) are refusals."""
MIN_RESPONDENTS = 30
"""Fewer scored respondents than this adds a warning (estimates across respondents are unstable)."""

VERDICT_THRESHOLDS: dict[str, float] = {
    "significance": VERDICT_SIGNIFICANCE,
    "order_shift_min": ORDER_SHIFT_MIN,
    "prompt_range_min": PROMPT_RANGE_MIN,
    "mostly_refused": MOSTLY_REFUSED,
    "min_respondents": float(MIN_RESPONDENTS),
}
"""The thresholds by name, as stored in :attr:`AuditScores.thresholds`."""

Verdict = Literal["robust", "order-sensitive", "prompt-sensitive", "unstable", "mostly refused", "not enough data"]
"""Plain-language verdict on one scale, decided in this order:

``mostly refused``
    refused share of replies ≥ :data:`MOSTLY_REFUSED`.
``not enough data``
    no ``ok`` answer, or neither a second template nor a reversed order to compare with.
``unstable``
    both order-sensitive and prompt-sensitive.
``order-sensitive``
    an original-vs-reversed shift of at least :data:`ORDER_SHIFT_MIN` of the response range, on original or
    keyed values, significant (p < :data:`VERDICT_SIGNIFICANCE`) both in the item-level signed-rank test and in the
    respondent-level check (:class:`RespondentCheck`; when that check is undefined, e.g. one respondent per
    order, the item-level test decides and ``verdict_reasons`` says so).
``prompt-sensitive``
    template scores spanning at least :data:`PROMPT_RANGE_MIN` of the response range, significant
    (p < :data:`VERDICT_SIGNIFICANCE`) in the item-level Friedman/Kruskal–Wallis test and in the respondent-level
    check (same fallback).
``robust``
    none of the above (``verdict_reasons`` says when only one of the two checks could be made).
"""
VERDICTS: tuple[str, ...] = typing.get_args(Verdict)


class Table(ResultRecord):
    """A data frame in JSON form: ``pandas.DataFrame(data, index=index, columns=columns)``."""

    columns: list[Any]
    """Column labels (a list for a MultiIndex label)."""
    index: list[Any]
    """Row labels (a list for a MultiIndex label)."""
    data: list[list[Any]]
    """Rows of values; ``None`` for NaN/NA."""

    @classmethod
    def from_frame(cls, df: Any) -> Table:
        """Build from a :class:`pandas.DataFrame`."""
        return cls(**frame_to_json(df))  # type: ignore[arg-type]

    def to_frame(self) -> Any:
        """The :class:`pandas.DataFrame` (``MultiIndex`` where labels are lists)."""
        import pandas as pd

        def labels(xs: list[Any]) -> Any:
            if xs and all(isinstance(x, list) for x in xs):
                return pd.MultiIndex.from_tuples([tuple(x) for x in xs])
            return xs

        return pd.DataFrame(self.data, index=labels(self.index), columns=labels(self.columns))


class RunInfo(ResultRecord):
    """What was scored: the run and its design."""

    run_id: str | None = None
    """The run id; ``None`` when a bare responses frame was scored."""
    model: str | None = None
    """The model audited (from the run, else from the responses)."""
    n_cells: int
    """Responses scored (one per cell)."""
    counts: dict[str, int] = Field(default_factory=dict)
    """Responses by status: ``ok``, ``refused``, ``invalid``, ``error``."""
    mode: str | None = None
    """``logprobs`` or ``generate`` (several joined by ``+`` when the responses mix them)."""
    respondent: str = RESPONDENT_DEFINITION
    """How a respondent is defined: every statistic across respondents uses this unit."""
    n_respondents: int
    """Distinct respondents in the responses."""
    inventories: list[str] = Field(default_factory=list)
    """Inventories scored."""
    templates: list[str] = Field(default_factory=list)
    """Prompt templates present in the responses."""
    orders: list[str] = Field(default_factory=list)
    """Option orders present in the responses."""
    samples: list[int] = Field(default_factory=list)
    """Sample numbers present in the responses."""
    personas: list[str | None] = Field(default_factory=list)
    """Personas present in the responses (``None`` for no persona)."""


class ScoreSettings(ResultRecord):
    """How the statistics were computed."""

    n_boot: int
    """Bootstrap resamples for the λ6, ω and split-half intervals (α uses Feldt's interval)."""
    seed: int | None
    """Seed of the bootstrap."""
    ci_level: float = 0.95
    """Coverage of every confidence interval."""


class RateRow(ResultRecord):
    """One status's rate with a Wilson interval (see :func:`psychometrics.stats.response_rates`)."""

    status: str
    """``ok``, ``refused``, ``invalid`` or ``error``."""
    count: int
    """Prompts with this status."""
    n: int
    """Denominator: replies (every status but ``error``) for ``ok``/``refused``/``invalid``; all prompts for
    ``error``."""
    rate: float
    """``count / n``; NaN when ``n`` is 0."""
    ci_low: float
    """Lower Wilson bound."""
    ci_high: float
    """Upper Wilson bound."""
    reason: str | None = None
    """Why the rate is NaN."""


class ScaleScore(ResultRecord):
    """Scale scores across respondents: the headline numbers of one inventory × scale."""

    inventory: str
    """Inventory id."""
    scale: str
    """Scale id."""
    name: str
    """Scale name as the inventory gives it."""
    trait: str | None = None
    """The shared construct name (``Scale.trait``) used to pair scales across instruments."""
    scoring: str
    """``mean``, ``signed_sum`` or ``high_choice_percent``."""
    mean: float
    """Mean score across respondents; NaN when no respondent has a score."""
    sd: float
    """Standard deviation (n − 1) across respondents; NaN when n < 2."""
    ci_low: float
    """Lower bound of the t-based confidence interval of the mean; NaN when n < 2."""
    ci_high: float
    """Upper bound of the t-based confidence interval of the mean; NaN when n < 2."""
    ci_level: float = 0.95
    """Coverage of the interval."""
    n: int
    """Respondents with a score."""
    n_items: int
    """Items keyed to the scale."""
    score_min: float
    """Lowest possible score."""
    score_max: float
    """Highest possible score."""
    high_choice_percent: float | None = None
    """Scenario inventories: mean percentage of high-trait choices (the score itself); ``None`` otherwise."""
    letter: str | None = None
    """Lettered scales (OEJTS): the letter of the mean score; ``None`` otherwise or when the mean is NaN."""
    reason: str | None = None
    """Why a number is NaN."""
    warning: str | None = None
    """Caveats, e.g. few respondents or zero spread."""


class TypeProfile(ResultRecord):
    """Type codes of a lettered inventory (OEJTS): their distribution and the type of the mean profile."""

    inventory: str
    """Inventory id."""
    n: int
    """Respondents with a complete type code."""
    distribution: dict[str, int] = Field(default_factory=dict)
    """Type code → respondents, most frequent first."""
    dimension_means: dict[str, float] = Field(default_factory=dict)
    """Scale id → mean score across respondents."""
    dimension_letters: dict[str, str | None] = Field(default_factory=dict)
    """Scale id → letter of the mean score (``None`` when the mean is NaN)."""
    mean_type: str | None = None
    """The type of the mean profile (letters of the dimension means); ``None`` when a mean is NaN."""
    reason: str | None = None
    """Why there is no type (e.g. no respondent answered every item)."""


class ScaleReliability(ResultRecord):
    """Internal consistency of one scale across respondents (wide respondents × items, listwise deletion)."""

    inventory: str
    """Inventory id."""
    scale: str
    """Scale id."""
    values: str
    """What was analysed: keyed item values (reverse items as min + max − x) or the 0/100 high-choice
    indicator of scenario items."""
    alpha: Estimate
    """Cronbach's α with Feldt's interval."""
    lambda6: Estimate
    """Guttman's λ6 with a bootstrap interval."""
    omega: Estimate
    """McDonald's ω (total, one factor) with a bootstrap interval."""
    split_half: Estimate
    """Split-half (odd/even, Spearman–Brown) with a bootstrap interval."""
    n: int
    """Respondents with every item answered (after listwise deletion)."""
    n_items: int
    """Items in the scale."""
    reason: str | None = None
    """Why every coefficient is NaN, when one reason covers them all."""


class RespondentCheck(ResultRecord):
    """Is an effect larger than the variation between respondents? A test on respondents' mean answers.

    The item-level tests of :mod:`psychometrics.stats` treat items as the units, which is right for one
    deterministic model but mistakes respondent-to-respondent variation (samples, personas) for a template or
    order effect when respondents differ. This check compares respondents' mean answers on the scale between
    the orders (Welch's t-test) or across templates (one-way ANOVA); the verdict needs both to agree.
    """

    test: Literal["Welch t", "ANOVA F"]
    """The test used."""
    statistic: float = math.nan
    """t (Welch) or F (ANOVA); ±inf when respondents do not vary within a group but the groups differ."""
    df: float = math.nan
    """Degrees of freedom (Welch–Satterthwaite df, or the within-groups df of the ANOVA)."""
    p: float = math.nan
    """Two-sided p-value; 0 when respondents do not vary within groups but the groups differ."""
    n: int = 0
    """Respondents with at least one answer on the scale in the compared groups."""
    n_groups: int = 0
    """Groups (orders or templates) with respondents."""
    reason: str | None = None
    """Why the test is undefined (e.g. one respondent per order)."""


class ScaleSensitivity(ResultRecord):
    """Sensitivity of one scale to the prompt template and the option order, response rates, and the verdict."""

    inventory: str
    """Inventory id."""
    scale: str
    """Scale id."""
    prompt: PromptSensitivity
    """Template effect on keyed values (does the scale score move across templates?)."""
    order: OrderSensitivity
    """Original vs reversed order on the ORIGINAL response values: a directional position bias (e.g. always
    picking the first option) shows here even when keying would cancel it."""
    order_keyed: OrderSensitivity
    """Original vs reversed order on keyed values: does the scale score itself move?"""
    prompt_check: RespondentCheck | None = None
    """Respondent-level check of the template effect (keyed values)."""
    order_check: RespondentCheck | None = None
    """Respondent-level check of the order effect on original values."""
    order_keyed_check: RespondentCheck | None = None
    """Respondent-level check of the order effect on keyed values."""
    response_rates: list[RateRow] = Field(default_factory=list)
    """Rates of ``ok``, ``refused``, ``invalid``, ``error`` for the scale's prompts."""
    verdict: Verdict
    """Plain-language verdict (see :data:`Verdict` and :attr:`AuditScores.thresholds`)."""
    verdict_reasons: list[str] = Field(default_factory=list)
    """Why the verdict was given, and which checks could not be made."""


class ScaleNorms(ResultRecord):
    """A scale's scores against the human norm its inventory gives, or why there is none."""

    inventory: str
    """Inventory id."""
    scale: str
    """Scale id."""
    comparison: NormComparison | None = None
    """The comparison; ``None`` when the inventory gives no norms for the scale."""
    source: str | None = None
    """Citation of the norms."""
    norm_n: int | None = None
    """Sample size behind the norms, when known."""
    reason: str | None = None
    """Why there is no comparison (e.g. ``"no human norms in the inventory file"``)."""


class MTMMRow(ResultRecord):
    """Convergent and discriminant validity of one trait for one pair of instruments."""

    trait: str
    """Shared trait name."""
    method_a: str
    """First inventory."""
    method_b: str
    """Second inventory."""
    convergent_r: float
    """Correlation of the trait's scores on the two inventories across matched respondents."""
    discriminant_delta: float
    """Convergent r minus the mean |heterotrait-heteromethod r|."""
    convergent_pass: bool | None = None
    """convergent r ≥ the convergent criterion; ``None`` when undefined."""
    discriminant_pass: bool | None = None
    """Δ ≥ the discriminant criterion; ``None`` when undefined."""
    n: int
    """Matched respondents used."""
    reason: str | None = None
    """Why a value is NaN."""


class MTMMPair(ResultRecord):
    """The MTMM analysis of two inventories that measure shared traits."""

    method_a: str
    """First inventory."""
    method_b: str
    """Second inventory."""
    traits: list[str] = Field(default_factory=list)
    """Traits both measure."""
    matching: str
    """How respondents of the two inventories were matched."""
    n: int
    """Matched respondents with every score (listwise)."""
    convergent_min: float
    """Convergent criterion."""
    discriminant_min: float
    """Discriminant criterion."""
    rows: list[MTMMRow] = Field(default_factory=list)
    """One row per shared trait."""
    matrix: Table | None = None
    """Correlations of every (inventory, trait) score; ``None`` when undefined."""
    reason: str | None = None
    """Why the whole analysis is undefined."""
    warning: str | None = None
    """Caveats (small n)."""


class CongruenceRow(ResultRecord):
    """Tucker's φ of one scale's key with its matched factor."""

    scale: str
    """Scale id."""
    factor: str | None = None
    """Matched factor (``F1``…); ``None`` when unmatched."""
    phi: float
    """Sign-aligned congruence."""
    reflected: bool
    """Whether the factor's sign was flipped."""


class InventoryEFA(ResultRecord):
    """Exploratory factor analysis of one inventory's items across respondents (n_factors = number of scales)."""

    inventory: str
    """Inventory id."""
    n_factors: int
    """Factors extracted: the number of scales."""
    method: str
    """Extraction method."""
    rotation: str | None = None
    """Rotation."""
    n: int
    """Respondents used (listwise)."""
    n_items: int
    """Items analysed."""
    kmo: float
    """Kaiser–Meyer–Olkin measure."""
    bartlett_chi2: float
    """Bartlett's χ²."""
    bartlett_df: float
    """Bartlett's degrees of freedom."""
    bartlett_p: float
    """Bartlett's p-value."""
    congruence: list[CongruenceRow] = Field(default_factory=list)
    """Each scale's key against its matched factor."""
    loadings: Table | None = None
    """Items × factors loadings."""
    reason: str | None = None
    """Why the analysis is undefined (e.g. too few respondents)."""
    warning: str | None = None
    """Caveats."""


class Validity(ResultRecord):
    """Validity evidence: MTMM between instruments sharing traits, EFA within each instrument."""

    matching: str
    """How respondents are matched across inventories for MTMM."""
    mtmm: list[MTMMPair] = Field(default_factory=list)
    """One analysis per pair of inventories that share at least one trait."""
    efa: list[InventoryEFA] = Field(default_factory=list)
    """One analysis per inventory with at least two items."""
    reason: str | None = None
    """Why there is no MTMM (e.g. a single inventory)."""


class AuditScores(ResultRecord):
    """Scores and statistics of one run: what the numbers are and how far they can be trusted."""

    version: Literal[1] = AUDIT_SCORES_VERSION
    """Version of this format."""
    run: RunInfo
    """The run and its design."""
    settings: ScoreSettings
    """Bootstrap and interval settings."""
    thresholds: dict[str, float] = Field(default_factory=lambda: dict(VERDICT_THRESHOLDS))
    """Verdict thresholds used (see the constants of :mod:`psychometrics.score._model`)."""
    scales: list[ScaleScore] = Field(default_factory=list)
    """One entry per inventory × scale."""
    types: list[TypeProfile] = Field(default_factory=list)
    """Type codes of lettered inventories (OEJTS)."""
    reliability: list[ScaleReliability] = Field(default_factory=list)
    """One entry per inventory × scale."""
    sensitivity: list[ScaleSensitivity] = Field(default_factory=list)
    """One entry per inventory × scale."""
    response_rates: list[RateRow] = Field(default_factory=list)
    """Rates over the whole run."""
    norms: list[ScaleNorms] = Field(default_factory=list)
    """One entry per inventory × scale."""
    validity: Validity
    """MTMM and EFA."""
    warnings: list[str] = Field(default_factory=list)
    """Caveats about the whole run, in words."""

    # -- output (to_json / from_json: see ResultRecord) --------------------------------------------------------

    def to_frame(self) -> Any:
        """One tidy row per inventory × scale with the headline numbers (a :class:`pandas.DataFrame`).

        Columns: ``inventory, scale, name, trait, mean, sd, ci_low, ci_high, n, n_items, score_min,
        score_max, alpha, omega, split_half, reliability_n, order_mad, order_shift, order_p, order_rank_biserial,
        prompt_range, prompt_p, prompt_effect, refusal_rate, norm_z, norm_percentile, verdict``.
        """
        import pandas as pd

        rel = {(r.inventory, r.scale): r for r in self.reliability}
        sens = {(s.inventory, s.scale): s for s in self.sensitivity}
        nor = {(n.inventory, n.scale): n for n in self.norms}
        rows = []
        nan = math.nan
        for s in self.scales:
            key = (s.inventory, s.scale)
            r, se, no = rel.get(key), sens.get(key), nor.get(key)
            refused = next((x.rate for x in (se.response_rates if se else []) if x.status == "refused"), nan)
            cmp = no.comparison if no else None
            rows.append({
                "inventory": s.inventory, "scale": s.scale, "name": s.name, "trait": s.trait,
                "mean": s.mean, "sd": s.sd, "ci_low": s.ci_low, "ci_high": s.ci_high, "n": s.n,
                "n_items": s.n_items, "score_min": s.score_min, "score_max": s.score_max,
                "alpha": r.alpha.value if r else nan, "omega": r.omega.value if r else nan,
                "split_half": r.split_half.value if r else nan, "reliability_n": r.n if r else 0,
                "order_mad": se.order.mad if se else nan, "order_shift": se.order.mean_difference if se else nan,
                "order_p": se.order.p if se else nan, "order_rank_biserial": se.order.rank_biserial if se else nan,
                "prompt_range": se.prompt.score_range if se else nan, "prompt_p": se.prompt.p if se else nan,
                "prompt_effect": se.prompt.effect_size if se else nan, "refusal_rate": refused,
                "norm_z": cmp.z if cmp else nan, "norm_percentile": cmp.percentile if cmp else nan,
                "verdict": se.verdict if se else None,
            })
        return pd.DataFrame(rows, columns=FRAME_COLUMNS)


FRAME_COLUMNS = [
    "inventory", "scale", "name", "trait", "mean", "sd", "ci_low", "ci_high", "n", "n_items", "score_min",
    "score_max", "alpha", "omega", "split_half", "reliability_n", "order_mad", "order_shift", "order_p",
    "order_rank_biserial", "prompt_range", "prompt_p", "prompt_effect", "refusal_rate", "norm_z",
    "norm_percentile", "verdict",
]
"""Columns of :meth:`AuditScores.to_frame`."""

