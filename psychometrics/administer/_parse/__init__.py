"""Turn what a model said into an answer on the item's original scale.

Two ways in:

* :func:`parse_answer` reads a generated reply by an explicit, ordered set of rules (see
  :mod:`psychometrics.administer._parse._rules` for the rules and their order, and
  :mod:`psychometrics.administer._parse._reading` for what is set aside before they read) and returns a
  :class:`ParsedAnswer`: ``ok``, ``refused`` or ``invalid``, the rule that decided, the raw text, and the
  reasoning split off (:mod:`psychometrics.administer._parse._reasoning`). Only a committed answer is an answer: a
  recited option list, a negated option, an eliminated option or a number that counts something is not one.
* :func:`probs_from_top_logprobs` reads the top log-probabilities of the first answer token and returns the
  probability of every option, keyed by the original value.

Both map the shown label back through ``cell.label_values``, so the value is on the item's original scale
whatever option order the cell used.
"""

from psychometrics.administer._parse._logprobs import normalise_token, probs_from_top_logprobs
from psychometrics.administer._parse._reasoning import split_reasoning
from psychometrics.administer._parse._record import ParsedAnswer, ParseRule, ParseStatus, SetAside
from psychometrics.administer._parse._rules import RULES, parse_answer

__all__ = ["RULES", "ParseRule", "ParseStatus", "ParsedAnswer", "SetAside", "normalise_token", "parse_answer",
           "probs_from_top_logprobs", "split_reasoning"]
