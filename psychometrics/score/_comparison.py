"""The records of a run-vs-run comparison: :class:`Comparison` and its parts, built by
:func:`psychometrics.score.compare_runs`. JSON writes NaN as ``null``; :class:`Comparison` reads it back as NaN."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, model_validator

from psychometrics._record import ResultRecord
from psychometrics.stats import Estimate, OrderSensitivity

COMPARISON_VERSION = 2
"""Version of the :class:`Comparison` format. 2: ``alpha`` became ``significance`` (version 1 is still read)."""

CompareTest = Literal["welch", "mann-whitney"]
TESTS: tuple[str, ...] = ("welch", "mann-whitney")
COMPARE_SIGNIFICANCE = 0.05
"""Default significance level of a comparison: a Holm-adjusted p-value below it counts as a change."""
NO_CHANGE_BOUND = 0.075
"""A scale shows "no change" only when the 90% interval of its shift lies inside ± this share of the score range
(0.3 points on a 1–5 scale: the default drift threshold of ``psychometrics schedule``); equivalence by interval
inclusion (Schuirmann, 1987)."""
EXACT_MIN_MATCHED = 30
"""Matched respondents needed before a change that is exactly 0 for every one of them certifies "no change" (or
"no drift"). A zero-width interval says nothing about respondents not asked: with none of n matched respondents
changing, the 95% upper bound of the share that would change is about 3/n (the rule of three; Hanley &
Lippman-Hand, 1983. If nothing goes wrong, is everything all right? *JAMA*, 249, 1743–1745), at most 0.10 from 30
on. Fewer is inconclusive."""


class RunSide(ResultRecord):
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
    """Respondents (template|order|sample|persona) with at least one answer."""
    mode: str | None = None
    """``logprobs`` or ``generate``."""
    tool_version: str | None = None
    """psychometrics version that ran the audit."""
    refusal_rate: float = math.nan
    """Share of replies that were refusals."""
    invalid_rate: float = math.nan
    """Share of replies that could not be read."""


class ScaleDiff(ResultRecord):
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
    """Lower bound of the confidence interval of ``diff`` (Welch's, or the paired t's)."""
    ci_high: float
    """Upper bound of the confidence interval of ``diff``."""
    ci_level: float = 0.95
    """Coverage of the interval."""
    test: Literal["Welch t", "paired t", "Mann-Whitney U"]
    """The test used: ``paired t`` when both runs scored the same respondents (template × order × sample ×
    persona) one to one and the test is Welch's (the respondent-to-respondent spread then cancels), else the
    chosen test on independent samples."""
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
    """``p_holm < significance``; ``None`` when there is no p-value."""
    verdict: Literal["changed", "no change", "inconclusive", "not assessed", "not assessable"] = "not assessed"
    """``changed`` (as ``changed``); ``no change`` only when the shift is shown to be small: its 90% interval
    (paired t over matched respondents, else Welch) lies inside ±:data:`NO_CHANGE_BOUND` of the score range (TOST),
    has a width (a zero-width one needs :data:`EXACT_MIN_MATCHED` matched respondents) and the scale is readable
    as a trait in both runs; ``inconclusive`` otherwise (a reading that is only uncertain in a run included,
    noted in ``warning``), with ``detectable``;
    ``not assessable`` when the scale cannot be read as a trait in run A or B (its answers follow option position,
    acquiescence or straight-lining: ``warning`` says which) and nothing changed significantly; ``not assessed``
    without a difference."""
    bound: float = math.nan
    """The ± bound of ``no change``, in score points."""
    detectable: float = math.nan
    """Smallest shift this design could have detected (Welch, 80% power, α = .05), in score points."""
    reason: str | None = None
    """Why a number is NaN."""
    warning: str | None = None
    """Caveats (few respondents)."""


class ReliabilityPair(ResultRecord):
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


class OrderPair(ResultRecord):
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


class ItemChange(ResultRecord):
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


class ScaleRetest(ResultRecord):
    """Test–retest reliability of one scale between the two runs (respondents matched on template × order ×
    sample × persona; :func:`psychometrics.stats.retest_reliability`)."""

    inventory: str
    """Inventory id."""
    scale: str
    """Scale id."""
    agreement: Estimate
    """ICC(2,1): absolute agreement, a shift between the runs lowers it."""
    consistency: Estimate
    """ICC(3,1): consistency, the respondents keep their order."""
    n: int
    """Respondents matched in both runs with a score."""
    n_unmatched: int = 0
    """Respondents with a score in one run only."""
    assessable: bool = True
    """``False`` when the scale cannot be read as a trait in run A or B (``readability`` "not readable" or
    "uncertain"): answers made by option position, acquiescence or straight-lining repeat themselves, so a high
    ICC then measures the response style, not the trait's stability. The ICCs are kept as numbers but are *not
    assessable* as reliability; ``reason`` says why."""
    reason: str | None = None
    """Why the retest is not assessable (the scale's readability in each run), ``None`` when it is."""


class Comparison(ResultRecord):
    """Run A against run B: every number a drift check needs, NaN with a reason where undefined."""

    version: Literal[2] = COMPARISON_VERSION
    """Version of this format."""
    run_a: RunSide
    """The reference run."""
    run_b: RunSide
    """The run compared with it; every difference is B − A."""
    test: Literal["welch", "mann-whitney"] = "welch"
    """The scale test asked for."""
    significance: float = COMPARE_SIGNIFICANCE
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
    retest: list[ScaleRetest] = Field(default_factory=list)
    """Test–retest reliability per inventory × scale scored in both runs."""
    retest_reason: str | None = None
    """Why ``retest`` is empty (no shared inventory or respondent)."""
    retest_note: str | None = None
    """Set when the runs asked different items of a shared inventory: the test–retest scale scores use only the
    items asked in both."""
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

    @model_validator(mode="before")
    @classmethod
    def _read_version_1(cls, data: Any) -> Any:
        if not (isinstance(data, dict) and data.get("version") == 1):
            return data
        # Version 1 called the significance level ``alpha`` (a name Cronbach's α uses in the same record).
        data = {**data, "version": COMPARISON_VERSION}
        if "alpha" in data:
            data["significance"] = data.pop("alpha")
        return data
