"""The store's tables and the statements every backend shares, in portable SQL (see ``_backend``).

Types are ones SQLite and PostgreSQL both read (``DOUBLE PRECISION`` has SQLite's REAL affinity); upserts are
``INSERT … ON CONFLICT``, which both speak. Values only ever enter through ``?`` parameters; the only text put
into statements is constant: column names from the :class:`~psychometrics.store.Response` record and runs of
``?``.

``leases`` holds one row per cell of a run that has no answer yet: free (``expires_at`` 0), or claimed by a
``holder`` (one audit process) until ``expires_at`` (seconds on the database's clock), renewed while the holder
lives. Storing an answer deletes the cell's rows in the same transaction; storing an error marks the row
``failed``, so the holder keeps it (it is asked again by a later session, not by this one) and other workers do
not wait for it. See ``_leases`` for why this asks no cell twice.

``batches`` holds a run's provider batches (the :class:`~psychometrics.store.Batch` record as JSON) and
``batch_cells`` the cells that went into each (``audit --batch``, ``administer/_batch.py``).

Who runs a run (``host``, ``pid``, ``heartbeat_at``; see ``_liveness``) is part of the run's record, so it needs no
column of its own.
"""

from __future__ import annotations

import time
from typing import Any

from psychometrics.store._columns import RESPONSE_COLUMNS, Column, decode, encode, missing_columns
from psychometrics.store._records import Response

ANSWERED = ("ok", "refused", "invalid")
IS_ANSWERED = "status IN ('ok', 'refused', 'invalid')"
_TYPES = {"text": "TEXT", "integer": "INTEGER", "real": "DOUBLE PRECISION", "json": "TEXT"}

TABLES = [
    """CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        record TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS run_cells (
        run_id TEXT NOT NULL,
        cell_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (run_id, cell_id))""",
    """CREATE TABLE IF NOT EXISTS leases (
        cell_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        holder TEXT,
        expires_at DOUBLE PRECISION NOT NULL,
        failed INTEGER NOT NULL,
        PRIMARY KEY (cell_id, run_id))""",
    "CREATE INDEX IF NOT EXISTS leases_queue ON leases (run_id, position)",
    "CREATE INDEX IF NOT EXISTS leases_holder ON leases (holder)",
    """CREATE TABLE IF NOT EXISTS batches (
        key TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        record TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS batches_run ON batches (run_id)",
    """CREATE TABLE IF NOT EXISTS batch_cells (
        key TEXT NOT NULL,
        cell_id TEXT NOT NULL,
        PRIMARY KEY (key, cell_id))""",
]


def definition(col: Column, *, added: bool = False) -> str:
    """A column definition from the record-derived column list. A column added to an existing table cannot be
    NOT NULL without a default: the fields added later all admit None."""
    key = " PRIMARY KEY" if col.name == "cell_id" else ""
    required = "" if col.nullable or key or added else " NOT NULL"
    return f'"{col.name}" {_TYPES[col.kind]}{key}{required}'


columns = ",\n    ".join(definition(c) for c in RESPONSE_COLUMNS)
SCHEMA = TABLES + [
    f"CREATE TABLE IF NOT EXISTS responses (\n    {columns}\n)",
    "CREATE INDEX IF NOT EXISTS responses_run ON responses (run_id)",
]
del columns

COLUMNS = [c.name for c in RESPONSE_COLUMNS]
_assignments = ", ".join(f'"{c}" = excluded."{c}"' for c in COLUMNS[1:])
INSERT_RESPONSE = (
    "INSERT INTO responses (" + ", ".join(f'"{c}"' for c in COLUMNS) + ") VALUES ("
    + ", ".join("?" for _ in COLUMNS) + ") ON CONFLICT (cell_id) DO UPDATE SET " + _assignments
)
del _assignments

# In the answer's own transaction, after INSERT_RESPONSE (parameter: the cell id).
ANSWER_LEASE = "DELETE FROM leases WHERE cell_id = ?"
FAILED_LEASE = "UPDATE leases SET failed = 1 WHERE cell_id = ?"


def lease_statement(status: str) -> str:
    """What storing a response of ``status`` does to the cell's lease."""
    return ANSWER_LEASE if status in ANSWERED else FAILED_LEASE


def response_row(r: Response) -> tuple:
    """The values of INSERT_RESPONSE for ``r`` (JSON fields as text; a missing time stamp is now)."""
    return tuple((r.created_at or time.time()) if c == "created_at" else encode(c, getattr(r, c)) for c in COLUMNS)


def response_from_row(names: list[str], row: tuple) -> Response:
    return Response.model_validate({c: decode(c, v) for c, v in zip(names, row)})


SCHEMA_OBJECTS = [statement.split("IF NOT EXISTS", 1)[1].split()[0] for statement in SCHEMA]
"""The tables and indexes SCHEMA creates, by name."""


def create_tables(conn: Any, backend: Any) -> None:
    """Create what is missing, inside the caller's write transaction: the tables, and the response columns a
    database written by an older version lacks (``ALTER TABLE … ADD COLUMN``; old rows read None there)."""
    for statement in SCHEMA:
        conn.execute(statement)
    for col in missing_columns(backend.columns(conn, "responses")):
        conn.execute("ALTER TABLE responses ADD COLUMN " + definition(col, added=True))
