"""Start-up time of the command line: ``psychometrics --help`` must stay under 0.5 s.

Each command runs ``--rounds`` times in a fresh process (``python -m psychometrics …``); best and median wall
times are printed, plus the modules the CLI imports at start (heavy ones — litellm, pandas, scipy, llama_cpp —
must not be among them).

Run::

    python benchmarks/bench_cli.py
    python benchmarks/bench_cli.py --rounds 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("litellm", "pandas", "scipy", "numpy", "llama_cpp", "matplotlib", "pingouin", "factor_analyzer", "aiohttp")


def timed(args: list[str], rounds: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "psychometrics", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{args}: exit {done.returncode}\n{done.stderr}")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'empty.db'}"
        from psychometrics.store import Store

        Store(db).close()
        commands = {
            "psychometrics --help": ["--help"],
            "psychometrics --version": ["--version"],
            "psychometrics audit --help": ["audit", "--help"],
            "psychometrics runs list (empty db)": ["runs", "list", "--db", db],
        }
        timed(["--version"], 2, env)  # warm the file cache
        print(f"{'command':<38} {'best s':>7} {'median s':>9}   ({args.rounds} runs each, {os.cpu_count()} cores)")
        for name, cmd in commands.items():
            ts = timed(cmd, args.rounds, env)
            flag = "" if name != "psychometrics --help" else ("  ok (< 0.5 s)" if statistics.median(ts) < 0.5
                                                                 else "  OVER 0.5 s")
            print(f"{name:<38} {min(ts):>7.3f} {statistics.median(ts):>9.3f}{flag}")
    probe = ("import sys, psychometrics.cli; "
             "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True).stdout
    heavy = [m for m in HEAVY if m in loaded.split()]
    print(f"heavy modules imported by the CLI at start: {', '.join(heavy) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
