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
    """Factor correlation matrix Φ for oblique rotations, in the order and orientation of ``loadings`` (so that
    L·Φ·Lᵀ is the common part the model reproduces); ``None`` for orthogonal ones."""
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


# --------------------------------------------------------------------------------------------------------------
# response styles

StyleVerdict = Literal["flagged", "clear", "inconclusive", "not assessed"]
"""What a response-style index says against its threshold: ``flagged`` (the data show the style), ``clear`` (the
data show it is absent or below the threshold), ``inconclusive`` (the interval allows both) or ``not assessed``
(the design or the data cannot give the index; ``reason`` says why)."""


class StyleIndex(ResultRecord):
    """One response-style index over a set of answers, with its interval and its verdict against a threshold."""

    name: str
    """What the index measures, e.g. ``"first-position rate"``."""
    value: float
    """The index; NaN when it is not assessed (see ``reason``)."""
    ci_low: float = math.nan
    """Lower confidence bound; NaN when not assessed."""
    ci_high: float = math.nan
    """Upper confidence bound; NaN when not assessed."""
    ci_level: float = 0.95
    """Coverage of the interval."""
    n: int
    """Units behind the value (see ``unit``)."""
    unit: Literal["answers", "answer pairs", "respondents"]
    """What ``n`` counts and what the interval treats as independent draws."""
    threshold: float
    """Values above this show the style (the verdict rule is in ``method``)."""
    threshold_source: str
    """Where the threshold comes from: a citation, or the words ``project choice`` with the reasoning."""
    verdict: StyleVerdict
    """The index against its threshold (rule in ``method``)."""
    reason: str | None = None
    """Why the index is not assessed; ``None`` when it is."""
    warning: str | None = None
    """Caveats about a defined index (few units, unbalanced design, …)."""
    method: str
    """How the value, its interval and the verdict were obtained."""

    @property
    def flagged(self) -> bool:
        """Whether the data show the style (``verdict == "flagged"``)."""
        return self.verdict == "flagged"

    def describe(self) -> str:
        """The index in one line of words: value, interval, threshold and verdict (or why it is not assessed)."""
        if self.verdict == "not assessed":
            return f"{self.name}: not assessed ({self.reason})"
        return (f"{self.name} {self.value:.2f} [{self.ci_low:.2f}, {self.ci_high:.2f}] over {self.n} {self.unit}, "
                f"threshold {self.threshold:.3g} ({self.threshold_source}): {self.verdict}")


class PositionRates(ResultRecord):
    """Where on the displayed list of options the answers fall: the share at each position, first and last."""

    n_answers: int
    """Answers with a displayed position."""
    n_orders: int
    """Distinct option orders among them."""
    rates: dict[int, Proportion] = Field(default_factory=dict)
    """Displayed position (1 = shown first) → share of the answers given at it, with its Wilson interval."""
    first: StyleIndex
    """Share of answers at the first displayed position, against the most a content responder could reach."""
    last: StyleIndex
    """Share of answers at the last displayed position, against the most a content responder could reach."""


class PositionFollowing(ResultRecord):
    """Answers to one item under two option orders: does the answer move with the displayed position or stay with
    the option?"""

    n_pairs: int
    """Pairs of answers to the same item, template, sample and persona under two different option orders."""
    n_same_position: int
    """Pairs answered at the same displayed position but with different options."""
    n_same_option: int
    """Pairs answered with the same option at different displayed positions."""
    n_both: int
    """Pairs in which the same option stood at the same position in both orders (e.g. the middle option under
    reversal): they cannot tell position from content."""
    n_neither: int
    """Pairs whose two answers differ in both position and option."""
    position_share: Proportion
    """``n_same_position / n_pairs`` with its Wilson interval."""
    option_share: Proportion
    """``n_same_option / n_pairs`` with its Wilson interval."""
    repeat_index: float
    """D = (same position − same option) / (same position + same option), in [−1, 1]: +1 when every repeated
    choice kept its position, −1 when every one kept its option; NaN without such pairs. Descriptive: it assumes
    one respondent answered both orders (see ``position_following``)."""
    repeat_ci_low: float = math.nan
    """Lower bound of D (Wilson interval of the same-position share, over answer pairs)."""
    repeat_ci_high: float = math.nan
    """Upper bound of D."""
    n_reversal_pairs: int = 0
    """Pairs of an order with its reverse (ordered response scales), which ``index`` uses."""
    index: StyleIndex
    """Position-following index S: the keying-balanced shift of the raw answer when the options are reversed, as
    a share of the scale's range, in [−1, 1] (+1 every answer at the first position shown, −1 at the last)."""


class Acquiescence(ResultRecord):
    """Agreement with keyed and reverse-keyed items alike (acquiescence) or disagreement with both (nay-saying)."""

    n_keyed: int
    """Answers to keyed items."""
    n_reversed: int
    """Answers to reverse-keyed items."""
    agree_keyed: Proportion
    """Share of answers to keyed items above the scale midpoint."""
    agree_reversed: Proportion
    """Share of answers to reverse-keyed items above the scale midpoint (agreeing with the reversed wording)."""
    ars: float
    """Acquiescence response style (Baumgartner & Steenkamp, 2001): mean of max(x − midpoint, 0) over every
    answer, in scale points (on a 1–5 scale: 4 counts 1, 5 counts 2). NaN without answers."""
    dars: float
    """Disacquiescence response style: mean of max(midpoint − x, 0) over every answer, in scale points."""
    nars: float
    """Net acquiescence: ARS − DARS = mean answer − midpoint, in scale points."""
    disagree_keyed: Proportion
    """Share of answers to keyed items below the scale midpoint."""
    disagree_reversed: Proportion
    """Share of answers to reverse-keyed items below the scale midpoint."""
    index: StyleIndex
    """Acquiescence: balanced agreement share ½·(agree_keyed + agree_reversed), against the NEO PI-R rule."""
    nay_saying: StyleIndex
    """Nay-saying: balanced disagreement share ½·(disagree_keyed + disagree_reversed), against the mirrored rule."""
    balanced_mean: StyleIndex | None = None
    """Net acquiescence of the respondents: per respondent ½·(mean answer to keyed + mean answer to reverse-keyed
    items) − midpoint, in scale points, averaged over respondents with a t interval across them (positive:
    acquiescence, negative: nay-saying); ``None`` in records written before it existed."""


class RespondentPattern(ResultRecord):
    """One respondent's answers seen for straight-lining."""

    respondent: str
    """Respondent id."""
    n_items: int
    """Items answered (non-missing)."""
    n_keyed: int
    """Of them, keyed items."""
    n_reversed: int
    """Of them, reverse-keyed items."""
    longstring: int
    """Longest run of identical consecutive answers, in item order."""
    irv: float
    """Intra-individual response variability: SD (n − 1) of the answers; NaN with fewer than 2."""
    identical: bool
    """Every answer is the same."""
    assessed: bool
    """Enough items, keyed and reverse-keyed among them, for identical answers to contradict the keying."""


class StraightLining(ResultRecord):
    """Identical answers within a respondent across items keyed in opposite directions."""

    n_respondents: int
    """Respondents with at least one answer."""
    respondents: list[RespondentPattern] = Field(default_factory=list)
    """One entry per respondent, in the order of the data."""
    index: StyleIndex
    """Share of assessed respondents whose every answer is identical."""

    def frame(self) -> pd.DataFrame:
        """``respondents`` as a data frame, one row each."""
        return pd.DataFrame([r.model_dump() for r in self.respondents],
                            columns=list(RespondentPattern.model_fields))


class ResponseStyles(ResultRecord):
    """Every response-style index of one set of answers (a run, an inventory or a scale)."""

    n_answers: int
    """Answers with a value."""
    positions: PositionRates
    """Share of answers at each displayed position."""
    following: PositionFollowing
    """Whether answers repeat the position or the option across option orders."""
    acquiescence: Acquiescence
    """Agreement with keyed and reverse-keyed items alike."""
    extreme: StyleIndex
    """Extreme responding: share of answers at the lowest or highest response value."""
    midpoint: StyleIndex
    """Midpoint responding: share of answers at the middle response value (odd number of options only)."""
    straight_lining: StraightLining
    """Identical answers within respondents."""

    def indices(self) -> list[StyleIndex]:
        """Every index, in a fixed order: first, last, following, acquiescence, nay-saying, net acquiescence
        (balanced mean, when computed), extreme, midpoint, straight-lining."""
        mean = [self.acquiescence.balanced_mean] if self.acquiescence.balanced_mean is not None else []
        return [self.positions.first, self.positions.last, self.following.index, self.acquiescence.index,
                self.acquiescence.nay_saying, *mean, self.extreme, self.midpoint, self.straight_lining.index]

    @property
    def flagged(self) -> list[StyleIndex]:
        """The indices whose verdict is ``flagged``."""
        return [i for i in self.indices() if i.flagged]


# --------------------------------------------------------------------------------------------------------------
# equivalence, detectable effects, distinct respondents, item–rest correlations

Decision = Literal["equivalent", "different", "inconclusive", "not assessed"]
"""A three-way decision on an effect: ``equivalent`` (its interval lies inside the bound), ``different`` (its
interval excludes 0 and the effect reaches the bound), ``inconclusive`` (neither), or ``not assessed`` (no
estimate)."""
Sides = Literal["two-sided", "one-sided"]
"""``two-sided``: an effect in either direction matters (the interval must lie inside ±bound); ``one-sided``: the
effect is oriented so that larger is worse, and only its upper end must lie below the bound."""


class EquivalenceDecision(ResultRecord):
    """An effect judged against a bound: equivalent, different, inconclusive or not assessed, with the reason."""

    verdict: Decision
    """The decision (rule in ``reason`` and the function's Notes)."""
    estimate: float
    """The effect; NaN when not assessed."""
    ci_low: float = math.nan
    """Lower end of the interval used for the difference criterion."""
    ci_high: float = math.nan
    """Upper end of the interval used for the difference criterion."""
    ci_level: float | None = None
    """Its coverage; ``None`` when the caller's interval did not say."""
    equivalence_ci_low: float = math.nan
    """Lower end of the interval used for the equivalence criterion (the same interval unless a TOST was run)."""
    equivalence_ci_high: float = math.nan
    """Upper end of that interval."""
    equivalence_ci_level: float | None = None
    """Its coverage (1 − 2α for a TOST at level α)."""
    lower_bound: float
    """Effects above this (and below ``upper_bound``) are negligible; −inf for a one-sided decision."""
    upper_bound: float
    """Effects below this (and above ``lower_bound``) are negligible; an effect at or beyond a bound matters."""
    sides: Sides
    """Whether both directions matter or only larger effects."""
    p_equivalence: float = math.nan
    """p-value of the equivalence test (the larger of the two one-sided p-values); NaN without data."""
    p_difference: float = math.nan
    """p-value of the test of no effect; NaN without data."""
    detectable: float = math.nan
    """The smallest effect the design could have detected (80% power unless stated in ``method``), in the
    effect's units; NaN when not computed."""
    n: int | None = None
    """Units behind the estimate (respondents, pairs), when known."""
    reason: str
    """The verdict in words, with the numbers that decide it."""
    method: str
    """How the interval, the tests and ``detectable`` were obtained."""


class DetectableEffect(ResultRecord):
    """The smallest effect a design detects with the given power: a minimum detectable effect."""

    d: float
    """Standardised effect (Cohen's d; d_z for paired data; in standard errors for the SE form); NaN when the
    design cannot detect any effect (see ``reason``)."""
    value: float
    """``d`` in the effect's own units (``d × sd`` or ``d × se``); NaN without an SD."""
    n_a: int | None = None
    """Size of group A (or of the single/paired sample); ``None`` for the SE form."""
    n_b: int | None = None
    """Size of group B; ``None`` for one-sample and paired designs."""
    alpha: float
    """Significance level of the test."""
    power: float
    """Probability of detecting an effect of this size."""
    sides: Sides
    """Two-sided test, or one-sided for an increase."""
    reason: str | None = None
    """Why ``d`` is NaN."""
    method: str
    """The power calculation used (statsmodels class and arguments)."""


class RespondentGroup(ResultRecord):
    """One group within which repeated respondents are collapsed."""

    group: dict[str, str] = Field(default_factory=dict)
    """The group's value of each grouping column (``"<NA>"`` for a missing one)."""
    n_respondents: int
    """Respondents in the group."""
    n_distinct: int
    """Distinct answer vectors among them."""


class DistinctRespondents(ResultRecord):
    """Respondents whose every answer repeats another respondent's of the same group collapsed to one."""

    n_respondents: int
    """Respondents given."""
    n_distinct: int
    """Effective number of respondents: distinct answer vectors within each group, summed over groups."""
    representative: dict[str, str] = Field(default_factory=dict)
    """Respondent → the respondent that stands for its answer vector (itself when distinct; the first in the
    data otherwise)."""
    groups: list[RespondentGroup] = Field(default_factory=list)
    """One entry per group, in the order of the data."""
    warning: str | None = None
    """Says how many respondents repeat another's answers; ``None`` when every respondent is distinct."""

    @property
    def kept(self) -> list[str]:
        """The distinct respondents (the representatives), in the order of the data."""
        return [r for r, rep in self.representative.items() if r == rep]


class ItemRestRow(ResultRecord):
    """One item of a scale in the item analysis."""

    item: str
    """Item id (the column name)."""
    r_rest: float
    """Correlation of the item with the sum of the other items (psych ``r.drop``); NaN when undefined."""
    r_total: float
    """Correlation of the item with the total including itself (psych ``raw.r``)."""
    mean: float
    """Mean of the item (as scored, after reverse keying)."""
    sd: float
    """Standard deviation (n − 1) of the item."""
    reason: str | None = None
    """Why ``r_rest`` is NaN."""


class ItemRest(ResultRecord):
    """Corrected item–total (item–rest) correlations of one scale and the items that contradict its keying."""

    n: int
    """Respondents used (listwise deletion)."""
    n_items: int
    """Items analysed."""
    items: list[ItemRestRow] = Field(default_factory=list)
    """One entry per item, in column order."""
    negative: list[str] = Field(default_factory=list)
    """Items whose ``r_rest`` is below 0, in column order."""
    reason: str | None = None
    """Why no correlation could be computed (too few respondents or items)."""
    warning: str | None = None
    """psych-style message naming the negatively correlated items; small-n caveats."""

    def frame(self) -> pd.DataFrame:
        """``items`` as a data frame: ``item, r_rest, r_total, mean, sd, reason``."""
        return pd.DataFrame([r.model_dump() for r in self.items], columns=list(ItemRestRow.model_fields))
