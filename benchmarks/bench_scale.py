"""Scale: peak memory of a 50,000-cell audit, the cost of a commit per answer, scoring 100,000 responses, and
the requests an audit sends (zero waste: one per cell, none on a re-run, only missing cells after kill -9).

Run::

    python benchmarks/bench_scale.py               # everything
    python benchmarks/bench_scale.py memory        # or: store, score, waste (several may be given)
    python benchmarks/bench_scale.py sizes --sizes 10000,100000,1000000   # time per stage and peak RSS by size

``memory`` runs the audit in a child process against the local OpenAI-compatible server (a separate process,
5 ms latency, concurrency 64) and reports the child's peak RSS (``getrusage`` max RSS), after imports, after
planning and at the end. ``store`` times storing answers one commit each: as ``Store.save_response`` does
(SQLite's automatic WAL checkpoint inside the commit) and as the audit's ``ResponseWriter`` does (checkpoints
in a thread), with a batched commit for reference. ``score`` builds a 100,000-response run in a database and
times ``psychometrics.score.score`` on it (reading it back included). ``waste`` counts the server's requests.
``sizes`` runs what ``psychometrics audit`` runs (plan, asking and storing, scoring, the report) on plans of
about 10,000, 100,000 and 1,000,000 cells (BFI-44 × 3 templates × 6 option orders × N samples, log-probs),
each size in its own child process, against the local server (5 ms latency, concurrency 64), and prints seconds
per stage and the child's peak RSS after each stage (``getrusage`` max RSS: the high-water mark so far).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.pop("OPENAI_API_KEY", None)

ALL_INVENTORIES = ["bfi44", "ipip50", "oejts", "sd3", "trait-scenarios"]
MODEL = "openai/test-model"

# ------------------------------------------------------------------------------------------------ memory
_MEMORY_CHILD = r"""
import json, os, resource, sys, time
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def current_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
api_base, db, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
from psychometrics.administer import audit
from psychometrics.administer._litellm import litellm
litellm()
out = {"after_imports_mb": current_mb()}
kwargs = dict(templates="all", orders=["all"], samples=samples, mode="logprobs", concurrency=64)
t = time.perf_counter()
plan = audit("openai/test-model", ["bfi44", "ipip50", "oejts", "sd3", "trait-scenarios"], api_base=api_base,
             dry_run=True, **kwargs).plan
out.update(cells=len(plan.cells), plan_s=time.perf_counter() - t, after_plan_mb=current_mb())
del plan
t = time.perf_counter()
result = audit("openai/test-model", ["bfi44", "ipip50", "oejts", "sd3", "trait-scenarios"], api_base=api_base,
               db=db, **kwargs)
out.update(audit_s=time.perf_counter() - t, counts=result.run.counts, end_mb=current_mb(), peak_mb=rss_mb())
print(json.dumps(out))
"""


def bench_memory(samples: int = 12) -> dict[str, Any]:
    from tests.support.openai_server import ServerProcess

    with ServerProcess(latency=0.005) as server, tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'mem.db'}"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        done = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, server.api_base, db, str(samples)], env=env,
                              capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])
        out = json.loads(done.stdout.strip().splitlines()[-1])
        out["requests"] = server.requests
    print(f"memory: {out['cells']} cells (5 inventories x 3 templates x every order x {samples} samples), "
          f"concurrency 64, server latency 5 ms")
    print(f"  peak RSS {out['peak_mb']:.0f} MB (limit 500 MB); after imports {out['after_imports_mb']:.0f} MB, "
          f"after planning {out['after_plan_mb']:.0f} MB, at the end {out['end_mb']:.0f} MB")
    print(f"  planning {out['plan_s']:.1f} s; audit {out['audit_s']:.1f} s "
          f"({out['cells'] / out['audit_s']:.0f} cells/s end to end); {out['requests']} requests; {out['counts']}")
    return out


# ------------------------------------------------------------------------------------------------- sizes
_SIZES_CHILD = r"""
import json, os, resource, sys, time
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
api_base, db, samples, out_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
t0 = time.perf_counter()
import psychometrics.administer._audit as audit_module
from psychometrics.administer import audit
from psychometrics.administer._litellm import litellm
litellm()  # what the command imports before it plans: not what grows with the plan, paid before the clock
out = {"imports_s": time.perf_counter() - t0, "imports_peak_mb": peak_mb()}
build = audit_module.build_plan
def timed_build(**kwargs):
    t = time.perf_counter()
    plan = build(**kwargs)
    out["plan_s"] = time.perf_counter() - t
    out["plan_peak_mb"] = peak_mb()
    return plan
audit_module.build_plan = timed_build
marks = {}
t = time.perf_counter()
result = audit("openai/test-model", ["bfi44"], templates="all", orders=["all"], samples=samples, mode="logprobs",
               concurrency=64, api_base=api_base, db=db, run_id="scale",
               log=lambda line: marks.setdefault("asking", time.perf_counter()))
end = time.perf_counter()
run = result.run
out.update(cells=run.n_cells, counts=run.counts, asking_s=run.wall_s,
           prepare_s=marks["asking"] - t - out["plan_s"], closing_s=end - marks["asking"] - run.wall_s,
           audit_peak_mb=peak_mb())
del result  # as the command does before it scores
t = time.perf_counter()
from psychometrics.score import score
from psychometrics.report import write_audit_report
out["score_imports_s"] = time.perf_counter() - t
t = time.perf_counter()
scores = score("scale", db=db)
out.update(score_s=time.perf_counter() - t, score_peak_mb=peak_mb())
t = time.perf_counter()
path = write_audit_report("scale", db=db, scores=scores, out=out_dir)
out.update(report_s=time.perf_counter() - t, report_peak_mb=peak_mb(), report_mb=os.path.getsize(path) / 2**20,
           db_mb=os.path.getsize(db.removeprefix("sqlite:///")) / 2**20)
print(json.dumps(out), flush=True)
"""

_FILL_CHILD = r"""
import json, os, sys, time
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
from psychometrics.administer import audit
from psychometrics.store import Response, Store
from tests.support.openai_server import default_choice
api_base, db, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
dry = audit("openai/test-model", ["bfi44"], templates="all", orders=["all"], samples=samples, mode="logprobs",
            api_base=api_base, db=db, run_id="scale", dry_run=True)
t = time.perf_counter()
with Store(db) as store:  # the answers the server would give, stored in bulk (the audit then asks nothing)
    store.save_run(dry.run)
    batch = []
    for c in dry.plan.cells:
        label = default_choice(c.prompt, c.labels)
        batch.append(Response(cell_id=c.cell_id, run_id="scale", model=dry.run.model, inventory=c.inventory,
                              item=c.item, scale=c.scale, template=c.template, order=c.order, sample=c.sample,
                              persona=c.persona, prompt=c.prompt, mode="logprobs", status="ok", raw_text=label,
                              value=c.label_values[c.labels.index(label)], created_at=time.time()))
        if len(batch) == 10000:
            store.save_responses(batch)
            batch = []
    store.save_responses(batch)
print(json.dumps({"fill_s": time.perf_counter() - t}), flush=True)
"""

_STAGES = [("plan", "plan building"), ("prepare", "storing the plan, checks"), ("asking", "asking + storing"),
           ("closing", "closing the run"), ("score", "scoring"), ("report", "report")]


def _child(code: str, args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                          timeout=6 * 3600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return done.stdout.strip().splitlines()[-1]


def bench_sizes(sizes: list[int], fill: list[int] = ()) -> dict[str, Any]:
    from tests.support.openai_server import ServerProcess

    cells_per_sample = 44 * 3 * 6  # BFI-44 × instruct, qa, short × original, reversed, rotated-1…4
    results: dict[int, dict[str, Any]] = {}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    for size in sizes:
        samples = max(1, round(size / cells_per_sample))
        with ServerProcess(latency=0.005, keep_requests=False) as server, tempfile.TemporaryDirectory() as tmp:
            db = f"sqlite:///{Path(tmp) / 'scale.db'}"
            filled = {}
            if size in fill:
                filled = json.loads(_child(_FILL_CHILD, [server.api_base, db, str(samples)], env))
            results[size] = {**json.loads(_child(_SIZES_CHILD, [server.api_base, db, str(samples), tmp], env)),
                             **filled, "requests": server.requests}
        r = results[size]
        if size in fill:
            print(f"  {r['cells']:,} cells: the server's answers stored in bulk by another process "
                  f"({r['fill_s']:.1f} s), not asked", flush=True)
        print(f"  {r['cells']:,} cells: " + ", ".join(f"{key} {r[key + '_s']:.1f} s" for key, _ in _STAGES)
              + f"; peak RSS {r['report_peak_mb']:.0f} MB; {r['requests']:,} requests; {r['counts']}", flush=True)
    print(f"sizes: BFI-44 x 3 templates x 6 orders x N samples, log-probs, concurrency 64, server latency 5 ms; "
          f"each size in its own process (imports paid outside the stages: litellm "
          f"{statistics.median(r['imports_s'] for r in results.values()):.1f} s, scoring and report "
          f"{statistics.median(r['score_imports_s'] for r in results.values()):.1f} s)")
    print(f"  {'stage':<26}" + "".join(f"{r['cells']:>14,}" for r in results.values())
          + ("   per cell, largest / smallest" if len(results) > 1 else ""))
    first, last = results[sizes[0]], results[sizes[-1]]
    for key, name in _STAGES:
        growth = ((last[key + "_s"] / last["cells"]) / (first[key + "_s"] / first["cells"])
                  if len(results) > 1 and first[key + "_s"] > 0 else float("nan"))
        print(f"  {name + ' (s)':<26}" + "".join(f"{r[key + '_s']:>14.1f}" for r in results.values())
              + (f"   {growth:.2f}" if len(results) > 1 else ""))
    for key, name in [("imports", "litellm imported"), ("plan", "plan built"), ("audit", "audit done"),
                      ("score", "scored"),
                      ("report", "report written")]:
        print(f"  {'peak RSS, ' + name + ' (MB)':<26}" + "".join(f"{r[key + '_peak_mb']:>14.0f}"
                                                                  for r in results.values()))
    print(f"  {'database (MB)':<26}" + "".join(f"{r['db_mb']:>14.0f}" for r in results.values()))
    print(f"  {'report (MB)':<26}" + "".join(f"{r['report_mb']:>14.1f}" for r in results.values()))
    return {str(k): v for k, v in results.items()}


# ------------------------------------------------------------------------------------------------- store
def _responses(n: int) -> list[Any]:
    from psychometrics.store import Response

    return [Response(cell_id=f"{i:020x}", run_id="bench", model=MODEL, inventory="bfi44", item=str(i % 44 + 1),
                     scale="E", template="instruct", order="original", sample=i // 44, prompt="x" * 600,
                     mode="logprobs", status="ok", raw_text="3", value=3, option_probs={k: 0.2 for k in range(1, 6)},
                     expected_value=3.0, mass_outside=0.01, latency_s=0.1, prompt_tokens=120, completion_tokens=1,
                     attempts=1, created_at=time.time()) for i in range(n)]


def bench_store(n: int = 5000, rounds: int = 3) -> dict[str, Any]:
    from psychometrics.store import Store

    responses = _responses(n)
    results: dict[str, list[dict[str, float]]] = {"save_response (auto checkpoint)": [], "ResponseWriter": [],
                                                   "batches of 16 (reference)": []}
    for _ in range(rounds):
        for name in results:
            with tempfile.TemporaryDirectory() as tmp, Store(f"sqlite:///{Path(tmp) / 's.db'}") as store:
                stalls: list[float] = []
                c0, t0 = time.process_time(), time.perf_counter()
                if name.startswith("save_response"):
                    for r in responses:
                        s = time.perf_counter()
                        store.save_response(r)
                        stalls.append(time.perf_counter() - s)
                elif name == "ResponseWriter":
                    writer = store.writer()

                    async def go() -> None:
                        for r in responses:
                            s = time.perf_counter()
                            await writer.save(r)
                            stalls.append(time.perf_counter() - s)

                    asyncio.run(go())
                    writer.close()
                else:
                    for i in range(0, n, 16):
                        s = time.perf_counter()
                        store.save_responses(responses[i:i + 16])
                        stalls.append(time.perf_counter() - s)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                stalls.sort()
                results[name].append({"wall_us": 1e6 * wall / n, "cpu_us": 1e6 * cpu / n,
                                      "p99_ms": 1e3 * stalls[int(0.99 * len(stalls))], "max_ms": 1e3 * stalls[-1]})
    print(f"store: {n} answers into a fresh database, {rounds} rounds (best / median); time the caller waits per "
          "commit (p99, max)")
    out = {}
    for name, ms in results.items():
        best = min(ms, key=lambda m: m["wall_us"])
        out[name] = {k: statistics.median(m[k] for m in ms) for k in best}
        print(f"  {name:<34} wall {best['wall_us']:6.0f} / {out[name]['wall_us']:6.0f} us per answer, "
              f"CPU {best['cpu_us']:4.0f} us; wait p99 {out[name]['p99_ms']:.2f} ms, max {out[name]['max_ms']:.1f} ms")
    return out


# ------------------------------------------------------------------------------------------------- score
def bench_score(target: int = 100_000) -> dict[str, Any]:
    from psychometrics.administer import audit
    from psychometrics.store import Response
    from psychometrics.store import Run, Store

    samples = max(1, round(target / 4482))
    result = audit(MODEL, ALL_INVENTORIES, templates="all", orders=["all"], samples=samples, mode="logprobs",
                   api_base="http://127.0.0.1:9/v1", dry_run=True)
    plan, run = result.plan, result.run
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'score.db'}"
        with Store(db) as store:
            store.save_run(Run(**{**run.model_dump(), "status": "finished"}))
            store.set_run_cells(run.run_id, [c.cell_id for c in plan.cells])
            batch = []
            for c in plan.cells:
                value = rng.choice(c.label_values)
                batch.append(Response(cell_id=c.cell_id, run_id=run.run_id, model=MODEL, inventory=c.inventory,
                                      item=c.item, scale=c.scale, template=c.template, order=c.order, sample=c.sample,
                                      persona=c.persona, prompt=c.prompt, mode="logprobs", status="ok", value=value,
                                      raw_text=str(value), created_at=time.time()))
                if len(batch) == 5000:
                    store.save_responses(batch)
                    batch = []
            store.save_responses(batch)
        del plan, batch
        from psychometrics.score import score

        out: dict[str, Any] = {"responses": len(result.plan.cells)}
        for n_boot in (1000, 0):
            t0 = time.perf_counter()
            scores = score(run.run_id, db=db, n_boot=n_boot)
            out[f"score_s_nboot{n_boot}"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with Store(db, create=False) as store:
            frame = store.responses_frame(run.run_id)
        out["read_s"] = time.perf_counter() - t0
        out["scales"] = len(scores.scales)
    print(f"score: {out['responses']} responses (5 inventories x 3 templates x every order x {samples} samples), "
          f"{out['scales']} scale rows")
    print(f"  psychometrics.score.score(run_id, db=…): {out['score_s_nboot1000']:.1f} s with the default 1000 "
          f"bootstrap resamples, {out['score_s_nboot0']:.1f} s without (target < 10 s); reading the frame alone "
          f"{out['read_s']:.1f} s ({len(frame)} rows)")
    return out


# ------------------------------------------------------------------------------------------------- waste
def _stored(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM responses").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def bench_waste(kills: int = 3) -> dict[str, Any]:
    from psychometrics.administer import audit
    from tests.support.openai_server import ServerProcess

    inventories = ["bfi44", "ipip50", "oejts", "sd3"]
    out: dict[str, Any] = {}
    with ServerProcess(latency=0.02) as server, tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'waste.db'}"
        kwargs = dict(templates="all", orders=["all"], mode="logprobs", concurrency=16, api_base=server.api_base)
        first = audit(MODEL, inventories, db=db, **kwargs)
        out["cells"] = len(first.plan.cells)
        out["first_requests"] = server.requests
        server.reset()
        audit(MODEL, inventories, db=db, **kwargs)
        out["repeat_requests"] = server.requests
        # kill -9 and resume, through the command line
        server.reset()
        db_file = Path(tmp) / "kill.db"
        cmd = [sys.executable, "-m", "psychometrics", "audit", "--model", MODEL, "--api-base", server.api_base,
               "--db", f"sqlite:///{db_file}", "--templates", "all", "--orders", "all", "--mode", "logprobs",
               "--concurrency", "16", "--run-id", "kill", "--no-report", "--json"]
        for inv in inventories:
            cmd += ["--inventory", inv]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        sessions = []
        for k in range(kills):
            before_stored, before_asked = _stored(db_file), server.requests
            proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            goal = before_stored + (out["cells"] - before_stored) // (kills - k + 1)
            while _stored(db_file) < goal and proc.poll() is None:
                time.sleep(0.005)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            time.sleep(0.1)
            sessions.append({"stored": _stored(db_file) - before_stored, "asked": server.requests - before_asked})
        before_stored, before_asked = _stored(db_file), server.requests
        subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
        sessions.append({"stored": _stored(db_file) - before_stored, "asked": server.requests - before_asked})
        stats = server.stats()
        out.update(kill_sessions=sessions, kill_requests=stats["requests"], kill_repeats=stats["repeats"],
                   kill_stored=_stored(db_file))
    print(f"waste: {out['cells']} planned cells (log-prob mode)")
    print(f"  first audit: {out['first_requests']} requests; the same audit again: {out['repeat_requests']}")
    in_flight = [s["asked"] - s["stored"] for s in out["kill_sessions"][:-1]]
    print(f"  {kills} x kill -9 then resume: {out['kill_requests']} requests for {out['kill_stored']} stored cells; "
          f"{out['kill_repeats']} cells asked twice (in flight at the kills: {in_flight}, concurrency 16)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", nargs="*", choices=["memory", "store", "score", "waste", "sizes", []], default=[])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="sizes: plan sizes in cells, comma list")
    parser.add_argument("--fill", default="", help="sizes: of these sizes store the server's answers in bulk "
                        "instead of asking (every other stage as usual; asking's seconds are then 0)")
    parser.add_argument("--samples", type=int, default=12, help="memory: samples per prompt (12: 53,784 cells)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    what = args.what or ["store", "waste", "score", "memory"]
    results = {}
    for name in what:
        fn = {"memory": lambda: bench_memory(args.samples), "store": bench_store, "score": bench_score,
              "waste": bench_waste, "sizes": lambda: bench_sizes([int(x) for x in args.sizes.split(",")],
                                                      [int(x) for x in args.fill.split(",") if x])}[name]
        results[name] = fn()
        print(flush=True)
    if args.json:
        print(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
