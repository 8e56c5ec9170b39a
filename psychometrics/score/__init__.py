"""Stage 4 of the pipeline: from stored responses to scores and the statistics behind them.

:func:`score` turns a run (or its responses) into :class:`AuditScores`: scale scores across respondents
(``template|order|sample|persona``), reliability, sensitivity with a verdict per scale, response rates, norms
and validity, each NaN with a reason when it cannot be computed.
"""

import sys as _sys
import types as _types
from typing import Any as _Any

from psychometrics.score._audit_scores import MATCHING, score
from psychometrics.score._model import (
    AUDIT_SCORES_VERSION,
    FRAME_COLUMNS,
    MIN_RESPONDENTS,
    MOSTLY_REFUSED,
    ORDER_SHIFT_MIN,
    PROMPT_RANGE_MIN,
    RESPONDENT_DEFINITION,
    SIGNIFICANCE,
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
    respondent_scores,
    scale_summary,
    with_respondent,
)

__all__ = [
    "AUDIT_SCORES_VERSION",
    "FRAME_COLUMNS",
    "MATCHING",
    "MIN_RESPONDENTS",
    "MOSTLY_REFUSED",
    "ORDER_SHIFT_MIN",
    "PROMPT_RANGE_MIN",
    "RESPONDENT_DEFINITION",
    "RESPONDENT_KEYS",
    "SIGNIFICANCE",
    "VERDICTS",
    "VERDICT_THRESHOLDS",
    "AuditScores",
    "CongruenceRow",
    "InventoryEFA",
    "MTMMPair",
    "MTMMRow",
    "RateRow",
    "RespondentCheck",
    "RunInfo",
    "ScaleNorms",
    "ScaleReliability",
    "ScaleScore",
    "ScaleSensitivity",
    "ScoreSettings",
    "Table",
    "TypeProfile",
    "Validity",
    "Verdict",
    "respondent_scores",
    "scale_summary",
    "score",
    "with_respondent",
]


class _CallableModule(_types.ModuleType):
    """``psychometrics.score`` is both this package and the function :func:`score`.

    Importing the package binds the name ``score`` on ``psychometrics`` to the module, which would shadow the
    lazily exported function; making the module callable keeps ``from psychometrics import score;
    score(run_id)`` working either way.
    """

    def __call__(self, *args: _Any, **kwargs: _Any) -> AuditScores:
        return score(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
