"""Every chart of every page: hand-built inline SVG, no plotting library, no script, every text escaped.

The audit report (profile, reliability, heatmap, answer bars), the comparison (paired dots), the schedule page
(:func:`trend_chart`) and the shaping page (:func:`level_chart`) draw with these functions, on one axis-tick rule
(:func:`axis_ticks`) and with numbers worded by :mod:`psychometrics._format`.

Each function returns :class:`markupsafe.Markup` so the (autoescaping) template inserts it as markup; every
label that reaches the SVG goes through :func:`markupsafe.escape` first, so a scale or item name written by
anyone cannot become an element. Charts scale with the page (``viewBox`` with ``width="100%"``) and carry a
``<title>`` per mark for a tooltip, plus ``role="img"`` and an ``aria-label``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from psychometrics._format import BAND_NAMES, RELIABILITY_BANDS, general, missing, num

FONT = 12
ROW = 26
_IDS = itertools.count(1)

BAND_COLOURS: dict[str, str] = {
    "unacceptable": "#f4b5b0",
    "poor": "#fdd0b1",
    "questionable": "#fff0b8",
    "acceptable": "#ecf7c5",
    "good": "#c9e9b0",
    "excellent": "#93d3a2",
}
"""Fill colour of each psyborgs reliability band (light tints of ColorBrewer RdYlGn; the same as the table cells
in ``style.css``, so marks and text stay readable on them)."""

_DIVERGING = ("#b35806", "#f7f7f7", "#542788")  # ColorBrewer PuOr end points and centre
_CATEGORICAL = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")


def _e(text: object) -> str:
    return str(escape(str(text)))


def _f(x: float) -> str:
    """A coordinate with one decimal, no trailing zeros."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _hex(c: str) -> tuple[int, int, int]:
    c = c.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _mix(a: str, b: str, t: float) -> str:
    ra, ga, ba = _hex(a)
    rb, gb, bb = _hex(b)
    return "#{:02x}{:02x}{:02x}".format(round(ra + (rb - ra) * t), round(ga + (gb - ga) * t), round(ba + (bb - ba) * t))


def diverging(t: float) -> str:
    """Colour of a position ``t`` in [0, 1] on the orange–white–purple scale (centre white)."""
    t = min(1.0, max(0.0, t))
    if t < 0.5:
        return _mix(_DIVERGING[0], _DIVERGING[1], t / 0.5)
    return _mix(_DIVERGING[1], _DIVERGING[2], (t - 0.5) / 0.5)


def _ink(fill: str) -> str:
    """Black or white text, whichever reads better on ``fill``."""
    r, g, b = _hex(fill)
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"


def value_colours(values: Sequence[int], *, ordinal: bool = True) -> dict[int, str]:
    """A colour per response value: diverging for an ordered scale, categorical for option numbers."""
    vals = sorted(values)
    if not ordinal or len(vals) < 2:
        return {v: _CATEGORICAL[i % len(_CATEGORICAL)] for i, v in enumerate(vals)}
    return {v: diverging(i / (len(vals) - 1) * 0.9 + 0.05) for i, v in enumerate(vals)}


def label_width(labels: Sequence[str], *, minimum: float = 120, maximum: float = 300) -> float:
    """Room for row labels: about 6.6 px per character at 12 px, within bounds. Charts of one page that are
    given the same ``label_width`` (from every label on the page) share their x positions."""
    longest = max((len(str(x)) for x in labels), default=0)
    return min(maximum, max(minimum, 6.6 * longest + 16))


def _fit(label: str, room: float) -> str:
    """The label, shortened with an ellipsis to fit ``room`` pixels."""
    n = max(4, int((room - 16) / 6.6))
    return _short(label, n)


def _row_label(label: str, left: float, y: float) -> str:
    """A row's label, right-aligned where the plot starts (``left``), shortened to fit, whole in its tooltip."""
    return (f'<text class="rowlabel" x="{_f(left - 10)}" y="{_f(y)}" text-anchor="end">'
            f'{_e(_fit(label, left))}<title>{_e(label)}</title></text>')


def _svg(width: float, height: float, body: list[str], label: str, cls: str = "") -> Markup:
    """The ``<svg>`` element of a chart of class ``chart`` (and ``cls``), scaling with the page up to ``width``."""
    classes = f"chart {cls}" if cls else "chart"
    return Markup(
        f'<svg class="{classes}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'width="100%" style="max-width:{_f(width)}px" role="img" aria-label="{_e(label)}">'
        + "".join(body) + "</svg>"
    )


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick positions covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    out = []
    x = first
    while x <= hi + 1e-9:
        out.append(round(x, 10))
        x += step
    return out


def axis_ticks(lo: float, hi: float) -> list[float]:
    """Ticks of a score axis: every integer of a short integer scale (1–5, 1–7), round steps otherwise."""
    if hi - lo <= 10 and float(lo).is_integer() and float(hi).is_integer():
        return [float(v) for v in range(int(lo), int(hi) + 1)]
    return nice_ticks(lo, hi)


# --------------------------------------------------------------------------------------------------------------
# Dot-and-whisker: scale means with intervals, optional human norm band


@dataclass
class DotRow:
    label: str
    value: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    note: str = ""
    """Text at the right end of the row (e.g. ``n = 12``)."""
    norm_mean: float | None = None
    norm_sd: float | None = None
    reason: str | None = None
    """Shown in place of the dot when ``value`` is missing."""
    unreadable: str | None = None
    """Why the value cannot be read (e.g. the answers follow option position): the row is hatched, the dot and
    its interval greyed, and the reason written in the row."""
    uncertain: str | None = None
    """Why the value is not shown to be readable (a response-style index is inconclusive): the reason is written in
    the row ("uncertain: …") and the dot drawn hollow, without the hatching of an unreadable value."""


UNREADABLE_INK = "#8a8a8a"
"""Grey of the dot and interval of a value that cannot be read."""


def _hatch(pattern_id: str) -> str:
    return (f'<defs><pattern id="{pattern_id}" patternUnits="userSpaceOnUse" width="6" height="6" '
            'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#c8c8c8" stroke-width="2"/>'
            '</pattern></defs>')


def dot_whisker(rows: Sequence[DotRow], *, lo: float, hi: float, mid: float | None = None,
                ticks: Sequence[float] | None = None, label: str = "scale means", digits: int = 2,
                width: float = 720, left: float | None = None) -> Markup:
    """Horizontal dot-and-whisker chart on the axis [lo, hi]; a grey band marks a norm mean ± 1 SD; a row with
    ``unreadable`` set is hatched, greyed and labelled with why; one with ``uncertain`` set is labelled and its dot
    drawn hollow.

    ``left``: the room for row labels (default: :func:`label_width` of these rows).
    """
    left, right, top = left or label_width([r.label for r in rows]), 80.0, 24.0
    plot_w = width - left - right
    height = top + ROW * len(rows) + 22

    def x(v: float) -> float:
        return left + (min(hi, max(lo, v)) - lo) / (hi - lo) * plot_w

    body: list[str] = []
    hatch = f"hatch-{next(_IDS)}"
    if any(r.unreadable for r in rows):
        body.append(_hatch(hatch))
    for i, r in enumerate(rows):
        if r.unreadable:
            cy = top + ROW * i + ROW / 2
            body.append(f'<rect class="unreadable" x="{_f(left)}" y="{_f(cy - ROW / 2 + 1)}" width="{_f(plot_w)}" '
                        f'height="{_f(ROW - 2)}" fill="url(#{hatch})"><title>not interpretable: {_e(r.unreadable)}'
                        '</title></rect>')
            body.append(f'<text class="unreadable-why" x="{_f(left + 4)}" y="{_f(cy + 4)}" font-style="italic" '
                        f'fill="#555">{_e(_fit("not interpretable: " + r.unreadable, plot_w / 2))}</text>')
        elif r.uncertain:
            cy = top + ROW * i + ROW / 2
            body.append(f'<text class="uncertain-why" x="{_f(left + 4)}" y="{_f(cy + 4)}" font-style="italic" '
                        f'fill="#555">{_e(_fit("uncertain: " + r.uncertain, plot_w / 2))}</text>')
    ticks = list(ticks) if ticks is not None else nice_ticks(lo, hi)
    for t in ticks:
        body.append(f'<line class="grid" x1="{_f(x(t))}" x2="{_f(x(t))}" y1="{_f(top - 4)}" '
                    f'y2="{_f(top + ROW * len(rows))}"/>')
        body.append(f'<text class="tick" x="{_f(x(t))}" y="{_f(top - 8)}" text-anchor="middle">{_e(num(t, _digits(ticks)))}</text>')
        body.append(f'<text class="tick" x="{_f(x(t))}" y="{_f(top + ROW * len(rows) + 16)}" '
                    f'text-anchor="middle">{_e(num(t, _digits(ticks)))}</text>')
    if mid is not None and lo < mid < hi:
        body.append(f'<line class="midline" x1="{_f(x(mid))}" x2="{_f(x(mid))}" y1="{_f(top - 4)}" '
                    f'y2="{_f(top + ROW * len(rows))}"><title>scale midpoint {_e(num(mid, digits))}</title></line>')
    for i, r in enumerate(rows):
        cy = top + ROW * i + ROW / 2
        body.append(_row_label(r.label, left, cy + 4))
        if r.norm_mean is not None and r.norm_sd is not None and not missing(r.norm_mean):
            x0, x1 = x(r.norm_mean - r.norm_sd), x(r.norm_mean + r.norm_sd)
            body.append(f'<rect class="norm" x="{_f(x0)}" y="{_f(cy - 9)}" width="{_f(max(1.0, x1 - x0))}" height="18">'
                        f'<title>human norm: mean {_e(num(r.norm_mean, digits))}, SD {_e(num(r.norm_sd, digits))} '
                        f'(band = mean ± 1 SD)</title></rect>')
            body.append(f'<line class="normmean" x1="{_f(x(r.norm_mean))}" x2="{_f(x(r.norm_mean))}" '
                        f'y1="{_f(cy - 9)}" y2="{_f(cy + 9)}"/>')
        if missing(r.value):
            body.append(f'<text class="missing" x="{_f(left + 6)}" y="{_f(cy + 4)}">— {_e(r.reason or "no score")}</text>')
        else:
            tip = f"{r.label}: {num(r.value, digits)}"
            grey = f' style="stroke:{UNREADABLE_INK}"' if r.unreadable else ""
            if not missing(r.ci_low) and not missing(r.ci_high):
                tip += f" [{num(r.ci_low, digits)}, {num(r.ci_high, digits)}]"
                body.append(f'<line class="whisker" x1="{_f(x(r.ci_low))}" x2="{_f(x(r.ci_high))}" '
                            f'y1="{_f(cy)}" y2="{_f(cy)}"{grey}/>')
                for end in (r.ci_low, r.ci_high):
                    body.append(f'<line class="whisker" x1="{_f(x(end))}" x2="{_f(x(end))}" '
                                f'y1="{_f(cy - 5)}" y2="{_f(cy + 5)}"{grey}/>')
            if r.uncertain and not r.unreadable:
                tip += f" — uncertain: {r.uncertain}"
                body.append(f'<circle class="dot uncertain" cx="{_f(x(r.value))}" cy="{_f(cy)}" r="5" '
                            f'style="fill:#fff;stroke-width:2"><title>{_e(tip)}</title></circle>')
            elif r.unreadable:
                tip += f" — not interpretable: {r.unreadable}"
                body.append(f'<circle class="dot unreadable" cx="{_f(x(r.value))}" cy="{_f(cy)}" r="5" '
                            f'style="fill:#fff;stroke:{UNREADABLE_INK};stroke-width:2"><title>{_e(tip)}</title>'
                            '</circle>')
            else:
                body.append(f'<circle class="dot" cx="{_f(x(r.value))}" cy="{_f(cy)}" r="5"><title>{_e(tip)}</title>'
                            '</circle>')
        if r.note:
            body.append(f'<text class="note" x="{_f(width - right + 8)}" y="{_f(cy + 4)}">{_e(r.note)}</text>')
    return _svg(width, height, body, label, "dots")


def _digits(ticks: Sequence[float]) -> int:
    return 0 if all(float(t).is_integer() for t in ticks) else (1 if all(round(t, 1) == t for t in ticks) else 2)


# --------------------------------------------------------------------------------------------------------------
# Reliability: α, λ6, ω on a 0–1 axis over the psyborgs bands


@dataclass
class CoefPoint:
    name: str
    value: float
    ci_low: float = math.nan
    ci_high: float = math.nan


@dataclass
class CoefRow:
    label: str
    points: list[CoefPoint] = field(default_factory=list)
    note: str = ""


_MARKERS = {"α": "circle", "λ6": "square", "ω": "diamond"}


def _marker(kind: str, cx: float, cy: float, tip: str) -> str:
    title = f"<title>{_e(tip)}</title>"
    if kind == "square":
        return f'<rect class="coef" x="{_f(cx - 4)}" y="{_f(cy - 4)}" width="8" height="8">{title}</rect>'
    if kind == "diamond":
        pts = f"{_f(cx)},{_f(cy - 5.5)} {_f(cx + 5.5)},{_f(cy)} {_f(cx)},{_f(cy + 5.5)} {_f(cx - 5.5)},{_f(cy)}"
        return f'<polygon class="coef" points="{pts}">{title}</polygon>'
    return f'<circle class="coef" cx="{_f(cx)}" cy="{_f(cy)}" r="4.5">{title}</circle>'


def reliability_chart(rows: Sequence[CoefRow], *, label: str = "reliability", width: float = 720,
                      left: float | None = None) -> Markup:
    """Coefficients per scale on a 0–1 axis whose background shows the psyborgs bands.

    Values below 0 are drawn at the left edge with a ``<`` mark and say so in their tooltip. ``left``: the room
    for row labels (default: :func:`label_width` of these rows).
    """
    left, right, top = left or label_width([r.label for r in rows]), 80.0, 24.0
    plot_w = width - left - right
    row_h = 30.0
    height = top + row_h * len(rows) + 40

    def x(v: float) -> float:
        return left + min(1.0, max(0.0, v)) * plot_w

    body: list[str] = []
    lower = 0.0
    for bound, name in RELIABILITY_BANDS:
        upper = min(bound, 1.0)
        body.append(f'<rect class="bandbg" x="{_f(x(lower))}" y="{_f(top)}" width="{_f(x(upper) - x(lower))}" '
                    f'height="{_f(row_h * len(rows))}" fill="{BAND_COLOURS[name]}"><title>{_e(name)}</title></rect>')
        lower = upper
    for t in (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        body.append(f'<text class="tick" x="{_f(x(t))}" y="{_f(top - 8)}" text-anchor="middle">{_e(num(t, 1))}</text>')
    names = list(_MARKERS)
    for i, r in enumerate(rows):
        y0 = top + row_h * i
        body.append(f'<line class="rowsep" x1="{_f(left)}" x2="{_f(left + plot_w)}" y1="{_f(y0 + row_h)}" y2="{_f(y0 + row_h)}"/>')
        body.append(_row_label(r.label, left, y0 + row_h / 2 + 4))
        for j, p in enumerate(r.points):
            cy = y0 + 7 + j * (row_h - 14) / max(1, len(r.points) - 1)
            kind = _MARKERS.get(p.name, "circle")
            if missing(p.value):
                continue
            tip = f"{r.label} {p.name} = {num(p.value, 2)}"
            if not missing(p.ci_low) and not missing(p.ci_high):
                tip += f" [{num(p.ci_low, 2)}, {num(p.ci_high, 2)}]"
                body.append(f'<line class="whisker" x1="{_f(x(p.ci_low))}" x2="{_f(x(p.ci_high))}" '
                            f'y1="{_f(cy)}" y2="{_f(cy)}"/>')
            if p.value < 0:
                tip += " (below 0, drawn at 0)"
                body.append(f'<text class="clip" x="{_f(x(0) + 2)}" y="{_f(cy + 4)}">&lt;</text>')
            body.append(_marker(kind, x(p.value), cy, tip))
        if r.note:
            body.append(f'<text class="note" x="{_f(width - right + 8)}" y="{_f(y0 + row_h / 2 + 4)}">{_e(r.note)}</text>')
    ly = top + row_h * len(rows) + 24
    lx = left
    for n in names:
        body.append(_marker(_MARKERS[n], lx + 5, ly - 4, n))
        body.append(f'<text class="legend" x="{_f(lx + 14)}" y="{_f(ly)}">{_e(n)}</text>')
        lx += 60
    return _svg(width, height, body, label, "reliability")


# --------------------------------------------------------------------------------------------------------------
# Heatmap: scale score by template × option order


def heatmap(row_labels: Sequence[str], col_groups: Sequence[tuple[str, Sequence[str]]],
            values: Sequence[Sequence[float]], *, lows: Sequence[float], highs: Sequence[float],
            counts: Sequence[Sequence[int]] | None = None, digits: int = 2, label: str = "heatmap",
            cell_w: float = 64, width_min: float = 360) -> Markup:
    """Cells coloured by where a value lies between its row's ``lows[i]`` and ``highs[i]`` (centre white).

    ``col_groups`` is ``[(template, [order, …]), …]``; ``values[i]`` runs over every (template, order) in that
    order. A missing value is a hatched grey cell marked ``—``.
    """
    left, top = label_width(row_labels), 44.0
    ncols = sum(len(cols) for _, cols in col_groups)
    width = max(width_min, left + cell_w * ncols + 10)
    row_h = 24.0
    height = top + row_h * len(row_labels) + 8
    body: list[str] = []
    cx = left
    for group, cols in col_groups:
        gw = cell_w * len(cols)
        body.append(f'<text class="colgroup" x="{_f(cx + gw / 2)}" y="14" text-anchor="middle">{_e(group)}</text>')
        body.append(f'<line class="groupline" x1="{_f(cx + 3)}" x2="{_f(cx + gw - 3)}" y1="19" y2="19"/>')
        for c in cols:
            body.append(f'<text class="collabel" x="{_f(cx + cell_w / 2)}" y="34" text-anchor="middle">{_e(_short(c, 10))}'
                        f'<title>{_e(c)}</title></text>')
            cx += cell_w
    for i, rl in enumerate(row_labels):
        y = top + row_h * i
        body.append(_row_label(rl, left, y + row_h / 2 + 4))
        lo, hi = lows[i], highs[i]
        j = 0
        cx = left
        for group, cols in col_groups:
            for c in cols:
                v = values[i][j]
                n = counts[i][j] if counts is not None else None
                if missing(v):
                    body.append(f'<rect class="cell missingcell" x="{_f(cx + 1)}" y="{_f(y + 1)}" width="{_f(cell_w - 2)}" '
                                f'height="{_f(row_h - 2)}"><title>{_e(rl)} · {_e(group)} · {_e(c)}: no score</title></rect>')
                    body.append(f'<text class="cellv" x="{_f(cx + cell_w / 2)}" y="{_f(y + row_h / 2 + 4)}" '
                                f'text-anchor="middle" fill="#555">—</text>')
                else:
                    t = 0.5 if hi <= lo else (float(v) - lo) / (hi - lo)
                    fill = diverging(t)
                    tip = f"{rl} · {group} · {c}: {num(v, digits)}" + (f" (n = {n})" if n is not None else "")
                    body.append(f'<rect class="cell" x="{_f(cx + 1)}" y="{_f(y + 1)}" width="{_f(cell_w - 2)}" '
                                f'height="{_f(row_h - 2)}" fill="{fill}"><title>{_e(tip)}</title></rect>')
                    body.append(f'<text class="cellv" x="{_f(cx + cell_w / 2)}" y="{_f(y + row_h / 2 + 4)}" '
                                f'text-anchor="middle" fill="{_ink(fill)}">{_e(num(v, digits))}</text>')
                cx += cell_w
                j += 1
    return _svg(width, height, body, label, "heatmap")


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def gradient_legend(low_text: str, mid_text: str, high_text: str, *, width: float = 300) -> Markup:
    """A horizontal legend of the diverging heatmap scale."""
    steps = 30
    body = []
    w = (width - 20) / steps
    for k in range(steps):
        body.append(f'<rect x="{_f(10 + k * w)}" y="4" width="{_f(w + 0.5)}" height="12" fill="{diverging((k + 0.5) / steps)}"/>')
    body.append(f'<text class="legend" x="10" y="30">{_e(low_text)}</text>')
    body.append(f'<text class="legend" x="{_f(width / 2)}" y="30" text-anchor="middle">{_e(mid_text)}</text>')
    body.append(f'<text class="legend" x="{_f(width - 10)}" y="30" text-anchor="end">{_e(high_text)}</text>')
    return _svg(width, 36, body, "colour scale", "legendbar")


# --------------------------------------------------------------------------------------------------------------
# Answer distribution: one stacked bar


def distribution_bar(counts: Sequence[tuple[int, int]], colours: dict[int, str], *, extra: Sequence[tuple[str, int]] = (),
                     width: float = 160, height: float = 14, label: str = "answer distribution") -> Markup:
    """A stacked bar of answer counts per value (``counts``: ``(value, count)`` in value order), then the
    ``extra`` statuses (refused, invalid, error) in grey."""
    total = sum(c for _, c in counts) + sum(c for _, c in extra)
    body: list[str] = []
    if total == 0:
        body.append(f'<rect x="0" y="0" width="{_f(width)}" height="{_f(height)}" class="missingcell"/>')
        return _svg(width, height, body, label + ": no answers", "dist")
    x = 0.0
    for v, c in counts:
        if c == 0:
            continue
        w = c / total * width
        body.append(f'<rect x="{_f(x)}" y="0" width="{_f(w)}" height="{_f(height)}" fill="{colours.get(v, "#999")}">'
                    f'<title>{_e(v)}: {c} of {total}</title></rect>')
        x += w
    greys = ("#bdbdbd", "#8c8c8c", "#525252")
    for (name, c), g in zip(extra, greys):
        if c == 0:
            continue
        w = c / total * width
        body.append(f'<rect x="{_f(x)}" y="0" width="{_f(w)}" height="{_f(height)}" fill="{g}">'
                    f'<title>{_e(name)}: {c} of {total}</title></rect>')
        x += w
    body.append(f'<rect x="0.5" y="0.5" width="{_f(width - 1)}" height="{_f(height - 1)}" fill="none" stroke="#9aa0a6" '
                f'stroke-width="1"/>')
    return _svg(width, height, body, label, "dist")


def band_swatch(name: str) -> Markup:
    """A small square in the colour of a reliability band (for legends)."""
    colour = BAND_COLOURS.get(name, "#ccc")
    return Markup(f'<svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">'
                  f'<rect width="12" height="12" fill="{colour}" stroke="#666" stroke-width="0.5"/></svg>')


# --------------------------------------------------------------------------------------------------------------
# Paired dots: run A and run B per scale


@dataclass
class PairRow:
    label: str
    a: float
    b: float
    a_low: float = math.nan
    a_high: float = math.nan
    b_low: float = math.nan
    b_high: float = math.nan
    note: str = ""
    highlight: bool = False
    """Draw the arrow in the accent colour (e.g. a significant change)."""


def paired_dots(rows: Sequence[PairRow], *, lo: float, hi: float, ticks: Sequence[float] | None = None,
                digits: int = 2, label: str = "run A and run B", width: float = 760,
                left: float | None = None) -> Markup:
    """Per row: run A as a hollow circle, run B as a filled one, an arrow from A to B, each with its interval.
    ``left``: the room for row labels (default: :func:`label_width` of these rows)."""
    left, right, top = left or label_width([r.label for r in rows]), 110.0, 24.0
    plot_w = width - left - right
    row_h = 30.0
    height = top + row_h * len(rows) + 44

    def x(v: float) -> float:
        return left + (min(hi, max(lo, v)) - lo) / (hi - lo) * plot_w

    uid = next(_IDS)
    body: list[str] = [
        f'<defs><marker id="arrow{uid}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" class="arrowhead"/></marker>'
        f'<marker id="arrowhl{uid}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" class="arrowhead hl"/></marker></defs>'
    ]
    ticks = list(ticks) if ticks is not None else nice_ticks(lo, hi)
    for t in ticks:
        body.append(f'<line class="grid" x1="{_f(x(t))}" x2="{_f(x(t))}" y1="{_f(top - 4)}" '
                    f'y2="{_f(top + row_h * len(rows))}"/>')
        body.append(f'<text class="tick" x="{_f(x(t))}" y="{_f(top - 8)}" text-anchor="middle">{_e(num(t, _digits(ticks)))}</text>')
    for i, r in enumerate(rows):
        y0 = top + row_h * i
        ya, yb = y0 + 10, y0 + 20
        body.append(_row_label(r.label, left, y0 + row_h / 2 + 4))
        for v, lo_, hi_, yy, cls, name in ((r.a, r.a_low, r.a_high, ya, "dota", "A"),
                                           (r.b, r.b_low, r.b_high, yb, "dotb", "B")):
            if missing(v):
                body.append(f'<text class="missing" x="{_f(left + 4)}" y="{_f(yy + 4)}">{name}: —</text>')
                continue
            if not missing(lo_) and not missing(hi_):
                body.append(f'<line class="whisker thin" x1="{_f(x(lo_))}" x2="{_f(x(hi_))}" y1="{_f(yy)}" y2="{_f(yy)}"/>')
            tip = f"{r.label}, run {name}: {num(v, digits)}"
            if not missing(lo_) and not missing(hi_):
                tip += f" [{num(lo_, digits)}, {num(hi_, digits)}]"
            body.append(f'<circle class="{cls}" cx="{_f(x(v))}" cy="{_f(yy)}" r="4.5"><title>{_e(tip)}</title></circle>')
        if not missing(r.a) and not missing(r.b) and abs(x(r.b) - x(r.a)) > 7:
            cls = "arrow hl" if r.highlight else "arrow"
            x0, x1 = x(r.a), x(r.b)
            step = 5 if x1 > x0 else -5
            marker = f"arrowhl{uid}" if r.highlight else f"arrow{uid}"
            body.append(f'<line class="{cls}" x1="{_f(x0 + step)}" x2="{_f(x1 - step)}" y1="{_f(y0 + 15)}" '
                        f'y2="{_f(y0 + 15)}" marker-end="url(#{marker})"/>')
        if r.note:
            body.append(f'<text class="note" x="{_f(width - right + 8)}" y="{_f(y0 + row_h / 2 + 4)}">{_e(r.note)}</text>')
    ly = top + row_h * len(rows) + 28
    body.append(f'<circle class="dota" cx="{_f(left + 5)}" cy="{_f(ly - 4)}" r="4.5"/>'
                f'<text class="legend" x="{_f(left + 14)}" y="{_f(ly)}">run A</text>'
                f'<circle class="dotb" cx="{_f(left + 75)}" cy="{_f(ly - 4)}" r="4.5"/>'
                f'<text class="legend" x="{_f(left + 84)}" y="{_f(ly)}">run B (95% CI whiskers; arrow A → B)</text>')
    return _svg(width, height, body, label, "pairs")


# --------------------------------------------------------------------------------------------------------------
# Profiles side by side: every run's mean per scale


@dataclass
class SeriesPoint:
    value: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    unreadable: str | None = None
    """Why the value cannot be read as a trait: the dot is drawn hollow and the reason is in its tooltip."""


@dataclass
class SeriesRow:
    label: str
    points: list[SeriesPoint] = field(default_factory=list)
    """One per series, in the order of the series names."""


def profile_matrix(rows: Sequence[SeriesRow], series: Sequence[str], *, lo: float, hi: float,
                   ticks: Sequence[float] | None = None, digits: int = 2, label: str = "profiles side by side",
                   width: float = 760, left: float | None = None) -> Markup:
    """Per row (a scale), one dot with its interval per series (a run), each series in its own colour and on its
    own line within the row; a value that cannot be read is a hollow dot. A legend names the series below.

    ``left``: the room for row labels (default: :func:`label_width` of these rows)."""
    k = max(1, len(series))
    left, right, top = left or label_width([r.label for r in rows]), 40.0, 24.0
    plot_w = width - left - right
    gap = 9.0
    row_h = max(ROW, 8 + gap * k)
    legend_h = 18.0 * k + 8
    height = top + row_h * len(rows) + 8 + legend_h

    def x(v: float) -> float:
        return left + (min(hi, max(lo, v)) - lo) / (hi - lo) * plot_w

    colour = [_CATEGORICAL[i % len(_CATEGORICAL)] for i in range(k)]
    body: list[str] = []
    ticks = list(ticks) if ticks is not None else nice_ticks(lo, hi)
    for t in ticks:
        body.append(f'<line class="grid" x1="{_f(x(t))}" x2="{_f(x(t))}" y1="{_f(top - 4)}" '
                    f'y2="{_f(top + row_h * len(rows))}"/>')
        body.append(f'<text class="tick" x="{_f(x(t))}" y="{_f(top - 8)}" text-anchor="middle">'
                    f'{_e(num(t, _digits(ticks)))}</text>')
    for i, r in enumerate(rows):
        y0 = top + row_h * i
        body.append(_row_label(r.label, left, y0 + row_h / 2 + 4))
        if i:
            body.append(f'<line class="grid" x1="{_f(left)}" x2="{_f(width - right)}" y1="{_f(y0)}" y2="{_f(y0)}"/>')
        for j, (name, p) in enumerate(zip(series, r.points)):
            cy = y0 + (row_h - gap * (k - 1)) / 2 + gap * j
            if missing(p.value):
                continue
            tip = f"{r.label}, {name}: {num(p.value, digits)}"
            if not missing(p.ci_low) and not missing(p.ci_high):
                tip += f" [{num(p.ci_low, digits)}, {num(p.ci_high, digits)}]"
                body.append(f'<line class="whisker thin" x1="{_f(x(p.ci_low))}" x2="{_f(x(p.ci_high))}" '
                            f'y1="{_f(cy)}" y2="{_f(cy)}" style="stroke:{colour[j]}"/>')
            fill = "#fff" if p.unreadable else colour[j]
            if p.unreadable:
                tip += f" — not interpretable: {p.unreadable}"
            body.append(f'<circle class="series" cx="{_f(x(p.value))}" cy="{_f(cy)}" r="4" '
                        f'style="fill:{fill};stroke:{colour[j]};stroke-width:1.5"><title>{_e(tip)}</title></circle>')
    ly = top + row_h * len(rows) + 8
    for j, name in enumerate(series):
        cy = ly + 18 * j + 9
        body.append(f'<circle cx="{_f(left + 5)}" cy="{_f(cy - 4)}" r="4" style="fill:{colour[j]}"/>'
                    f'<text class="legend" x="{_f(left + 16)}" y="{_f(cy)}">{_e(_fit(name, plot_w))}'
                    f'<title>{_e(name)}</title></text>')
    return _svg(width, height, body, label, "dots")


# --------------------------------------------------------------------------------------------------------------
# Trend: one scale across the versions of a schedule


def trend_chart(title: str, labels: Sequence[str], tips: Sequence[str], means: Sequence[float],
                lows: Sequence[float], highs: Sequence[float], *, lo: float, hi: float,
                flagged: Sequence[bool] = (), width: float = 360, height: float = 170) -> Markup:
    """One scale across versions: the mean score of each version with its 95% CI, joined by a line.

    ``flagged`` marks versions where drift was found on this scale (drawn as a red ring). A version without a
    score leaves a gap with a note.
    """
    left, right, top, bottom = 40.0, 12.0, 12.0, 30.0
    w, h = width - left - right, height - top - bottom
    k = len(labels)
    span = hi - lo if hi > lo else 1.0

    def x(i: int) -> float:
        return left + (w * (i + 0.5) / k if k else 0)

    def y(v: float) -> float:
        return top + h * (1 - (min(max(v, lo), hi) - lo) / span)

    label = f"{title}: mean score per version with 95% confidence intervals"
    body: list[str] = [f"<title>{_e(label)}</title>"]
    for t in nice_ticks(lo, hi, 4) if not (missing(lo) or missing(hi)) and hi > lo else []:
        body.append(f'<line class="grid" x1="{_f(left)}" x2="{_f(left + w)}" y1="{_f(y(t))}" y2="{_f(y(t))}"/>')
        body.append(f'<text class="tick" x="{_f(left - 6)}" y="{_f(y(t) + 4)}" text-anchor="end">{_e(general(t))}'
                    '</text>')
    body.append(f'<line class="midline" x1="{_f(left)}" x2="{_f(left + w)}" y1="{_f(y((lo + hi) / 2))}" '
                f'y2="{_f(y((lo + hi) / 2))}"/>')
    points = [(x(i), y(m)) for i, m in enumerate(means) if not missing(m)]
    if len(points) > 1:
        path = " ".join(f"{_f(px)},{_f(py)}" for px, py in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="#9aa0a6" stroke-width="1.5"/>')
    for i, name in enumerate(labels):
        cx = x(i)
        tip = tips[i] if i < len(tips) else name
        body.append(f'<text class="tick" x="{_f(cx)}" y="{_f(top + h + 18)}" text-anchor="middle">'
                    f'<title>{_e(tip)}</title>{_e(name)}</text>')
        m = means[i]
        if missing(m):
            body.append(f'<text class="missing" x="{_f(cx)}" y="{_f(top + h / 2)}" text-anchor="middle">no score'
                        f'</text>')
            continue
        l, u = lows[i], highs[i]
        ci = ""
        if not (missing(l) or missing(u)):
            body.append(f'<line class="whisker" x1="{_f(cx)}" x2="{_f(cx)}" y1="{_f(y(l))}" y2="{_f(y(u))}"/>')
            for end in (l, u):
                body.append(f'<line class="whisker" x1="{_f(cx - 4)}" x2="{_f(cx + 4)}" y1="{_f(y(end))}" '
                            f'y2="{_f(y(end))}"/>')
            ci = f", 95% CI [{num(l)}, {num(u)}]"
        flag = bool(flagged[i]) if i < len(flagged) else False
        text = f"{tip}: mean {num(m)}{ci}" + (" — drift against its baseline" if flag else "")
        if flag:
            body.append(f'<circle cx="{_f(cx)}" cy="{_f(y(m))}" r="9" fill="none" stroke="#b42318" '
                        f'stroke-width="2.5"/>')
        body.append(f'<circle class="dot" cx="{_f(cx)}" cy="{_f(y(m))}" r="5"><title>{_e(text)}</title></circle>')
    return _svg(width, height, body, label)


# --------------------------------------------------------------------------------------------------------------
# Level chart: the measured score against the level a shaping prompt asked for


@dataclass
class LevelPoint:
    level: int
    """The target level (1 = extremely low … 9 = extremely high)."""
    median: float
    q1: float = math.nan
    q3: float = math.nan
    tip: str = ""


@dataclass
class LevelLine:
    """A trait that was not targeted: its median at each level (off-target drift)."""

    name: str
    points: list[tuple[int, float]] = field(default_factory=list)
    tip: str = ""


_TARGET, _OTHER, _IDEAL = "#0072b2", "#9a9a9a", "#d55e00"


def level_chart(title: str, points: Sequence[LevelPoint], others: Sequence[LevelLine], *, lo: float, hi: float,
                label: str, levels: int = 9, width: float = 340, height: float = 220) -> Markup:
    """The median score at each target level 1…``levels`` with its interquartile band, the ideal diagonal from
    (1, ``lo``) to (``levels``, ``hi``), and the other traits' medians in grey."""
    left, right, top, bottom = 42.0, 12.0, 26.0, 38.0
    x0, x1, y0, y1 = left, width - right, height - bottom, top
    span = (hi - lo) or 1.0

    def x(level: float) -> float:
        return x0 + (level - 1) / (levels - 1) * (x1 - x0)

    def y(v: float) -> float:
        return y0 - (v - lo) / span * (y0 - y1)

    body = [f"<title>{_e(label)}</title>",
            f'<text class="colgroup" x="{_f(width / 2)}" y="16" text-anchor="middle">{_e(title)}</text>']
    for t in axis_ticks(lo, hi):
        body.append(f'<line class="grid" x1="{_f(x0)}" x2="{_f(x1)}" y1="{_f(y(t))}" y2="{_f(y(t))}"/>')
        body.append(f'<text class="tick" x="{_f(x0 - 5)}" y="{_f(y(t) + 4)}" text-anchor="end">{_e(general(t))}'
                    '</text>')
    for level in range(1, levels + 1):
        body.append(f'<text class="tick" x="{_f(x(level))}" y="{_f(y0 + 14)}" text-anchor="middle">{level}</text>')
    body.append(f'<text class="tick" x="{_f(width / 2)}" y="{_f(height - 6)}" text-anchor="middle">'
                f'target level (1 = extremely low … {levels} = extremely high)</text>')
    body.append(f'<line x1="{_f(x(1))}" y1="{_f(y(lo))}" x2="{_f(x(levels))}" y2="{_f(y(hi))}" stroke="{_IDEAL}" '
                'stroke-dasharray="5 4" stroke-width="1.5"><title>ideal: the level mapped onto the scale range'
                '</title></line>')
    for other in others:
        pts = [(lv, m) for lv, m in other.points if not missing(m)]
        if len(pts) >= 2:
            path = " ".join(f"{_f(x(lv))},{_f(y(m))}" for lv, m in pts)
            body.append(f'<polyline points="{path}" fill="none" stroke="{_OTHER}" stroke-width="1">'
                        f'<title>{_e(other.tip or other.name)}</title></polyline>')
    band = [p for p in points if not (missing(p.q1) or missing(p.q3))]
    if len(band) >= 2:
        upper = " ".join(f"{_f(x(p.level))},{_f(y(p.q3))}" for p in band)
        lower = " ".join(f"{_f(x(p.level))},{_f(y(p.q1))}" for p in reversed(band))
        body.append(f'<polygon points="{upper} {lower}" fill="{_TARGET}" fill-opacity="0.15" stroke="none">'
                    '<title>interquartile range of the respondents</title></polygon>')
    shown = [p for p in points if not missing(p.median)]
    if len(shown) >= 2:
        path = " ".join(f"{_f(x(p.level))},{_f(y(p.median))}" for p in shown)
        body.append(f'<polyline points="{path}" fill="none" stroke="{_TARGET}" stroke-width="2.5"/>')
    for p in shown:
        body.append(f'<circle cx="{_f(x(p.level))}" cy="{_f(y(p.median))}" r="3.5" fill="{_TARGET}">'
                    f'<title>{_e(p.tip or num(p.median))}</title></circle>')
    if not shown:
        body.append(f'<text class="missing" x="{_f((x0 + x1) / 2)}" y="{_f((y0 + y1) / 2)}" text-anchor="middle">'
                    'no scored respondents</text>')
    return _svg(width, height, body, label, "levels")


__all__ = [
    "BAND_COLOURS", "BAND_NAMES", "CoefPoint", "CoefRow", "DotRow", "LevelLine", "LevelPoint", "PairRow",
    "axis_ticks", "band_swatch", "distribution_bar", "diverging", "dot_whisker", "gradient_legend", "heatmap",
    "level_chart", "nice_ticks", "paired_dots", "reliability_chart", "trend_chart", "value_colours",
]
