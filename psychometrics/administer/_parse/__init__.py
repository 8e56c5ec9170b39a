"""Turn what a model said into an answer on the item's original scale.

Two ways in:

* :func:`parse_answer` reads a generated reply by an explicit, ordered set of rules (see
  :mod:`psychometrics.administer._parse._rules` for the rules and their order, and
  :mod:`psychometrics.administer._parse._reading` for what is set aside before they read) and returns a
  :class:`ParsedAnswer`: ``ok``, ``refused`` or ``invalid``, the rule that decided, the raw text, and the
  reasoning split off (:mod:`psychometrics.administer._parse._reasoning`). Only a committed answer is an answer: a
  recited option list, a negated option, an eliminated option, an answer attributed to someone else or a number that
  counts something is not one; nor is a reply cut at the token budget (``finish_reason="length"``) that holds only the
  first option's label and text, where a recited list starts.
* :func:`read_label_probs` reads the log-probabilities of a reply's first token positions
  (:func:`token_positions`, from either shape a provider returns) where the most likely reply names a label,
  after an opening such as ``(`` or ``**``, and returns the probability of every option, keyed by the original
  value, with the position read and the mass outside the labels (:func:`probs_from_top_logprobs`: the first
  position alone).

Both map the shown label back through ``cell.label_values``, so the value is on the item's original scale
whatever option order the cell used.
"""

from psychometrics.administer._parse._logprobs import (
    MAX_MASS_OUTSIDE,
    MIN_LABEL_MASS,
    LabelReading,
    TokenPosition,
    normalise_token,
    probs_from_top_logprobs,
    read_label_probs,
    reads_further,
    token_positions,
)
from psychometrics.administer._parse._reasoning import split_reasoning
from psychometrics.administer._parse._record import ParsedAnswer, ParseRule, ParseStatus, SetAside
from psychometrics.administer._parse._rules import RULES, parse_answer, refusal

__all__ = ["MAX_MASS_OUTSIDE", "MIN_LABEL_MASS", "RULES", "LabelReading", "ParseRule", "ParseStatus", "ParsedAnswer", "SetAside",
           "TokenPosition", "normalise_token", "parse_answer", "probs_from_top_logprobs", "read_label_probs",
           "reads_further", "refusal", "split_reasoning", "token_positions"]
