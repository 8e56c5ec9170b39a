"""Shaping (controllability): can a model's personality be steered on purpose, and what else moves?

After Serapio-García et al. (2023, "Personality Traits in Large Language Models"): the model is asked to take
on each of nine levels of a trait (adjective markers with qualifiers, :func:`psychometrics.plan.load_markers`) and
given the inventory at each; the statistics say how closely the measured score follows the target level
(Spearman ρ with CI, level-1→9 median change), how far the other traits drift, and whether refusals rise.

A shaping run is an ordinary stored audit whose persona axis is the levels (persona ids
``shape/<trait>/<level>``, or ``shape/<trait>/<level>+default/017`` after a biography).

>>> from psychometrics.shape import shape
>>> result = shape("sim/steady", "bfi44", traits="extraversion", levels=3, db="sqlite:///:memory:")  # doctest: +SKIP
>>> result.trait("extraversion").rho.value  # doctest: +SKIP
"""

# The markers and levels live in the plan stage, which renders shaping personas; part of the shaping API too.
from psychometrics.plan import (
    LEVEL_NAMES,
    LEVEL_SUBSETS,
    LEVELS,
    MarkerPair,
    MarkerSet,
    level_description,
    load_markers,
    markers_path,
    resolve_levels,
)
from psychometrics.shape._api import (
    DEFAULT_ORDERS,
    DEFAULT_TEMPLATES,
    shape,
    shaping_personas,
    shaping_result,
    shaping_traits,
)
from psychometrics.shape._metrics import (
    REFUSAL_TREND_SIGNIFICANCE,
    refusal_trend,
    shaping_metrics,
    shaping_scores,
    trait_shaping,
    within_rho,
)
from psychometrics.shape._model import (
    RESPONDENT_DEFINITION,
    SHAPING_RESULT_VERSION,
    Drift,
    LevelSummary,
    RankCorrelation,
    RefusalTrend,
    ShapingResult,
    TraitShaping,
    ValueColumn,
    WithinRho,
)
from psychometrics.shape._report import CSP, shaping_context, shaping_page_html, write_shaping_report

__all__ = [
    "CSP",
    "DEFAULT_ORDERS",
    "DEFAULT_TEMPLATES",
    "LEVELS",
    "LEVEL_NAMES",
    "LEVEL_SUBSETS",
    "RESPONDENT_DEFINITION",
    "REFUSAL_TREND_SIGNIFICANCE",
    "SHAPING_RESULT_VERSION",
    "Drift",
    "LevelSummary",
    "MarkerPair",
    "MarkerSet",
    "RankCorrelation",
    "RefusalTrend",
    "ShapingResult",
    "TraitShaping",
    "ValueColumn",
    "WithinRho",
    "level_description",
    "load_markers",
    "markers_path",
    "refusal_trend",
    "resolve_levels",
    "shape",
    "shaping_metrics",
    "shaping_context",
    "shaping_page_html",
    "shaping_personas",
    "shaping_result",
    "shaping_scores",
    "shaping_traits",
    "trait_shaping",
    "within_rho",
    "write_shaping_report",
]
