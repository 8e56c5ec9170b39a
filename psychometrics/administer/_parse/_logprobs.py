"""Read log-probabilities as a probability for every option: the token positions of a reply (either shape a
provider returns them in), the position where the most likely reply names a label, and the label distribution."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psychometrics.administer._parse._text import Labels
from psychometrics.plan import Cell

MAX_MASS_OUTSIDE = 0.5
"""At the position read, more probability than this on tokens that are not option labels means the labels are
not what the model says there, unless the single most likely token there is a label (see :func:`read_label_probs`)."""
MIN_LABEL_MASS = 0.25
"""An answer read from log-probabilities must rest on at least this share of the probability: where the options
(all labels together, weighted as in :func:`read_label_probs`) hold less, the option probabilities are renormalised
from too little of what the model would say to be its answer, and the reading is stored ``invalid`` ("the options
hold 8% of the probability …"), its probabilities kept. On BFI-44 × 3 templates × 2 orders it fires on none of
the embedded Gemma's 264 cells and on 1 of SmolLM2-135M-Instruct's served by llama_cpp.server (see
docs/architecture.md, "Reading log-probabilities")."""
MAX_OPENERS = 2
"""At most this many opening tokens (``(``, ``**``, ``Option``…) are followed before a label must come."""
OPENING_WORDS = frozenset({"option", "options", "answer", "choice", "response", "my answer", "final answer"})
"""Words that open a label when a whole token (``Option`` in ``Option B``), compared in lower case without
punctuation."""


def normalise_token(token: str) -> str:
    """A token as a label candidate: whitespace, a leading ``(`` / ``[`` / ``**`` and a trailing ``)`` / ``]`` /
    ``.`` / ``:`` / ``**`` removed (``" 3"``, ``"(B"``, ``"**4"`` and ``"3."`` give ``3``, ``B``, ``4``, ``3``).
    Case is kept: a lower-case ``a`` is more often the article than the label ``A``."""
    t = token.replace("\u2581", " ").strip()
    while True:
        before = t
        t = t.removeprefix("**").removeprefix("(").removeprefix("[").strip()
        t = t.removesuffix("**").removesuffix(")").removesuffix("]").removesuffix(".").removesuffix(":").strip()
        if t == before:
            return t


def is_opening(token: str) -> bool:
    """Whether a token can open an answer that names its label next: white space, ``(``, ``[``, ``**``, ``#``,
    a quote, or one of :data:`OPENING_WORDS` (``" Option"``, ``"Answer:"``)."""
    t = normalise_token(token).strip("\"'`#*-").strip()
    return t == "" or t.lower() in OPENING_WORDS


@dataclass(frozen=True)
class TokenPosition:
    """One position of a reply: the token the reply has there and the most likely tokens at that position."""

    token: str
    """The token generated at this position (at temperature 0, the most likely one)."""
    logprob: float
    """Its log-probability (natural log), given the tokens before it."""
    top: tuple[tuple[str, float], ...]
    """``(token, log-probability)`` of the most likely tokens at this position, as the provider listed them."""


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def token_positions(logprobs: Any) -> list[TokenPosition] | None:
    """The positions of a reply's ``logprobs``, in the chat shape or the legacy completions shape; None if absent.

    Chat shape: ``{"content": [{"token", "logprob", "top_logprobs": [{"token", "logprob"}…]}…]}``. Legacy
    completions shape (``/v1/completions``, and some OpenAI-compatible servers on chat endpoints):
    ``{"tokens": […], "token_logprobs": […], "top_logprobs": [{token: logprob…}…]}``. Dicts and objects with
    those attributes are both read. A position whose top list is missing has only its own token.
    """
    if logprobs is None:
        return None
    content = _get(logprobs, "content")
    out: list[TokenPosition] = []
    if content:
        for entry in content:
            top = tuple((str(_get(t, "token")), float(_get(t, "logprob"))) for t in (_get(entry, "top_logprobs") or ())
                        if _get(t, "logprob") is not None)
            lp = _get(entry, "logprob")
            out.append(TokenPosition(str(_get(entry, "token")), float(lp) if lp is not None else math.nan, top))
        return out or None
    tokens, token_logprobs, tops = _get(logprobs, "tokens"), _get(logprobs, "token_logprobs"), _get(logprobs, "top_logprobs")
    if not tokens:
        return None
    for i, token in enumerate(tokens):
        lp = token_logprobs[i] if token_logprobs and i < len(token_logprobs) else None
        top_map = tops[i] if tops and i < len(tops) and tops[i] else {}
        top = tuple((str(t), float(v)) for t, v in dict(top_map).items() if v is not None)
        out.append(TokenPosition(str(token), float(lp) if lp is not None else math.nan, top))
    return out


@dataclass(frozen=True)
class LabelReading:
    """What the log-probabilities of one reply say about the options (see :func:`read_label_probs`)."""

    option_probs: dict[int, float] | None
    """The probability of every option keyed by its original value, renormalised over the labels; None when no
    label was seen."""
    expected_value: float | None
    """:math:`\\sum_v v\\,p(v)` for likert and bipolar items; None for scenario items and when no label was seen."""
    mass_outside: float
    """:math:`1 - \\sum_\\ell P(\\ell)` before renormalising: the probability that the reply does not open with a
    label along the positions read (1.0 when no label was seen)."""
    position: int | None
    """The token position read (0: the first token; 1: after one opening token such as ``(``); None when none."""
    answered: bool
    """Whether the most likely reply names a label at :attr:`position` (else the reading is not an answer)."""
    reason: str | None = None
    """Why the reading is not an answer."""


@dataclass(frozen=True)
class _Walk:
    mass: list[float]
    """Per label (index of the shown labels), :math:`P(\\ell)` summed over the positions walked."""
    position: int | None
    reason: str | None
    wants_later: bool
    """The positions ran out while the reply was still opening: a later position would be read."""


def _walk(positions: Sequence[TokenPosition], index: dict[str, int]) -> _Walk:
    """The walk of :func:`read_label_probs` over the positions (``index``: shown label → its index)."""
    mass = [0.0] * len(index)
    prefix = 0.0  # log-probability of the reply's tokens before position j
    opened: list[str] = []
    for j, pos in enumerate(positions):
        here = 0.0
        for token, logprob in pos.top or ((pos.token, pos.logprob),):
            i = index.get(normalise_token(token))
            if i is not None and not math.isnan(logprob):
                p = math.exp(min(logprob, 0.0))
                mass[i] += math.exp(prefix) * p
                here += p
        top_token = max(pos.top, key=lambda t: t[1])[0] if pos.top else pos.token
        if here >= 1.0 - MAX_MASS_OUTSIDE or normalise_token(top_token) in index:
            return _Walk(mass, j, None, False)
        if not is_opening(pos.token) or len(opened) == MAX_OPENERS or math.isnan(pos.logprob):
            reason = f"the most likely reply opens with {''.join(opened) + top_token!r}, not an option label"
            return _Walk(mass, None, reason, False)
        opened.append(pos.token)
        prefix += min(pos.logprob, 0.0)
    reason = (f"the most likely reply opens with {''.join(opened)!r} and the provider gave no later position to "
              "read the label at") if opened else "the provider gave no log-probabilities"
    return _Walk(mass, None, reason, bool(opened))


def reads_further(positions: Sequence[TokenPosition], labels: Sequence[str]) -> bool:
    """Whether :func:`read_label_probs` would read a position after ``positions``: they end in an opening token
    (``(``, ``**``…) that the reply may still follow with a label. A provider that produces the positions one by
    one (the embedded models) asks this before producing the next."""
    return _walk(positions, {label: i for i, label in enumerate(labels)}).wants_later


def read_label_probs(positions: Sequence[TokenPosition], cell: Cell) -> LabelReading:
    r"""Read the option probabilities where the most likely reply names a label.

    A chat model does not continue ``Answer: `` but starts its own message, often with ``(``, ``**``, ``Option``
    or white space before the label. The positions of the reply are walked from the first: at each position
    :math:`j` the probability of each label token there (tokens that :func:`normalise_token` maps to the label;
    ``" 3"`` and ``"3"`` are summed) is added, weighted by the probability of the reply's tokens before it. The
    walk stops at the first position that is *read*: where the labels hold more than ``1 - MAX_MASS_OUTSIDE`` of
    the probability, or where the single most likely token is a label (what a greedy decoder answers). Before
    that, the reply's token must open an answer (:func:`is_opening`; at most :data:`MAX_OPENERS` of them), else
    the reading is not an answer. Nor is a reading whose labels together hold less than :data:`MIN_LABEL_MASS`
    of the probability (the reason says how much they hold; the probabilities are kept).

    .. math::

        P(\ell) = \sum_{j=0}^{k} \Big(\prod_{i<j} p_i(t_i)\Big)\, p_j(\ell \mid t_{<j})

    where :math:`t_i` are the reply's tokens, :math:`p_i` the probabilities the provider listed at position
    :math:`i` and :math:`k` the position read. What is not known counts as outside the labels: a label beyond a
    position's top list, and the continuation of every opening token the reply did not take (a provider gives
    the later positions only along the reply, e.g. after ``(`` but not after ``**``). With only the first
    position known (``max_tokens`` 1, or a provider that lists one position), this is the first position's label
    mass, as before.

    Parameters
    ----------
    positions
        The reply's token positions (:func:`token_positions`), first first.
    cell
        The cell asked.

    Returns
    -------
    LabelReading
        ``option_probs`` keyed by the ORIGINAL value (scenario: original option number), renormalised over the
        labels; ``mass_outside`` = :math:`1 - \sum_\ell P(\ell)`; the position read; whether it is an answer.
    """
    lab = Labels(cell)
    walk = _walk(positions, {label: i for i, label in enumerate(lab.labels)})
    mass, position, reason = walk.mass, walk.position, walk.reason
    total = sum(mass)
    if total <= 0.0:
        return LabelReading(None, None, 1.0, position, False, reason or "no option label among the top log-probabilities")
    outside = min(1.0, max(0.0, 1.0 - total))
    probs: dict[int, float] = {}
    for i, m in enumerate(mass):
        probs[lab.values[i]] = probs.get(lab.values[i], 0.0) + m / total
    probs = dict(sorted(probs.items()))
    expected = None if not lab.digits else sum(v * p for v, p in probs.items())
    if position is None and reason is not None:
        reason = f"{reason} ({outside:.0%} of the probability fell outside the option labels)"
    elif total < MIN_LABEL_MASS:
        return LabelReading(probs, expected, outside, position, False,
                            f"the options hold {_share(total)} of the probability where the reply names one (at "
                            f"least {MIN_LABEL_MASS:.0%} needed for an answer)")
    return LabelReading(probs, expected, outside, position, position is not None, reason)


def _share(p: float) -> str:
    """A small share as a percentage that is never rounded to 0% (``0.004`` → ``0.4%``)."""
    return f"{p:.0%}" if p >= 0.01 else f"{p:.1%}" if p >= 0.001 else "<0.1%"


def probs_from_top_logprobs(
    top: Sequence[tuple[str, float]], cell: Cell
) -> tuple[dict[int, float] | None, float | None, float]:
    """Probabilities of the options from the top log-probabilities of the first answer token.

    Parameters
    ----------
    top
        ``(token, log-probability)`` pairs (natural log), as a provider returns for the first generated token.
    cell
        The cell asked.

    Returns
    -------
    option_probs : dict[int, float] or None
        The probability of every option keyed by its ORIGINAL value (scenario: original option number),
        renormalised over the labels; options whose label is absent get 0.0. None when no label appears.
    expected_value : float or None
        :math:`\\sum_v v \\, p(v)` for likert and bipolar items. None for scenario items — their values are option
        numbers, not points on a continuum — and when no label appears.
    mass_outside : float
        :math:`1 - \\sum p(\\text{label tokens})` before renormalising: the probability the model put on anything
        else (1.0 when no label appears). Tokens beyond the top list count as outside.

    Notes
    -----
    Tokens are normalised with :func:`normalise_token`; the probabilities of tokens that normalise to the same
    label (``" 3"`` and ``"3"``) are summed. A scenario cell is recognised by its letter labels. This is
    :func:`read_label_probs` on the first position alone.
    """
    known = tuple((token, float(lp)) for token, lp in top if lp is not None)
    first = TokenPosition(known[0][0] if known else "", known[0][1] if known else math.nan, known)
    reading = read_label_probs([first], cell)
    return reading.option_probs, reading.expected_value, reading.mass_outside
