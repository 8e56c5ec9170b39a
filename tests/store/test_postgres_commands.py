"""Every command that reads or writes the store works unchanged on PostgreSQL, and gives what it gives on SQLite.

The same two simulated audits go into a real PostgreSQL database and into an SQLite file; ``runs``, ``score``,
``report``, ``compare`` and ``schedule`` then run against each and must agree. Errors name the database without
its password, on one line, with no traceback.
"""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from psychometrics.cli import app
from psychometrics.store import Store, StoreError

MODELS = ("sim/steady?extraversion=0", "sim/steady?extraversion=2")
DESIGN = ["--inventory", "bfi44", "--templates", "instruct,qa", "--orders", "original,reversed", "--samples", "2",
          "--limit-items", "10"]


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output, result.stderr)
    return result.stdout


@pytest.fixture(scope="module")
def stores(postgres, tmp_path_factory):
    """{'postgres': url, 'sqlite': url}, each holding the same two sim audits; and the run ids."""
    folder = tmp_path_factory.mktemp("pg-commands")
    urls = {"postgres": postgres.new_database("commands"), "sqlite": f"sqlite:///{folder / 'runs.db'}"}
    runs: dict[str, list[str]] = {}
    for kind, url in urls.items():
        runs[kind] = [json.loads(_cli("audit", "-m", m, *DESIGN, "--db", url, "--no-report", "--json"))["run"]["run_id"]
                      for m in MODELS]
    assert runs["postgres"] == runs["sqlite"]
    return urls, runs["postgres"], folder


_TIMES = ("created_at", "finished_at", "wall_s", "heartbeat_at", "versions")


def _without_times(run: dict) -> dict:
    return {k: v for k, v in run.items() if k not in _TIMES}


def test_runs_list_show_and_export_agree(stores):
    urls, run_ids, folder = stores
    listed = {k: [_without_times(r) for r in json.loads(_cli("runs", "list", "--db", u, "--json"))]
              for k, u in urls.items()}
    assert listed["postgres"] == listed["sqlite"] and len(listed["postgres"]) == 2
    shown = {k: json.loads(_cli("runs", "show", run_ids[1], "--db", u, "--json")) for k, u in urls.items()}
    assert shown["postgres"]["scores"] == shown["sqlite"]["scores"]
    exported = {}
    for kind, url in urls.items():
        out = folder / f"{kind}.csv"
        _cli("runs", "export", run_ids[0], "--out", str(out), "--db", url)
        with out.open(newline="") as f:
            exported[kind] = [{k: v for k, v in row.items() if k not in ("latency_s", "created_at")}
                              for row in csv.DictReader(f)]
    assert exported["postgres"] == exported["sqlite"] and len(exported["postgres"]) == 10 * 2 * 2 * 2


def test_score_report_and_compare_agree(stores):
    urls, run_ids, folder = stores
    scores = {k: json.loads(_cli("score", run_ids[0], "--db", u, "--json")) for k, u in urls.items()}
    assert scores["postgres"] == scores["sqlite"]
    for kind, url in urls.items():
        report = folder / f"{kind}.html"
        _cli("report", run_ids[0], "--db", url, "--out", str(report), "--n-boot", "0")
        assert "Content-Security-Policy" in report.read_text(encoding="utf-8")
    compared = {k: json.loads(_cli("compare", *run_ids, "--db", u, "--json", "--n-boot", "0")) for k, u in urls.items()}
    for comparison in compared.values():
        for side in ("run_a", "run_b"):
            comparison[side] = _without_times(comparison[side])
    assert compared["postgres"] == compared["sqlite"]
    shift = next(s for s in compared["postgres"]["scales"] if s["scale"] == "extraversion")
    assert shift["diff"] > 1.0  # the planted trait shows


def test_schedule_runs_on_postgres(postgres, tmp_path):
    url = postgres.new_database("schedule")
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"name: pg-plan\ndb: {url}\ninventories: [bfi44]\n"
                    "design: {templates: [instruct, qa], orders: [original, reversed], samples: 2, limit_items: 10}\n"
                    "models:\n" + "".join(f'  - "{m}"\n' for m in MODELS), encoding="utf-8")
    result = CliRunner().invoke(app, ["schedule", str(plan), "--out", str(tmp_path / "out"), "--no-reports"])
    assert result.exit_code == 3, result.output  # the planted trait is drift
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["requests"] == 2 * 10 * 2 * 2 * 2 and any(f["scale"] == "extraversion" for f in summary["findings"])
    assert summary["db"] == url  # (no password in this URL to leave out)
    with Store(url, create=False) as store:
        assert len(store.list_runs()) == 2
    again = CliRunner().invoke(app, ["schedule", str(plan), "--out", str(tmp_path / "out"), "--no-reports"])
    assert json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["requests"] == 0, again.output


@pytest.mark.parametrize("problem", ["refused", "password", "no-database", "no-tables"])
def test_errors_name_the_database_without_its_password(postgres, problem, capfd):
    secret = "s3cret-Pa55word"
    if problem == "refused":
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url, expect = f"postgresql://psy:{secret}@127.0.0.1:{port}/runs", "connection refused"
    elif problem == "password":
        postgres.admin("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'psy') THEN "
                       "CREATE ROLE psy LOGIN PASSWORD 'right-one'; END IF; END $$")
        url, expect = postgres.url("postgres", user="psy", password=secret), "password authentication failed"
    elif problem == "no-database":
        url, expect = postgres.url("no_such_db", password=secret), 'database "no_such_db" does not exist'
    else:
        url, expect = postgres.new_database() + f"?password={secret}", "no psychometrics tables"
    with pytest.raises(StoreError) as caught:
        Store(url, create=problem != "no-tables")
    message = str(caught.value)
    assert expect in message.lower() and secret not in message and "\n" not in message
    assert message.startswith("postgresql://") and "@127.0.0.1:" in message
    commands = [["runs", "list"], ["score", "r1"], ["report", "r1"], ["compare", "r1", "r2"]]
    if problem != "no-tables":  # (an audit creates the tables)
        commands.append(["audit", "-m", "sim/default", "--limit-items", "1", "--no-report"])
    for command in commands:
        result = CliRunner().invoke(app, [*command, "--db", url])
        assert result.exit_code == 1 and "Traceback" not in result.output, (command, result.output)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and expect in lines[0].lower(), (command, result.stderr)
        assert secret not in result.output + result.stderr
    assert secret not in capfd.readouterr().err  # nor in anything logged


@pytest.mark.parametrize("url", ["postgresql://psy:s3cret-Pa55word@[::1/runs",
                                 "postgresql://psy:s3cret-Pa55word@127.0.0.1:5432/runs?bogus=1",
                                 "postgresql://psy:s3cret-Pa55word@127.0.0.1:port/runs"])
def test_a_malformed_url_is_one_line_without_its_password(url):
    result = CliRunner().invoke(app, ["runs", "list", "--db", url])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: postgresql://")
    assert "s3cret" not in result.output + result.stderr


@pytest.mark.parametrize("command", [["runs", "list"], ["audit", "--model", "sim/default", "--inventory", "bfi44",
                                                         "--limit-items", "1", "--no-report"]])
def test_a_libpq_key_value_string_is_refused_not_made_a_file_named_after_the_password(command, tmp_path,
                                                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*command, "--db", "host=127.0.0.1 port=5432 user=psy password=s3cret dbname=r"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "libpq 'key=value' connection string is not read" in result.stderr
    assert "s3cret" not in result.output + result.stderr
    assert list(tmp_path.iterdir()) == []  # before: a SQLite file whose name held the password


def test_passwords_are_left_out_of_a_shown_url():
    from psychometrics.store import redact_url

    shown = redact_url("postgresql://psy:pw-1@db.example:5432/runs?sslmode=require&password=pw-2&sslpassword=pw-3")
    assert shown == "postgresql://psy@db.example:5432/runs?sslmode=require&password=***&sslpassword=***"
    assert redact_url("postgresql://psy:pw-1@[::1/runs") == "postgresql://…"


def test_opening_the_store_takes_no_lock_on_tables_other_workers_write(pg_db):
    """A worker joining a running audit opened the store with ``CREATE INDEX IF NOT EXISTS``, which waits for a
    lock on ``responses`` that a worker storing an answer holds: that deadlocked the running worker (newcomer,
    session 8). With the schema complete the open reads the catalog only."""
    import threading

    import psycopg

    with Store(pg_db):
        pass  # the schema exists
    with psycopg.connect(pg_db, autocommit=False) as writer:
        writer.execute("LOCK TABLE responses IN ROW EXCLUSIVE MODE")  # as an answer's INSERT holds it
        writer.execute("LOCK TABLE leases IN ROW EXCLUSIVE MODE")
        opened: list[str] = []

        def join() -> None:
            with Store(pg_db) as store:
                opened.append(str(len(store.list_runs())))

        joiner = threading.Thread(target=join, daemon=True)
        joiner.start()
        joiner.join(timeout=20)
        alive = joiner.is_alive()
        writer.rollback()
    joiner.join(timeout=20)
    assert not alive, "opening the store waited for the writer's lock"
    assert opened == ["0"]


def test_a_role_that_may_not_read_the_tables_is_told_so_not_that_there_are_none(postgres, pg_db):
    """Before: "no psychometrics tables in this database" (the catalog view lists only readable columns)."""
    import psycopg

    with Store(pg_db):
        pass
    postgres.admin("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nosee') THEN "
                   "CREATE ROLE nosee LOGIN PASSWORD 'nosee-pw'; END IF; END $$")
    database = pg_db.rsplit("/", 1)[1]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM nosee")
    url = postgres.url(database, user="nosee", password="nosee-pw")
    result = CliRunner().invoke(app, ["runs", "list", "--db", url])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "no psychometrics tables" not in result.stderr
    assert "permission denied" in result.stderr and "nosee-pw" not in result.output + result.stderr
