"""Leases: how several audit processes, on one machine or many, share one run without asking a cell twice.

Each process (a *holder*) claims a few of the run's unanswered cells at a time, asks them, and stores each answer,
which deletes the cell's lease in the answer's own transaction. A claim is one statement::

    UPDATE leases SET holder = me, expires_at = now + ttl WHERE cell_id IN (
        SELECT … WHERE run_id = ? AND expires_at < now AND <no answer> ORDER BY position LIMIT n
        FOR UPDATE SKIP LOCKED)

In PostgreSQL, a claimer skips the rows another claim has locked; a row whose claim committed after this
statement's snapshot was taken is locked anyway and then re-checked on its newest version (``expires_at`` is no
longer in the past, so it is left alone); a row deleted by an answer meanwhile is skipped. In SQLite, claims are
serialised by the write lock. So two live holders never hold one cell. A holder renews its leases from a thread
every ``ttl / 3`` seconds while it lives; when it dies (kill -9, a lost machine) its leases expire after ``ttl``
seconds and the others take its cells over. A holder on the same machine whose process is gone is recognised at
once (its process id no longer runs), so re-running a killed command resumes without waiting for the expiry.
Time is the database's clock, so machines whose clocks differ agree on when a lease ends.

A holder that stops answering without dying (a frozen machine, a network partition longer than ``ttl``) loses
its leases and the cells may then be asked twice; the store keeps one response per cell either way.

A cell whose asking ended in an error keeps its lease, marked ``failed``, until its holder finishes: that session
does not ask it again and the others do not wait for it; the next session (or a worker still looking for work
then) asks it again, as a single process does on resume.
"""

from __future__ import annotations

import hashlib
import math
import os
import socket
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from psychometrics.store._backend import StoreError

DEFAULT_TTL = 60.0
"""Seconds a lease lasts unless renewed (``$PSYCHOMETRICS_LEASE_SECONDS`` sets another)."""
_ANSWERED = ("EXISTS (SELECT 1 FROM responses r WHERE r.cell_id = l.cell_id "
             "AND r.status IN ('ok', 'refused', 'invalid'))")
_CLAIM = (
    "UPDATE leases SET holder = ?, expires_at = NOW_EPOCH + ?, failed = 0 WHERE run_id = ? AND cell_id IN ("
    "SELECT l.cell_id FROM leases l WHERE l.run_id = ? AND l.expires_at < NOW_EPOCH AND NOT " + _ANSWERED
    + " ORDER BY l.position LIMIT ? SKIP_LOCKED) RETURNING cell_id, position"
)
_ELSEWHERE = (
    "SELECT l.holder, count(*), min(l.expires_at) - NOW_EPOCH FROM leases l WHERE l.run_id = ? "
    "AND l.holder IS NOT NULL AND l.holder <> ? AND l.failed = 0 AND l.expires_at >= NOW_EPOCH AND NOT " + _ANSWERED
    + " GROUP BY l.holder"
)
_RELEASE = "UPDATE leases SET holder = NULL, expires_at = 0, failed = 0 WHERE holder = ?"
# A worker that lists the unanswered cells just before another stores one of them re-creates that cell's lease in
# prepare(); such leases are never claimed (the claim skips answered cells) and are swept when a holder finishes.
_SWEEP = "DELETE FROM leases WHERE run_id = ? AND cell_id IN (SELECT l.cell_id FROM leases l WHERE l.run_id = ? AND " \
    + _ANSWERED + ")"
_RENEW = "UPDATE leases SET expires_at = NOW_EPOCH + ? WHERE holder = ?"


def lease_seconds(ttl: float | None = None) -> float:
    """``ttl``, else ``$PSYCHOMETRICS_LEASE_SECONDS``, else :data:`DEFAULT_TTL`; a ``ValueError`` unless positive."""
    source = "the lease time"
    if ttl is None:
        text = os.environ.get("PSYCHOMETRICS_LEASE_SECONDS", "")
        source = "PSYCHOMETRICS_LEASE_SECONDS" if text else source
        try:
            ttl = float(text) if text else DEFAULT_TTL
        except ValueError:
            raise ValueError(f"PSYCHOMETRICS_LEASE_SECONDS must be a number of seconds (got {text!r})") from None
    if not (math.isfinite(ttl) and ttl > 0):
        raise ValueError(f"{source} must be a positive, finite number of seconds (got {ttl:g})")
    return ttl


def _machine() -> str:
    """This machine and process namespace: where a holder's process id means the same process."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return "unknown"  # not Linux: other holders' liveness cannot be checked; their leases expire instead
    return hashlib.sha256(f"{socket.gethostname()}|{boot}|{namespace}".encode()).hexdigest()[:12]


def holder_id() -> str:
    """``host/pid/machine/token``: readable, and enough to tell whether the holder still runs (:func:`is_dead`)."""
    return f"{socket.gethostname()}/{os.getpid()}/{_machine()}/{uuid.uuid4().hex[:8]}"


def is_dead(holder: str) -> bool:
    """Whether ``holder`` is a process of this machine that no longer runs (unknown elsewhere: False)."""
    parts = holder.split("/")
    if len(parts) != 4 or parts[2] != _machine() or parts[2] == "unknown" or not parts[1].isdigit():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists (another user's process)
    return False


class Leases:
    """This process's claims on one run's cells (from :meth:`Store.leases`).

    ``prepare`` the cells without an answer, then ``with leases:`` (renewal thread; release at the end)
    ``claim(n)`` until it returns nothing and :meth:`elsewhere` says no other holder is still asking a cell.
    """

    def __init__(self, backend: Any, conn: Any, run_id: str, *, ttl: float | None = None):
        self._db, self._conn, self.run_id = backend, conn, run_id
        self.ttl = lease_seconds(ttl)
        self.holder = holder_id()
        self.claimed = 0
        """Cells this holder has claimed so far."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def _failing(self) -> Iterator[None]:
        try:
            yield
        except self._db.errors as exc:
            raise StoreError(f"{self._db.location}: cannot update leases ({self._db.describe(exc)})") from None

    def _run(self, sql: str, params: tuple, *, conn: Any = None) -> list[tuple]:
        conn = conn or self._conn
        with self._failing(), self._db.transaction(conn, ephemeral=True):
            cursor = conn.execute(self._db.sql(sql), params)
            return cursor.fetchall() if cursor.description else []

    def prepare(self, cells: Iterable[tuple[str, int]]) -> None:
        """Free leases for (cell id, plan position) pairs that have none yet; then free the cells of holders on
        this machine whose process is gone."""
        rows = ((c, self.run_id, p) for c, p in cells)  # streamed: a million tuples at once would be ~70 MB
        with self._failing(), self._db.transaction(self._conn, ephemeral=True):
            self._conn.cursor().executemany(self._db.sql(
                "INSERT INTO leases (cell_id, run_id, position, holder, expires_at, failed) "
                "VALUES (?, ?, ?, NULL, 0, 0) ON CONFLICT DO NOTHING"), rows)
        self.elsewhere()

    def claim(self, n: int) -> list[str]:
        """Up to ``n`` cells, in plan order, that nobody holds and nobody has answered; now held by this process."""
        return [c for c, _ in self.claim_positions(n)]

    def claim_positions(self, n: int) -> list[tuple[str, int]]:
        """:meth:`claim`, each cell with its plan position (as given to :meth:`prepare`)."""
        # RETURNING gives no order: sorted by plan position here
        rows = sorted(((c, int(p)) for c, p in self._run(_CLAIM, (self.holder, self.ttl, self.run_id, self.run_id, n))),
                      key=lambda row: row[1])
        self.claimed += len(rows)
        return rows

    def drop(self, cell_ids: Iterable[str]) -> None:
        """Forget leases of cells the run's plan no longer has (the run id reused with another design)."""
        with self._failing(), self._db.transaction(self._conn, ephemeral=True):
            self._conn.cursor().executemany(self._db.sql("DELETE FROM leases WHERE run_id = ? AND cell_id = ?"),
                                            [(self.run_id, c) for c in cell_ids])

    def elsewhere(self) -> tuple[int, float]:
        """Cells other live holders are still asking, and seconds until the soonest of their leases expires.

        Holders on this machine whose process is gone lose their leases here, at once."""
        waiting, soonest = 0, self.ttl
        for holder, count, left in self._run(_ELSEWHERE, (self.run_id, self.holder)):
            if is_dead(holder):
                self._run(_RELEASE, (holder,))
                continue
            waiting += count
            soonest = min(soonest, max(0.0, float(left)))
        return waiting, soonest

    def release(self) -> None:
        """Give back every lease this process holds (cells it did not ask, and those that ended in an error), and
        forget the leases of cells answered meanwhile."""
        self._run(_RELEASE, (self.holder,))
        self._run(_SWEEP, (self.run_id, self.run_id))

    def __enter__(self) -> "Leases":
        self._thread = threading.Thread(target=self._renew, name="psychometrics-lease-renewal", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.release()

    def _renew(self) -> None:
        """Renew every lease this process holds, every ``ttl / 3`` seconds, on a connection of its own (so that a
        busy event loop cannot let the leases lapse)."""
        conn = None
        try:
            while not self._stop.wait(self.ttl / 3):
                try:
                    conn = conn or self._db.connect()
                    self._run(_RENEW, (self.ttl, self.holder), conn=conn)
                except (StoreError, *self._db.errors):
                    conn = None  # the database is away: try again next round (the audit's writes fail meanwhile)
        finally:
            if conn is not None:
                conn.close()
