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

A statistic that cannot be computed is NaN with a ``reason`` in words; small samples carry a ``warning``.
This package imports numpy, pandas and scipy; statsmodels, pingouin and factor_analyzer load when first needed.
It is the only part of ``psychometrics`` that imports ``scipy.stats`` or ``statsmodels``.
"""

from psychometrics.stats._coefficients import feldt_two_alpha, mover_difference
from psychometrics.stats._correlation import spearman_ci
from psychometrics.stats._forms import (
    ITEM_CONSISTENCY_COLUMNS,
    Correlation,
    PairedDifference,
    item_consistency,
    mean_shift,
    parallel_forms_reliability,
)
from psychometrics.stats._groups import hedges_g, mann_whitney_u, one_way_anova, welch_ttest, welch_ttest_from_stats
from psychometrics.stats._means import mean_ci, mean_ci_from_stats
from psychometrics.stats._multiple import holm
from psychometrics.stats._norms import norm_comparison
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
from psychometrics.stats._retest import RetestReliability, retest_reliability
from psychometrics.stats._result import (
    AnovaResult,
    Difference,
    EFAResult,
    Estimate,
    GroupDifference,
    MeanInterval,
    MTMMResult,
    NormComparison,
    OrderSensitivity,
    PromptSensitivity,
    Proportion,
    RankCorrelation,
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
from psychometrics.stats._validity import (
    CONVERGENT_MIN,
    DISCRIMINANT_MIN,
    efa,
    mtmm,
    tucker_congruence,
)

__all__ = [
    "ITEM_CONSISTENCY_COLUMNS",
    "Correlation",
    "PairedDifference",
    "RetestReliability",
    "item_consistency",
    "mean_shift",
    "parallel_forms_reliability",
    "retest_reliability",
    "ANSWER_COLUMNS",
    "CONVERGENT_MIN",
    "DISCRIMINANT_MIN",
    "AnovaResult",
    "Difference",
    "EFAResult",
    "Estimate",
    "GroupDifference",
    "ICC_TYPES",
    "MTMMResult",
    "MeanInterval",
    "NAN_POLICIES",
    "NanPolicy",
    "NormComparison",
    "OrderSensitivity",
    "PromptSensitivity",
    "Proportion",
    "RankCorrelation",
    "STATUSES",
    "TrendTest",
    "TwoAlphaTest",
    "cochran_armitage",
    "cronbach_alpha",
    "efa",
    "feldt_two_alpha",
    "guttman_lambda6",
    "hedges_g",
    "holm",
    "icc",
    "mann_whitney_u",
    "mcdonald_omega",
    "mean_ci",
    "mean_ci_from_stats",
    "mover_difference",
    "mtmm",
    "newcombe_difference",
    "norm_comparison",
    "one_way_anova",
    "order_sensitivity",
    "prompt_sensitivity",
    "response_rates",
    "spearman_ci",
    "split_half",
    "tucker_congruence",
    "welch_ttest",
    "welch_ttest_from_stats",
    "wilson_ci",
]
