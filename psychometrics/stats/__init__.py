"""Statistics, pingouin style: one function per statistic, a DataFrame in, a number or a typed result out.

Reliability — :func:`cronbach_alpha`, :func:`guttman_lambda6`, :func:`mcdonald_omega`, :func:`split_half`
(wide items, already reverse-keyed; listwise deletion), :func:`icc` (long data).
Validity — :func:`mtmm`, :func:`efa`, :func:`tucker_congruence`.
Sensitivity — :func:`prompt_sensitivity`, :func:`order_sensitivity` (tidy answers with columns
``item, template, order, sample, value``), :func:`response_rates`.
Norms — :func:`norm_comparison`. Many tests at once — :func:`holm`.

A statistic that cannot be computed is NaN with a ``reason`` in words; small samples carry a ``warning``.
This package imports numpy, pandas and scipy; pingouin and factor_analyzer load when first needed.
"""

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
from psychometrics.stats._result import (
    EFAResult,
    Estimate,
    MTMMResult,
    NormComparison,
    OrderSensitivity,
    PromptSensitivity,
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
    "ANSWER_COLUMNS",
    "CONVERGENT_MIN",
    "DISCRIMINANT_MIN",
    "EFAResult",
    "Estimate",
    "ICC_TYPES",
    "MTMMResult",
    "NAN_POLICIES",
    "NanPolicy",
    "NormComparison",
    "OrderSensitivity",
    "PromptSensitivity",
    "STATUSES",
    "cronbach_alpha",
    "efa",
    "guttman_lambda6",
    "holm",
    "icc",
    "mcdonald_omega",
    "mtmm",
    "norm_comparison",
    "order_sensitivity",
    "prompt_sensitivity",
    "response_rates",
    "split_half",
    "tucker_congruence",
]
