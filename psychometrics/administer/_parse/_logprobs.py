"""Read the top log-probabilities of the first answer token as a probability for every option."""

from __future__ import annotations

import math
from collections.abc import Sequence

from psychometrics.administer._parse._text import Labels
from psychometrics.plan import Cell


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
    label (``" 3"`` and ``"3"``) are summed. A scenario cell is recognised by its letter labels.
    """
    lab = Labels(cell)
    mass = [0.0] * len(lab.labels)
    exact = {label: i for i, label in enumerate(lab.labels)}
    for token, logprob in top:
        if logprob is None or math.isnan(logprob):
            continue
        i = exact.get(normalise_token(token))
        if i is not None:
            mass[i] += math.exp(min(float(logprob), 0.0))
    total = sum(mass)
    if total <= 0.0:
        return None, None, 1.0
    outside = min(1.0, max(0.0, 1.0 - total))
    probs: dict[int, float] = {}
    for i, m in enumerate(mass):
        probs[lab.values[i]] = probs.get(lab.values[i], 0.0) + m / total
    probs = dict(sorted(probs.items()))
    expected = None if not lab.digits else sum(v * p for v, p in probs.items())
    return probs, expected, outside
