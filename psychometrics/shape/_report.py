"""The shaping section of the HTML report, and a minimal self-contained page around it.

:func:`shaping_section_html` returns a fragment (``<section id="shaping">``) the audit report can include:
per targeted trait a hand-built inline SVG of the measured score against the target level, with the ideal
diagonal, the interquartile band and the other traits' medians in grey (off-target drift), followed by the
metrics table. Every text that reaches the HTML or the SVG goes through :func:`markupsafe.escape`; there is no
script and nothing is loaded from anywhere.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from markupsafe import Markup, escape

from psychometrics.plan import LEVEL_NAMES
from psychometrics.shape._model import ShapingResult, TraitShaping

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""Content-Security-Policy of the standalone page: no script, no network, inline styles and data: images."""

_W, _H = 300, 220
_L, _R, _T, _B = 42, 12, 26, 38
_TARGET = "#0072b2"
_OTHER = "#9a9a9a"
_IDEAL = "#d55e00"

_STYLE = """
#shaping { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1b1b; }
#shaping .shaping-charts { display: flex; flex-wrap: wrap; gap: 12px; }
#shaping figure { margin: 0; width: 300px; }
#shaping figcaption { font-size: 12px; color: #444; }
#shaping table { border-collapse: collapse; font-size: 13px; margin: 12px 0; }
#shaping th, #shaping td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: right; }
#shaping td { white-space: nowrap; }
#shaping th:first-child, #shaping td:first-child { text-align: left; }
#shaping td.reason { text-align: left; color: #7a4b00; font-size: 12px; white-space: normal; }
#shaping .note { font-size: 12px; color: #444; max-width: 60em; }
"""


def _e(text: object) -> str:
    return str(escape(str(text)))


def _missing(x: float | None) -> bool:
    return x is None or not math.isfinite(float(x))


def _num(x: float | None, digits: int = 2) -> str:
    if _missing(x):
        return "—"
    f = float(x)  # type: ignore[arg-type]
    text = f"{abs(f):.{digits}f}"
    return ("−" + text) if f < 0 and float(text) != 0 else text


def _coef(x: float | None) -> str:
    """A coefficient bounded by 1, APA style (``.83``, ``−.12``)."""
    text = _num(x, 2)
    return text.replace("0.", ".", 1) if text.startswith(("0.", "−0.")) else text


def _pct(x: float | None) -> str:
    return "—" if _missing(x) else f"{100 * float(x):.0f} %"  # type: ignore[arg-type]


def _p(x: float | None) -> str:
    if _missing(x):
        return "—"
    return "< .001" if float(x) < 0.001 else _coef(x).lstrip("0")  # type: ignore[arg-type]


def _chart(t: TraitShaping, levels: list[int]) -> str:
    lo, hi = t.scale_min, t.scale_max
    span = (hi - lo) or 1.0
    x0, x1 = _L, _W - _R
    y0, y1 = _H - _B, _T

    def x(level: float) -> float:
        return x0 + (level - 1) / 8 * (x1 - x0)

    def y(v: float) -> float:
        return y0 - (v - lo) / span * (y0 - y1)

    parts: list[str] = []
    label = (f"{t.trait}: measured {t.scale} score (median) against the target level 1–9; "
             f"Spearman rho {_coef(t.rho.value)}")
    parts.append(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="100%" role="img" '
                 f'aria-label="{_e(label)}">')
    parts.append(f'<title>{_e(label)}</title>')
    parts.append(f'<text x="{_W / 2:.1f}" y="16" text-anchor="middle" font-size="13" font-weight="600">'
                 f'{_e(t.trait)}</text>')
    # axes and grid
    for k in range(5):
        v = lo + k * span / 4
        parts.append(f'<line x1="{x0}" x2="{x1}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{x0 - 5}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="10">{_e(_num(v, 1))}</text>')
    for level in range(1, 10):
        parts.append(f'<text x="{x(level):.1f}" y="{y0 + 14}" text-anchor="middle" font-size="10">{level}</text>')
    parts.append(f'<line x1="{x0}" x2="{x1}" y1="{y0}" y2="{y0}" stroke="#666"/>')
    parts.append(f'<line x1="{x0}" x2="{x0}" y1="{y0}" y2="{y1}" stroke="#666"/>')
    parts.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{_H - 6}" text-anchor="middle" font-size="9.5">'
                 f'{_e("target level (1 = extremely low … 9 = extremely high)")}</text>')
    # ideal diagonal
    parts.append(f'<line x1="{x(1):.1f}" y1="{y(lo):.1f}" x2="{x(9):.1f}" y2="{y(hi):.1f}" stroke="{_IDEAL}" '
                 f'stroke-dasharray="5 4" stroke-width="1.5"><title>{_e("ideal: the level mapped onto the scale range")}'
                 f'</title></line>')
    # other traits (drift)
    for d in t.drift:
        pts = [(lv, m) for lv, m in zip(levels, d.medians) if not _missing(m)]
        if len(pts) >= 2:
            path = " ".join(f"{x(lv):.1f},{y(m):.1f}" for lv, m in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{_OTHER}" stroke-width="1">'
                         f'<title>{_e(f"{d.trait} (not targeted): rho with level {_coef(d.rho.value)}")}</title>'
                         f'</polyline>')
    # interquartile band of the targeted trait
    band = [(lv.level, lv.q1, lv.q3) for lv in t.levels if not (_missing(lv.q1) or _missing(lv.q3))]
    if len(band) >= 2:
        upper = " ".join(f"{x(lv):.1f},{y(q3):.1f}" for lv, _, q3 in band)
        lower = " ".join(f"{x(lv):.1f},{y(q1):.1f}" for lv, q1, _ in reversed(band))
        parts.append(f'<polygon points="{upper} {lower}" fill="{_TARGET}" fill-opacity="0.15" stroke="none">'
                     f'<title>{_e("interquartile range of the respondents")}</title></polygon>')
    pts = [(lv.level, lv.median, lv) for lv in t.levels if not _missing(lv.median)]
    if len(pts) >= 2:
        path = " ".join(f"{x(level):.1f},{y(m):.1f}" for level, m, _ in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{_TARGET}" stroke-width="2.5"/>')
    for level, m, lv in pts:
        tip = (f"level {level} ({LEVEL_NAMES.get(level, '')}): median {_num(m)}, "
               f"{lv.n_respondents} respondents, refusals {_pct(lv.refusal_rate)}")
        parts.append(f'<circle cx="{x(level):.1f}" cy="{y(m):.1f}" r="3.5" fill="{_TARGET}"><title>{_e(tip)}</title>'
                     f'</circle>')
    if not pts:
        parts.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{(y0 + y1) / 2:.1f}" text-anchor="middle" font-size="12">'
                     f'{_e("no scored respondents")}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _refusal_cell(t: TraitShaping) -> str:
    rates = [lv.refusal_rate for lv in t.levels if not _missing(lv.refusal_rate)]
    if not rates:
        return "—"
    span = f"{_pct(min(rates))}–{_pct(max(rates))}" if min(rates) != max(rates) else _pct(rates[0])
    if t.refusal.rises is True:
        verdict = f"rises (z = {_num(t.refusal.z)}, p {_p(t.refusal.p)})"
    elif _missing(t.refusal.z):
        verdict = "flat"
    else:
        verdict = f"no rise (z = {_num(t.refusal.z)}, p {_p(t.refusal.p)})"
    return f"{span}; {verdict}"


def shaping_section_html(result: ShapingResult) -> Markup:
    """A self-contained HTML fragment ``<section id="shaping">`` with the charts and the metrics table."""
    levels = list(result.levels)
    out: list[str] = [f'<section id="shaping"><style>{_STYLE}</style>']
    out.append("<h2>Shaping: can the personality be steered?</h2>")
    bios = f" × {len(result.personas)} biographies" if result.personas else ""
    out.append(
        f'<p class="note">{_e(result.model)} was asked to take on each of {len(levels)} levels '
        f'({_e(", ".join(map(str, levels)))}) of each trait with adjective markers, then given '
        f'{_e(result.inventory)}. {result.respondents_per_level} respondents per trait and level '
        f'(templates × orders × samples{_e(bios)}), {result.n_respondents} in all; answers scored by '
        f'{_e(result.value_column)}.</p>'
    )
    out.append('<div class="shaping-charts">')
    for t in result.traits:
        out.append(f"<figure>{_chart(t, levels)}<figcaption>{_e(t.scale)}: median (blue) and interquartile band; "
                   f"dashed = ideal; grey = other traits.</figcaption></figure>")
    out.append("</div>")
    out.append("<table><thead><tr><th>trait</th><th>ρ [95 % CI]</th><th>n</th><th>ρ within</th>"
               f"<th>median at {levels[0] if levels else '—'}</th><th>median at {levels[-1] if levels else '—'}</th>"
               "<th>difference (share of range)</th><th>drift mean |ρ|</th><th>drift max |share|</th>"
               "<th>refusals</th><th>note</th></tr></thead><tbody>")
    for t in result.traits:
        ci = f"[{_coef(t.rho.ci_low)}, {_coef(t.rho.ci_high)}]" if not _missing(t.rho.ci_low) else ""
        reasons = [t.rho.reason, t.diff_reason,
                   f"ρ within: {t.rho_within.reason}" if t.rho_within.reason else None,
                   f"drift: {t.drift_reason}" if t.drift_reason else None]
        reason = "; ".join(r for r in reasons if r)
        out.append(
            f"<tr><td>{_e(t.trait)}</td><td>{_e(_coef(t.rho.value))} {_e(ci)}</td><td>{t.rho.n}</td>"
            f"<td>{_e(_coef(t.rho_within.median))}</td>"
            f"<td>{_e(_num(t.median_low))}</td><td>{_e(_num(t.median_high))}</td>"
            f"<td>{_e(_num(t.median_diff))} ({_e(_pct(t.diff_share))})</td>"
            f"<td>{_e(_coef(t.drift_mean_abs_rho))}</td><td>{_e(_pct(t.drift_max_abs_share))}</td>"
            f"<td>{_e(_refusal_cell(t))}</td><td class=\"reason\">{_e(reason)}</td></tr>"
        )
    out.append("</tbody></table>")
    out.append(
        '<p class="note">ρ: Spearman rank correlation between the target level and each respondent\'s score '
        "over all respondents and levels (psyborgs: .94–.97 for the largest model, .56–.85 for small ones); CI by "
        "Fisher z. ρ within: the same correlation within each template × order × sample × biography across the "
        "levels, median over them. Difference: median "
        "score at the highest level minus at the lowest, in points and as a share of the scale's range. Drift: "
        "how the traits that were not targeted move with the level (mean |ρ| and the largest median change as a "
        "share of range; 0 = none). Refusals: rate per level (range) and a Cochran–Armitage trend test.</p>"
    )
    out.append("</section>")
    return Markup("".join(out))


def shaping_page_html(result: ShapingResult) -> str:
    """A minimal standalone HTML page holding :func:`shaping_section_html` (no script, strict CSP)."""
    title = f"Shaping — {result.model} — {result.inventory}"
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title>"
        "<style>body { margin: 24px; max-width: 1100px; }</style></head><body>"
        f"<h1 style=\"font-family: system-ui, sans-serif\">{_e(title)}</h1>"
        f"<p style=\"font-family: system-ui, sans-serif; font-size: 13px\">run {_e(result.run_id or '—')}</p>"
        f"{shaping_section_html(result)}</body></html>\n"
    )


def write_shaping_report(result: ShapingResult, out_dir: str | Path = "reports") -> Path:
    """Write ``<out_dir>/shape-<run_id>.html`` and return its path."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", result.run_id or "run")
    path = folder / f"shape-{safe}.html"
    path.write_text(shaping_page_html(result), encoding="utf-8")
    return path
