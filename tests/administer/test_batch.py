"""``audit --batch`` against a real OpenAI files + batches server on 127.0.0.1 (tests/support/batch_server.py).

The server answers every request line with the same engine as the synchronous test server, so a batch audit's
records can be compared with a synchronous audit's, cell by cell.
"""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
from pathlib import Path

import pytest

from psychometrics.administer import AuditError, BatchOptions, audit
from psychometrics.administer._call import LOGPROB_TOKENS
from psychometrics.administer._batchlines import (
    BATCH_LIMITS,
    BatchLimits,
    LineTooLarge,
    limits_for,
    request_line,
    split_lines,
)
from psychometrics.store import Batch, Store
from tests.support.batch_server import BatchConfig, BatchServer
from tests.support.openai_server import OpenAIServer

FAST = dict(poll_interval=0.02, max_poll_interval=0.05)
KW = dict(limit_items=3, templates=["instruct"], orders=["original", "reversed"])  # bfi44
N = 3 * 1 * 2  # items × templates × orders


def _db(tmp_path: Path, name: str = "runs.db") -> str:
    return f"sqlite:///{tmp_path / name}"


def _input_ids(server: BatchServer) -> list[list[str]]:
    return [server.batch_inputs[b] for b in sorted(server.batch_inputs, key=lambda b: int(b.split("_")[1]))]


def _key(r) -> tuple:
    return (r.item, r.template, r.order, r.sample)


def test_batch_audit_stores_what_the_synchronous_audit_stores_and_sends_no_request(tmp_path, db_url):
    with BatchServer() as server:
        result = audit("openai/test-model", api_base=server.api_base, db=db_url, batch=True,
                       batch_options=BatchOptions(max_lines=4, **FAST), **KW)
        assert server.sync_requests == 0
        inputs = _input_ids(server)
        lines = [json.loads(line) for line in server.contents["file-1"].decode().splitlines()]
    with OpenAIServer() as sync_server:
        sync = audit("openai/test-model", api_base=sync_server.api_base, db=_db(tmp_path, "sync.db"), **KW)
        sync_bodies = list(sync_server.bodies)
    assert result.run.status == "finished" and result.run.counts == {"ok": N}
    assert [len(i) for i in inputs] == [4, 2]  # split by the line limit, in plan order
    assert [line["custom_id"] for line in lines] == [c.cell_id for c in result.plan.cells[:4]]
    assert all(line["method"] == "POST" and line["url"] == "/v1/chat/completions" for line in lines)
    # each line's body is the request the synchronous audit sends for that prompt
    by_prompt = {b["messages"][0]["content"]: b for b in sync_bodies}
    assert [line["body"] for line in lines] == [by_prompt[line["body"]["messages"][0]["content"]] for line in lines]
    assert lines[0]["body"]["logprobs"] is True and lines[0]["body"]["max_tokens"] == LOGPROB_TOKENS
    assert sorted(sum(inputs, [])) == sorted(c.cell_id for c in result.plan.cells)
    with Store(db_url) as store:
        batch_rows = list(store.iter_responses(result.run.run_id))
        batches = store.batches(result.run.run_id)
    with Store(_db(tmp_path, "sync.db")) as store:
        sync_rows = {_key(r): r for r in store.iter_responses(sync.run.run_id)}
    assert len(batch_rows) == N and len({r.cell_id for r in batch_rows}) == N
    assert [b.status for b in batches] == ["completed", "completed"] and all(b.ingested_at for b in batches)
    for r in batch_rows:
        s = sync_rows[_key(r)]
        assert (r.status, r.mode, r.value, r.option_probs, r.expected_value, r.raw_text) == \
               (s.status, s.mode, s.value, s.option_probs, s.expected_value, s.raw_text)
        assert r.latency_s is None and s.latency_s is not None


def test_generate_mode_lines_are_parsed_like_synchronous_replies(tmp_path):
    config = BatchConfig()
    config.engine.behaviour = lambda n, prompt: "refuse" if "talkative" in prompt.lower() else "answer"
    with BatchServer(config) as server:
        result = audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True, mode="generate",
                       batch_options=BatchOptions(**FAST), **KW)
        bodies = [json.loads(line) for line in server.contents["file-1"].decode().splitlines()]
    with Store(_db(tmp_path)) as store:
        rows = list(store.iter_responses(result.run.run_id))
    assert {b["body"]["max_tokens"] for b in bodies} == {32} and all("logprobs" not in b["body"] for b in bodies)
    assert [b["body"]["seed"] for b in bodies] == [c.sample for c in result.plan.cells]
    refused = [r for r in rows if "talkative" in r.prompt.lower()]
    assert refused and all(r.status == "refused" for r in refused)
    assert all(r.status == "ok" and r.parse_rule for r in rows if r not in refused)


def test_cost_is_litellms_batch_price_half_the_synchronous_price(tmp_path):
    import litellm

    with BatchServer() as server:
        result = audit("openai/gpt-4o-mini", api_base=server.api_base, db=_db(tmp_path), batch=True,
                       batch_options=BatchOptions(**FAST), **KW)
    with Store(_db(tmp_path)) as store:
        rows = list(store.iter_responses(result.run.run_id))
    info = litellm.get_model_info("gpt-4o-mini", custom_llm_provider="openai")
    for r in rows:
        assert r.cost_usd == pytest.approx(r.prompt_tokens * info["input_cost_per_token_batches"]
                                           + r.completion_tokens * info["output_cost_per_token_batches"])
        synchronous = sum(litellm.cost_per_token(model="gpt-4o-mini", prompt_tokens=r.prompt_tokens,
                                                 completion_tokens=r.completion_tokens))
        assert r.cost_usd == pytest.approx(synchronous / 2)  # OpenAI's Batch API: 50% off
    assert result.run.cost_usd == pytest.approx(sum(r.cost_usd for r in rows)) and result.run.cost_usd > 0


def test_expired_batch_reasks_only_the_missing_lines(db_url):
    config = BatchConfig(expire_after=lambda number: 2 if number == 1 else None)
    with BatchServer(config) as server:
        result = audit("openai/test-model", api_base=server.api_base, db=db_url, batch=True, retries=1,
                       batch_options=BatchOptions(retries=1, **FAST), **KW)
        first, second = _input_ids(server)
        asked = server.engine.stats(prompts=True)
        assert server.sync_requests == 0
        expired_status = server.batches["batch_1"]["status"]
    assert expired_status == "expired" and len(first) == N
    assert second == first[2:]  # only the lines the expired batch did not answer
    assert result.run.counts == {"ok": N}
    assert asked["requests"] == N and asked["repeats"] == 0
    with Store(db_url) as store:
        attempts = {r.cell_id: r.attempts for r in store.iter_responses(result.run.run_id)}
    # a line is sent once per batch that holds it: twice for the lines the expired batch left unanswered
    assert attempts == {**{c: 1 for c in first[:2]}, **{c: 2 for c in second}}


def test_expired_lines_asked_synchronously_when_chosen(tmp_path):
    config = BatchConfig(expire_after=lambda number: 4)
    with BatchServer(config) as server:
        result = audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True,
                       batch_options=BatchOptions(reask="sync", **FAST), **KW)
        assert len(server.batches) == 1 and server.sync_requests == N - 4
    assert result.run.counts == {"ok": N}


def test_without_retries_expired_lines_are_errors_that_a_rerun_asks(tmp_path):
    config = BatchConfig(expire_after=lambda number: 1 if number == 1 else None)
    with BatchServer(config) as server:
        kwargs = dict(api_base=server.api_base, db=_db(tmp_path), batch=True,
                      batch_options=BatchOptions(retries=0, **FAST), **KW)
        first = audit("openai/test-model", **kwargs)
        with Store(_db(tmp_path)) as store:
            errors = [(r.error, r.attempts) for r in store.iter_responses(first.run.run_id) if r.status == "error"]
        second = audit("openai/test-model", **kwargs)
        inputs = _input_ids(server)
        with Store(_db(tmp_path)) as store:
            attempts = {r.cell_id: r.attempts for r in store.iter_responses(second.run.run_id)}
    assert first.run.counts == {"ok": 1, "error": N - 1}
    assert errors == [("batch expired before this line ran (batch_expired)", 1)] * (N - 1)
    assert inputs[1] == inputs[0][1:] and second.run.counts == {"ok": N}
    assert attempts == {inputs[0][0]: 1, **{c: 2 for c in inputs[1]}}  # the re-run sent them a second time


def test_malformed_output_lines_fail_their_cells_only(db_url):
    with BatchServer() as server:
        plan = audit("openai/test-model", api_base=server.api_base, dry_run=True, **KW).plan
        bad_body, bad_json = plan.cells[1].cell_id, plan.cells[4].cell_id
        server.config.malformed = {bad_body: "body", bad_json: "json"}.get
        kwargs = dict(api_base=server.api_base, db=db_url, batch=True,
                      batch_options=BatchOptions(retries=0, **FAST), **KW)
        first = audit("openai/test-model", **kwargs)
        with Store(db_url) as store:
            rows = {r.cell_id: r for r in store.iter_responses(first.run.run_id)}
        server.config.malformed = lambda custom_id: None
        second = audit("openai/test-model", **kwargs)
        inputs = _input_ids(server)
    # the true reason, with the line of the output file (the lines follow the plan: cells 1 and 4 are lines 2 and 5)
    assert rows[bad_body].status == "error"
    assert rows[bad_body].error.startswith("batch output line 2 is not a chat completion (")
    assert rows[bad_json].status == "error" and rows[bad_json].error == "batch output line 5 is not JSON"
    assert all(r.status == "ok" for cid, r in rows.items() if cid not in (bad_body, bad_json))
    assert len(rows) == N and first.run.counts == {"ok": N - 2, "error": 2}
    assert sorted(inputs[1]) == sorted([bad_body, bad_json]) and second.run.counts == {"ok": N}


def test_failed_lines_of_the_provider_are_errors_with_its_message(tmp_path):
    config = BatchConfig()
    config.engine.behaviour = lambda n, prompt: "400" if n == 2 else "answer"
    with BatchServer(config) as server:
        result = audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True,
                       batch_options=BatchOptions(retries=0, **FAST), **KW)
    with Store(_db(tmp_path)) as store:
        errors = [r.error for r in store.iter_responses(result.run.run_id) if r.status == "error"]
    assert result.run.counts == {"ok": N - 1, "error": 1}
    assert errors == ["batch line failed (HTTP 400): Invalid value for 'temperature': expected a number between 0 "
                      "and 2."]


def test_a_batch_uploaded_but_not_created_is_adopted_not_submitted_again(db_url):
    """The process was killed between creating the provider batch and storing its id."""
    import litellm

    with BatchServer() as server:
        dry = audit("openai/test-model", api_base=server.api_base, dry_run=True, **KW)
        cells = dry.plan.cells[:4]
        body = {"model": "test-model", "max_tokens": 1, "temperature": 0, "logprobs": True, "top_logprobs": 20}
        data = b"".join(request_line(c, body) for c in cells)
        kw = dict(custom_llm_provider="openai", api_base=server.api_base, api_key="not-needed")

        async def upload_and_create() -> str:
            f = await litellm.acreate_file(file=("in.jsonl", data, "application/jsonl"), purpose="batch", **kw)
            await litellm.acreate_batch(completion_window="24h", endpoint="/v1/chat/completions",
                                        input_file_id=f.id, **kw)
            return f.id

        file_id = asyncio.run(upload_and_create())
        with Store(db_url) as store:
            store.save_batch(Batch(key=f"{dry.run.run_id}/killed", run_id=dry.run.run_id, provider="openai",
                                   mode="logprobs", input_file_id=file_id, n_cells=4, submitted_at=0.0),
                             [c.cell_id for c in cells])
        result = audit("openai/test-model", api_base=server.api_base, db=db_url, batch=True,
                       batch_options=BatchOptions(**FAST), **KW)
        inputs = _input_ids(server)
        asked = server.engine.stats()
    assert len(inputs) == 2 and inputs[0] == [c.cell_id for c in cells]
    assert sorted(inputs[1]) == sorted(c.cell_id for c in dry.plan.cells[4:])
    assert result.run.counts == {"ok": N} and asked["requests"] == N and asked["repeats"] == 0
    with Store(db_url) as store:
        adopted = next(b for b in store.batches(dry.run.run_id) if b.key.endswith("/killed"))
    assert adopted.batch_id == "batch_1" and adopted.ingested_at is not None


def test_open_batches_are_not_asked_synchronously_and_runs_poll_collects_them(db_url):
    from typer.testing import CliRunner

    from psychometrics.cli import app

    config = BatchConfig(hold=True)
    with BatchServer(config) as server:
        first = audit("openai/test-model", api_base=server.api_base, db=db_url, batch=True,
                      batch_options=BatchOptions(wait=False, **FAST), **KW)
        run_id = first.run.run_id
        assert first.run.status == "running" and first.run.counts == {}
        with pytest.raises(AuditError, match="still open at the provider"):
            audit("openai/test-model", api_base=server.api_base, db=db_url, **KW)
        once = CliRunner().invoke(app, ["runs", "poll", run_id, "--db", db_url, "--once", "--json"])
        server.release()
        done = CliRunner().invoke(app, ["runs", "poll", run_id, "--db", db_url, "--poll-interval", "0.02",
                                        "--max-poll-interval", "0.05", "--json"])
        assert server.sync_requests == 0 and len(server.batches) == 1
    assert once.exit_code == 0, once.output
    assert json.loads(once.stdout)["answered"] == 0
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == {"run_id": run_id, "batches": {"completed": 1}, "answered": N, "n_cells": N,
                                       "status": "finished"}


def test_batch_refused_for_a_provider_without_a_batch_api(tmp_path):
    with pytest.raises(AuditError, match="litellm has no batch API for sim/default"):
        audit("sim/default", db=_db(tmp_path), batch=True, **KW)
    assert not (tmp_path / "runs.db").exists()


@pytest.mark.parametrize("options, message", [
    (BatchOptions(poll_interval=0), r"--poll-interval must be a positive finite number of seconds \(got 0\)"),
    (BatchOptions(poll_interval=math.inf), r"--poll-interval must be a positive finite number of seconds \(got inf\)"),
    (BatchOptions(max_poll_interval=math.nan), "--max-poll-interval must be a positive finite number"),
    (BatchOptions(poll_interval=20, max_poll_interval=10), "--max-poll-interval must be at least --poll-interval 20"),
    (BatchOptions(reask="later"), "--batch-reask must be batch or sync"),  # type: ignore[arg-type]
    (BatchOptions(max_lines=0), "--batch-max-lines must be at least 1"),
    (BatchOptions(max_bytes=10), r"--batch-max-bytes 10 is smaller than the largest request line of this plan "
                                 r"\(\d+ bytes, cell \w+\): give --batch-max-bytes \d+ or more"),
])
def test_bad_batch_options_are_refused_before_anything_is_asked(tmp_path, options, message):
    from psychometrics.administer import OptionError

    with OpenAIServer() as server:
        with pytest.raises(OptionError, match=message):
            audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True,
                  batch_options=options, **KW)
        assert server.stats()["requests"] == 0
    assert not (tmp_path / "runs.db").exists()  # no run was created


def test_the_byte_limit_check_names_the_size_a_batch_needs(tmp_path):
    with BatchServer() as server:
        with pytest.raises(AuditError) as refused:
            audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True,
                  batch_options=BatchOptions(max_bytes=10, **FAST), **KW)
        needed = int(str(refused.value).rsplit("--batch-max-bytes ", 1)[1].split()[0])
        done = audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True,
                     batch_options=BatchOptions(max_bytes=needed, **FAST), **KW)
        assert server.requests and len(server.batches) == N  # one line per batch: the limit was exactly enough
    assert done.run.counts == {"ok": N}


def test_limits_default_to_openais_and_split_by_lines_and_bytes():
    assert limits_for("openai") == BatchLimits(50_000, 200 * 1024 * 1024) == BATCH_LIMITS["openai"]
    assert limits_for("mistral") == limits_for("openai")
    assert limits_for("azure", max_lines=7) == BatchLimits(7, 200 * 1024 * 1024)

    class C:
        def __init__(self, i: int):
            self.cell_id = f"c{i}"

    lines = [(C(i), b"x" * (10 + i % 7) + b"\n") for i in range(100)]
    groups = split_lines(lines, BatchLimits(max_lines=9, max_bytes=60))
    assert [pair for g in groups for pair in g] == lines
    assert all(len(g) <= 9 and sum(len(line) for _, line in g) <= 60 for g in groups)
    # each group is full: the next line would have broken a limit
    for g, nxt in zip(groups, groups[1:]):
        assert len(g) == 9 or sum(len(line) for _, line in g) + len(nxt[0][1]) > 60
    assert len(groups) >= math.ceil(sum(len(line) for _, line in lines) / 60)
    with pytest.raises(LineTooLarge, match="cell c3"):
        split_lines([(C(3), b"y" * 61)], BatchLimits(max_lines=9, max_bytes=60))


def test_a_database_from_before_batches_opens_and_gains_the_tables(tmp_path):
    dump = Path(__file__).resolve().parents[1] / "fixtures" / "store" / "run-8f3b71b.sql"
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(dump.read_text(encoding="utf-8"))
    conn.close()
    with Store(f"sqlite:///{path}", create=False) as store:
        assert store.batches("sim-steady-f6b90149") == [] and store.batch_cell_ids("x") == []
    with Store(f"sqlite:///{path}") as store:
        store.save_batch(Batch(key="k", run_id="r", provider="openai", mode="logprobs", input_file_id="f",
                               n_cells=1, submitted_at=1.0), ["c1"])
        assert [b.key for b in store.batches("r")] == ["k"] and store.batch_cell_ids("k") == ["c1"]


def test_scaling_doc_states_the_limits_and_providers_the_code_uses():
    from psychometrics.administer._batch import BATCH_PROVIDERS

    text = (Path(__file__).resolve().parents[2] / "docs" / "scaling.md").read_text(encoding="utf-8")
    section = text.split("## With a batch API", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows[cells[0].split("`")[1]] = (int(cells[1].replace(",", "")), int(cells[2].removesuffix(" MB")))
    assert rows == {p: (lim.max_lines, lim.max_bytes // (1024 * 1024)) for p, lim in BATCH_LIMITS.items()}
    listed = section.split("wherever litellm has a batch API:", 1)[1].split(". ", 1)[0]
    assert [p.strip(" `\n") for p in listed.split(",")] == list(BATCH_PROVIDERS)


def test_progress_shows_batches_by_state_and_cells_answered(tmp_path, monkeypatch, capsys):
    from psychometrics.administer import _batch

    seen: list[tuple[dict, int]] = []
    server = BatchServer(BatchConfig(hold=True))
    real_progress = _batch.batch_progress

    def update(tally) -> None:
        seen.append((dict(tally.batch_counts), tally.answered))
        if tally.batch_counts["in_progress"] == 2:
            server.release()  # the batches ran only once the progress had shown them in progress

    def fake_progress(total, *, enabled):
        assert enabled and total == N
        return update, (lambda: None)

    monkeypatch.setattr(_batch, "batch_progress", fake_progress)
    with server:
        audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True, progress=True,
              batch_options=BatchOptions(max_lines=4, **FAST), **KW)
    assert seen[0] == ({"submitted": 2, "in_progress": 0, "completed": 0, "cancelled": 0}, 0)
    assert ({"submitted": 0, "in_progress": 2, "completed": 0, "cancelled": 0}, 0) in seen
    assert seen[-1] == ({"submitted": 0, "in_progress": 0, "completed": 2, "cancelled": 0}, N)
    answered = [a for _, a in seen]
    assert answered == sorted(answered)

    monkeypatch.setenv("COLUMNS", "200")
    update, close = real_progress(20, enabled=True, interactive=True)
    update(_batch.BatchTally(batch_counts={"submitted": 1, "in_progress": 2, "completed": 3}, answered=5,
                             cost_usd=0.25))
    close()
    shown = capsys.readouterr().err
    assert "submitted 1" in shown and "in progress 2" in shown and "completed 3" in shown and "5/20" in shown


def test_plain_batch_progress_prints_a_line_at_once_then_every_interval_and_at_the_end():
    from psychometrics.administer._batch import BatchTally, batch_progress

    lines: list[str] = []
    now = [0.0]
    update, close = batch_progress(20, enabled=True, interactive=False, interval=5.0, write=lines.append,
                                   clock=lambda: now[0])

    def tally(submitted: int, running: int, done: int, answered: int) -> BatchTally:
        return BatchTally(batch_counts={"submitted": submitted, "in_progress": running, "completed": done},
                          answered=answered)

    update(tally(2, 0, 0, 0))
    now[0] = 3.0
    update(tally(0, 2, 0, 0))  # within the interval: not printed
    now[0] = 5.5
    update(tally(0, 1, 1, 12))
    now[0] = 6.0
    update(tally(0, 0, 2, 20))
    close()
    assert lines == ["batches: 2 submitted, 0 in progress, 0 completed; cells answered 0/20 (0%)",
                     "batches: 0 submitted, 1 in progress, 1 completed; cells answered 12/20 (60%)",
                     "batches: 0 submitted, 0 in progress, 2 completed; cells answered 20/20 (100%)"]


def test_a_batch_audit_prints_plain_progress_lines_when_stderr_is_not_a_terminal(tmp_path, monkeypatch):
    import threading
    import time

    from typer.testing import CliRunner

    from psychometrics.cli import app

    monkeypatch.setenv("PSYCHOMETRICS_PROGRESS_INTERVAL", "0.05")
    with BatchServer(BatchConfig(hold=True)) as server:
        def release_once_polled() -> None:  # by the server's own count, not a clock: the machine may be slow
            while server.retrievals < 4:
                time.sleep(0.01)
            time.sleep(0.3)
            server.release()

        threading.Thread(target=release_once_polled, daemon=True).start()
        result = CliRunner().invoke(app, ["audit", "--model", "openai/test-model", "--api-base", server.api_base,
                                          "--db", _db(tmp_path), "--limit-items", "3", "--templates", "instruct",
                                          "--batch", "--batch-max-lines", "4", "--poll-interval", "0.02",
                                          "--max-poll-interval", "0.05", "--no-report"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("batches: ")]
    assert lines[0] == "batches: 2 submitted, 0 in progress, 0 completed; cells answered 0/6 (0%)"
    assert "batches: 0 submitted, 2 in progress, 0 completed; cells answered 0/6 (0%)" in lines
    assert lines[-1] == "batches: 0 submitted, 0 in progress, 2 completed; cells answered 6/6 (100%)"
    assert "━" not in result.output  # no bar drawn where no terminal is


def test_a_failed_batch_stores_its_reason_on_every_cell_and_is_asked_again(tmp_path):
    config = BatchConfig(fail=lambda number: "the input file is malformed" if number == 1 else None)
    with BatchServer(config) as server:
        kwargs = dict(api_base=server.api_base, db=_db(tmp_path), batch=True, **KW)
        with pytest.raises(AuditError, match=r"every one of the 6 cells .* ended in an error.* --resume \S+ --batch --db \S+$"):
            audit("openai/test-model", batch_options=BatchOptions(retries=0, **FAST), **kwargs)
        with Store(_db(tmp_path)) as store:
            (run,) = store.list_runs()
            errors = {r.error for r in store.iter_responses(run.run_id)}
            reason = store.batches(run.run_id)[0].reason
        second = audit("openai/test-model", batch_options=BatchOptions(retries=0, **FAST), **kwargs)
        assert len(server.batches) == 2 and server.sync_requests == 0
    assert run.counts == {"error": N} and run.status == "failed"
    assert reason == "invalid_request the input file is malformed"
    assert errors == {"the batch failed without a line for this cell (invalid_request the input file is malformed)"}
    assert second.run.counts == {"ok": N}


@pytest.mark.parametrize("args, line", [
    # --batch-reask is a choice (an Enum): typer refuses 'later' with exit 2, tested in tests/cli/test_vocabulary.py
    (["--batch", "--poll-interval", "inf"], r"error: --poll-interval must be a positive finite number of seconds "
                                            r"\(got inf\)"),
    (["--batch", "--batch-max-bytes", "10"], r"error: --batch-max-bytes 10 is smaller than the largest request line "
                                             r"of this plan \(\d+ bytes, cell \w+\): give --batch-max-bytes \d+ or more"),
    (["--batch-max-lines", "2"], r"error: --batch-max-lines needs --batch \(.*\)"),
    (["--poll-interval", "5"], r"error: --poll-interval needs --batch \(.*\)"),
])
def test_cli_refuses_a_bad_batch_option_in_one_line_with_exit_2_and_creates_no_run(tmp_path, args, line):
    import re

    from typer.testing import CliRunner

    from psychometrics.cli import app

    with BatchServer() as server:
        result = CliRunner().invoke(app, ["audit", "--model", "openai/test-model", "--api-base", server.api_base,
                                          "--db", _db(tmp_path), "--limit-items", "2", "--no-report", *args])
        assert server.requests == [] and server.engine.stats()["requests"] == 0
    assert result.exit_code == 2, result.output
    assert re.fullmatch(line, result.output.strip()), result.output
    assert not (tmp_path / "runs.db").exists()


def test_polling_backs_off_while_nothing_changes_up_to_the_maximum(tmp_path, monkeypatch):
    from psychometrics.administer import _batch

    waits: list[float] = []
    server = BatchServer(BatchConfig(hold=True))

    class Recorded(_batch.BatchSession):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.sleep = self._record

        async def _record(self, seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 6:
                server.release()
            await asyncio.sleep(0.005)

    monkeypatch.setattr(_batch, "BatchSession", Recorded)
    with server:
        audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True,
              batch_options=BatchOptions(poll_interval=0.01, max_poll_interval=0.03), **KW)
    # in progress (a change), then ×1.5 while the batch is held, capped at the maximum; released, it finishes
    assert waits[:6] == pytest.approx([0.01, 0.015, 0.0225, 0.03, 0.03, 0.03])


def test_hosted_vllm_batches_need_no_key(tmp_path, monkeypatch):
    for name in ("OPENAI_API_KEY", "HOSTED_VLLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with BatchServer() as server:
        result = audit("hosted_vllm/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True,
                       batch_options=BatchOptions(**FAST), **KW)
        assert server.sync_requests == 0 and len(server.batches) == 1
    assert result.run.counts == {"ok": N} and result.run.mode_used == "logprobs"


def test_a_provider_error_that_echoes_the_key_stores_and_shows_no_key(tmp_path, monkeypatch):
    key = "sk-echoed-secret-1234567890"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    config = BatchConfig(fail=lambda number: f"upstream rejected headers Authorization: Bearer {key}")
    with BatchServer(config) as server:
        kwargs = dict(api_base=server.api_base, db=_db(tmp_path), batch=True, **KW)
        with pytest.raises(AuditError) as raised:
            audit("openai/test-model", batch_options=BatchOptions(retries=0, **FAST), **kwargs)
    assert key not in str(raised.value)
    with Store(_db(tmp_path)) as store:
        (run,) = store.list_runs()
        reasons = [b.reason for b in store.batches(run.run_id)]
        errors = {r.error for r in store.iter_responses(run.run_id)}
    assert reasons and all("[redacted]" in r and key not in r for r in reasons)
    assert all(key not in e for e in errors)
    assert key.encode() not in (tmp_path / "runs.db").read_bytes()


def test_transient_errors_while_polling_are_retried_not_fatal(tmp_path):
    """A reset connection, a refused one (the server not listening for a while), a 503 and a 429 while polling,
    one after the other (more than the OpenAI SDK's own two retries would absorb): litellm's classes say they are
    transient, so the session waits and polls again."""
    faults = {1: "reset", 2: "down", 3: "503", 4: "429", 5: "reset", 6: "down"}
    config = BatchConfig(faults=lambda route, n: faults.get(n) if route == "retrieve" else None, down_s=1.0)
    with BatchServer(config) as server:
        result = audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True,
                       batch_options=BatchOptions(**FAST), **KW)
        assert server.faulted == [("retrieve", f) for f in ("reset", "down", "503", "429", "reset", "down")]
        assert len(server.batches) == 1 and server.sync_requests == 0
    assert result.run.status == "finished" and result.run.counts == {"ok": N}


def test_transient_errors_at_every_step_of_a_batch_are_retried(tmp_path):
    config = BatchConfig(faults=lambda route, n: {"upload": "503", "create": "reset", "list": None,
                                                   "content": "500", "retrieve": "429"}[route] if n == 1 else None)
    with BatchServer(config) as server:
        result = audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True,
                       batch_options=BatchOptions(**FAST), **KW)
        assert sorted(r for r, _ in server.faulted) == ["content", "create", "retrieve", "upload"]
        assert server.engine.stats()["requests"] == N
    assert result.run.counts == {"ok": N}


def test_polling_gives_up_after_its_limit_in_one_line_and_a_rerun_picks_the_batch_up(tmp_path):
    config = BatchConfig(faults=lambda route, n: "503" if route == "retrieve" else None)
    with BatchServer(config) as server:
        kwargs = dict(api_base=server.api_base, db=_db(tmp_path), batch=True, **KW)
        with pytest.raises(AuditError) as stopped:
            audit("openai/test-model", batch_options=BatchOptions(give_up_after=0.3, **FAST), **kwargs)
        message = str(stopped.value)
        tries = len(server.faulted)
        server.config.faults = lambda route, n: None
        again = audit("openai/test-model", batch_options=BatchOptions(**FAST), **kwargs)
        assert len(server.batches) == 1  # the stored batch was polled again, not submitted again
    assert "\n" not in message and tries > 2
    assert message.startswith(f"retrieving batch batch_1: gave up after {tries} attempts in ")
    assert "of transient errors (the limit is 0.3 s); last: ServiceUnavailableError (HTTP 503): " in message
    assert "injected server error 503" in message and message.endswith(
        f"the batches submitted so far are stored: re-run the command (or psychometrics runs poll "
        f"{again.run.run_id} --db {_db(tmp_path)}) to pick them up")  # the hint names the store it used
    assert again.run.counts == {"ok": N}


def test_a_refused_request_is_not_retried(tmp_path):
    """A 4xx is no transient error: the session stops at once with the provider's words."""
    with BatchServer() as server:
        with pytest.raises(AuditError, match=r"^retrieving batch nope: NotFoundError"):
            store_path = _db(tmp_path)
            dry = audit("openai/test-model", api_base=server.api_base, dry_run=True, **KW)
            with Store(store_path) as store:
                store.save_run(dry.run)
                store.save_batch(Batch(key=f"{dry.run.run_id}/x", run_id=dry.run.run_id, provider="openai",
                                       mode="logprobs", input_file_id="file-0", batch_id="nope", status="in_progress",
                                       n_cells=1, submitted_at=0.0), [dry.plan.cells[0].cell_id])
            audit("openai/test-model", api_base=server.api_base, db=store_path, batch=True,
                  batch_options=BatchOptions(**FAST), **KW)
        assert [p for m, p in server.requests if p == "/v1/batches/nope"] == ["/v1/batches/nope"]


def test_runs_poll_of_a_fully_collected_run_asks_the_provider_nothing(tmp_path):
    from typer.testing import CliRunner

    from psychometrics.cli import app

    with BatchServer() as server:
        done = audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True,
                     batch_options=BatchOptions(**FAST), **KW)
        before = list(server.requests)
        polled = CliRunner().invoke(app, ["runs", "poll", done.run.run_id, "--db", _db(tmp_path)])
        as_json = CliRunner().invoke(app, ["runs", "poll", done.run.run_id, "--db", _db(tmp_path), "--json"])
        assert server.requests == before  # not one request, not even a retrieve
    assert polled.exit_code == 0 and as_json.exit_code == 0
    assert polled.output.strip() == f"nothing to poll: run {done.run.run_id} has all its batches collected"
    assert json.loads(as_json.stdout) == {"run_id": done.run.run_id, "batches": {"completed": 1}, "answered": N,
                                          "n_cells": N, "status": "finished"}


def test_a_failed_line_stores_the_providers_words_and_never_the_key(tmp_path, monkeypatch):
    key = "sk-line-secret-0987654321"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    with BatchServer() as server:
        plan = audit("openai/test-model", api_base=server.api_base, dry_run=True, **KW).plan
        failing = plan.cells[2].cell_id
        server.config.line_error = lambda custom_id: (f"upstream timed out; request had Authorization: Bearer {key}"
                                                      if custom_id == failing else None)
        result = audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True,
                       batch_options=BatchOptions(retries=0, **FAST), **KW)
    with Store(_db(tmp_path)) as store:
        rows = {r.cell_id: r for r in store.iter_responses(result.run.run_id)}
    assert result.run.counts == {"ok": N - 1, "error": 1}
    assert rows[failing].error == "batch line failed: upstream timed out; request had Authorization: Bearer [redacted]"
    assert key.encode() not in (tmp_path / "runs.db").read_bytes()


def test_cells_in_an_open_batch_of_a_stopped_run_are_not_sent_again_and_the_run_says_where_they_are(tmp_path):
    with BatchServer() as server:
        dry = audit("openai/test-model", api_base=server.api_base, dry_run=True, **KW)
        held = [c.cell_id for c in dry.plan.cells[:2]]
        with Store(_db(tmp_path)) as store:
            store.save_run(dry.run.model_copy(update={"run_id": "other", "status": "interrupted"}))
            assert store.claim_batch(Batch(key="other/b", run_id="other", provider="openai", mode="logprobs",
                                           status="claimed", n_cells=2, submitted_at=0.0), held) == held
            store.save_batch(Batch(key="other/b", run_id="other", provider="openai", mode="logprobs", n_cells=2,
                                   input_file_id="file-x", batch_id="batch_x", status="in_progress", submitted_at=0.0))
        said: list[str] = []
        result = audit("openai/test-model", api_base=server.api_base, db=_db(tmp_path), batch=True, run_id="mine",
                       log=said.append, batch_options=BatchOptions(**FAST), **KW)
        sent = sum(server.batch_inputs.values(), [])
    assert sorted(sent) == sorted(c.cell_id for c in dry.plan.cells[2:])
    assert result.run.status == "interrupted" and result.run.counts == {"ok": N - 2}
    assert said[-1] == ("2 cells of this run are in open batches of run other, which is not running: collect them "
                        f"with psychometrics runs poll other --db {_db(tmp_path)}, then re-run this command")


def test_a_batch_the_provider_no_longer_knows_stops_with_a_way_out_and_forget_missing_frees_its_cells(tmp_path):
    """A stored batch answered with HTTP 404 (deleted, past retention, another key) is never dropped silently (that
    could ask its cells twice); `runs poll --forget-missing` closes it and `audit --resume --batch` asks them."""
    from typer.testing import CliRunner

    from psychometrics.cli import app

    db = _db(tmp_path)
    with BatchServer(BatchConfig(hold=True)) as gone:
        first = audit("openai/test-model", api_base=gone.api_base, db=db, batch=True,
                      batch_options=BatchOptions(wait=False, **FAST), **KW)
    run_id = first.run.run_id
    with BatchServer() as server:  # a provider that never saw the batch
        stuck = CliRunner().invoke(app, ["runs", "poll", run_id, "--db", db, "--api-base", server.api_base,
                                         "--poll-interval", "0.02"])
        assert stuck.exit_code == 1 and "Traceback" not in stuck.output
        assert "does not know batch batch_1" in stuck.output
        assert f"runs poll {run_id} --forget-missing --api-base {server.api_base}" in " ".join(stuck.output.split())
        with Store(db) as store:
            assert [b.ingested_at for b in store.batches(run_id)] == [None]  # nothing dropped without being asked
        freed = CliRunner().invoke(app, ["runs", "poll", run_id, "--db", db, "--api-base", server.api_base,
                                         "--poll-interval", "0.02", "--forget-missing", "--json"])
        assert freed.exit_code == 0, freed.output
        assert json.loads(freed.stdout)["batches"] == {"cancelled": 1}
        assert json.loads(freed.stdout)["answered"] == 0
        again = audit("openai/test-model", api_base=server.api_base, db=db, batch=True, resume=run_id,
                      batch_options=BatchOptions(**FAST))
        assert server.sync_requests == 0 and len(server.batches) == 1
    assert again.run.status == "finished" and again.run.counts == {"ok": N}
    with Store(db) as store:
        reasons = [b.reason for b in store.batches(run_id)]
    assert any(r and "no longer knows batch batch_1" in r for r in reasons)


def test_max_cost_is_refused_with_batch_and_the_dry_run_estimates_the_batch_price(tmp_path):
    from typer.testing import CliRunner

    from psychometrics.cli import app

    runner = CliRunner()
    refused = runner.invoke(app, ["audit", "--model", "openai/gpt-4o-mini", "--inventory", "bfi44", "--batch",
                                  "--max-cost", "1", "--db", _db(tmp_path)])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "--max-cost cannot be kept with --batch" in refused.output
    assert not (tmp_path / "runs.db").exists()
    estimates = {}
    for extra in ([], ["--batch"]):
        dry = runner.invoke(app, ["audit", "--model", "openai/gpt-4o-mini", "--inventory", "bfi44", "--dry-run",
                                  "--json", *extra])
        assert dry.exit_code == 0, dry.output
        estimates[bool(extra)] = json.loads(dry.stdout)["estimate"]
    assert estimates[True]["batch_price"] and not estimates[False]["batch_price"]
    assert estimates[True]["cost_usd"] == pytest.approx(estimates[False]["cost_usd"] / 2, rel=1e-6)  # gpt-4o-mini


def test_an_incomplete_batch_run_says_to_resume_it_with_batch_and_a_synchronous_resume_says_so(tmp_path):
    from typer.testing import CliRunner

    from psychometrics.cli import app

    db = _db(tmp_path)
    config = BatchConfig(expire_after=lambda number: 1 if number == 1 else None)
    with BatchServer(config) as server:
        first = audit("openai/test-model", api_base=server.api_base, db=db, batch=True,
                      batch_options=BatchOptions(retries=0, **FAST), **KW)
        run_id = first.run.run_id
        shown = CliRunner().invoke(app, ["runs", "show", run_id, "--db", db])
        assert shown.exit_code == 0, shown.output
        assert f"psychometrics audit --resume {run_id} --batch --db" in " ".join(shown.output.split())
        lines: list[str] = []
        audit("openai/test-model", api_base=server.api_base, db=db, resume=run_id, log=lines.append)
        assert server.sync_requests == N - 1  # what the user asked for, but not without a word
    assert any("asked through the provider's batch API" in line and "synchronous price" in line for line in lines)


def test_resumed_batch_progress_counts_the_cells_answered_before(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from psychometrics.cli import app

    monkeypatch.setenv("PSYCHOMETRICS_PROGRESS_INTERVAL", "0.05")
    config = BatchConfig(expire_after=lambda number: 1 if number == 1 else None)
    args = ["audit", "--model", "openai/test-model", "--db", _db(tmp_path), "--limit-items", "3", "--templates",
            "instruct", "--batch", "--poll-interval", "0.02", "--max-poll-interval", "0.05", "--no-report"]
    with BatchServer(config) as server:
        first = CliRunner().invoke(app, [*args, "--api-base", server.api_base, "--retries", "0"])
        again = CliRunner().invoke(app, [*args, "--api-base", server.api_base])
    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    lines = [line for line in again.output.splitlines() if line.startswith("batches: ")]
    assert lines[0].endswith(f"cells answered 1/{N} (17%)")  # one answered by the first session
    assert lines[-1] == f"batches: 0 submitted, 0 in progress, 2 completed; cells answered {N}/{N} (100%)"
