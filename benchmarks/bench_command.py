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
* the printed summary, and the process's exit after its last line.

The target is wall time ≤ asking + 3 s. ``--profile FILE`` runs the command under cProfile into FILE.

Run::

    python benchmarks/bench_command.py
    python benchmarks/bench_command.py --samples 2 --profile cmd.prof
"""

from __future__ import annotations

import argparse
import json
import os
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


def run_command(args: list[str], env: dict[str, str], profile: str | None) -> dict[str, Any]:
    """Run the command; the arrival time of each stderr line (seconds after the start) and the exit code."""
    head = [sys.executable, "-m", "cProfile", "-o", profile, "-m", "psychometrics"] if profile else \
        [sys.executable, "-m", "psychometrics"]
    lines: list[tuple[float, str]] = []
    t0 = time.perf_counter()
    proc = subprocess.Popen(head + args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
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
    reader.join()
    if proc.returncode != 0:
        raise RuntimeError(f"exit {proc.returncode}\n" + "\n".join(text for _, text in lines[-30:]))
    return {"wall": wall, "lines": lines, "stdout": stdout}


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
            "report": summary - report, "summary": printed - summary, "exit": wall - printed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=20, help="20: 5,280 cells")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.1, help="server latency in seconds")
    parser.add_argument("--profile", help="run the command under cProfile into this file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from tests.support.openai_server import ServerProcess

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "COLUMNS": "120"}
    env.pop("OPENAI_API_KEY", None)
    env.pop("LITELLM_LOCAL_MODEL_COST_MAP", None)  # the command must not need it set by its caller
    with ServerProcess(latency=args.latency) as server, tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "psychometrics", "--version"], env=env, cwd=ROOT, check=True,
                       capture_output=True)  # warm the file cache
        db_file = Path(tmp) / "cmd.db"
        done = run_command(command(server.api_base, f"sqlite:///{db_file}", str(Path(tmp) / "reports"),
                                   args.samples, args.concurrency), env, args.profile)
        figures = stages(done, db_file)
    over = figures["wall"] - figures["asking"]
    print(f"psychometrics audit: {figures['cells']} cells (BFI-44 x 3 templates x 2 orders x {args.samples} "
          f"samples), log-probs, concurrency {args.concurrency}, server latency {1000 * args.latency:.0f} ms, "
          f"summary + HTML report")
    print(f"  wall {figures['wall']:.2f} s for {figures['asking']:.2f} s of asking: {over:+.2f} s "
          f"(target ≤ +3 s: {'met' if over <= 3 else 'NOT met'}); wall / asking {figures['wall'] / figures['asking']:.2f}")
    for name in ("before asking", "asking", "closing the run", "scoring", "report", "summary", "exit"):
        print(f"  {name:<20} {figures[name]:6.2f} s")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
