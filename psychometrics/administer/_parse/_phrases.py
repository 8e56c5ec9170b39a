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
    r"\bi(?:'m| am) (?:not able|unable|not comfortable|not in a position) (?:to|with|answering|rating|sharing)\b",
    r"\bi (?:cannot|can't|can not|won't|will not|must decline to|decline to|refuse to) "
    r"(?:answer|respond|provide|choose|pick|select|rate|complete|participate|give|share|express|say|comply|"
    r"help|assist|do (?:that|this)|take|fill|answer that|make)",
    r"\bi must (?:decline|refrain)\b",
    r"\b(?:does not|doesn't) apply to (?:me|an ai)\b",
    r"\bnot (?:capable of|able to) (?:having|have|feel|feeling|hold)\b",
]
REFUSAL = re.compile("|".join(f"(?:{p})" for p in _REFUSALS), re.IGNORECASE)
UNCERTAIN = re.compile(r"[^.;!?\n]*?\b(?:for (?:sure|certain)|with (?:certainty|confidence)|definitively|exactly|"
                       r"precisely|accurately|objectively)\b", re.IGNORECASE)
"""What, after a refusal phrase in the same clause, makes it a hedge, not a decline (``I'm unable to answer with
certainty, but 3``)."""
"""A decline in so many words: a reply holding one is ``refused`` unless a committed answer comes with it."""

_APOLOGIES = [
    r"\b(?:i'm|i am|i'm so|i am so|i'm very|i am very) sorry\b",
    r"^\W*sorry\b",
    r"\b(?:i|we) apologi[sz]e\b",
    r"\bmy apologies\b",
    r"\bi(?:'d| would)? (?:rather|prefer to) not (?:say|answer|respond|share|disclose|choose|rate|pick)\b",
    r"\bi(?:'d| would)? prefer not to (?:say|answer|respond|share|disclose|choose|rate|pick)\b",
]
APOLOGY = re.compile("|".join(f"(?:{p})" for p in _APOLOGIES), re.IGNORECASE | re.MULTILINE)
"""An apology or a wish not to answer (``I'm sorry, but…``, ``I'd rather not say``): a refusal only when the reply
names no option; ``I'm sorry, but I'd have to say 5`` is the answer 5."""

_CORRECTION = (r"(?:\bactually,? no\b|\bactually|\bno,? wait|\bwait,? no|\bmake that|\bon (?:reflection|second thought|"
               r"further thought)|\bafter (?:some |further |more )?(?:reflection|thought|thinking|consideration)|"
               r"\bhmm+|\bi meant|\bscratch that|\bcorrection\s*:|\bi mean|[-,;.?!]\s*no\b)[,:;.!]*(?:\s*-+)?"
               r"(?=[ \t]*(?:option |number )?[(\[\"']?[A-Za-z0-9]{1,2}[)\]\"']?[ \t]*(?:[.!,;:\n]|$|-|because\b|since\b|"
               r"(?:fits|suits|describes|matches)\b|is (?:better|closer|more)\b|would be better\b))")
"""A self-correction (``2. Actually, 4.``, ``B, no wait, D.``, ``3 - no, 4.``, ``make that 4``, ``on reflection 4``,
``I meant 4``, ``after reflection: 4``, ``3... hmm, 4``):
a final marker, so the label after it replaces any before. Only a label that ends its clause or is said to fit
follows one (``on second thought, 4 fits better``): ``Actually 5 is too strong`` corrects nothing."""
FINAL_MARKERS = [  # the last one wins
    r"\bfinal (?:answer|choice|response|rating|decision|selection)(?:\s+(?:is|would be|will be))?",
    r"\b(?:conclusion|in conclusion|to conclude|to sum up|in summary)\b\s*[:=]?",
    r"\b(?:i'm|i am) left with",
    r"\b(?:that|this|which) leaves(?: me with| us with| only)?",
    r"\bleaving(?: me with| only)?",
    r"\bby (?:the )?(?:process of )?elimination\b,?",
    r"\bif (?:i(?:'m| am| was| were) )?(?:forced|pressed|made)(?: to (?:choose|pick|answer|say))?[,:]?",
    r"\bif i (?:had|have) to (?:choose|pick|answer|say)[,:]?",
    # a self-correction: the label after it replaces the one before
    _CORRECTION,
    r"\b(?:revis|chang|switch|updat|mov)\w*\s+(?:my\s+)?(?:answer|choice|rating|response|mind)?\s*from\s+"
    r"[(\[]?\w{1,2}[)\]]?\s+to",
]
RECONSIDER = re.compile(r"\b(?:on (?:second|further) thoughts?|on reflection|after (?:some |further |more )?"
                        r"(?:reflection|thought|thinking|consideration)|let me (?:reconsider|rethink|think again)|"
                        r"reconsider\w*|wait|actually|hmm+|correction|i meant|scratch that|"
                        r"(?:revis|chang)\w* my (?:answer|mind))\b", re.IGNORECASE)
"""A reconsideration: an answer marker after it (``Answer: 3 … On second thought, the answer is 4``, ``Wait, let
me reconsider. Answer: 4``) is a final marker, the later conclusion."""
ANSWER_MARKERS = [  # they must agree
    r"\b(?:my|the|correct|best|right|closest|most \w+)\s+(?:\w+\s+)?(?:answer|choice|response|rating|selection|option|"
    r"guess|bet|pick)"
    r"(?:\s+(?:that|which)\s+(?:best\s+)?(?:describes|fits|applies to)\s+me(?:\s+best)?)?"
    r"\s+(?:is|would be|will be|has to be|must be|=)",
    r"\b(?:answer|response|choice|rating|selection)\s*[:=]",
    r"\bi(?:'ll| will| am going to|'m going to)? (?:choose|pick|select|go with|opt for)",
    r"\bi (?:chose|picked|selected|went with)",
]
CHOICE_PHRASES = [  # tentative; they must agree
    r"\b(?:i would|i'd|i might|i could|i should|i'll|i will|i guess i'd|i guess i would)"
    r"(?:\s+(?:have to|need to|probably|likely|honestly|still|actually|definitely|rather|just|then))*"
    r"\s+(?:choose|pick|select|go with|go for|"
    r"opt for|say|answer|respond with|reply with|rate (?:it|myself|this|that|me)?\s*(?:as|at|a)?)",
    r"\b(?:i|i'd|i would) (?:rate|score|put) (?:it|myself|this|that|me)\s*(?:as|at|a)?",
    r"\b(?:answer|choice|response|rating) (?:would be|is)",
    r"\bwould(?:\s+(?:have to|need to|probably|likely|definitely|still))*\s+be",
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
_OTHERS = (r"(?:(?:many|most|some|several|a lot of|lots of|plenty of|the majority of|(?:the )?other|ordinary|typical|"
           r"average|normal|regular|real)\s+(?:\w+\s+)?(?:people|persons|respondents|humans|individuals|users|folks|"
           r"adults|participants)|(?:a|an|the)\s+(?:typical|average|normal|ordinary|usual|regular|real|human|"
           r"shy|outgoing|quiet|sociable|reserved|organi[sz]ed|anxious|calm|kind)?\s*(?:person|respondent|human|"
           r"individual|user|adult|participant|introvert|extrovert|extravert)|(?:an?\s+)?(?:introverts?|extroverts?|"
           r"extraverts?)|others|other people|people|everyone|everybody|someone|somebody|anyone|anybody|most|many)")
"""Who a reply can attribute an answer to instead of giving its own."""
_OTHERS_VERB = (r"(?:choose|chooses|pick|picks|select|selects|say|says|answer|answers|rate|rates|go with|goes with|"
                r"go for|goes for|opt for|opts for|agree|agrees|disagree|disagrees|lean|leans|put|puts|give|gives|"
                r"mark|marks|circle|circles|respond|responds|score|scores|fall|falls|land|lands|end up|ends up|"
                r"see|sees|be|are|is|consider|considers|describe|describes|tick|ticks|check|checks|vote|votes)")
_OWN_NOUNS = (r"(?:gut|instinct|instincts|heart|intuition|head|mind|answer|choice|response|rating|pick|guess|"
              r"reasoning|analysis|reading|view|take|sense|feeling|feelings|own|self|personality|option|answers)")
"""What a model's own ``my …`` may be when it speaks for itself (``my gut says 4``, ``my answer is 4``)."""
_NOT_PLURAL = (r"(?:this|always|perhaps|thus|yes|does|has|was|its|his|hers|ours|yours|theirs|sometimes|as|is|us|"
               r"less|unless|nevertheless|options|statements|items|answers|choices|numbers|labels|it's|lets)")
_WORD = r"(?!(?:i|me|myself|mine)\b)[a-z]+"
"""A word of someone else's name or description: not the model's ``I`` (``Most days I would say 4`` is its own)."""
_SUBJECT = (r"(?:(?:you|he|she|they|we)(?:'d|'ll)?|one|some|few|a few|several|others|those|"
            r"(?:someone|somebody|anyone|anybody|everyone|everybody|no one|nobody) else|"
            r"(?:my|your|his|her|their|our)\s+(?!(?:\w+\s+)?" + _OWN_NOUNS + r"\b)(?:" + _WORD + r"\s+)?" + _WORD + "|"
            r"(?:a|an|the|other|some|many|most)\s+(?!(?:\w+\s+)?" + _OWN_NOUNS + r"\b)(?:" + _WORD + r"\s+)?" + _WORD
            + "|"
            r"(?!" + _NOT_PLURAL + r"\b)[a-z]{3,}s)")
"""Anyone but the model (``I``/``me``/``my``/``mine``): pronouns, ``my friends``, ``a friend``, a plural noun."""
_CHOOSING = (r"(?:say|says|said|choose|chooses|chose|pick|picks|picked|answer|answers|answered|rate|rates|rated|"
             r"select|selects|selected|argue for|argues for|suggest|suggests|suggested|go with|goes with|went with)")
_MODALS = (r"(?:\s+(?:would|might|could|may|will|should|can|must|probably|likely|usually|often|generally|typically|"
           r"also|always|sometimes|mostly|normally|then|just|all|tend to|tends to|most likely|[a-z]+ly))*")
ATTRIBUTION = re.compile(
    rf"\b{_SUBJECT}(?:\s+who\b[^.;!?\n]{{0,80}}?)?{_MODALS}\s+{_CHOOSING}\b"
    r"|\b(?:your|his|her|their|our|\w+'s|\w+s')\s+(?:answer|choice|response|rating|pick|vote|guess)\s+"
    r"(?:is|would be|will be|might be|could be)\b"
    rf"|\b{_OTHERS}(?!\s+like (?:me|myself))(?:\s+(?:who|that|with|in)\b[^.;!?\n]{{0,80}}?)?"
    r"(?:'s?\s+(?:answer|choice|response|rating|pick|vote)\s+(?:would be|will be|is|might be|could be)"
    r"|(?:\s+(?:would|might|could|may|will|should|probably|likely|usually|often|generally|typically|tend to|"
    rf"tends to|also|most likely|then|just|all|mostly|normally))*\s+{_OTHERS_VERB})\b"
    r"|\bone (?:might|would|could|may) (?:say|choose|pick|answer|go with|rate)\b"
    r"|\b(?:the\s+)?(?:most\s+)?(?:common|popular|typical|average|usual|frequent|normal|expected|conventional)\s+"
    r"(?:answer|choice|response|rating|pick)\s+(?:is|would be|will be|=|:)",
    re.IGNORECASE)
"""An answer given as someone else's: a choosing verb (say, choose, pick, answer, rate, select, argue for, suggest, go
with) whose subject is anyone but the model (``You might choose 2``, ``My friends would say 5``, ``Humans usually
choose 3``, ``One could argue for 4``), ``X's answer is`` (``Your answer is probably 4``), and others' answers as
before (``Many people would choose 3``, ``A typical person would say 4``, ``Someone who loves parties would pick A``,
``The most common answer is 3``), up to the end of its clause
(see :mod:`psychometrics.administer._parse._reading`): not the model's own answer."""
ATTRIBUTED_LABEL = r"{tok}\s+is\s+(?:what|how)\s+" + _OTHERS + r"\b"
"""A label named first and then given as others' answer (``3 is what most people would say``)."""
ENDORSED = re.compile(r"^[\s,;:-]*(?:and\s+|so\s+)?(?:so (?:would|do|am|will) i|"
                      r"i (?:would|do|will|agree)(?: too| as well)?|me too|same (?:here|for me)|"
                      r"(?:i'm|i am) (?:one of them|the same|no different)|including me|myself included|"
                      r"i (?:would )?(?:choose|pick|say) the same)\b", re.IGNORECASE)
"""What, right after an attributed answer, makes it the model's own too (``…, and so would I``)."""
ANSWER_PREFIX = r"^\W*(?:(?:my |the |final )?(?:answer|option|choice|response|rating)(?: is)?\s*[:\-=]?\s*)?"


JSON_ANSWER_KEYS = ("answer", "finalanswer", "response", "choice", "option", "selectedoption", "selection",
                    "selected", "label", "rating", "score", "value", "result", "letter", "number")
"""Fields of a JSON reply that hold the answer, in order of preference (lower-case, letters only)."""
