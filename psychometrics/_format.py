"""How numbers read, everywhere: the terminal, every HTML page and the prose of the score and schedule stages.

One place decides how a number, a p-value or a missing value reads, so a p-value is the same in ``psychometrics
score`` as in the report. The conventions (APA style):

- a minus is the real minus sign ``−``; a missing value is the dash ``—``;
- a coefficient bounded by 1 has no leading zero (``.83``), nor has a p-value, which has three decimals:
  ``< .001``, ``.004``, ``.412``, and in a sentence ``p < .001`` or ``p = .034`` (:func:`p_is`).

Every function returns plain text (a template escapes it).
"""

from __future__ import annotations

import math
from typing import Any

DASH = "—"
MINUS = "−"

RELIABILITY_BANDS: tuple[tuple[float, str], ...] = (
    (0.50, "unacceptable"),
    (0.60, "poor"),
    (0.70, "questionable"),
    (0.80, "acceptable"),
    (0.90, "good"),
    (math.inf, "excellent"),
)
"""psyborgs reliability bands (Serapio-García et al., 2023): a value below the bound gets the name."""

BAND_NAMES: tuple[str, ...] = tuple(name for _, name in RELIABILITY_BANDS)
BAND_RANGES: dict[str, str] = {
    "unacceptable": "< .50",
    "poor": ".50–.60",
    "questionable": ".60–.70",
    "acceptable": ".70–.80",
    "good": ".80–.90",
    "excellent": "≥ .90",
}


def missing(x: Any) -> bool:
    """True for None, NaN, pandas NA and infinities."""
    if x is None:
        return True
    try:
        f = float(x)
    except (TypeError, ValueError):
        return True
    return not math.isfinite(f)


def num(x: Any, digits: int = 2, *, signed: bool = False) -> str:
    """``x`` with ``digits`` decimals and a real minus sign; ``"—"`` when missing.

    With ``signed`` a positive value gets ``+``; a value that rounds to zero never carries a sign.

    >>> [num(-0.125), num(0.004, signed=True), num(1.5, 1, signed=True), num(float("nan"))]
    ['−0.12', '0.00', '+1.5', '—']
    """
    if missing(x):
        return DASH
    f = float(x)
    text = f"{abs(f):.{digits}f}"
    return _sign(f, text, signed=signed)


def _sign(f: float, text: str, *, signed: bool = False) -> str:
    if f < 0 and float(text) != 0:
        return MINUS + text
    if signed and f > 0 and float(text) != 0:
        return "+" + text
    return text


def general(x: Any) -> str:
    """``x`` in the shortest plain form (``0.3``, ``14``, ``1e-05``) with a real minus; ``"—"`` when missing.

    >>> [general(0.30), general(14.0), general(-2.5)]
    ['0.3', '14', '−2.5']
    """
    if missing(x):
        return DASH
    return _sign(float(x), f"{abs(float(x)):g}")


def significant(x: Any, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits (for numbers inside a sentence); ``"—"`` when missing.

    >>> [significant(0.012345), significant(-1.25), significant(40.0)]
    ['0.0123', '−1.25', '40']
    """
    if missing(x):
        return DASH
    return _sign(float(x), f"{abs(float(x)):.{digits}g}")


def coef(x: Any, digits: int = 2) -> str:
    """A coefficient bounded by 1 in APA style: no leading zero (``.83``, ``−.12``)."""
    text = num(x, digits)
    if text == DASH:
        return text
    if text.startswith("0."):
        return text[1:]
    if text.startswith(MINUS + "0."):
        return MINUS + text[2:]
    return text


def pvalue(p: Any) -> str:
    """APA-style p: ``< .001``, ``.004``, ``.412``; ``"—"`` when missing.

    Always three decimals (APA allows two or three): with two, a p of .0496 would read ``.05`` beside a decision
    at the .05 level.

    >>> [pvalue(0.0004), pvalue(0.0042), pvalue(0.0341), pvalue(0.412), pvalue(0.9996)]
    ['< .001', '.004', '.034', '.412', '1.000']
    """
    if missing(p):
        return DASH
    p = float(p)
    if p < 0.001:
        return "< .001"
    return f"{p:.3f}"[1:] if p < 0.9995 else "1.000"


def p_is(p: Any) -> str:
    """The relation of a p-value in a sentence, to follow ``p``: ``< .001`` or ``= .034``; ``"—"`` when missing.

    >>> "p " + p_is(0.0042), "p " + p_is(0.00001)
    ('p = .004', 'p < .001')
    """
    text = pvalue(p)
    return text if text.startswith("<") or text == DASH else f"= {text}"


def pct(x: Any, digits: int = 0) -> str:
    """A share (0–1) as a percentage."""
    if missing(x):
        return DASH
    return f"{100 * float(x):.{digits}f}%"


def interval(lo: Any, hi: Any, digits: int = 2, *, apa: bool = False, signed: bool = False,
             empty: str = "") -> str:
    """``[lo, hi]`` (coefficients without the leading zero with ``apa``, ``+`` on positive bounds with
    ``signed``); ``empty`` when either bound is missing."""
    if missing(lo) or missing(hi):
        return empty
    if apa:
        return f"[{coef(lo, digits)}, {coef(hi, digits)}]"
    return f"[{num(lo, digits, signed=signed)}, {num(hi, digits, signed=signed)}]"


def band(x: Any) -> str | None:
    """The psyborgs band name of a reliability coefficient, or None when it is missing."""
    if missing(x):
        return None
    f = float(x)
    for bound, name in RELIABILITY_BANDS:
        if f < bound:
            return name
    return BAND_NAMES[-1]


def seconds(s: Any) -> str:
    """A duration in words (``0.4 s``, ``3 min 12 s``, ``2 h 5 min``)."""
    if missing(s):
        return DASH
    s = float(s)
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        return f"{int(s // 60)} min {int(round(s % 60))} s"
    return f"{int(s // 3600)} h {int(round((s % 3600) / 60))} min"


def money(x: Any) -> str:
    """US dollars with enough decimals for small costs."""
    if missing(x):
        return DASH
    x = float(x)
    if x == 0:
        return "$0"
    return f"${x:.4f}" if x < 1 else f"${x:,.2f}"


def as_given(x: float) -> str:
    """A number as the user typed it (``5e-05``, ``0.5``, ``10``), for echoing an option back unrounded."""
    return f"{float(x):.15g}"


def percentile(x: Any) -> str:
    """A percentile (0–100) as an ordinal: ``63rd``, ``1st``, ``12th``; ``<1st`` and ``>99th`` at the ends.

    >>> [percentile(v) for v in (63.2, 0.4, 1.2, 11.6, 22, 99.7)]
    ['63rd', '<1st', '1st', '12th', '22nd', '>99th']
    """
    if missing(x):
        return DASH
    value = float(x)
    if value < 0.5:
        return "<1st"
    if value >= 99.5:
        return ">99th"
    n = int(round(value))
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def integer(x: Any) -> str:
    """A count with thousands separators."""
    if missing(x):
        return DASH
    return f"{int(x):,}"


_IRREGULAR = {"inventory": "inventories", "persona": "personas", "reply": "replies", "entry": "entries",
              "this": "these"}


def count(n: int, word: str) -> str:
    """``n`` and ``word`` in the right number (``1 inventory``, ``2 inventories``, ``0 cells``).

    >>> [count(1, "inventory"), count(3, "inventory"), count(1, "cell"), count(264, "cell")]
    ['1 inventory', '3 inventories', '1 cell', '264 cells']
    """
    if n == 1:
        return f"1 {word}"
    many = _IRREGULAR.get(word) or (word if word.endswith("s") else word + "s")
    return f"{integer(n)} {many}"


def did_you_mean(word: str, choices: Any) -> str:
    """`` (did you mean 'x'?)`` when one of ``choices`` is close to a mistyped ``word``; else the empty string.

    >>> did_you_mean("stedy", ["default", "steady"]), did_you_mean("zzz", ["default"])
    (" (did you mean 'steady'?)", '')
    """
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def counts_by(counts: dict[str, int], word: str = "by") -> str:
    """Counts per category in words, categories in alphabetical order: ``{"logprobs": 250, "generate": 14}`` →
    ``"14 by generate, 250 by logprobs"``; empty for no counts.

    >>> counts_by({"logprobs": 1250, "generate": 14})
    '14 by generate, 1,250 by logprobs'
    """
    return ", ".join(f"{integer(n)} {word} {name}" for name, n in sorted(counts.items()))


def command(*words: object) -> str:
    """``psychometrics WORDS…`` as one line a user can paste into a shell: each word quoted where the shell would
    read it otherwise (a model such as ``sim/steady?outside=0.8`` holds a glob character, a path may hold a space).

    >>> command("audit", "--model", "sim/steady?outside=0.8", "--db", "sqlite:///my runs.db")
    "psychometrics audit --model 'sim/steady?outside=0.8' --db 'sqlite:///my runs.db'"
    """
    import shlex

    return shlex.join(["psychometrics", *(str(w) for w in words)])
