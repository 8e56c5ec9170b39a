"""The schedule's index page: trend charts per scale across versions, findings, links to every report.

One self-contained HTML file rendered from ``templates/report/schedule/index.html.j2`` (which extends the
report stage's ``base.html.j2``: same style, the same Content-Security-Policy forbidding every external load,
autoescape on). The charts are hand-built inline SVG; every label passes through :func:`markupsafe.escape`.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from psychometrics.schedule._records import Check, ScheduleSummary, VersionResult

CHECK_TITLES = {
    "scale_shift": "scale shift",
    "reliability_drop": "reliability drop",
    "order_sensitivity_rise": "order-sensitivity rise",
}


def _e(x: object) -> str:
    return str(escape(str(x)))


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _ok(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def short_model(model: str, n: int = 22) -> str:
    """The last part of a model string, cut to ``n`` characters (the full string goes in a tooltip)."""
    tail = model.rsplit("/", 1)[-1]
    return tail if len(tail) <= n else tail[: n - 1] + "…"


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if not (_ok(lo) and _ok(hi)) or hi <= lo:
        return []
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step) * step
    out, x = [], start
    while x <= hi + 1e-9:
        out.append(round(x, 10))
        x += step
    return out


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

    body: list[str] = []
    for t in _ticks(lo, hi):
        body.append(f'<line class="grid" x1="{_f(left)}" x2="{_f(left + w)}" y1="{_f(y(t))}" y2="{_f(y(t))}"/>')
        body.append(f'<text class="tick" x="{_f(left - 6)}" y="{_f(y(t) + 4)}" text-anchor="end">{t:g}</text>')
    body.append(f'<line class="midline" x1="{_f(left)}" x2="{_f(left + w)}" y1="{_f(y((lo + hi) / 2))}" '
                f'y2="{_f(y((lo + hi) / 2))}"/>')
    points = [(x(i), y(m)) for i, m in enumerate(means) if _ok(m)]
    if len(points) > 1:
        path = " ".join(f"{_f(px)},{_f(py)}" for px, py in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="#9aa0a6" stroke-width="1.5"/>')
    for i, label in enumerate(labels):
        cx = x(i)
        tip = tips[i] if i < len(tips) else label
        body.append(f'<text class="tick" x="{_f(cx)}" y="{_f(top + h + 18)}" text-anchor="middle">'
                    f'<title>{_e(tip)}</title>{_e(label)}</text>')
        m = means[i]
        if not _ok(m):
            body.append(f'<text class="missing" x="{_f(cx)}" y="{_f(top + h / 2)}" text-anchor="middle">no score'
                        f'</text>')
            continue
        l, u = lows[i], highs[i]
        ci = ""
        if _ok(l) and _ok(u):
            body.append(f'<line class="whisker" x1="{_f(cx)}" x2="{_f(cx)}" y1="{_f(y(l))}" y2="{_f(y(u))}"/>')
            for end in (l, u):
                body.append(f'<line class="whisker" x1="{_f(cx - 4)}" x2="{_f(cx + 4)}" y1="{_f(y(end))}" '
                            f'y2="{_f(y(end))}"/>')
            ci = f", 95% CI [{l:.2f}, {u:.2f}]"
        flag = bool(flagged[i]) if i < len(flagged) else False
        text = f"{tip}: mean {m:.2f}{ci}" + (" — drift against its baseline" if flag else "")
        if flag:
            body.append(f'<circle cx="{_f(cx)}" cy="{_f(y(m))}" r="9" fill="none" stroke="#b42318" '
                        f'stroke-width="2.5"/>')
        body.append(f'<circle class="dot" cx="{_f(cx)}" cy="{_f(y(m))}" r="5"><title>{_e(text)}</title></circle>')
    label = f"{title}: mean score per version with 95% confidence intervals"
    return Markup(
        f'<svg class="chart" role="img" aria-label="{_e(label)}" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'width="100%" style="max-width:{_f(width)}px" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{_e(label)}</title>{"".join(body)}</svg>'
    )


def _fmt(x: float, digits: int = 2, signed: bool = False) -> str:
    if not _ok(x):
        return "—"
    text = f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"
    return text.replace("-", "−")


def _p(p: float) -> str:
    if not _ok(p):
        return "—"
    if p < 0.001:
        return "< .001"
    return f"{p:.3f}".lstrip("0") if p < 0.01 else (f"{p:.2f}".lstrip("0") if p < 0.995 else "1.00")


def _check_row(c: Check) -> dict[str, Any]:
    return {
        "kind": CHECK_TITLES[c.kind], "inventory": c.inventory, "scale": c.scale, "scale_name": c.scale_name,
        "model": c.model, "baseline_model": c.baseline_model, "statistic": c.statistic,
        "baseline_value": _fmt(c.baseline_value), "value": _fmt(c.value), "size": _fmt(c.size, signed=True),
        "ci": (f"[{_fmt(c.ci_low, signed=True)}, {_fmt(c.ci_high, signed=True)}]"
               if _ok(c.ci_low) and _ok(c.ci_high) else "—"),
        "threshold": ("±" if c.kind == "scale_shift" else "") + _fmt(c.threshold), "units": c.units,
        "test": c.test, "p": _p(c.p), "drift": c.drift, "reason": c.reason, "summary": c.summary,
    }


def _trends(summary: ScheduleSummary) -> list[dict[str, Any]]:
    versions = [v for v in summary.versions]
    flagged: set[tuple[str, str, str]] = {(f.model, f.inventory, f.scale) for f in summary.findings
                                          if f.kind == "scale_shift"}
    keys: list[tuple[str, str]] = []
    info: dict[tuple[str, str], Any] = {}
    for v in versions:
        for s in v.scales:
            if (s.inventory, s.scale) not in info:
                keys.append((s.inventory, s.scale))
                info[(s.inventory, s.scale)] = s
    labels = [f"#{v.position + 1}" for v in versions]
    tips = [v.model + (f" at {v.api_base}" if v.api_base else "") for v in versions]
    groups: dict[str, list[dict[str, Any]]] = {}
    for inv, sc in keys:
        first = info[(inv, sc)]
        by_v = [{(p.inventory, p.scale): p for p in v.scales}.get((inv, sc)) for v in versions]
        means = [p.mean if p else math.nan for p in by_v]
        lows = [p.ci_low if p else math.nan for p in by_v]
        highs = [p.ci_high if p else math.nan for p in by_v]
        chart = trend_chart(f"{inv} / {first.name}", labels, tips, means, lows, highs, lo=first.score_min,
                            hi=first.score_max, flagged=[(v.model, inv, sc) in flagged for v in versions])
        rows = [{"label": f"{labels[i]} {short_model(versions[i].model)}", "tip": tips[i], "mean": _fmt(means[i]),
                 "ci": f"[{_fmt(lows[i])}, {_fmt(highs[i])}]" if _ok(lows[i]) and _ok(highs[i]) else "",
                 "reliability": _fmt(p.reliability) if p else "—", "flip": _fmt(p.flip_share) if p else "—",
                 "verdict": p.verdict if p else None, "n": p.n if p else 0} for i, p in enumerate(by_v)]
        groups.setdefault(inv, []).append({"scale": sc, "name": first.name, "chart": chart, "rows": rows,
                                           "range": f"{first.score_min:g}–{first.score_max:g}"})
    return [{"inventory": inv, "scales": scales} for inv, scales in groups.items()]


def _version_row(v: VersionResult) -> dict[str, Any]:
    return {
        "n": v.position + 1, "model": v.model, "api_base": v.api_base, "source": v.source, "run_id": v.run_id,
        "status": v.status, "asked": v.asked, "counts": v.counts, "report": v.report, "error": v.error,
        "created": _dt.datetime.fromtimestamp(v.created, tz=_dt.timezone.utc).strftime("%Y-%m-%d")
        if v.created else None,
    }


def index_context(summary: ScheduleSummary) -> dict[str, Any]:
    """Everything the index template shows (plain values; the template escapes them)."""
    from psychometrics import __version__

    t = summary.thresholds
    if summary.exit_code == 1:
        status, status_class = "errors: see below", "fail"
    elif summary.drift:
        n = len(summary.findings)
        status, status_class = f"drift found ({n} finding{'s' if n != 1 else ''})", "fail"
    else:
        status, status_class = "no drift", "pass"
    comparisons = []
    for c in summary.comparisons:
        comparisons.append({
            "model": c.model, "baseline_model": c.baseline_model, "report": c.report, "drift": c.drift,
            "n_findings": sum(x.drift for x in c.checks), "n_checks": len(c.checks),
            "n_undecided": sum(1 for x in c.checks if not _ok(x.ci_low) or not _ok(x.ci_high)),
            "checks": [_check_row(x) for x in c.checks],
        })
    generated = _dt.datetime.fromtimestamp(summary.generated_at or 0, tz=_dt.timezone.utc)
    return {
        "title": f"Scheduled audits: {summary.plan}",
        "generated": generated.strftime("%Y-%m-%d %H:%M UTC"),
        "report_version": __version__,
        "summary": summary,
        "status": status,
        "status_class": status_class,
        "findings": [_check_row(f) for f in summary.findings],
        "versions": [_version_row(v) for v in summary.versions],
        "comparisons": comparisons,
        "trends": _trends(summary),
        "design": summary.design,
        "thresholds": {
            "scale_shift": t.scale_shift, "scale_shift_percent": t.scale_shift_percent,
            "scale_shift_sum": t.scale_shift_sum, "reliability_drop": t.reliability_drop,
            "reliability_coefficient": t.reliability_coefficient,
            "order_sensitivity_rise": t.order_sensitivity_rise,
        },
        "coefficient_name": "Cronbach's α" if t.reliability_coefficient == "alpha" else "McDonald's ω",
    }


def render_index(summary: ScheduleSummary) -> str:
    """The index page as one self-contained HTML document."""
    from psychometrics.report import render

    return render("schedule/index.html.j2", index_context(summary))


def write_index(summary: ScheduleSummary, path: str | Path) -> Path:
    """Write the index page to ``path`` (its folder must exist) and return the path."""
    p = Path(path)
    p.write_text(render_index(summary), encoding="utf-8")
    return p
