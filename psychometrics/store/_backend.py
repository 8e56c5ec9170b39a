"""What the store needs from a database, and which database a URL names.

The store's SQL is written once, in portable form (:mod:`psychometrics.store._schema`); a :class:`Backend` gives
the connection and turns that SQL into its dialect (:meth:`Backend.sql`): ``?`` for each parameter, ``NOW_EPOCH``
for the database's clock in seconds, ``SKIP_LOCKED`` where a queue claim locks rows that others then skip, and
``FOR_UPDATE`` where a read-modify-write locks the row it reads. SQLite (one file, the embedded default) and
PostgreSQL (``postgresql://…``, for several processes or machines on one run) are the two backends.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DEFAULT_DB = "sqlite:///psychometrics.db"
POSTGRES_SCHEMES = ("postgresql", "postgres")


class StoreError(RuntimeError):
    """The database cannot be opened, read or written."""


class Writer(Protocol):
    """Stores answers from an asyncio program, one commit per answer (see ``Store.writer``)."""

    saved: int

    async def save(self, response: Any) -> None: ...

    async def aclose(self) -> None: ...


class Backend(Protocol):
    """A database behind the store: its connections and its dialect."""

    location: str
    """The database as shown in messages: a file path, or the URL without its password."""
    errors: tuple[type[BaseException], ...]
    """The exceptions of the driver that mean the database failed (turned into :class:`StoreError`)."""

    def open(self, *, create: bool) -> Any:
        """The store's connection (autocommit), the tables created (``create``) or checked to exist."""

    def connect(self) -> Any:
        """Another connection (autocommit), e.g. for a thread."""

    def sql(self, portable: str) -> str:
        """``portable`` SQL in this database's dialect."""

    def transaction(self, conn: Any, *, ephemeral: bool = False) -> AbstractContextManager[None]:
        """A write transaction on ``conn``; ``ephemeral``: leases, whose loss in a server crash only frees cells,
        so their commit need not wait for the disk."""

    def columns(self, conn: Any, table: str) -> list[str]:
        """The columns ``table`` has in this database."""

    def stream(self, conn: Any, sql: str, params: tuple) -> Iterator[tuple]:
        """Rows of a large query, without holding them all in memory at once."""

    def writer(self, **options: Any) -> Writer:
        """An answer writer for an asyncio program."""

    def describe(self, exc: BaseException) -> str:
        """A driver error in one line, without secrets."""


def database_url(url: str | None) -> str:
    """The URL in force: ``url``, else ``$PSYCHOMETRICS_DB``, else ``sqlite:///psychometrics.db``."""
    return url or os.environ.get("PSYCHOMETRICS_DB") or DEFAULT_DB


def db_option(url: str | None) -> list[str]:
    """``["--db", URL]`` for a command a message suggests, when the run is in a store the user named (``url``
    not None), the URL without its password (libpq reads it from ``PGPASSWORD`` or ``~/.pgpass``); else ``[]``.

    >>> db_option("postgresql://me:secret@db/runs"), db_option("sqlite:////tmp/runs.db"), db_option(None)
    (['--db', 'postgresql://me@db/runs'], ['--db', 'sqlite:////tmp/runs.db'], [])
    """
    if not url:
        return []
    postgres = url.split("://", 1)[0].lower() in POSTGRES_SCHEMES
    return ["--db", redact_url(url) if postgres else url]  # a file URL has no password to remove


def redact_url(url: str) -> str:
    """``url`` without its passwords (in the user part, or a ``password=`` or ``sslpassword=`` parameter), fit for
    messages; only its scheme when it cannot be parsed (a password in it cannot be told apart then)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("://", 1)[0] + "://…"
    netloc = parts.netloc
    if parts.password is not None:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}@{host}"
    query = urlencode([(k, "***" if "password" in k.lower() else v) for k, v in parse_qsl(parts.query)], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def db_path(url: str | None) -> Path | None:
    """The SQLite file a database URL names (``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or a plain
    path; ``None``: the URL in force, see :func:`database_url`), or None for a PostgreSQL URL.

    Raises
    ------
    StoreError
        The URL's scheme is neither SQLite's nor PostgreSQL's.
    """
    url = database_url(url)
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in POSTGRES_SCHEMES:
        return None
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):])
    if scheme:
        raise StoreError(f"unsupported database URL scheme {scheme!r}: use sqlite:///FILE, a file path or "
                         "postgresql://USER@HOST/DATABASE")
    if is_libpq_keywords(url):  # not a file name: it would create a file named after the password
        raise StoreError(LIBPQ_REFUSED)
    return Path(url)


LIBPQ_REFUSED = ("the database is given as a URL: a libpq 'key=value' connection string is not read; write it as "
                 "postgresql://USER@HOST:PORT/DATABASE (the password in PGPASSWORD or ~/.pgpass)")


def is_libpq_keywords(text: str) -> bool:
    """``text`` starts like a libpq keyword/value connection string (``host=… dbname=…``), not a file name."""
    return bool(_LIBPQ_KEYWORDS.match(text))


_LIBPQ_KEYWORDS = re.compile(r"\s*(host|hostaddr|port|dbname|user|password|sslmode|service)\s*=", re.IGNORECASE)
"""The start of a libpq keyword/value connection string (``host=… dbname=…``)."""


def open_backend(url: str | None) -> Backend:
    """The backend for a database URL: ``sqlite:///FILE`` or a plain path (SQLite), ``postgresql://…``."""
    url = database_url(url)
    path = db_path(url)
    if path is None:
        from psychometrics.store._postgres import PostgresBackend

        return PostgresBackend(url)
    from psychometrics.store._sqlite import SqliteBackend

    return SqliteBackend(path)
