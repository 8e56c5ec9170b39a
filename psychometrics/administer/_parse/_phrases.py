"""The phrases the rules look for: refusals, committed-answer markers, tentative phrases of choosing, JSON fields.

All are matched case-insensitively on the cleaned reply (typographic quotes made plain, markdown removed).
"""

from __future__ import annotations

import re

_REFUSALS = [
    r"\bas an? (?:ai|artificial intelligence)\b",
    r"\bas an? (?:large )?language model\b",
    r"\bas an? (?:ai )?(?:assistant|chatbot|llm)\b",
    r"\bi(?:'m| am) (?:just |only |merely )?(?:an? )?"
    r"(?:ai|artificial intelligence|language model|large language model|chatbot|llm)\b",
    r"\bi (?:do not|don't|dont|cannot|can't|can not) (?:have|possess|hold|experience) (?:any )?"
    r"(?:personal |real |human )?"
    r"(?:feelings|opinions|preferences|emotions|beliefs|experiences|personality|traits|views|a personality|a body)",
    r"\bi (?:do not|don't|dont) have personal\b",
    r"\bi(?:'m| am) (?:not able|unable|not comfortable|not in a position) to\b",
    r"\bi (?:cannot|can't|can not|won't|will not|must decline to|decline to|refuse to) "
    r"(?:answer|respond|provide|choose|pick|select|rate|complete|participate|give|share|express|say|comply|"
    r"help|assist|do (?:that|this)|take|fill|answer that|make)",
    r"\bi must (?:decline|refrain)\b",
    r"\b(?:i'm|i am) sorry,? but\b",
    r"\b(?:does not|doesn't) apply to (?:me|an ai)\b",
    r"\bnot (?:capable of|able to) (?:having|have|feel|feeling|hold)\b",
]
REFUSAL = re.compile("|".join(f"(?:{p})" for p in _REFUSALS), re.IGNORECASE)

FINAL_MARKERS = [  # the last one wins
    r"\bfinal (?:answer|choice|response|rating|decision|selection)(?:\s+(?:is|would be|will be))?",
    r"\b(?:conclusion|in conclusion|to conclude|to sum up|in summary)\b\s*[:=]?",
    r"\b(?:i'm|i am) left with",
    r"\b(?:that|this|which) leaves(?: me with| us with| only)?",
    r"\bleaving(?: me with| only)?",
]
ANSWER_MARKERS = [  # they must agree
    r"\b(?:my|the|correct|best|right|closest|most \w+)\s+(?:\w+\s+)?(?:answer|choice|response|rating|selection|option)"
    r"(?:\s+(?:that|which)\s+(?:best\s+)?(?:describes|fits|applies to)\s+me(?:\s+best)?)?"
    r"\s+(?:is|would be|will be|has to be|must be|=)",
    r"\b(?:answer|response|choice|rating|selection)\s*[:=]",
    r"\bi(?:'ll| will| am going to|'m going to)? (?:choose|pick|select|go with|opt for)",
    r"\bi (?:chose|picked|selected|went with)",
]
CHOICE_PHRASES = [  # tentative; they must agree
    r"\b(?:i would|i'd|i might|i could|i should|i'll probably|i will probably)\s+(?:choose|pick|select|go with|go for|"
    r"opt for|say|answer|respond with|reply with|rate (?:it|myself|this|that|me)?\s*(?:as|at|a)?)",
    r"\b(?:i|i'd|i would) (?:rate|score|put) (?:it|myself|this|that|me)\s*(?:as|at|a)?",
    r"\b(?:answer|choice|response|rating) (?:would be|is)",
    r"\bwould be",
    r"\b(?:go|going) (?:with|for)",
    r"\b(?:choosing|picking|selecting)",
    r"\b(?:answer|respond|reply) with",
    r"\bi (?:say|think|believe)",
    r"\bor (?:maybe|perhaps|possibly)",  # a hedge naming a second option: the phrases then disagree
]
SO_TAIL = r"\b(?:so|therefore|thus|hence|which means|meaning)\b,?\s*(?:(?:my|the)\s+answer\s+is\s*)?"
TAIL = r"[(\[\"']?{tok}[)\]\"']?(?=\s*[.!]?\s*(?:$|\n))"
AFTER_MARKER = (r"[ \t]*:?[ \t]*(?:is[ \t]+)?(option|number|answer|choice|letter|point|label)?[ \t]*[:#]?[ \t]*"
                 r"[(\[\"']?{tok}(?:[)\]\"']?[ \t]*(?:or|and|/|-|to)[ \t]*(?:(?:option|number)[ \t]*)?[(\[]?{tok})?")
"""What may stand between a marker and its label: on the same line, a word naming the label, brackets, quotes."""
ANSWER_PREFIX = r"^\W*(?:(?:my |the |final )?(?:answer|option|choice|response|rating)(?: is)?\s*[:\-=]?\s*)?"


JSON_ANSWER_KEYS = ("answer", "finalanswer", "response", "choice", "option", "selectedoption", "selection",
                    "selected", "label", "rating", "score", "value", "result", "letter", "number")
"""Fields of a JSON reply that hold the answer, in order of preference (lower-case, letters only)."""
