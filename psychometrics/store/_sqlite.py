"""The SQLite backend (the embedded default): every answer committed as it arrives (WAL), so a crash loses
nothing answered.

The statements are the store's portable ones (``_schema``, ``_store``, ``_leases``); this module gives the
connection, the write transactions and the few words of dialect. SQLite has one writer at a time: a lease claim
is one ``UPDATE`` in a transaction that takes the write lock up front (``BEGIN IMMEDIATE``), so claims from
several processes on one file are serialised and never overlap, and ``SKIP LOCKED`` has nothing to do.

Durability. The database is in WAL mode with ``synchronous=NORMAL``: a commit is a write into the WAL file,
which the operating system holds even if the process is killed (``kill -9``, an out-of-memory kill, a crash);
only a power cut or an operating-system crash can lose the last commits (``synchronous=FULL`` would fsync each
commit, at ~2 ms apiece). The fsyncs that remain happen at WAL checkpoints.

While an audit runs, answers go through a :class:`SqliteWriter`: one commit per answer, made as the answer
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

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from psychometrics.store._backend import StoreError
from psychometrics.store._records import Response
from psychometrics.store._schema import INSERT_RESPONSE, create_tables, lease_statement, response_row

_DIALECT = {
    "NOW_EPOCH": "((julianday('now') - 2440587.5) * 86400.0)",
    "SKIP_LOCKED": "",  # one writer at a time: a claim's transaction already excludes every other claim
    "FOR_UPDATE": "",  # BEGIN IMMEDIATE holds the write lock from the first read
}


class SqliteBackend:
    """One SQLite file in WAL mode."""

    errors = (sqlite3.DatabaseError,)

    def __init__(self, path: Path):
        self.path = path
        self.location = str(path)

    def open(self, *, create: bool) -> sqlite3.Connection:
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no such database")
        if create and not self.path.parent.exists():
            raise StoreError(f"{self.path}: the folder {self.path.parent} does not exist")
        conn = _connect(self.path)
        if create:
            _until_unlocked(lambda: self._initialise(conn))
        else:
            _until_unlocked(lambda: conn.execute("SELECT count(*) FROM runs").fetchone())
        return conn

    def connect(self) -> sqlite3.Connection:
        return _connect(self.path)

    def sql(self, portable: str) -> str:
        for word, text in _DIALECT.items():
            portable = portable.replace(word, text)
        return portable

    @contextmanager
    def transaction(self, conn: sqlite3.Connection, *, ephemeral: bool = False) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def columns(self, conn: sqlite3.Connection, table: str) -> list[str]:
        return [name for (name,) in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))]

    def stream(self, conn: sqlite3.Connection, sql: str, params: tuple) -> Iterator[tuple]:
        yield from conn.execute(sql, params)

    def writer(self, *, checkpoint_interval: float = 0.5, **_: object) -> "SqliteWriter":
        return SqliteWriter(self.path, checkpoint_interval=checkpoint_interval)

    def describe(self, exc: BaseException) -> str:
        return str(exc)

    def _initialise(self, conn: sqlite3.Connection) -> None:
        """Switch to WAL and create the tables, each in a transaction that takes the write lock up front."""
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        with self.transaction(conn):
            create_tables(conn, self)


class SqliteWriter:
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
        """Commit ``response`` and what it does to the cell's lease, in one transaction."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(INSERT_RESPONSE, response_row(response))
                self._conn.execute(lease_statement(response.status), (response.cell_id,))
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot write ({exc})") from None
        self.saved += 1

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()

    def __enter__(self) -> "SqliteWriter":
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
