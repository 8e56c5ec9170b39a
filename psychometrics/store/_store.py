"""The run store: runs, the cells each run asks, one response per cell, and a run's provider batches, in SQLite or
PostgreSQL.

Every statement is written once here (and in ``_schema`` and ``_leases``) in portable SQL; the backend
(``_sqlite``, ``_postgres``) gives the connection and the dialect. The responses table's columns come from the
:class:`Response` record (:mod:`psychometrics.store._columns`); opening a database written by an older version
to write adds the columns it lacks, and reading one that was not migrated reads the columns it has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from psychometrics.store._backend import StoreError, Writer, open_backend
from psychometrics.store._columns import JSON_COLUMNS, RESPONSE_COLUMNS, decode
from psychometrics.store._leases import Leases, is_dead
from psychometrics.store._liveness import as_seen
from psychometrics.store._records import BUDGET_STOP, TIMED_OUT, Batch, Response, Run
from psychometrics.store._schema import (
    ANSWER_LEASE,
    ANSWERED,
    COLUMNS as _COLUMNS,
    FAILED_LEASE,
    INSERT_RESPONSE,
    response_from_row,
    response_row,
)

_SAVE_RUN = ("INSERT INTO runs (run_id, model, status, created_at, record) VALUES (?, ?, ?, ?, ?) "
             "ON CONFLICT (run_id) DO UPDATE SET model = excluded.model, status = excluded.status, "
             "created_at = excluded.created_at, record = excluded.record")
_REPEATED_TEXT = frozenset(c.name for c in RESPONSE_COLUMNS if c.kind == "text") - {"cell_id"}
"""Text columns whose values repeat across a run's rows (the prompt of every sample, the model, the status…)."""
_RUN_RESPONSES = "FROM run_cells rc JOIN responses r ON r.cell_id = rc.cell_id WHERE rc.run_id = ?"
_SAVE_BATCH = ("INSERT INTO batches (key, run_id, record) VALUES (?, ?, ?) "
               "ON CONFLICT (key) DO UPDATE SET run_id = excluded.run_id, record = excluded.record")
_BATCH_CLAIM_LOCK = 0x70737962617463  # serialises batch claims across processes (an advisory lock on PostgreSQL)
_BATCH_CELL = "INSERT INTO batch_cells (key, cell_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
_LIVE_HOLDERS = ("SELECT DISTINCT holder FROM leases WHERE run_id = ? AND holder IS NOT NULL AND failed = 0 "
                 "AND expires_at >= NOW_EPOCH")


class Store:
    """A run store: ``sqlite:///FILE`` or a file path (the default ``sqlite:///psychometrics.db``, or
    ``$PSYCHOMETRICS_DB``), or ``postgresql://USER@HOST:PORT/DATABASE`` for several workers on one run.

    ``create=False`` opens an existing store only (reading commands); otherwise the tables are created as needed.
    Every failure of the database is a :class:`StoreError` naming it (a URL without its password).
    """

    def __init__(self, url: str | None = None, *, create: bool = True):
        self._db = open_backend(url)
        self.location = self._db.location
        """The database as shown in messages (a file path, or the URL without its password)."""
        with self._failing("cannot use this database"):
            self._conn = self._db.open(create=create)
            self._present = set(self._db.columns(self._conn, "responses"))
            # a database from before batches or leases, opened to read, lacks their tables
            self._has_batches = bool(self._db.columns(self._conn, "batches"))
            self._has_leases = bool(self._db.columns(self._conn, "leases"))

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _failing(self, doing: str) -> Iterator[None]:
        try:
            yield
        except self._db.errors as exc:
            raise StoreError(f"{self.location}: {doing} ({self._db.describe(exc)})") from None

    def _rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._failing("cannot read"):
            return self._conn.execute(self._db.sql(sql), tuple(params)).fetchall()

    def _shared_columns(self, sql: str, params: Sequence, names: list[str]) -> dict[str, list]:
        """The result of ``sql`` as one list per column (``names``, in select order), with every repeated text
        (:data:`_REPEATED_TEXT`) one object: the driver hands each row its own copy, so a million answers to a few
        hundred prompts would otherwise hold a million prompts (0.6–1 GB). Read in chunks of 10,000 rows and kept
        by column: a million row tuples would add ~200 MB to a read. Values and types are unchanged."""
        seen: dict[str, str] = {}
        share = seen.setdefault
        columns: list[list] = [[] for _ in names]
        repeated = [name in _REPEATED_TEXT for name in names]
        with self._failing("cannot read"):
            cursor = self._conn.execute(self._db.sql(sql), tuple(params))
            while chunk := cursor.fetchmany(10_000):
                for values, column, shared in zip(zip(*chunk), columns, repeated):
                    column.extend([share(v, v) if v.__class__ is str else v for v in values] if shared else values)
        return dict(zip(names, columns))

    def _write(self, statements: Iterable[tuple[str, Iterable[Sequence]]]) -> None:
        """Run each (sql, rows of parameters) in one transaction."""
        with self._failing("cannot write"), self._db.transaction(self._conn):
            cursor = self._conn.cursor()
            for sql, rows in statements:
                rows = list(rows)
                if rows:
                    cursor.executemany(self._db.sql(sql), rows)

    # Runs --------------------------------------------------------------------------------------------------
    def save_run(self, run: Run) -> None:
        self._write([(_SAVE_RUN, [(run.run_id, run.model, run.status, run.created_at, run.model_dump_json())])])

    def update_run(self, run_id: str, change: Callable[[Run], Run]) -> Run:
        """Read the run, store ``change(run)`` in one transaction that locks the run's row, so that several
        workers finishing one run at once add up (``wall_s``) instead of overwriting each other."""
        with self._failing("cannot write"), self._db.transaction(self._conn):
            row = self._conn.execute(self._db.sql("SELECT record FROM runs WHERE run_id = ? FOR_UPDATE"),
                                     (run_id,)).fetchone()
            if row is None:
                raise LookupError(f"no run {run_id!r} in {self.location}")
            run = Run.model_validate_json(row[0])
            run = change(run)
            self._conn.execute(self._db.sql(_SAVE_RUN),
                               (run.run_id, run.model, run.status, run.created_at, run.model_dump_json()))
        return run

    def get_run(self, run_id: str) -> Run:
        rows = self._rows("SELECT record FROM runs WHERE run_id = ?", (run_id,))
        if not rows:
            known = [r for (r,) in self._rows("SELECT run_id FROM runs ORDER BY created_at DESC LIMIT 5")]
            hint = f" (recent: {', '.join(known)})" if known else " (the database has no runs)"
            raise LookupError(f"no run {run_id!r} in {self.location}{hint}")
        return self._as_seen(Run.model_validate_json(rows[0][0]))

    def _as_seen(self, run: Run) -> Run:
        """A run that says ``running`` with no live process behind it reads as ``interrupted`` (see ``_liveness``);
        a running run's counts are those of its stored responses.

        The run's record names the process that last started it; several workers share a run through leases, so
        a run whose cells a live holder still leases is running whichever worker the record names."""
        if run.status != "running":
            return run
        # a running run's record is written when a session ends: a process killed by a signal never writes it, so
        # its counts are read from the stored responses
        run = run.model_copy(update={"counts": self.status_counts(run.run_id)})
        last = self._rows("SELECT max(created_at) FROM responses WHERE run_id = ?", (run.run_id,))[0][0]
        seen = as_seen(run, last)
        if seen.status == "running" or not self._has_leases:
            return seen
        holders = self._rows(_LIVE_HOLDERS, (run.run_id,))
        return run if any(not is_dead(h) for (h,) in holders) else seen

    def has_run(self, run_id: str) -> bool:
        return bool(self._rows("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)))

    def list_runs(self) -> list[Run]:
        return [self._as_seen(Run.model_validate_json(r))
                for (r,) in self._rows("SELECT record FROM runs ORDER BY created_at")]

    def set_run_cells(self, run_id: str, cell_ids: list[str], *, replace: bool = False) -> None:
        """Record the run's cells in plan order (cells already recorded keep their place). ``replace`` makes
        ``cell_ids`` the run's only cells, in one transaction: an interview whose rating prompts changed (another
        rater template) no longer counts the ratings of the old prompts (they stay stored, for other runs)."""
        # Inserted in key order (each with its plan position): the primary key's B-tree then grows at its end
        # instead of at a random page, which keeps a million cells linear (38 s in plan order, 16 s sorted).
        order = sorted(range(len(cell_ids)), key=cell_ids.__getitem__)
        insert = ("INSERT INTO run_cells (run_id, cell_id, position) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                  ((run_id, cell_ids[i], i) for i in order))
        self._write([("DELETE FROM run_cells WHERE run_id = ?", [(run_id,)]), insert] if replace else [insert])

    def run_cell_ids(self, run_id: str) -> list[str]:
        return [r for (r,) in self._rows("SELECT cell_id FROM run_cells WHERE run_id = ? ORDER BY position",
                                         (run_id,))]

    def leases(self, run_id: str, *, ttl: float | None = None) -> Leases:
        """This process's claims on the cells of ``run_id`` (see :class:`Leases`)."""
        return Leases(self._db, self._conn, run_id, ttl=ttl)

    # Provider batches --------------------------------------------------------------------------------------
    def save_batch(self, batch: Batch, cell_ids: Sequence[str] | None = None) -> None:
        """Store ``batch`` (and, when given, the cells that went into it) in one transaction."""
        self._write([
            (_SAVE_BATCH, [(batch.key, batch.run_id, batch.model_dump_json())]),
            (_BATCH_CELL, ((batch.key, c) for c in cell_ids or ())),
        ])

    def ingest_batch(self, batch: Batch, responses: list[Response]) -> None:
        """Store the responses read from a finished batch and the batch (closed) in one transaction: a process
        killed meanwhile leaves the batch open, and the next one reads its files again."""
        self._write([*self._response_steps(responses),
                     (_SAVE_BATCH, [(batch.key, batch.run_id, batch.model_dump_json())])])

    def batches(self, run_id: str) -> list[Batch]:
        """The run's provider batches, oldest first (none in a database from before batches)."""
        if not self._has_batches:
            return []
        rows = self._rows("SELECT record FROM batches WHERE run_id = ? ORDER BY key", (run_id,))
        return sorted((Batch.model_validate_json(r) for (r,) in rows), key=lambda b: b.submitted_at)

    def batch_cell_ids(self, key: str) -> list[str]:
        if not self._has_batches:
            return []
        return [c for (c,) in self._rows("SELECT cell_id FROM batch_cells WHERE key = ?", (key,))]

    # Claiming cells for a provider batch, and a run's wall time: read-and-write steps, each one transaction ------
    def claim_batch(self, batch: Batch, cell_ids: Sequence[str]) -> list[str]:
        """Store ``batch`` holding those of ``cell_ids`` that no open batch (of any run) holds and that have no
        answer, all in one transaction, and return them in order; when none is free nothing is stored.

        Two processes claiming at once are serialised (SQLite's write lock, taken by ``BEGIN IMMEDIATE``; on
        PostgreSQL a transaction-scoped advisory lock), so a cell never goes into two open batches.
        """
        with self._failing("cannot write"), self._db.transaction(self._conn):
            self._db.lock(self._conn, _BATCH_CLAIM_LOCK)
            held = self.open_batch_cells()
            wanted = [c for c in dict.fromkeys(cell_ids) if c not in held]
            done = self.answered(wanted)
            free = [c for c in wanted if c not in done]
            if free:
                claimed = batch.model_copy(update={"n_cells": len(free)})
                self._conn.execute(self._db.sql(_SAVE_BATCH), (claimed.key, claimed.run_id, claimed.model_dump_json()))
                self._conn.cursor().executemany(self._db.sql(_BATCH_CELL), [(batch.key, c) for c in free])
        return free

    def open_batch_cells(self) -> dict[str, str]:
        """Every cell in an open (not yet collected) batch of any run → that batch's run."""
        if not self._has_batches:
            return {}
        held: dict[str, str] = {}
        for key, run_id, record in self._rows("SELECT key, run_id, record FROM batches"):
            if Batch.model_validate_json(record).ingested_at is None:
                for (cell_id,) in self._rows("SELECT cell_id FROM batch_cells WHERE key = ?", (key,)):
                    held[cell_id] = run_id
        return held

    def add_wall_time(self, run_id: str, seconds: float) -> float:
        """Add ``seconds`` to the stored run's ``wall_s`` in one transaction (several processes may add to one run)
        and return the new total (``seconds`` when the run is not stored)."""
        try:
            return self.update_run(run_id, lambda run: run.model_copy(update={"wall_s": run.wall_s + seconds})).wall_s
        except LookupError:
            return seconds

    # Responses ---------------------------------------------------------------------------------------------
    def answered(self, cell_ids: Iterable[str]) -> set[str]:
        """The cells among ``cell_ids`` that already have an answer (ok, refused or invalid; errors are re-asked)."""
        wanted = sorted(cell_ids)  # neighbouring ids share index pages
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self._rows(
                f"SELECT cell_id FROM responses WHERE status IN ('ok', 'refused', 'invalid') AND cell_id IN ({marks})",
                chunk,
            )
            hits = {r for (r,) in rows}
            found.update(c for c in chunk if c in hits)  # the caller's strings: a plan's million ids are not copied
        return found

    def save_response(self, response: Response) -> None:
        self.save_responses([response])

    def save_responses(self, responses: list[Response]) -> None:
        """Store ``responses`` in one transaction; an answer frees its cell's lease, an error marks it failed."""
        self._write(self._response_steps(responses))

    @staticmethod
    def _response_steps(responses: list[Response]) -> list[tuple[str, Iterable[Sequence]]]:
        return [
            (INSERT_RESPONSE, (response_row(r) for r in responses)),
            (ANSWER_LEASE, ((r.cell_id,) for r in responses if r.status in ANSWERED)),
            (FAILED_LEASE, ((r.cell_id,) for r in responses if r.status not in ANSWERED)),
        ]

    def writer(self, **options: object) -> Writer:
        """A writer on this database for an asyncio program: ``await writer.save(response)`` returns once the
        response is committed (one transaction per answer); ``await writer.aclose()`` at the end. SQLite takes
        ``checkpoint_interval`` (seconds between WAL checkpoints), PostgreSQL ``connections`` (at most that many
        commits at once)."""
        with self._failing("cannot write"):
            return self._db.writer(**options)

    def iter_responses(self, run_id: str) -> Iterator[Response]:
        """Every stored response of the run's cells, whichever run first asked them."""
        wanted = [c for c in _COLUMNS if c in self._present]  # a database not migrated lacks the newer columns
        cols = ", ".join(f'r."{c}"' for c in wanted)
        with self._failing("cannot read"):
            sql = self._db.sql(f"SELECT {cols} " + _RUN_RESPONSES + " ORDER BY rc.position")
            for row in self._db.stream(self._conn, sql, (run_id,)):
                yield response_from_row(wanted, row)

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
        read = self._shared_columns(f"SELECT {cols} " + _RUN_RESPONSES + " ORDER BY rc.position", (run_id,), wanted)
        series = {}
        for name in wanted:  # one column at a time, its list let go as soon as it is converted
            values = read.pop(name)
            if name == "prompt" and len(wanted) > 1:
                # the prompt stays a column of Python strings, one object per distinct prompt: as a pandas string
                # column it would be copied out for every answer (0.6 GB for a million answers)
                series[name] = pd.Series(values, dtype=object)
            else:  # what pandas.read_sql_query does with the rows of a DB-API cursor, for either backend
                series[name] = pd.DataFrame.from_records(zip(values), columns=[name], coerce_float=True)[name]
            del values
        df = pd.DataFrame(series)
        del series
        for c in absent:
            df[c] = None
        # NULL arrives as None or, in a column pandas reads as floats, NaN: both mean "nothing stored"
        for c in df.columns.intersection(list(JSON_COLUMNS)):
            df[c] = df[c].map(lambda s, name=c: decode(name, s))
        return df[order]

    def run_cost(self, run_id: str) -> float:
        return float(self._rows("SELECT coalesce(sum(r.cost_usd), 0) " + _RUN_RESPONSES, (run_id,))[0][0])

    def cut_by_token_budget(self, run_id: str) -> int:
        """How many generated replies of the run hold no answer because the token budget ran out before they named
        anything: ``invalid``, ``finish_reason`` ``length`` and the budget as the stored reason (:data:`BUDGET_STOP`).
        A reply cut after it named something the parser could not take (a recital, a contradiction) keeps its own
        reason and is not counted: a larger budget would not make it an answer."""
        if "finish_reason" not in self._present:  # a database not migrated has none
            return 0
        rows = self._rows("SELECT count(*) " + _RUN_RESPONSES + " AND r.mode = 'generate' AND r.status = 'invalid' "
                          "AND r.finish_reason = 'length' AND r.error LIKE ?", (run_id, BUDGET_STOP + "%"))
        return int(rows[0][0])

    def timed_out(self, run_id: str) -> int:
        """How many cells of the run ended in an error because a request ran out of time (:data:`TIMED_OUT`)."""
        rows = self._rows("SELECT count(*) " + _RUN_RESPONSES + " AND r.status = 'error' AND lower(r.error) LIKE ?",
                          (run_id, f"%{TIMED_OUT}%"))
        return int(rows[0][0])

    def status_counts(self, run_id: str) -> dict[str, int]:
        return {s: n for s, n in self._rows("SELECT r.status, count(*) " + _RUN_RESPONSES + " GROUP BY r.status",
                                            (run_id,))}
