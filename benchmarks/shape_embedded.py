"""Personas and shaping on the embedded Gemma 3 270M: wall time, and the controllability figures whatever they are.

Two runs, each in a fresh database (so the wall time is one session's, not a resumed one's):

1. Shaping: ``psychometrics shape --inventory bfi44 --traits extraversion,neuroticism --levels 9 --templates instruct
   --orders original,reversed`` — 2 traits × 9 levels × 44 items × 2 orders = 1,584 prompts. ρ is reported scoring
   each answer by the chosen option (``value``, as the audit does) and by the log-prob expectation
   (``expected_value``, which moves even when the most likely option does not).
2. Personas: ``psychometrics audit --personas default:10 --limit-items 10`` — 10 items × 3 templates × 2 orders ×
   10 biographies = 600 prompts; reports the number of respondents and, when the scoring stage is there,
   Cronbach's α per scale across them.

Run (it uses both cores for several minutes; ``nice`` keeps it polite)::

    nice -n 10 python benchmarks/shape_embedded.py                 # both runs
    nice -n 10 python benchmarks/shape_embedded.py --only shape --limit-items 10
    python benchmarks/shape_embedded.py --dark-triad               # also sd3: machiavellianism, narcissism, psychopathy

Prints a table per run and, with ``--json PATH``, writes every figure to PATH.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

MODEL = "local/gemma-3-270m"


def _f(x: float | None, digits: int = 3) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def run_shape(db: str, inventory: str, traits: str, limit_items: int | None, out: Path) -> dict[str, Any]:
    from psychometrics.shape import shape, shaping_result, write_shaping_report

    started = time.perf_counter()
    res = shape(MODEL, inventory, traits=traits, levels=9, templates=["instruct"], orders=["original", "reversed"],
                limit_items=limit_items, db=db, concurrency=1)
    wall = time.perf_counter() - started
    by_expectation = shaping_result(res.run_id, db=db, value="expected_value")  # type: ignore[arg-type]
    report = write_shaping_report(res, out)
    rows = []
    for t in res.traits:
        e = by_expectation.trait(t.trait)
        rows.append({
            "trait": t.trait, "rho_value": t.rho.value, "ci_value": [t.rho.ci_low, t.rho.ci_high],
            "rho_value_reason": t.rho.reason, "rho_within_value": t.rho_within.median,
            "median_1": t.median_low, "median_9": t.median_high, "diff_share": t.diff_share,
            "rho_expected": e.rho.value, "ci_expected": [e.rho.ci_low, e.rho.ci_high],
            "rho_within_expected": e.rho_within.median, "diff_share_expected": e.diff_share,
            "drift_mean_abs_rho_expected": e.drift_mean_abs_rho, "refusal_rises": t.refusal.rises,
            "n": t.rho.n,
        })
    print(f"\nshaping {inventory} ({traits}): {res.n_cells} prompts, {res.n_respondents} respondents, "
          f"wall {wall:.1f} s ({res.n_cells / wall:.2f} prompts/s); counts {res.counts}; report {report}")
    print(f"{'trait':18s} {'ρ value':>9s} {'95% CI':>16s} {'ρ expect.':>9s} {'95% CI':>16s} {'within(E)':>9s} "
          f"{'Δ share(E)':>10s} {'drift(E)':>8s}  note")
    for r in rows:
        print(f"{r['trait']:18s} {_f(r['rho_value']):>9s} {_f(r['ci_value'][0]) + '..' + _f(r['ci_value'][1]):>16s} "
              f"{_f(r['rho_expected']):>9s} {_f(r['ci_expected'][0]) + '..' + _f(r['ci_expected'][1]):>16s} "
              f"{_f(r['rho_within_expected']):>9s} {_f(r['diff_share_expected']):>10s} "
              f"{_f(r['drift_mean_abs_rho_expected']):>8s}  {r['rho_value_reason'] or ''}")
    return {"inventory": inventory, "traits": rows, "cells": res.n_cells, "respondents": res.n_respondents,
            "wall_s": wall, "run_id": res.run_id, "counts": res.counts, "report": str(report)}


def run_personas(db: str, n: int, limit_items: int) -> dict[str, Any]:
    from psychometrics.administer import audit
    from psychometrics.plan import persona_ids

    started = time.perf_counter()
    res = audit(MODEL, ["bfi44"], templates="all", orders=["original", "reversed"], personas=persona_ids(f"default:{n}"),
                limit_items=limit_items, db=db, concurrency=1)
    wall = time.perf_counter() - started
    cells = len(res.plan.cells)
    respondents = len({(c.template, c.order, c.sample, c.persona) for c in res.plan.cells})
    out: dict[str, Any] = {"cells": cells, "respondents": respondents, "wall_s": wall, "run_id": res.run.run_id,
                           "counts": res.run.counts}
    print(f"\naudit --personas default:{n} --limit-items {limit_items}: {cells} prompts, {respondents} respondents, "
          f"wall {wall:.1f} s ({cells / wall:.2f} prompts/s); counts {res.run.counts}")
    try:
        from psychometrics.score import score

        scores = score(res.run.run_id, db=db)
        out["respondents_scored"] = scores.run.n_respondents
        out["alpha"] = {r.scale: r.alpha.value for r in scores.reliability}
        for r in scores.reliability:
            print(f"  α {r.scale:18s} {_f(r.alpha.value)}  n = {r.n}  {r.alpha.reason or ''}")
    except Exception as exc:  # noqa: BLE001 - the scoring stage is optional here
        print(f"  (no reliability: {type(exc).__name__}: {exc})")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["shape", "personas"], help="Run only one of the two measurements.")
    ap.add_argument("--limit-items", type=int, default=None, help="Items for the shaping run (default: all 44).")
    ap.add_argument("--personas", type=int, default=10, help="Biographies in the persona audit (default 10).")
    ap.add_argument("--persona-items", type=int, default=10, help="Items in the persona audit (default 10).")
    ap.add_argument("--dark-triad", action="store_true", help="Also shape the dark triad with sd3.")
    ap.add_argument("--db", help="Database URL (default: a fresh temporary file).")
    ap.add_argument("--out", default="reports", help="Folder for the shaping reports.")
    ap.add_argument("--json", dest="json_path", help="Write the figures to this JSON file.")
    args = ap.parse_args()

    from psychometrics.administer.providers import _local

    if not _local.available():
        sys.exit("the 'local' extra (llama-cpp-python and the weights) is not installed")
    tmp = tempfile.mkdtemp(prefix="shape-bench-")
    db = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
    results: dict[str, Any] = {"model": MODEL, "db": db}
    if args.only in (None, "shape"):
        results["shape"] = run_shape(db, "bfi44", "extraversion,neuroticism", args.limit_items, Path(args.out))
        if args.dark_triad:
            results["shape_sd3"] = run_shape(db, "sd3", "all", args.limit_items, Path(args.out))
    if args.only in (None, "personas"):
        results["personas"] = run_personas(db, args.personas, args.persona_items)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
