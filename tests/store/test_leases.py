"""Leases on a run's cells, in SQLite and in a real PostgreSQL: claims never overlap, a dead holder's cells are
taken over (at once on this machine, after the expiry elsewhere), an answer ends a lease and an error keeps it."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from psychometrics.store import Response, Store
from psychometrics.store import _leases

RUN = "shared"
CELLS = [f"cell-{i:04d}" for i in range(400)]


@pytest.fixture
def url(db_url):
    return db_url


def _store(url: str) -> Store:
    store = Store(url)
    store.set_run_cells(RUN, CELLS)
    return store


def _response(cell_id: str, status: str = "ok") -> Response:
    return Response(cell_id=cell_id, run_id=RUN, model="m", inventory="bfi44", item="1", scale="E", template="t",
                    order="original", sample=0, prompt="p", mode="generate", status=status,
                    value=3 if status == "ok" else None, error=None if status == "ok" else "boom")


def _prepared(store: Store, *, ttl: float = 60.0):
    leases = store.leases(RUN, ttl=ttl)
    leases.prepare((c, i) for i, c in enumerate(CELLS))
    return leases


def test_claims_from_many_threads_and_connections_never_overlap(url):
    """Eight claimers, each with its own connection, claim 7 cells at a time, all at once, round after round,
    until nothing is left."""
    stores = [_store(url) for _ in range(8)]
    _prepared(stores[0])
    taken: list[list[str]] = [[] for _ in stores]
    rounds = -(-len(CELLS) // (7 * len(stores))) + 1
    together = threading.Barrier(len(stores))

    def claim_all(k: int) -> None:
        leases = stores[k].leases(RUN)
        for _ in range(rounds):
            together.wait()  # every claim of a round races the others
            taken[k].extend(leases.claim(7))

    threads = [threading.Thread(target=claim_all, args=(k,)) for k in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [c for ids in taken for c in ids]
    assert sorted(every) == CELLS  # each cell claimed exactly once
    assert all(taken)  # every claimer got some
    for s in stores:
        s.close()


def test_claims_follow_the_plan_and_skip_answered_cells(url):
    with _store(url) as store:
        store.save_response(_response(CELLS[1]))  # answered before the leases were prepared
        leases = _prepared(store)
        assert sorted(leases.claim(3)) == [CELLS[0], CELLS[2], CELLS[3]]  # the first three without an answer


def test_a_claim_returns_its_cells_in_plan_order_not_id_order(url):
    """The runner asks a claimed batch in the order ``claim`` gives (it keeps no position map of the plan)."""
    with _store(url) as store:
        leases = store.leases(RUN, ttl=60.0)
        leases.prepare((c, len(CELLS) - i) for i, c in enumerate(CELLS))  # plan order is the ids reversed
        assert leases.claim(5) == CELLS[::-1][:5]
        assert leases.claim(3) == CELLS[::-1][5:8]


def test_a_lease_prepared_for_a_cell_answered_meanwhile_is_swept_when_a_holder_finishes(url):
    """A worker lists the unanswered cells, another stores one of them, then the first prepares its leases: the
    stale lease is never claimed, and is gone once a holder finishes."""
    with _store(url) as store:
        store.save_response(_response(CELLS[5]))
        with _prepared(store) as leases:
            assert CELLS[5] not in leases.claim(len(CELLS))
        (left,) = store._conn.execute("SELECT count(*) FROM leases").fetchone()
        assert left == len(CELLS) - 1  # the others are free again; the answered cell has no lease


def test_an_answer_ends_the_lease_and_an_error_keeps_it_until_release(url):
    with _store(url) as store:
        mine, other = _prepared(store), store.leases(RUN)
        first = sorted(mine.claim(2))
        store.save_response(_response(first[0]))
        store.save_response(_response(first[1], status="error"))
        assert other.elsewhere() == (0, pytest.approx(60.0, abs=5))  # nothing the other holder must wait for
        assert first[1] not in other.claim(len(CELLS))  # the failed cell stays with its holder...
        mine.release()
        assert other.claim(len(CELLS)) == [first[1]]  # ...until it gives it back; the answered cell never returns


def test_a_holder_elsewhere_keeps_its_cells_until_its_lease_expires(url, monkeypatch):
    with _store(url) as store:
        monkeypatch.setattr(_leases, "_machine", lambda: "another-machine")
        gone = _prepared(store, ttl=1.5)  # a holder on another machine, which then dies (it never renews)
        monkeypatch.undo()
        held = gone.claim(10)
        survivor = store.leases(RUN, ttl=60)
        waiting, soonest = survivor.elsewhere()
        assert waiting == 10 and 0 < soonest <= 1.5
        assert not set(held) & set(survivor.claim(len(CELLS) - 10))  # everything else, not the held cells
        assert survivor.claim(10) == []
        time.sleep(soonest + 0.2)
        assert sorted(survivor.claim(10)) == sorted(held)  # taken over once expired
        assert survivor.elsewhere()[0] == 0


def test_a_dead_holder_on_this_machine_loses_its_cells_at_once(url):
    with _store(url) as store:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        pid = int(dead.stdout)  # a process of this machine that has ended
        gone = _prepared(store, ttl=3600)
        gone.holder = gone.holder.split("/", 2)[0] + f"/{pid}/" + gone.holder.split("/", 2)[2]
        held = gone.claim(5)
        alive = store.leases(RUN)
        assert _leases.is_dead(gone.holder) and not _leases.is_dead(alive.holder)
        assert alive.elsewhere()[0] == 0  # recognised as dead: nothing to wait for...
        assert sorted(alive.claim(5)) == sorted(held)  # ...and its cells are free, an hour before the expiry


def test_renewal_keeps_a_live_holder_s_cells(url):
    with _store(url) as store:
        holder = _prepared(store, ttl=1.0)
        with holder:
            held = holder.claim(5)
            time.sleep(2.5)  # more than twice the lease: only the renewals (every 1/3 s) keep it
            other = store.leases(RUN)
            assert other.elsewhere()[0] == 5
            assert not set(held) & set(other.claim(len(CELLS)))
        assert sorted(store.leases(RUN).claim(5)) == sorted(held)  # released when the holder finished


def test_a_bad_lease_setting_is_refused(monkeypatch):
    monkeypatch.setenv("PSYCHOMETRICS_LEASE_SECONDS", "soon")
    with pytest.raises(ValueError, match="PSYCHOMETRICS_LEASE_SECONDS"):
        _leases.lease_seconds()
    monkeypatch.setenv("PSYCHOMETRICS_LEASE_SECONDS", "0")
    with pytest.raises(ValueError, match="positive"):
        _leases.lease_seconds()
    assert _leases.lease_seconds(5) == 5.0
    monkeypatch.delenv("PSYCHOMETRICS_LEASE_SECONDS")
    assert _leases.lease_seconds() == _leases.DEFAULT_TTL


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf"])
def test_a_bad_lease_time_in_the_environment_is_named(monkeypatch, text):
    from psychometrics.store._leases import lease_seconds

    monkeypatch.setenv("PSYCHOMETRICS_LEASE_SECONDS", text)
    with pytest.raises(ValueError, match="PSYCHOMETRICS_LEASE_SECONDS must be a positive, finite number"):
        lease_seconds()
