"""Statistics, pingouin style: one function per statistic, a DataFrame in, a number or a typed result out.

Reliability — :func:`cronbach_alpha`, :func:`guttman_lambda6`, :func:`mcdonald_omega`, :func:`split_half`
(wide items, already reverse-keyed; listwise deletion), :func:`icc` (long data).
Validity — :func:`mtmm`, :func:`efa`, :func:`tucker_congruence`.
Sensitivity — :func:`prompt_sensitivity`, :func:`order_sensitivity` (tidy answers with columns
``item, template, order, sample, value``), :func:`response_rates`.
Norms — :func:`norm_comparison`. Means — :func:`mean_ci`, :func:`mean_ci_from_stats`.
Groups of respondents — :func:`welch_ttest`, :func:`welch_ttest_from_stats`, :func:`mann_whitney_u`,
:func:`hedges_g`, :func:`one_way_anova`. Proportions — :func:`wilson_ci`, :func:`newcombe_difference`,
:func:`cochran_armitage`. Two coefficients — :func:`mover_difference`, :func:`feldt_two_alpha`. Rank
correlation — :func:`spearman_ci`. Many tests at once — :func:`holm`.
Response styles — :func:`response_styles` (all at once), :func:`displayed_positions`, :func:`position_rates`,
:func:`position_following`, :func:`acquiescence`, :func:`extreme_responding`, :func:`midpoint_responding`,
:func:`straight_lining` (tidy answers, one row per answer). Items — :func:`item_rest_correlations`. Verdicts that
an effect is small — :func:`equivalence_decision`, :func:`equivalence_test`, :func:`minimum_detectable_effect`,
:func:`minimum_detectable_effect_from_se`. Effective n — :func:`distinct_respondents`.

A statistic that cannot be computed is NaN with a ``reason`` in words; small samples carry a ``warning``.
This package imports numpy, pandas and scipy; statsmodels, pingouin and factor_analyzer load when first needed.
It is the only part of ``psychometrics`` that imports ``scipy.stats`` or ``statsmodels``.
"""

from psychometrics.stats._coefficients import feldt_two_alpha, mover_difference
from psychometrics.stats._correlation import spearman_ci
from psychometrics.stats._distinct import distinct_respondents
from psychometrics.stats._equivalence import (
    equivalence_decision,
    equivalence_test,
    minimum_detectable_effect,
    minimum_detectable_effect_from_se,
)
from psychometrics.stats._forms import (
    ITEM_CONSISTENCY_COLUMNS,
    Correlation,
    PairedDifference,
    item_consistency,
    mean_shift,
    parallel_forms_reliability,
)
from psychometrics.stats._groups import hedges_g, mann_whitney_u, one_way_anova, welch_ttest, welch_ttest_from_stats
from psychometrics.stats._items import item_rest_correlations
from psychometrics.stats._means import mean_ci, mean_ci_from_stats
from psychometrics.stats._multiple import holm
from psychometrics.stats._norms import norm_comparison
from psychometrics.stats._positions import (
    POSITION_FOLLOWING_MAX,
    displayed_positions,
    position_following,
    position_rates,
)
from psychometrics.stats._reliability import (
    ICC_TYPES,
    NAN_POLICIES,
    NanPolicy,
    cronbach_alpha,
    guttman_lambda6,
    icc,
    mcdonald_omega,
    split_half,
)
from psychometrics.stats._proportions import cochran_armitage, newcombe_difference, wilson_ci
from psychometrics.stats._raters import InterRaterReliability, inter_rater_reliability
from psychometrics.stats._retest import RetestReliability, retest_reliability
from psychometrics.stats._result import (
    Acquiescence,
    AnovaResult,
    Decision,
    DetectableEffect,
    Difference,
    DistinctRespondents,
    EFAResult,
    EquivalenceDecision,
    Estimate,
    GroupDifference,
    ItemRest,
    ItemRestRow,
    MeanInterval,
    MTMMResult,
    NormComparison,
    OrderSensitivity,
    PositionFollowing,
    PositionRates,
    PromptSensitivity,
    Proportion,
    RankCorrelation,
    RespondentGroup,
    RespondentPattern,
    ResponseStyles,
    Sides,
    StraightLining,
    StyleIndex,
    StyleVerdict,
    TrendTest,
    TwoAlphaTest,
)
from psychometrics.stats._sensitivity import (
    ANSWER_COLUMNS,
    STATUSES,
    order_sensitivity,
    prompt_sensitivity,
    response_rates,
)
from psychometrics.stats._styles import (
    ACQUIESCENCE_MAX,
    ACQUIESCENCE_MEAN_MAX,
    EXTREME_MAX,
    MIDPOINT_MAX,
    NAY_SAYING_MAX,
    STRAIGHT_LINING_MAX,
    STRAIGHT_LINING_MIN_ITEMS,
    acquiescence,
    balanced_mean,
    extreme_responding,
    midpoint_responding,
    response_styles,
    straight_lining,
)
from psychometrics.stats._validity import (
    CONVERGENT_MIN,
    DISCRIMINANT_MIN,
    efa,
    mtmm,
    tucker_congruence,
)

__all__ = [
    "ACQUIESCENCE_MAX",
    "ACQUIESCENCE_MEAN_MAX",
    "ITEM_CONSISTENCY_COLUMNS",
    "Correlation",
    "PairedDifference",
    "InterRaterReliability",
    "RetestReliability",
    "item_consistency",
    "mean_shift",
    "parallel_forms_reliability",
    "inter_rater_reliability",
    "retest_reliability",
    "ANSWER_COLUMNS",
    "Acquiescence",
    "AnovaResult",
    "CONVERGENT_MIN",
    "DISCRIMINANT_MIN",
    "Decision",
    "DetectableEffect",
    "Difference",
    "DistinctRespondents",
    "EFAResult",
    "EXTREME_MAX",
    "EquivalenceDecision",
    "Estimate",
    "GroupDifference",
    "ICC_TYPES",
    "ItemRest",
    "ItemRestRow",
    "MIDPOINT_MAX",
    "MTMMResult",
    "MeanInterval",
    "NAN_POLICIES",
    "NAY_SAYING_MAX",
    "NanPolicy",
    "NormComparison",
    "OrderSensitivity",
    "POSITION_FOLLOWING_MAX",
    "PositionFollowing",
    "PositionRates",
    "PromptSensitivity",
    "Proportion",
    "RankCorrelation",
    "RespondentGroup",
    "RespondentPattern",
    "ResponseStyles",
    "STATUSES",
    "STRAIGHT_LINING_MAX",
    "STRAIGHT_LINING_MIN_ITEMS",
    "Sides",
    "StraightLining",
    "StyleIndex",
    "StyleVerdict",
    "TrendTest",
    "TwoAlphaTest",
    "acquiescence",
    "balanced_mean",
    "cochran_armitage",
    "cronbach_alpha",
    "displayed_positions",
    "distinct_respondents",
    "efa",
    "equivalence_decision",
    "equivalence_test",
    "extreme_responding",
    "feldt_two_alpha",
    "guttman_lambda6",
    "hedges_g",
    "holm",
    "icc",
    "item_rest_correlations",
    "mann_whitney_u",
    "mcdonald_omega",
    "mean_ci",
    "mean_ci_from_stats",
    "midpoint_responding",
    "minimum_detectable_effect",
    "minimum_detectable_effect_from_se",
    "mover_difference",
    "mtmm",
    "newcombe_difference",
    "norm_comparison",
    "one_way_anova",
    "order_sensitivity",
    "position_following",
    "position_rates",
    "prompt_sensitivity",
    "response_rates",
    "response_styles",
    "spearman_ci",
    "split_half",
    "straight_lining",
    "tucker_congruence",
    "welch_ttest",
    "welch_ttest_from_stats",
    "wilson_ci",
]
