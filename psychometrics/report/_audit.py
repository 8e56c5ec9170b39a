"""The audit report: from one run's data to the values its template shows.

Everything the template needs is computed here, as plain values; the template only lays them out. What
:class:`~psychometrics.score.AuditScores` does not hold — the heatmap of scale score by template × option order,
the per-item answer distributions and example replies, and one rendered prompt per template — is computed from
the responses frame.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from psychometrics._format import band, counts_by, missing
from psychometrics.report import _svg
from psychometrics.score import RunData, respondent_frame

SECTION_IDS: tuple[str, ...] = ("summary", "profile", "reliability", "sensitivity", "validity", "forms", "items",
                                "method")
"""The ``id`` of every section of the audit report, in page order (stable: tests and links rely on them)."""

FRAME_COLUMNS = ("inventory", "item", "template", "order", "sample", "persona", "status", "value", "raw_text", "error",
                 "prompt")
"""The response columns the page reads (with those scoring reads): not the log-probs, timings or reasoning of
every answer, which are most of a large run's bytes."""

STATUSES = ("ok", "refused", "invalid", "error")
EXAMPLES_PER_ITEM = 3
_STATUS_PRIORITY = {"invalid": 0, "refused": 1, "error": 2, "ok": 3}


# --------------------------------------------------------------------------------------------------------------
# small helpers


def utc(ts: float | None) -> str:
    """A Unix time as ``YYYY-MM-DD HH:MM UTC``; ``"—"`` when missing."""
    if ts is None or missing(ts):
        return "—"
    return _dt.datetime.fromtimestamp(float(ts), tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def provider_of(model: str, api_base: str | None) -> str:
    """The provider part of a litellm model string (``openai/gpt-4o`` → ``openai``), in words."""
    if "/" in model:
        prefix = model.split("/", 1)[0]
        names = {"sim": "sim (simulated respondent)", "local": "local (embedded llama.cpp)"}
        text = names.get(prefix, prefix)
    else:
        text = "openai (litellm default)"
    if api_base:
        text += f" at {api_base}"
    return text


def _score_digits(scoring: str) -> int:
    return 0 if scoring == "high_choice_percent" else (1 if scoring == "signed_sum" else 2)


# --------------------------------------------------------------------------------------------------------------
# summary


def _design_templates(data: RunData) -> list[str]:
    """The templates the design asked for (``all`` expanded), for a run without responses."""
    names = [t for t in data.run.design.templates if t != "all"]
    if "all" in data.run.design.templates:
        from psychometrics.plan import list_templates

        for inv in data.inventories.values():
            names.extend(list_templates(inv.kind))
    names.extend(f"file {f}" for f in data.run.design.template_files)
    return list(dict.fromkeys(names))


def summary_view(data: RunData) -> dict[str, Any]:
    run, scores, frame = data.run, data.scores, data.frame
    design = run.design
    info = scores.run
    templates = info.templates or _design_templates(data)
    orders = info.orders or list(design.orders)
    samples = len(info.samples) if info.samples else design.samples
    personas = [p for p in (info.personas or design.personas)]
    n_items = int(frame[["inventory", "item"]].drop_duplicates().shape[0]) if len(frame) else 0
    if not n_items:
        for inv in data.inventories.values():
            n_items += min(len(inv.items), design.limit_items or len(inv.items))
    counts = {s: int(run.counts.get(s, 0)) for s in STATUSES}
    if len(frame):
        observed = frame["status"].value_counts()
        counts = {s: int(observed.get(s, 0)) for s in STATUSES}
    answered = sum(counts.values())
    inventories = []
    for name in design.inventories:
        inv = data.inventories.get(name) or next((i for i in data.inventories.values() if name.endswith(".yaml")
                                                  and i.id in name), None)
        if inv is not None:
            n = int((frame["inventory"] == inv.id).sum()) if len(frame) else 0
            inventories.append({"id": inv.id, "name": inv.name, "n_items": len(inv.items), "responses": n,
                                "problem": None})
        else:
            inventories.append({"id": name, "name": name, "n_items": None, "responses": 0,
                                "problem": data.missing_inventories.get(name, "could not be loaded")})
    mode = run.mode_used or info.mode
    mode_text = {
        "logprobs": "log-probabilities: the probabilities of the option labels are read where the most likely "
                    "reply names one, and the most likely label is the answer",
        "generate": "generation: the model writes a reply and the parser reads the chosen option from it",
    }
    return {
        "model": run.model,
        "provider": provider_of(run.model, run.api_base),
        "run_id": run.run_id,
        "status": run.status,
        "created": utc(run.created_at),
        "finished": utc(run.finished_at),
        "inventories": inventories,
        "plan": {
            "n_items": n_items,
            "templates": templates,
            "orders": orders,
            "samples": samples,
            "personas": [p or "none" for p in personas],
            "cells": run.n_cells or answered,
            "design_templates": design.templates,
            "design_orders": design.orders,
            "limit_items": design.limit_items,
            "settings": design.settings,
        },
        "counts": counts,
        "answered": answered,
        "not_asked": max(0, (run.n_cells or 0) - answered),
        "mode": mode or "—",
        "mode_text": mode_text.get(mode or "", "no answer was recorded, so no mode was used"),
        "answers_by_mode": counts_by(info.answers_by_mode),
        "wall_s": run.wall_s,
        "cost_usd": run.cost_usd,
        "versions": run.versions,
        "tool_version": run.versions.get("psychometrics", "—"),
        "n_respondents": info.n_respondents,
        "n_effective": info.n_effective,
        "readability": scores.readability(),
        "unreadable": any(x.interpretable is not True for x in scores.scales),
        "respondent": info.respondent,
        "rates": scores.response_rates,
        "warnings": scores.warnings,
    }


# --------------------------------------------------------------------------------------------------------------
# per inventory


@dataclass
class InventoryView:
    id: str
    name: str
    kind: str
    scoring: str
    citation: str
    license: str
    scales: list[Any] = field(default_factory=list)
    """ScaleScore records of the inventory."""
    norms: dict[str, Any] = field(default_factory=dict)
    profile_chart: Markup | None = None
    has_norms: bool = False
    types: Any = None
    reliability: list[Any] = field(default_factory=list)
    reliability_chart: Markup | None = None
    sensitivity: list[Any] = field(default_factory=list)
    heatmap: Markup | None = None
    heatmap_note: str | None = None
    efa: Any = None
    items: list[dict[str, Any]] = field(default_factory=list)
    value_headers: list[dict[str, Any]] = field(default_factory=list)
    score_range: tuple[float, float] = (math.nan, math.nan)
    digits: int = 2

    @property
    def score_label(self) -> str:
        return {"high_choice_percent": "% high-trait choices", "signed_sum": "signed sum (OEJTS)"}.get(
            self.scoring, "mean of keyed items")


def inventory_views(data: RunData) -> list[InventoryView]:
    scores = data.scores
    views: list[InventoryView] = []
    by_inv: dict[str, list[Any]] = defaultdict(list)
    for s in scores.scales:
        by_inv[s.inventory].append(s)
    order = [i for i in scores.run.inventories if i in data.inventories] or list(data.inventories)
    respondent = respondent_frame(data.frame, data.inventories)
    left = _svg.label_width([s.name for s in scores.scales])  # one label column: every chart shares its x positions
    for inv_id in order:
        inv = data.inventories[inv_id]
        scales = by_inv.get(inv_id, [])
        v = InventoryView(id=inv.id, name=inv.name, kind=inv.kind, scoring=inv.scoring, citation=inv.citation,
                          license=inv.license, scales=scales)
        v.digits = _score_digits(inv.scoring)
        if scales:
            v.score_range = (scales[0].score_min, scales[0].score_max)
        v.norms = {n.scale: n for n in scores.norms if n.inventory == inv_id}
        v.has_norms = any(n.comparison is not None for n in v.norms.values())
        v.types = next((t for t in scores.types if t.inventory == inv_id), None)
        v.profile_chart = _profile_chart(v, left)
        v.reliability = [r for r in scores.reliability if r.inventory == inv_id]
        v.reliability_chart = _reliability_chart(v, inv, left)
        v.sensitivity = [s for s in scores.sensitivity if s.inventory == inv_id]
        v.heatmap, v.heatmap_note = _heatmap(v, inv, respondent)
        v.efa = next((e for e in scores.validity.efa if e.inventory == inv_id), None)
        views.append(v)
    _item_views(data, views)
    return views


def _scale_name(inv: Any, scale_id: str) -> str:
    try:
        return inv.scale(scale_id).name
    except KeyError:
        return scale_id


def _why(reasons: list[str]) -> str:
    """The first reason's cause, short enough for a chart label."""
    return reasons[0].removeprefix("uncertain whether ").split(":")[0].split(" (")[0] if reasons else "see the notes"


def _profile_chart(v: InventoryView, left: float | None = None) -> Markup | None:
    if not any(not missing(s.mean) for s in v.scales):
        return None
    lo, hi = v.score_range
    if missing(lo) or missing(hi) or hi <= lo:
        return None
    rows = []
    for s in v.scales:
        norm = v.norms.get(s.scale)
        cmp = norm.comparison if norm is not None else None
        rows.append(_svg.DotRow(
            label=s.name, value=s.mean, ci_low=s.ci_low, ci_high=s.ci_high, note=f"n = {s.n}",
            norm_mean=cmp.norm_mean if cmp else None, norm_sd=cmp.norm_sd if cmp else None,
            reason=s.reason,
            unreadable=None if s.interpretable is not False else _why(s.interpretability_reasons),
            uncertain=_why(s.interpretability_reasons) if s.interpretable is None else None,
        ))
    mid = (lo + hi) / 2
    return _svg.dot_whisker(rows, lo=lo, hi=hi, mid=mid, ticks=_svg.axis_ticks(lo, hi), digits=v.digits,
                            label=f"{v.name}: scale means with 95% confidence intervals", left=left)


def _reliability_chart(v: InventoryView, inv: Any, left: float | None = None) -> Markup | None:
    if not v.reliability or not any(
        est.defined for r in v.reliability for est in (r.alpha, r.lambda6, r.omega)
    ):
        return None
    rows = []
    for r in v.reliability:
        pts = [_svg.CoefPoint(name, est.value, est.ci_low, est.ci_high)
               for name, est in (("α", r.alpha), ("λ6", r.lambda6), ("ω", r.omega))]
        rows.append(_svg.CoefRow(label=_scale_name(inv, r.scale), points=pts, note=f"n = {r.n}"))
    return _svg.reliability_chart(rows, label=f"{v.name}: reliability coefficients over the psyborgs bands",
                                  left=left)


def _heatmap(v: InventoryView, inv: Any, resp: Any) -> tuple[Markup | None, str | None]:
    part = resp[resp["inventory"] == v.id]
    if not len(part) or not v.scales or part["score"].isna().all():
        return None, "no respondent has a score on this inventory, so there is nothing to compare across variants"
    templates = list(dict.fromkeys(part["template"].astype(str)))
    orders = list(dict.fromkeys(part["order"].astype(str)))
    orders.sort(key=lambda o: (0 if o == "original" else 1 if o == "reversed" else 2, o))
    means = part.groupby(["scale", "template", "order"], sort=False)["score"].agg(["mean", "count"])
    groups = [(t, orders) for t in templates]
    values, counts = [], []
    for s in v.scales:
        row_v, row_n = [], []
        for t in templates:
            for o in orders:
                key = (s.scale, t, o)
                if key in means.index:
                    m, n = means.loc[key, "mean"], int(means.loc[key, "count"])
                else:
                    m, n = math.nan, 0
                row_v.append(m)
                row_n.append(n)
        values.append(row_v)
        counts.append(row_n)
    chart = _svg.heatmap([s.name for s in v.scales], groups, values,
                         lows=[s.score_min for s in v.scales], highs=[s.score_max for s in v.scales],
                         counts=counts, digits=v.digits, label=f"{v.name}: scale score by template and option order")
    notes = []
    if len(templates) < 2:
        notes.append("only one prompt template was used, so the prompt cannot be varied")
    if len(orders) < 2:
        notes.append("only one option order was used, so order effects cannot be seen")
    return chart, ("; ".join(notes) + ".").capitalize() if notes else None


# --------------------------------------------------------------------------------------------------------------
# items


def _item_views(data: RunData, views: list[InventoryView]) -> None:
    """Per item: answer counts overall and per variant, mean, and example replies (from the responses frame)."""
    from psychometrics.inventory import ScenarioItem

    frame = data.frame
    if not len(frame):
        return
    df = frame[["inventory", "item", "template", "order", "sample", "status", "value", "raw_text", "error"]].copy()
    df["inventory"] = df["inventory"].astype(str)
    df["item"] = df["item"].astype(str)
    ok = df[df["status"] == "ok"]
    value_counts = ok.groupby(["inventory", "item", "value"]).size()
    status_counts = df.groupby(["inventory", "item", "status"]).size()
    variant_values = ok.groupby(["inventory", "item", "template", "order", "value"]).size()
    variant_status = df.groupby(["inventory", "item", "template", "order", "status"]).size()
    mean = ok.groupby(["inventory", "item"])["value"].mean()
    vc: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for (i, it, val), n in value_counts.items():
        vc[(i, it)][int(val)] = int(n)
    sc: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (i, it, st), n in status_counts.items():
        sc[(i, it)][st] = int(n)
    vv: dict[tuple[str, str], dict[tuple[str, str], dict[Any, int]]] = defaultdict(lambda: defaultdict(dict))
    for (i, it, t, o, val), n in variant_values.items():
        vv[(i, it)][(t, o)][int(val)] = int(n)
    for (i, it, t, o, st), n in variant_status.items():
        vv[(i, it)][(t, o)]["_" + st] = int(n)
    ex = df.assign(_p=df["status"].map(_STATUS_PRIORITY).fillna(9), _t=df["raw_text"].fillna(df["error"]))
    ex = ex.sort_values(["_p"], kind="stable").drop_duplicates(["inventory", "item", "_t"])
    ex = ex.groupby(["inventory", "item"], sort=False).head(EXAMPLES_PER_ITEM)
    examples: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in ex.itertuples(index=False):
        examples[(r.inventory, r.item)].append({
            "status": r.status, "text": r.raw_text, "error": r.error,
            "variant": f"{r.template} · {r.order} · sample {r.sample}",
            "value": None if missing(r.value) else int(r.value),
        })
    present = set(zip(df["inventory"], df["item"]))
    for v in views:
        inv = data.inventories[v.id]
        scenario = inv.kind == "scenario"
        values = list(range(1, 5)) if scenario else inv.values
        colours = _svg.value_colours(values, ordinal=not scenario)
        if scenario:
            labels = {x: f"option {x}" for x in values}
        elif inv.kind == "bipolar":
            ends = {inv.min_value: "left description", inv.max_value: "right description"}
            labels = {x: ends.get(x, "") for x in values}
        else:
            labels = {o.value: o.label for o in inv.response_options}
        v.value_headers = [{"value": x, "colour": colours[x], "label": labels.get(x, "")} for x in values]
        scale_names = {s.id: s.name for s in inv.scales}
        for it in inv.items:
            key = (v.id, it.id)
            if key not in present:
                continue
            text, reverse = inv.item_text(it.id)
            counts = vc.get(key, {})
            stat = sc.get(key, {})
            n_ok = sum(counts.values())
            high = None
            options = None
            if isinstance(it, ScenarioItem):
                highs = {k + 1 for k, o in enumerate(it.options) if o.high}
                high = (sum(n for val, n in counts.items() if val in highs) / n_ok) if n_ok else math.nan
                options = [{"value": k + 1, "text": o.text, "high": o.high} for k, o in enumerate(it.options)]
            variants = []
            for (t, o), cnt in sorted(vv.get(key, {}).items(), key=lambda kv: (kv[0][0], _order_rank(kv[0][1]))):
                nums = {val: n for val, n in cnt.items() if not isinstance(val, str)}
                n_var = sum(nums.values())
                variants.append({
                    "template": t, "order": o, "n_ok": n_var,
                    "mean": (sum(val * n for val, n in nums.items()) / n_var) if n_var else math.nan,
                    "counts": [nums.get(x, 0) for x in values],
                    "other": {s: cnt.get("_" + s, 0) for s in STATUSES if s != "ok"},
                })
            extra = [(s, stat.get(s, 0)) for s in ("refused", "invalid", "error")]
            v.items.append({
                "id": it.id, "scale": scale_names.get(it.scale, it.scale), "text": text, "reverse": reverse,
                "n": sum(stat.values()), "n_ok": n_ok, "mean": float(mean.get(key, math.nan)),
                "high": high, "options": options,
                "counts": [counts.get(x, 0) for x in values],
                "other": dict(extra),
                "bar": _svg.distribution_bar([(x, counts.get(x, 0)) for x in values], colours, extra=extra,
                                             label=f"answers to item {it.id}"),
                "variants": variants,
                "examples": examples.get(key, []),
            })


def _order_rank(o: str) -> tuple[int, str]:
    return (0 if o == "original" else 1 if o == "reversed" else 2, o)


# --------------------------------------------------------------------------------------------------------------
# validity


def mtmm_views(data: RunData) -> list[dict[str, Any]]:
    out = []
    for pair in data.scores.validity.mtmm:
        matrix = None
        if pair.matrix is not None:
            labels = [tuple(x) if isinstance(x, list) else (str(x), "") for x in pair.matrix.index]
            cells = []
            for i, row in enumerate(pair.matrix.data):
                line = []
                for j, val in enumerate(row):
                    a, b = labels[i], labels[j]
                    kind = ("diag" if i == j else "convergent" if a[1] == b[1] and a[0] != b[0]
                            else "monomethod" if a[0] == b[0] else "hetero")
                    fill = None if val is None or i == j else _svg.diverging((float(val) + 1) / 2)
                    line.append({"value": val, "kind": kind, "fill": fill,
                                 "ink": None if fill is None else _svg._ink(fill), "lower": j < i})
                cells.append(line)
            matrix = {"labels": labels, "cells": cells}
        out.append({"pair": pair, "matrix": matrix})
    return out


def forms_views(data: RunData) -> list[dict[str, Any]]:
    """Each pair of parallel forms with its per-item rows (least consistent first) as plain dicts."""
    out = []
    for pair in data.scores.forms:
        items = [] if pair.items is None else pair.items.to_frame().to_dict("records")
        items.sort(key=lambda r: (missing(r["identical"]), r["identical"] if not missing(r["identical"]) else 0))
        out.append({"pair": pair, "rows": items})
    return out


# --------------------------------------------------------------------------------------------------------------
# method


def prompt_examples(data: RunData) -> list[dict[str, Any]]:
    """One rendered prompt per template and item kind, as it was sent (original order, first sample)."""
    frame = data.frame
    if not len(frame):
        return []
    df = frame[["inventory", "item", "template", "order", "sample", "persona", "prompt"]]
    kinds = {i: inv.kind for i, inv in data.inventories.items()}
    df = df.assign(kind=[kinds.get(str(i), "unknown") for i in df["inventory"]],
                   _o=(df["order"] != "original").astype(int))
    df = df.sort_values(["_o", "sample"], kind="stable").drop_duplicates(["kind", "template"])
    out = []
    for r in df.itertuples(index=False):
        out.append({"template": r.template, "kind": r.kind, "inventory": r.inventory, "item": r.item,
                    "order": r.order, "prompt": r.prompt})
    out.sort(key=lambda d: (d["template"], d["kind"]))
    return out


def legend_bands() -> list[dict[str, Any]]:
    from psychometrics._format import BAND_NAMES, BAND_RANGES

    return [{"name": n, "range": BAND_RANGES[n], "swatch": _svg.band_swatch(n), "colour": _svg.BAND_COLOURS[n]}
            for n in BAND_NAMES]


def missing_pieces(data: RunData, views: list[InventoryView]) -> list[str]:
    """What this run lacks, in words, so the page can say it once at the top."""
    notes = []
    s = data.scores
    if not len(data.frame):
        notes.append("The run has no stored responses: nothing was asked yet, so there is nothing to score.")
    for name, why in data.missing_inventories.items():
        notes.append(f"Inventory {name} could not be loaded ({why}); its answers are left out.")
    counts = s.run.counts
    if len(data.frame) and counts.get("ok", 0) == 0:
        notes.append("No prompt got a usable answer (every reply was refused, invalid or an error): no scale "
                     "can be scored.")
    if len(s.run.templates) == 1:
        notes.append("Only one prompt template was used: prompt sensitivity cannot be tested.")
    if len(data.frame) and "reversed" not in s.run.orders:
        notes.append("The reversed option order was not used: option-order sensitivity cannot be tested.")
    if len(s.run.inventories) < 2:
        notes.append("Only one inventory was given: there is no second instrument to check validity against "
                     "(multitrait-multimethod).")
    if views and not any(v.has_norms for v in views):
        notes.append("None of the inventories ships human norms: scores cannot be placed against people.")
    return notes


INTERVIEW_EXAMPLES = 5


def interview_view(data: RunData, db: str | None = None) -> dict[str, Any] | None:
    """An interview run: its scores and a few answers with every rating of them (rater, status, raw reply)."""
    if data.scores.interview is None:
        return None
    examples = []
    if "raw_text" in data.frame and "cell_id" in data.frame:
        from psychometrics.store import Store

        with Store(db, create=False) as store:
            ratings = [r for r in store.iter_responses(data.run.run_id) if r.rates is not None]
        for _, row in data.frame[data.frame["answer_status"] == "ok"].head(INTERVIEW_EXAMPLES).iterrows():
            examples.append({"item": f"{row['inventory']} {row['item']}", "answer": row["raw_text"],
                             "ratings": [r for r in ratings if r.rates == row["cell_id"]]})
    return {"scores": data.scores.interview, "examples": examples}


def style_views(data: RunData) -> list[dict[str, Any]]:
    """Per inventory, every response-style index over all its answers: value, interval, threshold with its
    source, verdict (the numbers behind each scale's readability)."""
    from psychometrics._format import interval, num

    out = []
    for st in data.scores.response_styles:
        if st.overall is None:
            out.append({"inventory": st.inventory, "rows": [], "reason": st.reason})
            continue
        rows = [{"name": i.name, "value": num(i.value), "ci": interval(i.ci_low, i.ci_high), "n": i.n,
                 "unit": i.unit, "threshold": num(i.threshold, 3), "source": i.threshold_source,
                 "verdict": i.verdict, "reason": i.reason, "warning": i.warning} for i in st.overall.indices()]
        out.append({"inventory": st.inventory, "rows": rows, "reason": None})
    return out


def build_audit_context(data: RunData, db: str | None = None) -> dict[str, Any]:
    """Every value the audit template shows."""
    from psychometrics import __version__

    views = inventory_views(data)
    return {
        "title": f"Audit of {data.run.model}",
        "section_ids": SECTION_IDS,
        "run": data.run,
        "scores": data.scores,
        "summary": summary_view(data),
        "inventories": views,
        "mtmm": mtmm_views(data),
        "styles": style_views(data),
        "forms": forms_views(data),
        "interview": interview_view(data, db),
        "prompts": prompt_examples(data),
        "bands": legend_bands(),
        "thresholds": data.scores.thresholds,
        "missing_pieces": missing_pieces(data, views),
        "generated": utc(_dt.datetime.now(tz=_dt.timezone.utc).timestamp()),
        "report_version": __version__,
        "heat_legend": _svg.gradient_legend("lowest possible", "midpoint", "highest possible"),
        "band": band,
    }
