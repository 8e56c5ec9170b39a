"""The schedule's index page: trend charts per scale across versions, findings, links to every report.

One self-contained HTML file rendered by the report stage's environment from
``templates/report/schedule/index.html.j2`` (which extends ``base.html.j2``: same style, the same
Content-Security-Policy forbidding every external load, autoescape on). The trend charts are the report stage's
:func:`~psychometrics.report.trend_chart`; numbers read as :mod:`psychometrics._format` words them.
"""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import Any

from psychometrics._format import DASH, coef, general, interval, missing, num, pvalue
from psychometrics.schedule._records import Check, ScheduleSummary, VersionResult
from psychometrics.score import ScaleRetest

CHECK_TITLES = {
    "scale_shift": "scale shift",
    "reliability_drop": "reliability drop",
    "order_sensitivity_rise": "order-sensitivity rise",
}


def short_model(model: str, n: int = 22) -> str:
    """The last part of a model string, cut to ``n`` characters (the full string goes in a tooltip)."""
    tail = model.rsplit("/", 1)[-1]
    return tail if len(tail) <= n else tail[: n - 1] + "…"


def _check_row(c: Check) -> dict[str, Any]:
    return {
        "kind": CHECK_TITLES[c.kind], "inventory": c.inventory, "scale": c.scale, "scale_name": c.scale_name,
        "model": c.model, "baseline_model": c.baseline_model, "statistic": c.statistic,
        "baseline_value": num(c.baseline_value), "value": num(c.value), "size": num(c.size, signed=True),
        "ci": interval(c.ci_low, c.ci_high, signed=True, empty=DASH),
        "threshold": ("±" if c.kind == "scale_shift" else "") + num(c.threshold), "units": c.units,
        "test": c.test, "p": pvalue(c.p), "drift": c.drift, "reason": c.reason, "summary": c.summary,
        "verdict": c.verdict, "detectable": num(c.detectable),
    }


def _retest_row(r: ScaleRetest) -> dict[str, Any]:
    return {"inventory": r.inventory, "scale": r.scale, "agreement": _icc(r.agreement),
            "consistency": _icc(r.consistency), "n": r.n, "n_unmatched": r.n_unmatched,
            "assessable": r.assessable, "reason": r.reason}


def _trends(summary: ScheduleSummary) -> list[dict[str, Any]]:
    from psychometrics.report import trend_chart

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
        rows = [{"number": labels[i], "model": short_model(versions[i].model), "tip": tips[i], "mean": num(means[i]),
                 "ci": interval(lows[i], highs[i]),
                 "reliability": num(p.reliability) if p else DASH, "flip": num(p.flip_share) if p else DASH,
                 "verdict": p.verdict if p else None, "n": p.n if p else 0} for i, p in enumerate(by_v)]
        groups.setdefault(inv, []).append({"scale": sc, "name": first.name, "chart": chart, "rows": rows,
                                           "range": f"{general(first.score_min)}–{general(first.score_max)}"})
    return [{"inventory": inv, "scales": scales} for inv, scales in groups.items()]


def design_value(value: Any) -> str:
    """A design setting in words: a list as ``a, b``, a mapping as ``key = value, …``, ``None`` as ``none``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(design_value(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} = {design_value(v)}" for k, v in value.items() if v is not None) or "none"
    return general(value) if isinstance(value, float) else str(value)


def _stability(summary: ScheduleSummary) -> dict[str, Any]:
    """Each version's stability across its repeated samples (rows), or the distinct reasons there is none."""
    rows = []
    for v in summary.versions:
        for r in v.sample_retest:
            rows.append({"number": f"#{v.position + 1}", "model": v.model, "inventory": r.inventory,
                         "scale": r.scale, "samples": r.n_samples, "temperature": general(r.temperature)
                         if r.temperature is not None else DASH, "n": r.agreement.n,
                         "agreement": _icc(r.agreement), "consistency": _icc(r.consistency)})
    reasons = list(dict.fromkeys(f"#{v.position + 1} {v.model}: {v.sample_retest_reason}" for v in summary.versions
                                 if not v.sample_retest and v.sample_retest_reason))
    return {"rows": rows, "reasons": reasons}


def _icc(e: Any) -> dict[str, Any]:
    return {"value": coef(e.value), "ci": interval(e.ci_low, e.ci_high, apa=True),
            "reason": e.reason if missing(e.value) else None}


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
    elif summary.inconclusive:
        n = sum(x.verdict == "inconclusive" for c in summary.comparisons for x in c.checks)
        m = sum(x.verdict == "not assessable" for c in summary.comparisons for x in c.checks)
        parts = ([f"{n} check{'s' if n != 1 else ''} could not rule drift out"] if n else []) + (
            [f"{m} check{'s' if m != 1 else ''} not assessable (scale not readable)"] if m else [])
        status, status_class = "inconclusive: " + "; ".join(parts), "inconclusive"
    else:
        status, status_class = "no drift", "pass"
    comparisons = []
    for c in summary.comparisons:
        comparisons.append({
            "model": c.model, "baseline_model": c.baseline_model, "report": c.report, "drift": c.drift,
            "n_findings": sum(x.drift for x in c.checks), "n_checks": len(c.checks),
            "n_inconclusive": sum(x.verdict == "inconclusive" for x in c.checks),
            "n_not_assessable": sum(x.verdict == "not assessable" for x in c.checks),
            "n_undecided": sum(1 for x in c.checks if missing(x.ci_low) or missing(x.ci_high)),
            "checks": [_check_row(x) for x in c.checks],
            "retest": [_retest_row(x) for x in c.retest], "retest_reason": c.retest_reason, "retest_note": c.retest_note,
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
        "stability": _stability(summary),
        "comparisons": comparisons,
        "trends": _trends(summary),
        "design": {k: design_value(v) for k, v in summary.design.items()},
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
