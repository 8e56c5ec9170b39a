"""Time to the result: the whole ``psychometrics audit`` command beside the asking inside it, in one run.

The command runs in a fresh process (``python -m psychometrics audit …``) against the local OpenAI-compatible
server (``tests/support/openai_server.py``, a separate process, 100 ms latency) on the 5,280-cell plan BFI-44 ×
3 templates × 2 orders × 20 samples, log-prob mode, concurrency 64, with the summary and the HTML report. The
command's stderr lines are timestamped as they arrive, which splits its wall time into stages:

* start → "asking N prompts": interpreter start, imports, planning, checks, storing the run's cells;
* asking: the run's own ``wall_s`` (administration: requests, parsing, one commit per answer);
* the rest of "asking N prompts" → "scoring": closing the run (counts, cost);
* "scoring" → "writing report": reading the responses and scoring them (bootstrap included);
* "writing report" → the summary's first line: the HTML report;
* the printed summary, and the process's exit after its last line;
* the command's user and system CPU seconds (load on the machine inflates them less than wall time).

The target is wall time ≤ asking + 3 s. ``--before DIR`` runs another checkout's command first (e.g. ``main``,
with its own ``.venv``) against the same server and prints both side by side with their ratio. ``--profile
FILE`` runs the command under cProfile into FILE.

Run::

    python benchmarks/bench_command.py
    python benchmarks/bench_command.py --before /work/main
    python benchmarks/bench_command.py --samples 2 --profile cmd.prof
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MODEL = "openai/test-model"


def command(api_base: str, db: str, out: str, samples: int, concurrency: int) -> list[str]:
    return ["audit", "--model", MODEL, "--api-base", api_base, "--inventory", "bfi44", "--templates", "all",
            "--orders", "original,reversed", "--samples", str(samples), "--mode", "logprobs",
            "--concurrency", str(concurrency), "--db", db, "--out", out, "--run-id", "bench"]


def run_command(args: list[str], env: dict[str, str], profile: str | None, root: Path = ROOT) -> dict[str, Any]:
    """Run the command in checkout ``root`` (its own ``.venv`` when it has one); the arrival time of each output
    line (seconds after the start)."""
    python = str(root / ".venv" / "bin" / "python") if (root / ".venv" / "bin" / "python").exists() else sys.executable
    env = {**env, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    head = [python, "-c", _PROFILED.format(out=os.path.abspath(profile))] if profile else [python, "-m", "psychometrics"]
    lines: list[tuple[float, str]] = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # the server (a child too) is counted only once reaped
    t0 = time.perf_counter()
    proc = subprocess.Popen(head + args, env=env, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    stdout: list[tuple[float, str]] = []

    def read_stdout() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            stdout.append((time.perf_counter() - t0, line.rstrip("\n")))

    reader = threading.Thread(target=read_stdout)
    reader.start()
    for line in proc.stderr:  # type: ignore[union-attr]
        lines.append((time.perf_counter() - t0, line.rstrip("\n")))
    proc.wait()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    reader.join()
    if proc.returncode != 0:
        raise RuntimeError(f"exit {proc.returncode}\n" + "\n".join(text for _, text in lines[-30:]))
    return {"wall": wall, "lines": lines, "stdout": stdout, "user": after.ru_utime - before.ru_utime,
            "system": after.ru_stime - before.ru_stime}


_PROFILED = """
import cProfile, sys
import psychometrics.cli as cli
sys.argv[0] = "psychometrics"
cli._exit = sys.exit  # the command's os._exit would end the process before cProfile writes {out!r}
cProfile.run("cli.main()", {out!r})
"""
"""The command under cProfile, ending with an ordinary exit."""


def first(lines: list[tuple[float, str]], prefix: str) -> float:
    return next(t for t, text in lines if text.startswith(prefix))


def stages(done: dict[str, Any], db_file: Path) -> dict[str, float]:
    with sqlite3.connect(db_file) as conn:
        run = json.loads(conn.execute("SELECT record FROM runs WHERE run_id = 'bench'").fetchone()[0])
        n = conn.execute("SELECT count(*) FROM responses").fetchone()[0]
    lines, wall = done["lines"], done["wall"]
    asking_line, scoring, report = first(lines, "asking "), first(lines, "scoring"), first(lines, "writing report")
    asking = float(run["wall_s"])
    summary = next(t for t, _ in done["stdout"])  # the summary's first line: the report is written
    printed = first(done["stdout"], "report: ")  # its last line
    return {"cells": n, "wall": wall, "asking": asking, "before asking": asking_line,
            "closing the run": scoring - asking_line - asking, "scoring": report - scoring,
            "report": summary - report, "summary": printed - summary, "exit": wall - printed,
            "user CPU": done["user"], "system CPU": done["system"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=20, help="20: 5,280 cells")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.1, help="server latency in seconds")
    parser.add_argument("--profile", help="run the command under cProfile into this file")
    parser.add_argument("--before", type=Path, help="another checkout (e.g. /work/main): run its command first, then "
                        "this one's, against the same server, and print both with their ratio")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from tests.support.openai_server import ServerProcess

    env = {**os.environ, "COLUMNS": "120"}
    env.pop("OPENAI_API_KEY", None)
    env.pop("LITELLM_LOCAL_MODEL_COST_MAP", None)  # the command must not need it set by its caller
    roots = {"before": args.before.resolve(), "after": ROOT} if args.before else {"this": ROOT}
    results: dict[str, dict[str, float]] = {}
    with ServerProcess(latency=args.latency) as server:
        for name, root in roots.items():
            with tempfile.TemporaryDirectory() as tmp:
                subprocess.run([sys.executable, "-m", "psychometrics", "--version"], cwd=root, capture_output=True,
                               env={**env, "PYTHONPATH": str(root)}, check=True)  # warm the file cache
                db_file = Path(tmp) / "cmd.db"
                done = run_command(command(server.api_base, f"sqlite:///{db_file}", str(Path(tmp) / "reports"),
                                           args.samples, args.concurrency), env, args.profile, root)
                results[name] = stages(done, db_file)
    cells = next(iter(results.values()))["cells"]
    print(f"psychometrics audit: {cells} cells (BFI-44 x 3 templates x 2 orders x {args.samples} "
          f"samples), log-probs, concurrency {args.concurrency}, server latency {1000 * args.latency:.0f} ms, "
          f"summary + HTML report, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"  {'':<20}" + "".join(f"{name + ' (' + str(roots[name].name) + ')':>24}" for name in results)
          + ("   after / before" if len(results) == 2 else ""))
    rows = ["wall", "asking", "wall - asking", "before asking", "closing the run", "scoring", "report", "summary",
            "exit", "user CPU", "system CPU"]
    for r in results.values():
        r["wall - asking"] = r["wall"] - r["asking"]
    for row in rows:
        values = [r[row] for r in results.values()]
        ratio = f"   {values[1] / values[0]:.2f}" if len(values) == 2 and values[0] > 0 else ""
        print(f"  {row + ' (s)':<20}" + "".join(f"{v:>24.2f}" for v in values) + ratio)
    last = list(results.values())[-1]
    print(f"  target wall ≤ asking + 3 s: {'met' if last['wall - asking'] <= 3 else 'NOT met'} "
          f"({last['wall - asking']:+.2f} s)")
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
