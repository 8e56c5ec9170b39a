"""Read a store's tables directly, bypassing ``psychometrics.store``, in SQLite or PostgreSQL: what a test checks
the store against. Read-only; a table that does not exist yet (or a file not yet created) reads as no rows."""

from __future__ import annotations

import os
import sqlite3


def query(url: str, sql: str) -> list[tuple]:
    """The rows of ``sql`` (plain SQL both databases read, no parameters) in the store at ``url``."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not os.path.exists(path):
            return []
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
                return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:
            return []  # the tables do not exist yet
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        try:
            return conn.execute(sql).fetchall()
        except psycopg.errors.UndefinedTable:
            return []
