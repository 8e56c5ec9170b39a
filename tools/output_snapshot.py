"""Snapshot every command's output and every report page on fixed stored runs, to prove a refactor changes none.

Three steps, each a subcommand::

    python tools/output_snapshot.py runs DIR              # store fixed sim runs in DIR/runs.db (once)
    python tools/output_snapshot.py capture DIR OUT       # run every read command on a copy of them -> OUT/
    python tools/output_snapshot.py diff OUT_A OUT_B      # byte-compare two captures; exit 1 if any file differs

``--checkout PATH`` (for ``runs`` and ``capture``) runs the ``psychometrics`` package of another checkout (say a
``git worktree`` of the commit before a refactor) with the current interpreter, so both captures share one
environment. Clock times (``2026-11-30 01:18 UTC``, ISO stamps) and measured durations are masked before writing;
nothing else is. Every command's exit code, stdout and stderr are kept.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

STEADY = "sim/steady?extraversion=1.5&neuroticism=-1"
AUDITS: dict[str, list[str]] = {
    "steady": ["--model", STEADY, "-i", "bfi44", "-i", "ipip50", "-i", "sapa25", "--templates", "all",
               "--orders", "original,reversed", "--samples", "2"],
    "biased": ["--model", "sim/biased", "-i", "bfi44", "-i", "ipip50", "-i", "sapa25", "--templates", "all",
               "--orders", "original,reversed", "--samples", "2"],
    "types": ["--model", "sim/default", "-i", "oejts", "-i", "sd3", "-i", "trait-scenarios", "--templates", "all",
              "--orders", "all"],
    "acquiescent": ["--model", "sim/acquiescent", "-i", "bfi44", "--personas", "default:5", "--templates",
                    "instruct,qa"],
    "refuser": ["--model", "sim/refuser", "-i", "bfi44", "--templates", "instruct"],
    "few": ["--model", "sim/steady", "-i", "bfi44", "--templates", "instruct", "--orders", "original",
            "--limit-items", "6"],
}
SHAPE = ["shape", "--model", "sim/steady", "-i", "bfi44", "--traits", "extraversion,neuroticism", "--levels", "3",
         "--run-id", "shaping"]
PLAN = """\
version: 1
name: snapshot
inventories: [bfi44]
design: {templates: [instruct, qa], orders: [original, reversed], samples: 2}
models:
  - "sim/steady?extraversion=0"
  - "sim/steady?extraversion=1.5"
  - "sim/steady?extraversion=1.5&agreeableness=0.2"
baseline: previous
"""

_TIME = [
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?( ?(UTC|Z|[+-]\d{2}:?\d{2}))?"),
    re.compile(r"\b\d+(\.\d+)? ?(s|ms|seconds?)\b(?= |\)|,|\.|<|$)"),
    re.compile(r'"(created|started|finished|updated|generated)(_at)?": ?[0-9.e+]+'),
    re.compile(r'"\w*(wall|elapsed|seconds|_s)": ?[0-9.e+-]+'),
]


def _mask(text: str) -> str:
    for pattern in _TIME:
        text = pattern.sub("<time>", text)
    return text


def _env(checkout: Path | None) -> dict[str, str]:
    env = dict(os.environ, COLUMNS="120", LINES="50", NO_COLOR="1", TERM="dumb", PYTHONHASHSEED="0",
               LITELLM_LOCAL_MODEL_COST_MAP="True")
    env.pop("PSYCHOMETRICS_DB", None)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout.resolve())
    return env


def _cli(args: list[str], *, cwd: Path, checkout: Path | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "psychometrics", *args], cwd=cwd, env=_env(checkout),
                          capture_output=True, text=True, timeout=900)


def make_runs(folder: Path, checkout: Path | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{(folder / 'runs.db').resolve()}"
    for run_id, args in AUDITS.items():
        done = _cli(["audit", *args, "--run-id", run_id, "--db", db, "--no-report"], cwd=folder, checkout=checkout)
        print(f"audit {run_id}: exit {done.returncode}")
        if done.returncode != 0:
            sys.exit(f"audit {run_id} failed:\n{done.stderr[-2000:]}")
    done = _cli([*SHAPE, "--db", db, "--no-report"], cwd=folder, checkout=checkout)
    print(f"shape: exit {done.returncode}")
    (folder / "plan.yaml").write_text(PLAN, encoding="utf-8")
    done = _cli(["schedule", "plan.yaml", "--db", db, "--no-reports", "--out", "schedule-first"], cwd=folder,
                checkout=checkout)
    print(f"schedule: exit {done.returncode}")


def _commands(db: str) -> list[tuple[str, list[str]]]:
    cmds: list[tuple[str, list[str]]] = [
        ("inventories-list", ["inventories", "list"]),
        ("inventories-show-bfi44", ["inventories", "show", "bfi44"]),
        ("inventories-show-oejts", ["inventories", "show", "oejts"]),
        ("runs-list", ["runs", "list", "--db", db]),
        ("runs-list-json", ["runs", "list", "--db", db, "--json"]),
    ]
    for run_id in [*AUDITS, "shaping"]:
        cmds += [
            (f"runs-show-{run_id}", ["runs", "show", run_id, "--db", db]),
            (f"runs-show-json-{run_id}", ["runs", "show", run_id, "--db", db, "--json"]),
            (f"score-{run_id}", ["score", run_id, "--db", db, "--n-boot", "100"]),
            (f"score-json-{run_id}", ["score", run_id, "--db", db, "--n-boot", "100", "--json"]),
            (f"export-csv-{run_id}", ["runs", "export", run_id, "--db", db, "--format", "csv",
                                      "--out", f"out/export-{run_id}.csv"]),
            (f"export-jsonl-{run_id}", ["runs", "export", run_id, "--db", db, "--format", "jsonl",
                                        "--out", f"out/export-{run_id}.jsonl"]),
            (f"report-{run_id}", ["report", run_id, "--db", db, "--n-boot", "100",
                                  "--out", f"out/report-{run_id}.html"]),
        ]
    cmds += [
        ("score-default-boot-steady", ["score", "steady", "--db", db]),
        ("compare-steady-biased", ["compare", "steady", "biased", "--db", db, "--n-boot", "100",
                                   "--out", "out/compare-steady-biased.html"]),
        ("compare-json-steady-biased", ["compare", "steady", "biased", "--db", db, "--n-boot", "100", "--json"]),
        ("compare-mw-steady-few", ["compare", "steady", "few", "--db", db, "--n-boot", "100", "--test",
                                   "mann-whitney", "--out", "out/compare-steady-few.html"]),
        ("compare-json-acq-refuser", ["compare", "acquiescent", "refuser", "--db", db, "--n-boot", "100",
                                      "--json"]),
        ("shape", [*SHAPE, "--db", db, "--out", "out/shape"]),
        ("shape-json", [*SHAPE, "--db", db, "--json", "--no-report"]),
        ("schedule", ["schedule", "plan.yaml", "--db", db, "--out", "out/schedule"]),
        ("schedule-json", ["schedule", "plan.yaml", "--db", db, "--json", "--no-reports",
                           "--out", "out/schedule-json"]),
    ]
    return cmds


def capture(folder: Path, out: Path, checkout: Path | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="snapshot-") as tmp:
        work = Path(tmp)
        shutil.copy(folder / "runs.db", work / "runs.db")
        shutil.copy(folder / "plan.yaml", work / "plan.yaml")
        (work / "out").mkdir()
        db = f"sqlite:///{work / 'runs.db'}"
        for name, args in _commands(db):
            done = _cli(args, cwd=work, checkout=checkout)
            text = f"$ psychometrics {' '.join(args)}\nexit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
            (out / f"{name}.txt").write_text(_mask(text.replace(tmp, "<tmp>")), encoding="utf-8")
            print(f"{name}: exit {done.returncode}")
        for path in sorted((work / "out").rglob("*")):
            if path.is_file():
                target = out / "files" / path.relative_to(work / "out")
                target.parent.mkdir(parents=True, exist_ok=True)
                text = path.read_text(encoding="utf-8", errors="replace")
                target.write_text(_mask(text.replace(tmp, "<tmp>")), encoding="utf-8")


def diff(a: Path, b: Path) -> int:
    names_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    names_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    bad = 0
    for name in sorted(names_a ^ names_b):
        print(f"only in {'A' if name in names_a else 'B'}: {name}")
        bad += 1
    for name in sorted(names_a & names_b):
        ta, tb = (a / name).read_text(encoding="utf-8"), (b / name).read_text(encoding="utf-8")
        if ta != tb:
            bad += 1
            print(f"differs: {name}")
            lines = difflib.unified_diff(ta.splitlines(), tb.splitlines(), "A", "B", lineterm="", n=1)
            for line in list(lines)[:40]:
                print("   " + line[:200])
    print(json.dumps({"files": len(names_a | names_b), "differing": bad}))
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="step", required=True)
    p_runs = sub.add_parser("runs", help="store the fixed runs in DIR/runs.db")
    p_runs.add_argument("dir", type=Path)
    p_runs.add_argument("--checkout", type=Path)
    p_cap = sub.add_parser("capture", help="run every read command on a copy of DIR/runs.db into OUT")
    p_cap.add_argument("dir", type=Path)
    p_cap.add_argument("out", type=Path)
    p_cap.add_argument("--checkout", type=Path)
    p_diff = sub.add_parser("diff", help="compare two captures")
    p_diff.add_argument("a", type=Path)
    p_diff.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.step == "runs":
        make_runs(args.dir, args.checkout)
    elif args.step == "capture":
        capture(args.dir, args.out, args.checkout)
    else:
        sys.exit(diff(args.a, args.b))


if __name__ == "__main__":
    main()
