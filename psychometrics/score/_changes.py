"""What changed between two runs, in words: the headline list and the caveats of a :class:`Comparison`."""

from __future__ import annotations

import math

from psychometrics._format import coef, missing, num, p_is, pct, pvalue
from psychometrics.score._comparison import Comparison

RATE_CHANGE_MIN = 0.05
"""A refusal or invalid-reply rate is listed as changed when it moves by at least this much (5 points)."""
FEW_RESPONDENTS = 10
"""A scale with fewer respondents than this in a run carries a warning: its test has little power."""


def _scale_label(inv: str, name: str) -> str:
    return f"{inv} {name}"


def what_changed(c: Comparison) -> list[str]:
    """The headline differences of a comparison, most important first."""
    out: list[str] = []
    a, b = c.run_a, c.run_b
    if a.model != b.model:
        out.append(f"Model: {a.model} → {b.model}.")
    if a.tool_version != b.tool_version:
        out.append(f"psychometrics version: {a.tool_version or '—'} → {b.tool_version or '—'}.")
    if a.mode != b.mode:
        out.append(f"Answer mode: {a.mode or '—'} → {b.mode or '—'} (log-probabilities and generated text can "
                   "differ by themselves).")
    design = []
    if a.templates != b.templates:
        design.append(f"templates {', '.join(a.templates) or '—'} → {', '.join(b.templates) or '—'}")
    if a.orders != b.orders:
        design.append(f"orders {', '.join(a.orders) or '—'} → {', '.join(b.orders) or '—'}")
    if a.samples != b.samples:
        design.append(f"samples {a.samples} → {b.samples}")
    if design:
        out.append("Design: " + "; ".join(design) + ".")
    if c.prompts_reworded:
        out.append(f"Prompt wording: {c.prompts_reworded} of the {c.prompts_shared} question variants asked in both "
                   "runs were worded differently (a template or an item's text changed between the runs).")
    moved = [s for s in c.scales if s.changed]
    moved.sort(key=lambda s: -abs(s.effect_size) if not missing(s.effect_size) else 0)
    for s in moved[:8]:
        out.append(
            f"{_scale_label(s.inventory, s.name)}: {num(s.mean_a)} → {num(s.mean_b)} "
            f"({num(s.diff, signed=True)}, 95% CI [{num(s.ci_low)}, {num(s.ci_high)}], {s.test} "
            f"p {p_is(s.p)}, Holm p {p_is(s.p_holm)}, {s.effect_size_name} {num(s.effect_size)}; "
            f"n = {s.n_a} / {s.n_b})."
        )
    if len(moved) > 8:
        out.append(f"… and {len(moved) - 8} more scale(s) changed significantly (see the table).")
    tested = [s for s in c.scales if s.changed is not None]
    if c.scales and not moved:
        untested = len(c.scales) - len(tested)
        same = sum(s.verdict == "no change" for s in c.scales)
        open_ = [s for s in c.scales if s.verdict == "inconclusive"]
        closed = [s for s in c.scales if s.verdict == "not assessable"]
        line = (f"No scale score changed significantly: Holm-adjusted p ≥ {pvalue(c.significance)} for all "
                f"{len(tested)} tested scale(s)" + (f" ({untested} could not be tested)" if untested else "") + "; "
                f"{same} shown unchanged (90% interval inside ±the bound)")
        if open_:
            worst = max((s.detectable for s in open_ if not missing(s.detectable)), default=math.nan)
            line += (f", {len(open_)} inconclusive: their intervals reach past the bound"
                     + (f" (the design could only detect shifts of {num(worst)} points or more)"
                        if not missing(worst) else ""))
        if closed:
            line += (f", {len(closed)} not assessable: not readable as traits in a run ("
                     + "; ".join(f"{s.inventory}:{s.scale}" for s in closed[:5])
                     + (f" and {len(closed) - 5} more" if len(closed) > 5 else "") + ")")
        out.append(line + ".")
    for r in c.reliability:
        if r.band_a and r.band_b and r.band_a != r.band_b and r.alpha_a and r.alpha_b:
            out.append(f"{r.inventory} {r.scale}: α {coef(r.alpha_a.value)} ({r.band_a}) → "
                       f"{coef(r.alpha_b.value)} ({r.band_b}).")
    for o in c.order_sensitivity:
        if o.verdict_a and o.verdict_b and o.verdict_a != o.verdict_b:
            out.append(f"{o.inventory} {o.scale}: sensitivity verdict {o.verdict_a} → {o.verdict_b}.")
    for what, ra, rb in (("Refusal rate", a.refusal_rate, b.refusal_rate),
                         ("Invalid-reply rate", a.invalid_rate, b.invalid_rate)):
        if not missing(ra) and not missing(rb) and abs(rb - ra) >= RATE_CHANGE_MIN:
            out.append(f"{what}: {pct(ra)} → {pct(rb)}.")
    if c.only_in_a:
        out.append(f"Scored only in run A: {', '.join(c.only_in_a)}.")
    if c.only_in_b:
        out.append(f"Scored only in run B: {', '.join(c.only_in_b)}.")
    if not out:
        out.append("Nothing to compare: the runs share no scored scale.")
    return out


def comparison_notes(c: Comparison) -> list[str]:
    """Caveats about the comparison as a whole."""
    notes = []
    if not c.scales:
        notes.append("The two runs share no scored scale, so no difference can be computed.")
    small = [s for s in c.scales if 0 < min(s.n_a, s.n_b) < FEW_RESPONDENTS]
    if small:
        notes.append(f"Some scales have fewer than {FEW_RESPONDENTS} respondents in a run: a real change may not "
                     "reach significance. Add samples or templates for a sharper comparison.")
    if c.run_a.templates != c.run_b.templates or c.run_a.orders != c.run_b.orders:
        notes.append("The runs used different templates or option orders: part of any difference may come from "
                     "the design rather than the model.")
    if c.prompts_reworded:
        notes.append(f"{c.prompts_reworded} of {c.prompts_shared} prompts shown in both runs were worded differently: "
                     "part of any difference may come from the wording rather than the model. Re-audit the "
                     "reference model with the current templates for a like-for-like comparison.")
    return notes
