"""Feedback during long work (issue 15): without a terminal a plain progress line every few seconds, named
stages, and what a re-run will do."""

from __future__ import annotations

import re
import sqlite3

from psychometrics.administer._runner import RateEstimate, Tally, progress_printer
from tests.robustness.conftest import cli_env, run_cli


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_plain_lines_every_interval_with_rate_errors_and_eta():
    clock, lines = FakeClock(), []
    update, close = progress_printer(100, 20, enabled=True, interactive=False, interval=5.0, write=lines.append,
                                     clock=clock)
    tally = Tally()
    for i in range(30):  # two answers a second, one error among them
        clock.t += 0.5
        tally.counts["error" if i == 3 else "ok"] += 1
        update(None, tally)  # type: ignore[arg-type]
    close()
    assert len(lines) == 3, lines  # at 5 s, 10 s, 15 s: the last one is the state at the end, not repeated
    assert lines[-1] == "asking: 50/100 (50%), 2/s, 1 error, 0 refused, ETA 25.0 s"


def test_rate_is_steady_over_a_window_despite_bursts():
    clock = FakeClock()
    est = RateEstimate(window_s=60, clock=clock)
    for burst in range(12):  # ten answers at once every 10 s: 1 answer/s on average
        clock.t += 10
        for _ in range(10):
            est.add()
    rates = []
    for _ in range(9):
        clock.t += 1
        rates.append(est.rate)
    assert all(0.8 <= r <= 1.2 for r in rates), rates


def test_cli_without_a_terminal_names_stages_and_resume(tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    args = ["audit", "-m", "sim/steady", "--db", db, "--run-id", "p", "--templates", "instruct", "--no-report",
            "--limit-items", "10"]
    env = cli_env(PSYCHOMETRICS_PROGRESS_INTERVAL="0")
    first = run_cli(*args, env=env)
    assert first.returncode == 0, first.stderr
    assert "asking 20 prompts (run p)" in first.stderr
    assert re.search(r"^asking: 20/20 \(100%\), [\d.]+/s, 0 errors, 0 refused, ETA 0\.0 s$", first.stderr, re.M), \
        first.stderr
    assert "scoring" in first.stderr.splitlines()
    again = run_cli(*args, env=env)
    assert "nothing to ask: run p is complete (20 cells answered)" in again.stderr
    assert "asking:" not in again.stderr
    with sqlite3.connect(tmp_path / "p.db") as conn:
        conn.execute("DELETE FROM responses WHERE rowid IN (SELECT rowid FROM responses LIMIT 5)")
    resumed = run_cli(*args, env=env)
    assert "resuming run p: 15 of 20 already answered" in resumed.stderr
    assert "asking 5 prompts" in resumed.stderr
