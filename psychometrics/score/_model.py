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

from psychometrics.score._interview import InterviewScores
from psychometrics._record import ResultRecord, frame_to_json
from psychometrics.stats import (
    Correlation,
    EquivalenceDecision,
    Estimate,
    ItemRest,
    NormComparison,
    OrderSensitivity,
    PairedDifference,
    PromptSensitivity,
    ResponseStyles,
)

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

FORMS_SHIFT_MIN = 0.10
"""Inconsistent across forms: a significant (p < :data:`VERDICT_SIGNIFICANCE`) mean shift of a scale's scores
between two parallel forms of at least this share of the score range; consistent needs the shift's interval
inside ± this share."""
FORMS_RELIABILITY_MIN = 0.70
"""Parallel-forms reliability the forms must reach: consistent when the lower end of the interval of r is at least
this, inconsistent when its upper end is below it (the conventional floor for reliability coefficients)."""
FORMS_MIN_RESPONDENTS = 10
"""Consistent across forms needs at least this many matched respondents: below it Fisher's interval of r is too
rough to certify agreement (with r = 1 it collapses to [1, 1] whatever n), so the verdict is inconclusive. A
project choice, not a published cut-off."""

VERDICT_THRESHOLDS: dict[str, float] = {
    "significance": VERDICT_SIGNIFICANCE,
    "order_shift_min": ORDER_SHIFT_MIN,
    "prompt_range_min": PROMPT_RANGE_MIN,
    "mostly_refused": MOSTLY_REFUSED,
    "min_respondents": float(MIN_RESPONDENTS),
    "forms_shift_min": FORMS_SHIFT_MIN,
    "forms_reliability_min": FORMS_RELIABILITY_MIN,
    "forms_min_respondents": float(FORMS_MIN_RESPONDENTS),
}
"""The thresholds by name, as stored in :attr:`AuditScores.thresholds`."""

Readability = Literal["readable", "not readable", "uncertain"]
"""Whether a scale score can be read as its trait: :attr:`ScaleScore.interpretable` ``true``, ``false``, ``null``."""

Verdict = Literal["robust", "order-sensitive", "prompt-sensitive", "unstable", "inconclusive", "mostly refused",
                  "not enough data"]
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
    none of the above, and every effect that could be assessed across respondents is shown to be small: its
    interval lies inside ±the threshold (equivalence by interval inclusion, Schuirmann 1987; see
    :attr:`ScaleSensitivity.order_decision` and :attr:`ScaleSensitivity.prompt_decision`).
``inconclusive``
    none of the sensitive verdicts, but an effect's interval does not lie inside its bound: the design cannot
    tell (``verdict_reasons`` gives the smallest effect it could have detected).
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
    answers_by_mode: dict[str, int] = Field(default_factory=dict)
    """Answers (status ``ok``) by the mode that produced them (``--mode auto`` asks a cell again by generation
    when its log-probs name no label)."""
    respondent: str = RESPONDENT_DEFINITION
    """How a respondent is defined: every statistic across respondents uses this unit."""
    n_respondents: int
    """Respondents (template|order|sample|persona combinations) in the responses."""
    n_effective: int | None = None
    """Effective number of respondents: respondents whose every answer repeats another respondent's of the same
    template × order × persona (deterministic repeats, e.g. samples at temperature 0) count once
    (:func:`psychometrics.stats.distinct_respondents`). Every interval and test uses only the distinct respondents.
    ``None`` in files written before it existed."""
    temperature: float | None = None
    """Sampling temperature of the run's design, when known."""
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
    value: str = "value"
    """What an answer counts as: ``value`` (the chosen option) or ``expected_value`` (Σ value × probability over
    the options, from log-probs; likert and bipolar items only, a chosen scenario option counts as chosen)."""


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
    interpretable: bool | None = True
    """Whether the score can be read as the trait, three-way (JSON ``true | false | null``): ``true`` when there is
    a respondent with a score, enough answered cells, and every response style that overrides content (answers
    following option position, acquiescence or nay-saying, straight-lining) is *clear* on the scale's answers;
    ``false`` when one of them is flagged (or no score, or too few answers); ``null`` — uncertain — when none is
    flagged but one is inconclusive (its interval straddles the threshold), so the data can neither clear nor
    condemn the score. Read ``null`` as "not shown to be readable" (see
    :func:`psychometrics.score._styles.interpretability`); ``readability`` says the same in words."""
    readability: Readability = "readable"
    """``interpretable`` in words: ``readable``, ``not readable`` or ``uncertain``."""
    interpretability_reasons: list[str] = Field(default_factory=list)
    """Every reason the score cannot be read (flagged indices first) or may not be (inconclusive indices, marked
    "uncertain"), in words; empty when it is readable."""


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
    items: ItemRest | None = None
    """Item–rest correlations (psych ``r.drop``); ``None`` when there are no complete respondents."""
    notes: list[str] = Field(default_factory=list)
    """What the coefficients say about the answers, in words: negative α, items correlating negatively with the
    rest of the scale (answers that contradict the keying, or an item that needs reversing), items perfectly
    correlated because the answers follow option position."""


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
    order_decision: EquivalenceDecision | None = None
    """Three-way decision on the respondent-level order shift of keyed values (reversed − original) against
    ±:data:`ORDER_SHIFT_MIN` of the response range: ``equivalent`` (robust), ``different`` or ``inconclusive``
    with the smallest shift the design could detect."""
    prompt_decision: EquivalenceDecision | None = None
    """Three-way decision on the largest difference between two templates' respondent means against
    ±:data:`PROMPT_RANGE_MIN` of the response range (Welch intervals of every pair, Bonferroni-adjusted)."""


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
    within_orders: dict[str, float] = Field(default_factory=dict)
    """Option order → convergent r among respondents of that order only (an order's position effect cannot
    produce it); NaN where undefined."""
    verdict: Literal["pass", "fail", "not assessable"] = "not assessable"
    """``pass`` only when convergent and discriminant criteria hold within every option order and every scale of
    the trait is interpretable; ``fail`` when a criterion fails within an order; otherwise ``not assessable``."""
    verdict_reason: str | None = None
    """Why the verdict is ``fail`` or ``not assessable``."""


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
    scope: str = "across option orders"
    """What ``rows``, ``matrix`` and ``n`` pool: respondents of every option order together. A separate, labelled
    check: position effects shared by both inventories can produce these correlations (each row's
    ``within_orders`` and ``verdict`` do not pool orders)."""


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


FormVerdict = Literal["consistent", "inconsistent", "inconclusive", "not enough data"]
"""Verdict on one scale across two parallel forms, decided in this order: ``inconsistent`` (a significant shift
of at least :data:`FORMS_SHIFT_MIN` of the score range, or an interval of r wholly below
:data:`FORMS_RELIABILITY_MIN`), ``not enough data`` (neither r nor the shift computable), ``consistent`` (the
interval of r at or above :data:`FORMS_RELIABILITY_MIN` and the interval of the shift within
± :data:`FORMS_SHIFT_MIN` of the score range), else ``inconclusive``."""


class FormScale(ResultRecord):
    """One scale on two parallel forms: how well the forms agree across matched respondents."""

    scale: str
    """Scale id (shared by the forms)."""
    reliability: Correlation
    """Parallel-forms reliability: Pearson r of the scale scores on the two forms (Fisher-z interval)."""
    shift: PairedDifference
    """Mean shift ``form − original`` of the scale scores, paired t test."""
    shift_share: float
    """``|shift.diff|`` as a share of the scale's score range; NaN when the shift is undefined."""
    verdict: FormVerdict
    """See :data:`FormVerdict`."""
    verdict_reasons: list[str] = Field(default_factory=list)
    """Why the verdict is not ``consistent``, in words."""


class FormPair(ResultRecord):
    """Consistency across two parallel forms of one inventory (the original and a paraphrase or translation)."""

    original: str
    """The reference form: the original inventory (or the first form when the original was not given)."""
    form: str
    """The parallel form compared with it."""
    relation: str | None = None
    """``paraphrase`` or ``translation`` (the form's declaration)."""
    language_original: str | None = None
    """BCP 47 tag of the reference form."""
    language_form: str | None = None
    """BCP 47 tag of the form."""
    nominal: bool = False
    """The answers are categories (scenario options): no distance between them, only identical or not."""
    n_respondents: int
    """Respondents (template × order × sample × persona) who answered both forms."""
    items: Table | None = None
    """Per original item: ``item, form_a, form_b, n, identical, identical_ci_low, identical_ci_high, mad,
    reason`` (:func:`psychometrics.stats.item_consistency`); ``None`` when a form has no answers."""
    scales: list[FormScale] = Field(default_factory=list)
    """One entry per scale."""
    reason: str | None = None
    """Why ``items`` is missing."""
    note: str | None = None
    """Items asked on one form only (e.g. forms cut by ``--limit-items`` in different item orders): the scale
    scores of both forms are then computed over the items asked on both, and this says which were left out."""


class SampleRetest(ResultRecord):
    """Stability of one scale across repeated samples within a run (respondents: template × order × persona)."""

    inventory: str
    """Inventory id."""
    scale: str
    """Scale id."""
    n_samples: int
    """Samples compared (the ICC's raters)."""
    agreement: Estimate
    """ICC(2,1) across samples: absolute agreement of one sample with another."""
    consistency: Estimate
    """ICC(3,1) across samples: consistency of the respondents' order."""
    temperature: float | None = None
    """The run's sampling temperature, when known."""


class InventoryStyles(ResultRecord):
    """Response styles of one inventory's answers: over all of them and per scale."""

    inventory: str
    """Inventory id."""
    overall: ResponseStyles | None = None
    """Every index over all the inventory's answers; ``None`` with ``reason`` when there are none."""
    scales: dict[str, ResponseStyles] = Field(default_factory=dict)
    """Scale id → every index over that scale's answers (without per-respondent straight-lining rows)."""
    reason: str | None = None
    """Why there are no indices."""
    scale_reasons: dict[str, str] = Field(default_factory=dict)
    """Scale id → why its indices could not be computed (such a scale is not shown to be readable)."""


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
    forms: list[FormPair] = Field(default_factory=list)
    """Consistency across parallel forms: one entry per original × form scored together."""
    sample_retest: list[SampleRetest] = Field(default_factory=list)
    """Stability across repeated samples within the run (temperature > 0, at least two samples)."""
    sample_retest_reason: str | None = None
    """Why there is no stability across samples (one sample, temperature 0)."""
    response_styles: list[InventoryStyles] = Field(default_factory=list)
    """Response-style indices per inventory and scale (position, acquiescence, extreme and midpoint responding,
    straight-lining), each with its interval, threshold and verdict."""
    warnings: list[str] = Field(default_factory=list)
    """Caveats about the whole run, in words."""
    interview: InterviewScores | None = Field(default=None, exclude_if=lambda v: v is None)
    """An interview run: its raters, their reliability and the agreement with a self-report (the scales above
    are scored from the ratings). Left out for an audit."""

    def readability(self) -> str:
        """One line: how many scale scores can be read as traits, and why the others cannot (the first line of
        every summary)."""
        if not self.scales:
            return "no scales to score"
        bad = [r for r in self.scales if r.interpretable is False]
        open_ = [r for r in self.scales if r.interpretable is None]
        total = len(self.scales)
        line = f"{total - len(bad) - len(open_)} of {total} scale scores can be read as traits"
        for group, words in ((bad, "cannot"), (open_, "uncertain")):
            if group:
                causes = dict.fromkeys(r.interpretability_reasons[0].removeprefix("uncertain whether ").split(":")[0]
                                       for r in group if r.interpretability_reasons)
                line += f"; {len(group)} {words}: {'; '.join(causes)}"
        return line

    # -- output (to_json / from_json: see ResultRecord) --------------------------------------------------------

    def to_frame(self) -> Any:
        """One tidy row per inventory × scale with the headline numbers (a :class:`pandas.DataFrame`).

        The columns and their dtypes are :data:`FRAME_SCHEMA`: every coefficient with its interval
        (``alpha``, ``alpha_ci_low``, ``alpha_ci_high``, ``alpha_reason``; the same for ``lambda6``, ``omega`` and
        ``split_half``), the mean with its interval, order and prompt sensitivity, the refusal rate with its Wilson
        interval, the norm comparison, the verdict, and whether the scale is interpretable (``interpretable``,
        ``interpretability_reasons`` joined by ``; ``). A NaN number comes with the reason in the column
        ``<name>_reason`` (``<NA>`` where the value is defined); text columns are pandas ``string``, counts
        ``Int64``, flags ``boolean``, numbers ``float64``.
        """
        import pandas as pd

        rel = {(r.inventory, r.scale): r for r in self.reliability}
        sens = {(s.inventory, s.scale): s for s in self.sensitivity}
        nor = {(n.inventory, n.scale): n for n in self.norms}
        rows = [_frame_row(s, rel.get((s.inventory, s.scale)), sens.get((s.inventory, s.scale)),
                           nor.get((s.inventory, s.scale))) for s in self.scales]
        frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
        return frame.astype(FRAME_SCHEMA)


def _estimate_columns(name: str, e: Estimate | None, fallback: str | None) -> dict[str, Any]:
    if e is None:
        return {name: math.nan, f"{name}_ci_low": math.nan, f"{name}_ci_high": math.nan,
                f"{name}_reason": fallback or "no reliability analysis for this scale"}
    return {name: e.value, f"{name}_ci_low": e.ci_low, f"{name}_ci_high": e.ci_high,
            f"{name}_reason": (e.reason or fallback) if math.isnan(e.value) else None}


def _frame_row(s: ScaleScore, r: ScaleReliability | None, se: ScaleSensitivity | None,
               no: ScaleNorms | None) -> dict[str, Any]:
    nan = math.nan
    refused = next((x for x in (se.response_rates if se else []) if x.status == "refused"), None)
    cmp = no.comparison if no else None
    row: dict[str, Any] = {
        "inventory": s.inventory, "scale": s.scale, "name": s.name, "trait": s.trait,
        "mean": s.mean, "sd": s.sd, "ci_low": s.ci_low, "ci_high": s.ci_high,
        "mean_reason": s.reason if math.isnan(s.mean) else None, "n": s.n,
        "n_items": s.n_items, "score_min": s.score_min, "score_max": s.score_max,
    }
    for coef in ("alpha", "lambda6", "omega", "split_half"):
        row.update(_estimate_columns(coef, getattr(r, coef) if r else None, r.reason if r else None))
    row["reliability_n"] = r.n if r else 0
    order, prompt = (se.order, se.prompt) if se else (None, None)
    row.update({
        "order_mad": order.mad if order else nan, "order_shift": order.mean_difference if order else nan,
        "order_p": order.p if order else nan, "order_rank_biserial": order.rank_biserial if order else nan,
        "order_reason": (order.reason if order else "no sensitivity analysis for this scale")
        if not order or math.isnan(order.p) else None,
        "prompt_range": prompt.score_range if prompt else nan, "prompt_p": prompt.p if prompt else nan,
        "prompt_effect": prompt.effect_size if prompt else nan,
        "prompt_reason": (prompt.reason if prompt else "no sensitivity analysis for this scale")
        if not prompt or math.isnan(prompt.p) else None,
        "refusal_rate": refused.rate if refused else nan,
        "refusal_ci_low": refused.ci_low if refused else nan, "refusal_ci_high": refused.ci_high if refused else nan,
        "norm_z": cmp.z if cmp else nan, "norm_percentile": cmp.percentile if cmp else nan,
        "norm_reason": (cmp.reason if cmp else (no.reason if no else "no human norms"))
        if not cmp or math.isnan(cmp.z) else None,
        "verdict": se.verdict if se else None, "interpretable": s.interpretable, "readability": s.readability,
        "interpretability_reasons": "; ".join(s.interpretability_reasons),
    })
    return row


def _coefficient_schema(name: str) -> dict[str, str]:
    return {name: "float64", f"{name}_ci_low": "float64", f"{name}_ci_high": "float64", f"{name}_reason": "string"}


FRAME_SCHEMA: dict[str, str] = {
    "inventory": "string", "scale": "string", "name": "string", "trait": "string",
    "mean": "float64", "sd": "float64", "ci_low": "float64", "ci_high": "float64", "mean_reason": "string",
    "n": "Int64", "n_items": "Int64", "score_min": "float64", "score_max": "float64",
    **_coefficient_schema("alpha"), **_coefficient_schema("lambda6"), **_coefficient_schema("omega"),
    **_coefficient_schema("split_half"), "reliability_n": "Int64",
    "order_mad": "float64", "order_shift": "float64", "order_p": "float64", "order_rank_biserial": "float64",
    "order_reason": "string", "prompt_range": "float64", "prompt_p": "float64", "prompt_effect": "float64",
    "prompt_reason": "string", "refusal_rate": "float64", "refusal_ci_low": "float64", "refusal_ci_high": "float64",
    "norm_z": "float64", "norm_percentile": "float64", "norm_reason": "string", "verdict": "string",
    "interpretable": "boolean", "readability": "string", "interpretability_reasons": "string",
}
"""Columns of :meth:`AuditScores.to_frame` and their pandas dtypes."""

FRAME_COLUMNS = list(FRAME_SCHEMA)
"""Columns of :meth:`AuditScores.to_frame`."""

