"""Stage 4 of the pipeline: from stored responses to scores and the statistics behind them."""

from psychometrics.score._respondents import RESPONDENT_KEYS, respondent_scores, scale_summary, with_respondent

__all__ = ["RESPONDENT_KEYS", "respondent_scores", "scale_summary", "with_respondent"]
