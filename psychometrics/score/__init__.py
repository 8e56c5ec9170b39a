"""Stage 4 of the pipeline: from stored responses to scores, the statistics behind them, and run-vs-run analysis.

:func:`score` turns a run (or its responses) into :class:`AuditScores`: scale scores across respondents
(``template|order|sample|persona``), reliability, sensitivity with a verdict per scale, response rates, norms
and validity, each NaN with a reason when it cannot be computed. :func:`compare_runs` puts two runs side by side
as a :class:`Comparison` (per-scale differences with an interval and a test, reliability and order sensitivity
of both, the items that moved most, and what changed, in words). The statistics themselves live in
:mod:`psychometrics.stats`.
"""

from psychometrics.score._changes import what_changed
from psychometrics.score._compare import compare_data, compare_runs, reworded_prompts, scale_difference
from psychometrics.score._comparison import (
    COMPARE_SIGNIFICANCE,
    COMPARISON_VERSION,
    TESTS,
    CompareTest,
    Comparison,
    ItemChange,
    OrderPair,
    ReliabilityPair,
    RunSide,
    ScaleDiff,
)
from psychometrics.score._load import RunData, load_inventories, load_run_data
from psychometrics.score._model import (
    AUDIT_SCORES_VERSION,
    FRAME_COLUMNS,
    MIN_RESPONDENTS,
    MOSTLY_REFUSED,
    ORDER_SHIFT_MIN,
    PROMPT_RANGE_MIN,
    RESPONDENT_DEFINITION,
    VERDICT_SIGNIFICANCE,
    VERDICT_THRESHOLDS,
    VERDICTS,
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
from psychometrics.score._respondents import (
    RESPONDENT_KEYS,
    respondent_frame,
    respondent_scores,
    scale_summary,
    with_respondent,
)
from psychometrics.score._score import score, score_responses
from psychometrics.score._validity import MATCHING
from psychometrics.score._warnings import incomplete_note

__all__ = [
    "AUDIT_SCORES_VERSION",
    "COMPARE_SIGNIFICANCE",
    "COMPARISON_VERSION",
    "FRAME_COLUMNS",
    "MATCHING",
    "MIN_RESPONDENTS",
    "MOSTLY_REFUSED",
    "ORDER_SHIFT_MIN",
    "PROMPT_RANGE_MIN",
    "RESPONDENT_DEFINITION",
    "RESPONDENT_KEYS",
    "TESTS",
    "VERDICTS",
    "VERDICT_SIGNIFICANCE",
    "VERDICT_THRESHOLDS",
    "AuditScores",
    "CompareTest",
    "Comparison",
    "CongruenceRow",
    "InventoryEFA",
    "ItemChange",
    "MTMMPair",
    "MTMMRow",
    "OrderPair",
    "RateRow",
    "ReliabilityPair",
    "RespondentCheck",
    "RunData",
    "RunInfo",
    "RunSide",
    "ScaleDiff",
    "ScaleNorms",
    "ScaleReliability",
    "ScaleScore",
    "ScaleSensitivity",
    "ScoreSettings",
    "Table",
    "TypeProfile",
    "Validity",
    "Verdict",
    "compare_data",
    "compare_runs",
    "incomplete_note",
    "load_inventories",
    "load_run_data",
    "respondent_frame",
    "respondent_scores",
    "reworded_prompts",
    "scale_difference",
    "scale_summary",
    "score",
    "score_responses",
    "what_changed",
    "with_respondent",
]
