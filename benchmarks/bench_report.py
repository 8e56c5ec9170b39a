"""Seconds to write the audit report of a 10,000-response run (the budget is 5 s).

The run is built with the ``sim/…`` simulated-respondent provider (no network, no weights) into a fresh SQLite
database: by default every shipped inventory (BFI-44, IPIP-50, OEJTS, SD3, trait scenarios: 249 items) × the 3
shipped templates × original and reversed order × enough samples for at least 10,000 responses (7 → 10,458).
Then ``write_audit_report`` runs on it — load the run and its responses, score them (scale scores, α/λ6/ω with
bootstrap intervals, prompt and order sensitivity, norms, MTMM, EFA), build the charts, render the page, write
it — and the wall time is printed: the first call of the process (with the lazy imports of pandas, scipy,
pingouin, factor_analyzer) and the best of the repeated calls, with the time of each step (load, score, page
values and charts, render and write) measured separately.

Run::

    python benchmarks/bench_report.py                      # ≥ 10,000 responses, every inventory, n_boot 1000
    python benchmarks/bench_report.py --inventories bfi44 --responses 10000
    python benchmarks/bench_report.py --db sqlite:///bench.db --keep   # reuse / keep the database
    python benchmarks/bench_report.py --check              # exit 1 when over the 5 s budget

Prints one line per measurement and a final ``report: N responses in X s`` line.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

BUDGET_S = 5.0
INVENTORIES = ("bfi44", "ipip50", "oejts", "sd3", "trait-scenarios")
TEMPLATES = ("instruct", "qa", "short")
ORDERS = ("original", "reversed")


def build_run(db: str, inventories: list[str], responses: int) -> str:
    """Audit ``sim/default`` with enough samples for at least ``responses`` cells; returns the run id."""
    from psychometrics.administer import audit
    from psychometrics.inventory import load_inventory

    items = sum(len(load_inventory(i).items) for i in inventories)
    per_sample = items * len(TEMPLATES) * len(ORDERS)
    samples = max(1, math.ceil(responses / per_sample))
    start = time.perf_counter()
    result = audit("sim/default?extraversion=1&neuroticism=-0.5", inventories, templates=list(TEMPLATES),
                   orders=list(ORDERS), samples=samples, db=db, concurrency=64)
    print(f"built run {result.run.run_id}: {len(result.plan.cells):,} responses ({items} items × {len(TEMPLATES)} "
          f"templates × {len(ORDERS)} orders × {samples} samples) in {time.perf_counter() - start:.1f} s",
          flush=True)
    return result.run.run_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=10_000, help="at least this many responses (default 10000)")
    parser.add_argument("--inventories", nargs="+", default=list(INVENTORIES), help="inventories to administer")
    parser.add_argument("--db", default=None, help="database URL to reuse (default: a fresh temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (database and report)")
    parser.add_argument("--repeat", type=int, default=3, help="timed calls after the first (default 3)")
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (default 1000, as the CLI)")
    parser.add_argument("--check", action="store_true", help=f"exit 1 when the best call takes over {BUDGET_S:g} s")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    db = args.db or f"sqlite:///{folder / 'runs.db'}"
    from psychometrics.store import Store

    run_id = None
    if args.db:
        with Store(db) as store:
            runs = [r for r in store.list_runs() if r.n_cells >= args.responses]
        run_id = runs[-1].run_id if runs else None
    run_id = run_id or build_run(db, args.inventories, args.responses)
    with Store(db, create=False) as store:
        n = len(store.responses_frame(run_id))
    out = folder / "report.html"

    from psychometrics.report import write_audit_report

    start, cpu_start = time.perf_counter(), time.process_time()
    write_audit_report(run_id, db=db, out=out, n_boot=args.n_boot)
    first = time.perf_counter() - start
    print(f"first call (imports included): {first:.2f} s wall, {time.process_time() - cpu_start:.2f} s CPU",
          flush=True)

    from psychometrics.report._audit import build_audit_context
    from psychometrics.report._render import render
    from psychometrics.score import RunData, load_inventories, score

    totals: list[float] = []
    cpu: list[float] = []
    phases: list[tuple[float, float, float, float]] = []
    for _ in range(args.repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        write_audit_report(run_id, db=db, out=out, n_boot=args.n_boot)
        totals.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        # the same steps again, timed one by one
        t0 = time.perf_counter()
        with Store(db, create=False) as store:
            run = store.get_run(run_id)
            frame = store.responses_frame(run_id)
        invs, missing = load_inventories(run, frame)
        t1 = time.perf_counter()
        scores = score(frame, invs, n_boot=args.n_boot)
        t2 = time.perf_counter()
        context = build_audit_context(RunData(run=run, frame=frame, inventories=invs, missing_inventories=missing,
                                              scores=scores))
        t3 = time.perf_counter()
        out.write_text(render("audit.html.j2", context), encoding="utf-8")
        t4 = time.perf_counter()
        phases.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3))
    best = min(totals) if totals else first
    size = out.stat().st_size
    if phases:
        load, scoring, ctx, html = (min(p[i] for p in phases) for i in range(4))
        print(f"phases (best of {len(phases)}): load responses {load:.2f} s · score() {scoring:.2f} s · "
              f"statistics-to-page values and SVG charts {ctx:.2f} s · render + write {html:.2f} s")
    print(f"write_audit_report, best of {len(totals)}: {best:.2f} s wall, {min(cpu) if cpu else math.nan:.2f} s CPU "
          f"(CPU time is steadier on a shared machine); page {size / 1e6:.2f} MB")
    print(f"report: {n:,} responses in {best:.2f} s (budget {BUDGET_S:g} s: "
          f"{'within' if best <= BUDGET_S else 'OVER'})")
    if args.keep:
        print(f"kept {folder}")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 1 if args.check and best > BUDGET_S else 0


if __name__ == "__main__":
    sys.exit(main())
