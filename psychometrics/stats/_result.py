"""Result records of the statistics: what was estimated, how far it can be trusted, and why it may be missing.

Every statistic that cannot be computed is NaN with a ``reason`` in words, never a made-up number. JSON output
(``model_dump_json``) writes NaN as ``null``; data frames are written as ``{"columns", "index", "data"}``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import pandas as pd
from pydantic import Field, field_serializer

from psychometrics._record import FrameRecord, ResultRecord, frame_to_json


class Estimate(ResultRecord):
    """One reliability coefficient (or other single statistic) with its interval and the caveats that apply.

    ``float(estimate)`` gives ``value``. A NaN ``value`` always comes with a ``reason``.
    """

    value: float
    """The estimate; NaN when it is undefined for these data (see ``reason``)."""
    ci_low: float = math.nan
    """Lower confidence bound; NaN when no interval was asked for or it could not be computed."""
    ci_high: float = math.nan
    """Upper confidence bound; NaN when no interval was asked for or it could not be computed."""
    ci_level: float | None = None
    """Coverage of the interval (e.g. 0.95); ``None`` when no interval was computed."""
    n: int
    """Respondents (rows) used, after missing-data handling."""
    n_items: int
    """Items (columns) used; for an ICC, the number of raters/sessions."""
    reason: str | None = None
    """Why ``value`` is NaN, in words; ``None`` when it is defined."""
    warning: str | None = None
    """Caveats about a defined value, e.g. ``"n = 12 < 30: unstable estimate"``; ``None`` when there are none."""
    method: str
    """How the estimate and its interval were obtained, e.g. ``"Feldt"`` or
    ``"bootstrap percentile (1000 resamples, seed 0)"``."""

    def __float__(self) -> float:
        return float(self.value)

    @property
    def defined(self) -> bool:
        """Whether ``value`` is a number (not NaN)."""
        return not math.isnan(self.value)


class MTMMResult(FrameRecord):
    """A multitrait-multimethod analysis (Campbell & Fiske, 1959) with the psyborgs criteria."""

    matrix: pd.DataFrame
    """Correlations of all method × trait scores; index and columns are a ``(method, trait)`` MultiIndex."""
    summary: pd.DataFrame
    """One row per trait and method pair: ``trait, method_a, method_b, convergent_r, discriminant_delta,
    convergent_pass, discriminant_pass, n, reason`` (pass columns are nullable booleans, NA when undefined)."""
    n: int
    """Respondents with a score on every method × trait (listwise deletion)."""
    convergent_min: float
    """Convergent criterion: a convergent correlation passes when it is at least this."""
    discriminant_min: float
    """Discriminant criterion: Δ passes when it is at least this."""
    reason: str | None = None
    """Why the whole analysis is undefined (e.g. fewer than 3 respondents); ``None`` otherwise."""
    warning: str | None = None
    """Caveats, e.g. small n."""

    @field_serializer("matrix", "summary", when_used="json")
    def _frames(self, df: pd.DataFrame) -> dict[str, Any] | None:
        return frame_to_json(df)


class EFAResult(FrameRecord):
    """An exploratory factor analysis with sampling adequacy, sphericity and (optionally) key congruence."""

    n_factors: int
    """Number of factors extracted."""
    method: str
    """Extraction method passed to factor_analyzer (``minres``, ``ml``, ``principal``)."""
    rotation: str | None
    """Rotation (``None`` for unrotated)."""
    n: int
    """Respondents used (listwise deletion)."""
    n_items: int
    """Items analysed."""
    kmo: float
    """Kaiser–Meyer–Olkin measure of sampling adequacy (overall); NaN when undefined."""
    bartlett_chi2: float
    """Bartlett's test of sphericity: χ² statistic."""
    bartlett_df: float
    """Bartlett's test degrees of freedom, k(k − 1)/2."""
    bartlett_p: float
    """Bartlett's test p-value."""
    loadings: pd.DataFrame | None = None
    """Items × factors loadings (pattern loadings for oblique rotations); factors are named ``F1``, ``F2``, …"""
    variance: pd.DataFrame | None = None
    """Per factor: ``ss_loadings``, ``proportion``, ``cumulative`` (computed from ``loadings``)."""
    factor_correlations: pd.DataFrame | None = None
    """Factor correlation matrix for oblique rotations; ``None`` for orthogonal ones."""
    congruence: pd.DataFrame | None = None
    """With ``keys``: one row per keyed scale: ``scale, factor, phi, reflected`` — Tucker's φ with the matched
    factor after sign alignment (``reflected`` is true when the factor's sign was flipped)."""
    congruence_matrix: pd.DataFrame | None = None
    """With ``keys``: signed Tucker's φ of every scale (rows) with every factor (columns)."""
    reason: str | None = None
    """Why the analysis is undefined; ``None`` otherwise."""
    warning: str | None = None
    """Caveats (small n, non-convergence, …)."""

    @field_serializer(
        "loadings", "variance", "factor_correlations", "congruence", "congruence_matrix", when_used="json"
    )
    def _frames(self, df: pd.DataFrame | None) -> dict[str, Any] | None:
        return frame_to_json(df)


class PromptSensitivity(ResultRecord):
    """How much a scale score moves across prompt templates (TRAIT-style robustness check)."""

    n_templates: int
    """Templates with at least one answer."""
    n_items: int
    """Items with at least one answer."""
    n_answers: int
    """Answers used (non-missing values)."""
    template_means: dict[str, float] = Field(default_factory=dict)
    """Scale score per template: the mean over items of the item's mean answer under that template."""
    score_range: float
    """Largest minus smallest template score (scale points); NaN with fewer than 2 templates."""
    score_sd: float
    """Standard deviation (n − 1) of the template scores; NaN with fewer than 2 templates."""
    test: Literal["Friedman", "Kruskal-Wallis"] | None = None
    """The test used: Friedman when every item has an answer under every template, else Kruskal–Wallis."""
    statistic: float = math.nan
    """Friedman χ² (tie-corrected) or Kruskal–Wallis H."""
    df: float = math.nan
    """Degrees of freedom of the χ² reference distribution (templates − 1)."""
    p: float = math.nan
    """p-value of the test."""
    effect_size: float = math.nan
    """Kendall's W (Friedman) or ε² (Kruskal–Wallis)."""
    effect_size_name: str | None = None
    """``"Kendall's W"`` or ``"epsilon-squared"``."""
    reason: str | None = None
    """Why the test is undefined; ``None`` otherwise."""
    warning: str | None = None
    """Caveats (fallback to Kruskal–Wallis, few items, …)."""


class OrderSensitivity(ResultRecord):
    """How much answers change when the response options are shown in another order."""

    order_a: str
    """The reference order (e.g. ``"original"``)."""
    order_b: str
    """The comparison order (e.g. ``"reversed"``); differences are ``b − a``."""
    unit: Literal["item", "pair"]
    """Unit of the signed-rank test: item means (default) or single item × template × sample pairs."""
    n_pairs: int
    """Item × template × sample combinations answered in both orders."""
    n_items: int
    """Items with at least one pair."""
    mean_difference: float
    """Mean of ``b − a`` over pairs (scale points); NaN without pairs."""
    mad: float
    """Mean absolute difference ``|b − a|`` over pairs (scale points); NaN without pairs."""
    flip_share: float
    """Share of items whose mean answer lies strictly below the scale midpoint in one order and strictly above
    it in the other."""
    pair_flip_share: float
    """Share of pairs whose two answers lie strictly on opposite sides of the scale midpoint."""
    statistic: float = math.nan
    """Wilcoxon signed-rank statistic (the smaller of the two rank sums, zeros dropped)."""
    p: float = math.nan
    """Two-sided p-value of the Wilcoxon signed-rank test."""
    rank_biserial: float = math.nan
    """Matched-pairs rank-biserial correlation (T₊ − T₋)/(T₊ + T₋), in [−1, 1]; positive when ``b > a``."""
    n_test: int = 0
    """Non-zero differences entering the signed-rank test."""
    reason: str | None = None
    """Why the test (or everything) is undefined; ``None`` otherwise."""
    warning: str | None = None
    """Caveats (few items, pairs lost, …)."""


class NormComparison(ResultRecord):
    """A model's scale scores against a human norm (mean, SD)."""

    n: int
    """Scores used (non-missing)."""
    model_mean: float
    """Mean of the model's scores."""
    model_sd: float
    """Standard deviation (n − 1) of the model's scores; NaN when n < 2."""
    norm_mean: float
    """Human norm mean."""
    norm_sd: float
    """Human norm standard deviation."""
    z: float
    """(model mean − norm mean) / norm SD: the model's mean in human standard deviations."""
    percentile: float
    """100 · Φ(z): share of a normal human population scoring below the model's mean, in percent."""
    t: float = math.nan
    """One-sample t statistic of the model's scores against the norm mean."""
    df: float = math.nan
    """Degrees of freedom of the t-test (n − 1)."""
    p: float = math.nan
    """Two-sided p-value of the t-test."""
    cohen_d: float = math.nan
    """(model mean − norm mean) / model SD."""
    reason: str | None = None
    """Why some statistic is NaN; ``None`` when all are defined."""
    warning: str | None = None
    """Caveats (small n)."""


class MeanInterval(ResultRecord):
    """A mean across respondents with its t-based confidence interval."""

    mean: float
    """Mean of the scores; NaN when there is none."""
    sd: float
    """Standard deviation (n − 1); NaN when n < 2, 0 when every score is the same."""
    ci_low: float
    """Lower bound of the interval; NaN when n < 2."""
    ci_high: float
    """Upper bound of the interval; NaN when n < 2."""
    ci_level: float = 0.95
    """Coverage of the interval."""
    n: int
    """Scores used (non-missing)."""
    reason: str | None = None
    """Why a number is NaN."""
    warning: str | None = None
    """Caveats about a defined interval (zero width when every score is the same)."""


class GroupDifference(ResultRecord):
    """Two independent groups of respondents compared: ``mean_b − mean_a`` with an interval and a test."""

    test: Literal["Welch t", "Mann-Whitney U"]
    """The test used."""
    mean_a: float
    """Mean of group A; NaN when it has no value."""
    mean_b: float
    """Mean of group B."""
    sd_a: float
    """SD (n − 1) of group A; NaN when it has fewer than 2 values, 0 when every value is the same."""
    sd_b: float
    """SD (n − 1) of group B."""
    n_a: int
    """Values in group A (non-missing)."""
    n_b: int
    """Values in group B."""
    diff: float
    """``mean_b − mean_a``; NaN when a group has no value."""
    se: float = math.nan
    """Standard error of ``diff`` (Welch): :math:`\\sqrt{s_a^2/n_a + s_b^2/n_b}`; 0 when neither group varies,
    NaN for the Mann–Whitney test or with fewer than 2 values in a group."""
    ci_low: float = math.nan
    """Lower bound of Welch's interval of ``diff`` (the point itself when neither group varies); NaN for the
    Mann–Whitney test."""
    ci_high: float = math.nan
    """Upper bound of Welch's interval of ``diff``."""
    ci_level: float = 0.95
    """Coverage of the interval."""
    statistic: float = math.nan
    """Welch's t (±inf when neither group varies but the means differ), or U of group B (pairs where B is higher,
    ties counted half)."""
    df: float = math.nan
    """Welch–Satterthwaite degrees of freedom (``n_a + n_b − 2`` when neither group varies); NaN for
    Mann–Whitney."""
    p: float = math.nan
    """Two-sided p-value (0 when neither group varies but the means differ)."""
    effect_size: float = math.nan
    """Hedges' g (Welch) or the rank-biserial r (Mann–Whitney); positive when B is higher."""
    effect_size_name: str
    """``"Hedges' g"`` or ``"rank-biserial r"``."""
    reason: str | None = None
    """Why the test is undefined (too few values, or no spread and no difference)."""


class AnovaResult(ResultRecord):
    """A one-way analysis of variance across independent groups."""

    statistic: float = math.nan
    """F; +inf when no group varies within itself but the group means differ."""
    df_between: float = math.nan
    """Between-groups degrees of freedom (groups − 1)."""
    df_within: float = math.nan
    """Within-groups degrees of freedom (values − groups)."""
    p: float = math.nan
    """p-value of F (0 when no group varies within itself but the group means differ)."""
    n: int
    """Values used (non-missing)."""
    n_groups: int
    """Groups with at least one value."""
    reason: str | None = None
    """Why F is undefined (fewer than 2 groups, one value per group, or every value the same)."""


class Proportion(ResultRecord):
    """A proportion with its Wilson score interval."""

    count: int
    """Events."""
    n: int
    """Trials."""
    rate: float
    """``count / n``; NaN when ``n`` is 0."""
    ci_low: float
    """Lower Wilson bound; NaN when ``n`` is 0."""
    ci_high: float
    """Upper Wilson bound; NaN when ``n`` is 0."""
    ci_level: float = 0.95
    """Coverage of the interval."""
    reason: str | None = None
    """Why the rate is NaN."""


class Difference(ResultRecord):
    """The difference between two independent estimates, with its interval and, where the method has one, a test."""

    estimate: float
    """The difference, in the direction the function states; NaN when an estimate is undefined."""
    ci_low: float = math.nan
    """Lower bound of the interval of the difference; NaN when it cannot be computed."""
    ci_high: float = math.nan
    """Upper bound of the interval of the difference."""
    ci_level: float | None = None
    """Coverage of the interval; ``None`` when it is that of the intervals the difference was built from."""
    statistic: float = math.nan
    """Test statistic (e.g. the two-proportion z); NaN when the method has no test or it is undefined."""
    p: float = math.nan
    """Two-sided p-value of the test; NaN when there is none."""
    method: str
    """How the interval and the test were obtained."""
    reason: str | None = None
    """Why a number is NaN."""


class TwoAlphaTest(ResultRecord):
    """Feldt's (1969) test that two Cronbach's α from independent samples are equal."""

    alpha_a: float
    """α of sample A."""
    alpha_b: float
    """α of sample B."""
    n_a: int
    """Respondents behind ``alpha_a``."""
    n_b: int
    """Respondents behind ``alpha_b``."""
    statistic: float = math.nan
    """:math:`W = (1 - \\alpha_{small})/(1 - \\alpha_{large})` (≥ 1), as cocron reports it."""
    df_num: float = math.nan
    """Numerator degrees of freedom of W's F distribution: n − 1 of the sample with the larger α."""
    df_den: float = math.nan
    """Denominator degrees of freedom: n − 1 of the sample with the smaller α."""
    p: float = math.nan
    """Two-sided p-value."""
    reason: str | None = None
    """Why the test is undefined (an α of 1 or more, or fewer than 2 respondents)."""


class RankCorrelation(ResultRecord):
    """A Spearman rank correlation with a confidence interval."""

    value: float
    """Spearman ρ; NaN when undefined (see ``reason``)."""
    ci_low: float = math.nan
    """Lower bound of the interval; NaN when it cannot be computed (n < 4 or ρ undefined)."""
    ci_high: float = math.nan
    """Upper bound of the interval."""
    ci_level: float = 0.95
    """Coverage of the interval."""
    p: float = math.nan
    """Two-sided p-value of ρ = 0 (scipy's t approximation)."""
    n: int
    """Pairs used (respondents with a score)."""
    reason: str | None = None
    """Why ``value`` is NaN; None when it is defined."""
    method: str = "Spearman ρ; CI by Fisher z with the Bonett–Wright (2000) variance (1 + ρ²/2)/(n − 3)"
    """How ρ and its interval were obtained."""


class TrendTest(ResultRecord):
    """The Cochran–Armitage test for a linear trend in proportions across ordered levels."""

    statistic: float
    """z; positive when the proportion rises with the level scores. NaN when undefined."""
    p: float
    """Two-sided normal p-value of no linear trend."""
    n: int
    """Trials over every level."""
    n_events: int
    """Events (e.g. refusals) over every level."""
    reason: str | None = None
    """Why z is NaN."""
    method: str = "Cochran–Armitage test for trend, two-sided"
    """The test used."""
