"""A database written by an earlier version loads unchanged and resumes with nothing to ask.

``tests/fixtures/store/run-8f3b71b.sql`` is the SQL dump of a database that commit 8f3b71b (before ``Design``
moved into the plan stage, the response record into the store and the shaping markers into the plan stage)
wrote with::

    psychometrics audit --model sim/steady -i bfi44 --templates instruct,qa --orders original,reversed \
        --personas "none,default/017,shape/extraversion/7,shape/neuroticism/2+default/003" --limit-items 2

Its run id, cell ids and prompts were computed by that code; the biography and shaping personas put the
persona sets and the shaping markers into the prompts, so every file a cell id depends on is covered.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from psychometrics.administer import audit
from psychometrics.administer._audit import default_run_id
from psychometrics.plan import Design, GenerationSettings, build_plan
from psychometrics.store import Response, Store

DUMP = Path(__file__).resolve().parents[1] / "fixtures" / "store" / "run-8f3b71b.sql"
RUN_ID = "sim-steady-f6b90149"
PERSONAS = [None, "default/017", "shape/extraversion/7", "shape/neuroticism/2+default/003"]
AUDIT = dict(model="sim/steady", inventories=["bfi44"], templates=["instruct", "qa"], orders=["original", "reversed"],
             personas=PERSONAS, limit_items=2)
N_CELLS = 2 * 2 * 2 * 4  # items × templates × orders × personas


def _restore(dump: Path, path: Path) -> str:
    """A database file made from an SQL dump; its URL."""
    conn = sqlite3.connect(path)
    conn.executescript(dump.read_text(encoding="utf-8"))
    conn.close()
    return f"sqlite:///{path}"


@pytest.fixture
def old_db(tmp_path: Path) -> str:
    return _restore(DUMP, tmp_path / "old.db")


def _stored_record(url: str) -> str:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return conn.execute("SELECT record FROM runs WHERE run_id = ?", (RUN_ID,)).fetchone()[0]
    finally:
        conn.close()


def test_old_run_record_loads_unchanged(old_db: str) -> None:
    with Store(old_db, create=False) as store:
        run = store.get_run(RUN_ID)
        responses = list(store.iter_responses(RUN_ID))
    assert run.design == Design(inventories=["bfi44"], templates=["instruct", "qa"], orders=["original", "reversed"],
                                samples=1, personas=PERSONAS, settings=GenerationSettings(), limit_items=2)
    assert run.model_dump_json() == _stored_record(old_db)  # written back, byte for byte what was stored
    assert len(responses) == run.n_cells == N_CELLS
    assert all(isinstance(r, Response) and r.status == "ok" and r.run_id == RUN_ID for r in responses)


def test_run_id_and_cell_ids_are_derived_as_before(old_db: str) -> None:
    with Store(old_db, create=False) as store:
        run = store.get_run(RUN_ID)
        stored_cells = store.run_cell_ids(RUN_ID)
    assert default_run_id(run.model, run.design, run.api_base) == RUN_ID
    plan = build_plan(model=run.model, inventories=run.design.inventories, templates=run.design.templates,
                      orders=run.design.orders, samples=run.design.samples, personas=run.design.personas,
                      settings=run.design.settings, limit_items=run.design.limit_items)
    assert [c.cell_id for c in plan.cells] == stored_cells


def test_same_audit_call_resumes_the_old_run_with_nothing_to_ask(old_db: str) -> None:
    result = audit(**AUDIT, db=old_db)
    assert result.run.run_id == RUN_ID
    assert result.already_answered == N_CELLS
    assert result.tally is not None and result.tally.asked == 0 and result.tally.requests == 0


def test_resume_by_id_asks_nothing(old_db: str) -> None:
    result = audit(resume=RUN_ID, db=old_db)
    assert result.run.design == Design(**{k: v for k, v in AUDIT.items() if k != "model"}, samples=1)
    assert result.already_answered == len(result.plan.cells) == N_CELLS
    assert result.tally is not None and result.tally.asked == 0


# Columns added after the dump was written ----------------------------------------------------------------------
NEW_COLUMNS = ["finish_reason", "reasoning", "parse_rule", "set_aside", "rates"]


def _columns(url: str) -> list[str]:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return [row[1] for row in conn.execute("PRAGMA table_info(responses)")]
    finally:
        conn.close()


def test_old_database_is_read_without_being_changed(old_db: str) -> None:
    before = _columns(old_db)
    assert not set(NEW_COLUMNS) & set(before)
    with Store(old_db, create=False) as store:
        responses = list(store.iter_responses(RUN_ID))
        frame = store.responses_frame(RUN_ID)
        assert store.cut_by_token_budget(RUN_ID) == 0
    assert _columns(old_db) == before  # reading does not migrate
    assert len(responses) == N_CELLS and all(r.finish_reason is None and r.parse_rule is None for r in responses)
    assert list(frame.columns[-len(NEW_COLUMNS):]) == NEW_COLUMNS and frame[NEW_COLUMNS].isna().all().all()


def test_old_database_gains_the_new_columns_when_opened_to_write(old_db: str) -> None:
    result = audit(**AUDIT, db=old_db)  # resumes: nothing to ask
    assert result.tally is not None and result.tally.requests == 0
    assert _columns(old_db)[-len(NEW_COLUMNS):] == NEW_COLUMNS
    assert _stored_record(old_db) == result.run.model_dump_json()
    fresh = audit("sim/steady", ["bfi44"], templates=["instruct"], orders=["original"], limit_items=2,
                  mode="generate", db=old_db)  # a new run in the migrated database stores the new fields
    with Store(old_db, create=False) as store:
        old = list(store.iter_responses(RUN_ID))
        new = list(store.iter_responses(fresh.run.run_id))
    assert all(r.finish_reason is None for r in old) and len(old) == N_CELLS
    assert all(r.finish_reason == "stop" and r.parse_rule and r.set_aside is not None for r in new)


# A run made at an --api-base before the endpoint entered the cell id -----------------------------------------
API_DUMP = DUMP.with_name("run-fedf9f0-api-base.sql")
"""Written by commit fedf9f0 (before the endpoint was part of a cell's identity) with::

    psychometrics audit --model sim/steady --api-base http://127.0.0.1:47811/v1 -i bfi44 --templates instruct \\
        --orders original,reversed --limit-items 2
"""
API_RUN = "sim-steady-e1c736d5"
API_BASE = "http://127.0.0.1:47811/v1"


@pytest.fixture
def api_db(tmp_path: Path) -> str:
    return _restore(API_DUMP, tmp_path / "api.db")


@pytest.fixture
def listening():
    """Something listening on 127.0.0.1:47811, as the run's endpoint (the sim answers; it only has to connect)."""
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", 47811))
            s.listen()
        except OSError:  # already in use: then something listens there, which is all the check needs
            pass
        yield


def test_run_made_at_an_api_base_keeps_its_cell_ids_and_resumes_with_nothing_to_ask(api_db: str, listening) -> None:
    with Store(api_db, create=False) as store:
        run = store.get_run(API_RUN)
        stored = store.run_cell_ids(API_RUN)
    assert run.api_base == API_BASE and default_run_id(run.model, run.design, run.api_base) == API_RUN
    kwargs = dict(model=run.model, inventories=run.design.inventories, templates=run.design.templates,
                  orders=run.design.orders, limit_items=run.design.limit_items)
    assert [c.cell_id for c in build_plan(**kwargs).cells] == stored  # ids from before: no endpoint in them
    assert not set(stored) & {c.cell_id for c in build_plan(**kwargs, endpoint=API_BASE).cells}
    same_call = audit("sim/steady", ["bfi44"], templates=["instruct"], orders=["original", "reversed"],
                      limit_items=2, api_base=API_BASE, db=api_db)
    assert same_call.run.run_id == API_RUN and same_call.tally.requests == 0 and same_call.already_answered == 4
    resumed = audit(resume=API_RUN, db=api_db)
    assert resumed.tally.requests == 0 and [c.cell_id for c in resumed.plan.cells] == stored


def test_the_log_prob_position_column_reads_as_missing_and_is_added_on_writing(old_db: str) -> None:
    def columns() -> set[str]:
        return set(_columns(old_db))

    assert "logprob_position" not in columns()
    with Store(old_db, create=False) as store:  # reading does not change the file
        first = next(store.iter_responses(RUN_ID))
        assert first.logprob_position is None
        assert store.responses_frame(RUN_ID, columns=["logprob_position"])["logprob_position"].isna().all()
    assert "logprob_position" not in columns()
    with Store(old_db) as store:
        store.save_response(first.model_copy(update={"logprob_position": 1}))
        assert next(store.iter_responses(RUN_ID)).logprob_position == 1
    assert "logprob_position" in columns()
