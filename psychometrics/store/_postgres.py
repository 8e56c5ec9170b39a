"""The PostgreSQL backend (``postgresql://…``): one store for several processes or machines working on one run.

psycopg 3 (the ``postgres`` extra) is imported only when such a URL is opened. The connection string is
libpq's, so everything libpq reads applies: ``PGPASSWORD`` or ``~/.pgpass`` for the password (better than putting
it in the URL, which shows in ``ps``), ``sslmode``, ``options``. No message shows the password.

Durability. Each answer is one transaction, committed before it counts as done, as in SQLite; PostgreSQL's
default ``synchronous_commit = on`` makes the server flush it to disk before the commit returns, which is more
than SQLite's ``synchronous=NORMAL`` promises (that survives a killed process, not a power cut). Several
commits in flight at once share one flush (group commit), so the writer keeps a small pool of connections, one
per answer being stored, rather than waiting for each flush in turn. ``?options=-csynchronous_commit%3Doff`` in
the URL gives SQLite's promise instead: a killed audit loses nothing, a crash of the database server loses at
most its last fraction of a second. Lease bookkeeping always commits without waiting for the disk: losing it in a
server crash only makes cells free again.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from psychometrics.store._backend import StoreError, redact_url
from psychometrics.store._records import Response
from psychometrics.store._schema import (
    ANSWERED,
    INSERT_RESPONSE,
    SCHEMA_OBJECTS,
    create_tables,
    lease_statement,
    missing_columns,
    response_row,
)

_DIALECT = {
    "SKIP_LOCKED": "FOR UPDATE SKIP LOCKED",
    "FOR_UPDATE": "FOR UPDATE",
    "NOW_EPOCH": "CAST(extract(epoch FROM statement_timestamp()) AS DOUBLE PRECISION)",
}
_SCHEMA_LOCK = 0x70737963686F  # pg_advisory_xact_lock key: two workers creating the tables at once take turns


class PostgresBackend:
    """A PostgreSQL database named by a libpq URL."""

    def __init__(self, url: str):
        self.url = url
        self.location = redact_url(url)
        try:
            import psycopg
        except ImportError:
            raise StoreError(f"{self.location}: PostgreSQL needs psycopg: pip install 'psychometrics[postgres]'") \
                from None
        self._psycopg = psycopg
        self.errors = (psycopg.Error,)
        try:
            urlsplit(url)  # libpq reads some URLs Python cannot split (and so could not show without the password)
            given = psycopg.conninfo.conninfo_to_dict(url)
        except (ValueError, psycopg.Error) as exc:
            raise StoreError(f"{self.location}: not a PostgreSQL URL ({self.describe(exc)})") from None
        # what a driver message must never show: the passwords the URL or the environment give libpq
        self._secrets = [s for s in (given.get("password"), given.get("sslpassword"), os.environ.get("PGPASSWORD"))
                         if s]
        self._options: dict[str, Any] = {"autocommit": True, "application_name": "psychometrics"}
        if "connect_timeout" not in given:
            self._options["connect_timeout"] = 10

    def open(self, *, create: bool) -> Any:
        conn = self.connect()
        try:
            if create and not self._schema_complete(conn):
                with self.transaction(conn):
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                    create_tables(conn, self)
            elif conn.execute("SELECT to_regclass('runs')").fetchone()[0] is None:  # not the columns one may read
                raise StoreError(f"{self.location}: no psychometrics tables in this database (run an audit first)")
        except BaseException:
            conn.close()
            raise
        return conn

    def _schema_complete(self, conn: Any) -> bool:
        """Every table, index and response column exists. Read from the catalog, which locks nothing: even
        ``CREATE INDEX IF NOT EXISTS`` takes a lock on its table, and one taken while other workers store answers
        deadlocked a worker that joined a running audit (its writes wait for the lock, the lock for its writes)."""
        names = conn.execute("SELECT " + ", ".join("to_regclass(%s) IS NOT NULL" for _ in SCHEMA_OBJECTS),
                             SCHEMA_OBJECTS).fetchone()
        return all(names) and not missing_columns(self.columns(conn, "responses"))

    def connect(self) -> Any:
        return self._psycopg.connect(self.url, **self._options)

    def sql(self, portable: str) -> str:
        text = portable.replace("%", "%%").replace("?", "%s")
        for word, dialect in _DIALECT.items():
            text = text.replace(word, dialect)
        return text

    @contextmanager
    def transaction(self, conn: Any, *, ephemeral: bool = False) -> Iterator[None]:
        with conn.transaction():
            if ephemeral:
                conn.execute("SET LOCAL synchronous_commit = off")
            yield

    def lock(self, conn: Any, key: int) -> None:
        """Hold the advisory lock ``key`` until the current transaction ends (processes take turns)."""
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))

    def columns(self, conn: Any, table: str) -> list[str]:
        rows = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                            "AND table_name = %s ORDER BY ordinal_position", (table,)).fetchall()
        return [name for (name,) in rows]

    def stream(self, conn: Any, sql: str, params: tuple) -> Iterator[tuple]:
        # A server-side cursor (WITH HOLD, as the connection is in autocommit): rows arrive a thousand at a time.
        with conn.cursor(name=f"psychometrics_{uuid.uuid4().hex}", withhold=True) as cursor:
            cursor.itersize = 1000
            cursor.execute(sql, params)
            yield from cursor

    def writer(self, *, connections: int = 8, **_: object) -> "PostgresWriter":
        return PostgresWriter(self, connections=connections)

    def describe(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split()) or type(exc).__name__
        for secret in getattr(self, "_secrets", ()):
            text = text.replace(secret, "***")
        return text

    def pool(self, size: int) -> Any:
        import logging

        from psycopg_pool import AsyncConnectionPool

        # the pool logs each lost connection on stderr before the failed write says it in one line (the error
        # the user sees): without a handler of the program's own, Python would print those log lines too
        pool_log = logging.getLogger("psycopg.pool")
        if not pool_log.handlers:
            pool_log.addHandler(logging.NullHandler())
            pool_log.propagate = False

        return AsyncConnectionPool(self.url, min_size=1, max_size=size, kwargs=self._options, open=False,
                                   timeout=30.0, name="psychometrics-writer")


class PostgresWriter:
    """Commit answers one by one from the event loop over a pool of up to ``connections`` connections, so that
    answers arriving together are committed together (one flush of the server's log for several commits)."""

    def __init__(self, backend: PostgresBackend, *, connections: int = 8):
        self._db = backend
        self._size = max(1, connections)
        self._pool: Any = None
        self._opening = asyncio.Lock()
        # The answer and its lease in one statement (a data-modifying WITH): one round trip, no BEGIN/COMMIT.
        self._save = {status: backend.sql("WITH lease AS (" + lease_statement(status) + ") " + INSERT_RESPONSE)
                      for status in ("ok", "error")}
        self.saved = 0
        """Answers committed so far (one transaction each)."""

    async def save(self, response: Response) -> None:
        """Commit ``response`` and what it does to the cell's lease, in one transaction."""
        try:
            async with self._opening:
                if self._pool is None:
                    pool = self._db.pool(self._size)
                    await pool.open(wait=True, timeout=30.0)
                    self._pool = pool
            save = self._save["ok" if response.status in ANSWERED else "error"]
            async with self._pool.connection() as conn:
                await conn.execute(save, (response.cell_id, *response_row(response)))
        except self._db.errors as exc:
            raise StoreError(f"{self._db.location}: cannot write ({self._db.describe(exc)})") from None
        self.saved += 1

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.close()
