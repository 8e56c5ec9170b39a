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


def test_plain_lines_go_on_while_no_answer_arrives_and_say_for_how_long():
    from psychometrics.administer._runner import PlainProgress

    clock, lines = FakeClock(), []
    plain = PlainProgress(10, 0, 5.0, lines.append, clock)
    for _ in range(4):  # the endpoint stalls before its first answer: a line every 5 s all the same
        clock.t += 5
        plain.tick()
    assert len(lines) == 4, lines
    assert lines[0] == "asking: 0/10 (0%), -/s, 0 errors, 0 refused, ETA -"  # 5 s: not yet a stall
    assert lines[1].endswith("; no answer for 10.0 s") and lines[3].endswith("; no answer for 20.0 s"), lines
    tally = Tally()
    tally.counts["ok"] = 1
    plain.update(None, tally)  # type: ignore[arg-type]
    clock.t += 5
    plain.tick()
    assert lines[-1].startswith("asking: 1/10 (10%)") and "no answer" not in lines[-1]
    plain.close()


def test_cli_without_a_terminal_prints_lines_while_the_endpoint_is_slow(tmp_path):
    from tests.support.openai_server import ServerProcess

    with ServerProcess(latency=4.0) as server:
        res = run_cli("audit", "-m", "openai/test-model", "--api-base", server.api_base, "-i", "sd3",
                      "--templates", "instruct", "--orders", "original", "--limit-items", "2", "--concurrency", "1",
                      "--mode", "logprobs", "--no-report", "--db", f"sqlite:///{tmp_path / 's.db'}",
                      env=cli_env(PSYCHOMETRICS_PROGRESS_INTERVAL="0.5", OPENAI_API_KEY="not-needed"))
    assert res.returncode == 0, res.stderr
    lines = [x for x in res.stderr.splitlines() if x.startswith("asking:")]
    # two answers, 4 s apart: a line every half second in between, not one per answer
    assert len(lines) >= 8, res.stderr
    stalled = [x for x in lines if "no answer for" in x]
    assert stalled and re.search(r"no answer for [1-4]\.\d s$", stalled[-1]), stalled
    assert lines[-1].startswith("asking: 2/2 (100%)")
