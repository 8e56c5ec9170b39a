"""SQLite storage: every answer committed as it arrives (WAL), so a crash loses nothing answered.

The SQL is plain and parameterised (values only ever through ``?``; the only text put into statements is
constant: column names from :data:`_COLUMNS` and runs of ``?``), so another database behind the same methods
is a small change. The responses table's columns come from the :class:`Response` record
(:mod:`psychometrics.store._columns`); opening a database written by an older version to write adds the columns
it lacks (``ALTER TABLE … ADD COLUMN``; old rows read None there) and the tables it lacks (``batches`` and
``batch_cells``, the provider batches of a run), and reading one that was not migrated reads the columns and
tables it has (no table of batches: the run has none).

Durability. The database is in WAL mode with ``synchronous=NORMAL``: a commit is a write into the WAL file,
which the operating system holds even if the process is killed (``kill -9``, an out-of-memory kill, a crash);
only a power cut or an operating-system crash can lose the last commits (``synchronous=FULL`` would fsync each
commit, at ~2 ms apiece). The fsyncs that remain happen at WAL checkpoints.

While an audit runs, answers go through a :class:`ResponseWriter`: one commit per answer, made as the answer
arrives, before it counts as done (progress, tally, summary), so a kill loses no answer that was reported;
only requests still in flight are asked again on resume. What made a commit slow was not the commit (~30 µs
of CPU, ~60 µs in all) but SQLite's automatic WAL checkpoint, which runs inside every few hundredth commit and
fsyncs the database (~0.2 ms per commit on average here, tens of ms for the unlucky one, while the event loop
waits). The writer turns it off for its connection and checkpoints from a thread instead. Grouping several
answers into one commit was measured too (a writer thread that commits what has queued up and then
releases the waiting workers): it saves CPU but each answer then waits for a thread hand-off (a median of
12–24 ms on a busy 2-core machine), which costs more throughput than the commits it saves.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from psychometrics.store._columns import JSON_COLUMNS, RESPONSE_COLUMNS, Column, decode, encode, missing_columns
from psychometrics.store._liveness import as_seen
from psychometrics.store._records import Batch, Response, Run

DEFAULT_DB = "sqlite:///psychometrics.db"

_TABLES = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS run_cells (
    run_id TEXT NOT NULL,
    cell_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (run_id, cell_id)
);
CREATE TABLE IF NOT EXISTS batches (
    key TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_run ON batches (run_id);
CREATE TABLE IF NOT EXISTS batch_cells (
    key TEXT NOT NULL,
    cell_id TEXT NOT NULL,
    PRIMARY KEY (key, cell_id)
);
"""
_SQLITE_TYPES = {"text": "TEXT", "integer": "INTEGER", "real": "REAL", "json": "TEXT"}


def _definition(col: Column, *, added: bool = False) -> str:
    """A column definition from the record-derived column list. A column added to an existing table cannot be
    NOT NULL without a default: the fields added later all admit None."""
    key = " PRIMARY KEY" if col.name == "cell_id" else ""
    required = "" if col.nullable or key or added else " NOT NULL"
    return f'"{col.name}" {_SQLITE_TYPES[col.kind]}{key}{required}'


columns = ",\n    ".join(_definition(c) for c in RESPONSE_COLUMNS)
_SCHEMA = (_TABLES + f"CREATE TABLE IF NOT EXISTS responses (\n    {columns}\n);\n"
           + "CREATE INDEX IF NOT EXISTS responses_run ON responses (run_id);\n")
del columns

_COLUMNS = [c.name for c in RESPONSE_COLUMNS]
_INSERT = (
    "INSERT OR REPLACE INTO responses (" + ", ".join(f'"{c}"' for c in _COLUMNS) + ") VALUES ("
    + ", ".join("?" for _ in _COLUMNS) + ")"
)
ANSWERED = ("ok", "refused", "invalid")


class StoreError(RuntimeError):
    """The database cannot be opened, read or written."""


def db_path(url: str | None) -> Path:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or a plain path → the file path."""
    url = url or os.environ.get("PSYCHOMETRICS_DB") or DEFAULT_DB
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):])
    if "://" in url:
        scheme = url.split("://", 1)[0]
        raise StoreError(f"unsupported database URL scheme {scheme!r}: use sqlite:///FILE or a file path")
    return Path(url)


class Store:
    """A run store in one SQLite file."""

    def __init__(self, url: str | None = None, *, create: bool = True):
        self.path = db_path(url)
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no such database")
        if create and not self.path.parent.exists():
            raise StoreError(f"{self.path}: the folder {self.path.parent} does not exist")
        try:
            self._conn = _connect(self.path)
            if create:
                _until_unlocked(lambda: _initialise(self._conn))
            else:
                _until_unlocked(lambda: self._conn.execute("SELECT count(*) FROM runs").fetchone())
            self._present = set(_table_columns(self._conn))
            self._has_batches = _has_table(self._conn, "batches")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot use this database ({exc})") from None

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, sql: str, params: Iterable | None = None, *, many: bool = False) -> None:
        try:
            if many:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.executemany(sql, params or [])
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
            else:
                self._conn.execute(sql, tuple(params or ()))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot write ({exc})") from None

    # Runs --------------------------------------------------------------------------------------------------
    def save_run(self, run: Run) -> None:
        self._write(
            "INSERT OR REPLACE INTO runs (run_id, model, status, created_at, record) VALUES (?, ?, ?, ?, ?)",
            (run.run_id, run.model, run.status, run.created_at, run.model_dump_json()),
        )

    def get_run(self, run_id: str) -> Run:
        row = self._conn.execute("SELECT record FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            known = [r for (r,) in self._conn.execute("SELECT run_id FROM runs ORDER BY created_at DESC LIMIT 5")]
            hint = f" (recent: {', '.join(known)})" if known else " (the database has no runs)"
            raise LookupError(f"no run {run_id!r} in {self.path}{hint}")
        return self._as_seen(Run.model_validate_json(row[0]))

    def _as_seen(self, run: Run) -> Run:
        """A run that says ``running`` with no live process behind it reads as ``interrupted``."""
        if run.status != "running":
            return run
        (last,) = self._conn.execute("SELECT max(created_at) FROM responses WHERE run_id = ?", (run.run_id,)).fetchone()
        return as_seen(run, last)

    def has_run(self, run_id: str) -> bool:
        return self._conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)).fetchone() is not None

    def list_runs(self) -> list[Run]:
        rows = self._conn.execute("SELECT record FROM runs ORDER BY created_at").fetchall()
        return [self._as_seen(Run.model_validate_json(r)) for (r,) in rows]

    def set_run_cells(self, run_id: str, cell_ids: list[str], *, replace: bool = False) -> None:
        """Record the run's cells in plan order (cells already recorded keep their place). ``replace`` makes
        ``cell_ids`` the run's only cells, in one transaction: an interview whose rating prompts changed (another
        rater template) no longer counts the ratings of the old prompts (they stay stored, for other runs)."""
        rows = [(run_id, c, i) for i, c in enumerate(cell_ids)]
        if not replace:
            self._write("INSERT OR IGNORE INTO run_cells (run_id, cell_id, position) VALUES (?, ?, ?)", rows,
                        many=True)
            return
        self._transaction([("DELETE FROM run_cells WHERE run_id = ?", [(run_id,)]),
                           ("INSERT OR IGNORE INTO run_cells (run_id, cell_id, position) VALUES (?, ?, ?)", rows)])

    def run_cell_ids(self, run_id: str) -> list[str]:
        rows = self._conn.execute("SELECT cell_id FROM run_cells WHERE run_id = ? ORDER BY position", (run_id,))
        return [r for (r,) in rows]

    # Provider batches --------------------------------------------------------------------------------------
    def save_batch(self, batch: Batch, cell_ids: Sequence[str] | None = None) -> None:
        """Store ``batch`` (and, when given, the cells that went into it) in one transaction."""
        rows = [(batch.key, c) for c in cell_ids or ()]
        self._transaction([
            ("INSERT OR REPLACE INTO batches (key, run_id, record) VALUES (?, ?, ?)",
             [(batch.key, batch.run_id, batch.model_dump_json())]),
            ("INSERT OR IGNORE INTO batch_cells (key, cell_id) VALUES (?, ?)", rows),
        ])

    def ingest_batch(self, batch: Batch, responses: list[Response]) -> None:
        """Store the responses read from a finished batch and the batch (closed) in one transaction: a process
        killed meanwhile leaves the batch open, and the next one reads its files again."""
        self._transaction([
            (_INSERT, [_row(r) for r in responses]),
            ("INSERT OR REPLACE INTO batches (key, run_id, record) VALUES (?, ?, ?)",
             [(batch.key, batch.run_id, batch.model_dump_json())]),
        ])

    def batches(self, run_id: str) -> list[Batch]:
        """The run's provider batches, oldest first (none in a database from before batches)."""
        if not self._has_batches:
            return []
        rows = self._conn.execute("SELECT record FROM batches WHERE run_id = ? ORDER BY rowid", (run_id,))
        batches = [Batch.model_validate_json(r) for (r,) in rows]
        return sorted(batches, key=lambda b: b.submitted_at)

    def batch_cell_ids(self, key: str) -> list[str]:
        if not self._has_batches:
            return []
        return [c for (c,) in self._conn.execute("SELECT cell_id FROM batch_cells WHERE key = ?", (key,))]

    def _transaction(self, steps: list[tuple[str, list[tuple]]]) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, rows in steps:
                    if rows:
                        self._conn.executemany(sql, rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot write ({exc})") from None

    # Responses ---------------------------------------------------------------------------------------------
    def answered(self, cell_ids: Iterable[str]) -> set[str]:
        """The cells among ``cell_ids`` that already have an answer (ok, refused or invalid; errors are re-asked)."""
        wanted = list(cell_ids)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self._conn.execute(
                f"SELECT cell_id FROM responses WHERE status IN ('ok', 'refused', 'invalid') AND cell_id IN ({marks})",
                chunk,
            )
            found.update(r for (r,) in rows)
        return found

    def save_response(self, response: Response) -> None:
        self._write(_INSERT, _row(response))

    def save_responses(self, responses: list[Response]) -> None:
        self._write(_INSERT, (_row(r) for r in responses), many=True)

    def writer(self, *, checkpoint_interval: float = 0.5) -> "ResponseWriter":
        """A :class:`ResponseWriter` on this database, for storing answers from an asyncio program."""
        return ResponseWriter(self.path, checkpoint_interval=checkpoint_interval)

    def iter_responses(self, run_id: str) -> Iterator[Response]:
        """Every stored response of the run's cells, whichever run first asked them."""
        wanted = [c for c in _COLUMNS if c in self._present]  # a database not migrated lacks the newer columns
        cols = ", ".join(f'r."{c}"' for c in wanted)
        rows = self._conn.execute(
            f"SELECT {cols} FROM run_cells rc JOIN responses r ON r.cell_id = rc.cell_id "
            "WHERE rc.run_id = ? ORDER BY rc.position",
            (run_id,),
        )
        for row in rows:
            yield _response(wanted, row)

    def responses_frame(self, run_id: str, columns: Sequence[str] | None = None):
        """The run's responses as a pandas DataFrame (one row per answered cell), in plan order.

        ``columns`` limits the frame to those response columns (scoring needs neither prompts nor replies, which
        are most of the bytes); an unknown name is a ``ValueError``.
        """
        import pandas as pd

        wanted = list(_COLUMNS) if columns is None else list(dict.fromkeys(columns))
        unknown = [c for c in wanted if c not in _COLUMNS]
        if unknown:
            raise ValueError(f"unknown response column(s) {unknown}; known: {', '.join(_COLUMNS)}")
        order = list(wanted)
        absent = [c for c in wanted if c not in self._present]  # a database not migrated: those columns are empty
        wanted = [c for c in wanted if c in self._present] or ["cell_id"]  # all absent: one column keeps the rows
        cols = ", ".join(f'r."{c}"' for c in wanted)
        df = pd.read_sql_query(
            f"SELECT {cols} FROM run_cells rc JOIN responses r ON r.cell_id = rc.cell_id "
            "WHERE rc.run_id = ? ORDER BY rc.position",
            self._conn,
            params=(run_id,),
        )
        for c in absent:
            df[c] = None
        # NULL arrives as None or, in a column pandas reads as floats, NaN: both mean "nothing stored"
        for c in df.columns.intersection(list(JSON_COLUMNS)):
            df[c] = df[c].map(lambda s, name=c: decode(name, s))
        return df[order]

    def run_cost(self, run_id: str) -> float:
        row = self._conn.execute(
            "SELECT coalesce(sum(r.cost_usd), 0) FROM run_cells rc JOIN responses r ON r.cell_id = rc.cell_id "
            "WHERE rc.run_id = ?",
            (run_id,),
        ).fetchone()
        return float(row[0])

    def cut_by_token_budget(self, run_id: str) -> int:
        """How many generated replies of the run hold no answer because the token budget ran out
        (``invalid`` with ``finish_reason`` ``length``)."""
        if "finish_reason" not in self._present:  # a database not migrated has none
            return 0
        row = self._conn.execute(
            "SELECT count(*) FROM run_cells rc JOIN responses r ON r.cell_id = rc.cell_id WHERE rc.run_id = ? "
            "AND r.mode = 'generate' AND r.status = 'invalid' AND r.finish_reason = 'length'",
            (run_id,),
        ).fetchone()
        return int(row[0])

    def status_counts(self, run_id: str) -> dict[str, int]:
        rows = self._conn.execute(
            "SELECT r.status, count(*) FROM run_cells rc JOIN responses r ON r.cell_id = rc.cell_id "
            "WHERE rc.run_id = ? GROUP BY r.status",
            (run_id,),
        )
        return {s: n for s, n in rows}


class ResponseWriter:
    """Commit answers one by one from the event loop, with the WAL checkpoints (and their fsyncs) in a thread.

    ``await writer.save(response)`` returns once the response is committed (one transaction per answer;
    raises :class:`StoreError` if it cannot be). SQLite's automatic checkpoint would run inside the commit that
    crosses the WAL size limit, fsync there and stall the event loop for milliseconds; this connection turns it
    off and a background thread runs a ``PASSIVE`` checkpoint every ``checkpoint_interval`` seconds instead,
    which neither blocks nor waits for writers. :meth:`close` stops the thread.
    """

    def __init__(self, path: Path, *, checkpoint_interval: float = 0.5):
        self.path = path
        self.saved = 0
        """Answers committed so far (one transaction each)."""
        self.checkpoints = 0
        try:
            self._conn = _connect(path)
            self._conn.execute("PRAGMA wal_autocheckpoint = 0")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot write ({exc})") from None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._checkpoint_loop, args=(checkpoint_interval,),
                                        name="psychometrics-wal-checkpoint", daemon=True)
        self._thread.start()

    async def save(self, response: Response) -> None:
        try:
            self._conn.execute(_INSERT, _row(response))  # autocommit: this answer's own transaction
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot write ({exc})") from None
        self.saved += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()

    def __enter__(self) -> "ResponseWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _checkpoint_loop(self, interval: float) -> None:
        try:
            conn = _connect(self.path)
        except sqlite3.DatabaseError:
            return  # the next writer connection to reach the default limit checkpoints instead
        try:
            while not self._stop.wait(interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except sqlite3.DatabaseError:
                    pass  # busy or locked: the next round, or the last connection to close, checkpoints
        finally:
            conn.close()


def _initialise(conn: sqlite3.Connection) -> None:
    """Switch to WAL and create the tables, each in a transaction that takes the write lock up front."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in filter(str.strip, _SCHEMA.split(";")):
            conn.execute(statement)
        for col in missing_columns(_table_columns(conn)):  # a database written by an older version
            conn.execute("ALTER TABLE responses ADD COLUMN " + _definition(col, added=True))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _until_unlocked(step, *, timeout: float = 30.0) -> None:
    """Run ``step``, retrying while another connection holds a lock SQLite will not wait for.

    The busy timeout covers ordinary lock waits, but SQLite returns "database is locked" at once, without
    waiting, where waiting could deadlock: switching a new file to WAL while another process opens it, or
    a transaction that read before it wrote. Two audits that open one new database at the same moment hit
    exactly that; it clears in milliseconds.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            transient = "locked" in str(exc) or "busy" in str(exc)
            if not transient or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _table_columns(conn: sqlite3.Connection) -> list[str]:
    return [row[1] for row in conn.execute("PRAGMA table_info(responses)")]


def _row(r: Response) -> tuple:
    return tuple((r.created_at or time.time()) if c == "created_at" else encode(c, getattr(r, c)) for c in _COLUMNS)


def _response(names: list[str], row: tuple) -> Response:
    return Response.model_validate({c: decode(c, v) for c, v in zip(names, row)})
