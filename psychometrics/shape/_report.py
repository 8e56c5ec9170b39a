"""The shaping page: per targeted trait, the measured score against the target level, and the metrics table.

Rendered by the report stage (:func:`psychometrics.report.render`) from ``templates/report/shape.html.j2``, which
extends the audit report's base: the same Content-Security-Policy (nothing loads from anywhere, no script), the same
style and macros, autoescape on. The charts are the report stage's :func:`~psychometrics.report.level_chart`:
the median score at each level with its interquartile band, the ideal diagonal and the other traits' medians in
grey (off-target drift).
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any

from psychometrics._format import coef, missing, num, p_is, pct
from psychometrics.plan import LEVEL_NAMES
from psychometrics.report import CSP, LevelLine, LevelPoint, level_chart, render
from psychometrics.shape._model import ShapingResult, TraitShaping

__all__ = ["CSP", "shaping_context", "shaping_page_html", "write_shaping_report"]


def _chart(t: TraitShaping, levels: list[int]) -> Any:
    points = [LevelPoint(lv.level, lv.median, lv.q1, lv.q3,
                         tip=f"level {lv.level} ({LEVEL_NAMES.get(lv.level, '')}): median {num(lv.median)}, "
                             f"{lv.n_respondents} respondents, refusals {pct(lv.refusal_rate)}")
              for lv in t.levels]
    others = [LevelLine(d.trait, list(zip(levels, d.medians)),
                        tip=f"{d.trait} (not targeted): rho with level {coef(d.rho.value)}") for d in t.drift]
    label = (f"{t.trait}: measured {t.scale} score (median) against the target level 1–9; "
             f"Spearman rho {coef(t.rho.value)}")
    return level_chart(t.trait, points, others, lo=t.scale_min, hi=t.scale_max, label=label)


def _refusals(t: TraitShaping) -> str:
    rates = [lv.refusal_rate for lv in t.levels if not missing(lv.refusal_rate)]
    if not rates:
        return "—"
    span = f"{pct(min(rates))}–{pct(max(rates))}" if min(rates) != max(rates) else pct(rates[0])
    if t.refusal.rises is True:
        verdict = f"rises (z = {num(t.refusal.z)}, p {p_is(t.refusal.p)})"
    elif missing(t.refusal.z):
        verdict = "flat"
    else:
        verdict = f"no rise (z = {num(t.refusal.z)}, p {p_is(t.refusal.p)})"
    return f"{span}; {verdict}"


def shaping_context(result: ShapingResult) -> dict[str, Any]:
    """Everything the shaping template shows (records and plain values; the template escapes them)."""
    from psychometrics import __version__

    levels = list(result.levels)
    traits = []
    for t in result.traits:
        reasons = [t.rho.reason, t.diff_reason, f"ρ within: {t.rho_within.reason}" if t.rho_within.reason else None,
                   f"drift: {t.drift_reason}" if t.drift_reason else None]
        traits.append({
            "trait": t.trait, "scale": t.scale, "rho": t.rho, "rho_within": t.rho_within, "median_low": t.median_low,
            "median_high": t.median_high, "median_diff": t.median_diff, "diff_share": t.diff_share,
            "drift_mean_abs_rho": t.drift_mean_abs_rho, "drift_max_abs_share": t.drift_max_abs_share,
            "refusals": _refusals(t), "reasons": [r for r in reasons if r], "chart": _chart(t, levels),
        })
    return {
        "title": f"Shaping — {result.model} — {result.inventory}",
        "result": result,
        "levels": levels,
        "traits": traits,
        "counts": [(s, result.counts.get(s, 0)) for s in ("ok", "refused", "invalid", "error")],
        "biographies": f" × {len(result.personas)} biographies" if result.personas else "",
        "generated": _dt.datetime.now(tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "report_version": __version__,
    }


def shaping_page_html(result: ShapingResult) -> str:
    """The shaping page as one self-contained HTML document (no script, the audit report's CSP)."""
    return render("shape.html.j2", shaping_context(result))


def write_shaping_report(result: ShapingResult, out_dir: str | Path = "reports") -> Path:
    """Write ``<out_dir>/shape-<run_id>.html``, or ``out_dir`` itself when it ends in ``.html``, and return its
    path."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", result.run_id or "run")
    out = Path(out_dir)
    path = out if out.suffix.lower() in (".html", ".htm") else out / f"shape-{safe}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(shaping_page_html(result), encoding="utf-8")
    return path
