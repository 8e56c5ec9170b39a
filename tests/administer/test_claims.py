"""The cells a process claims, found by plan position (no map of every cell) or through a map: the same cells in
the same order, and a lease of a cell the plan does not have is given back in both."""

from __future__ import annotations

import asyncio
from array import array
from types import SimpleNamespace

import pytest

from psychometrics.administer._claims import CellClaims
from psychometrics.store import Store

RUN = "claims"


def _cells(n: int) -> list:
    return [SimpleNamespace(cell_id=f"c{(i * 7919) % 1000:04d}") for i in range(n)]  # ids not in plan order


def _drain(claims: CellClaims) -> list[str]:
    async def run() -> list[str]:
        out = []
        while (cell := await claims.next()) is not None:
            out.append(cell.cell_id)
        return out
    return asyncio.run(run())


@pytest.mark.parametrize("by_position", [True, False])
def test_claims_give_every_missing_cell_once_in_plan_order(tmp_path, by_position) -> None:
    plan = _cells(300)
    missing = [c for i, c in enumerate(plan) if i % 3]  # a resumed run: every third cell answered before
    positions = array("q", [i for i in range(300) if i % 3])
    with Store(f"sqlite:///{tmp_path / 'runs.db'}") as store:
        store.set_run_cells(RUN, [c.cell_id for c in plan])
        leases = store.leases(RUN, ttl=60.0)
        leases.prepare((c.cell_id, i) for i, c in enumerate(plan) if i % 3)
        leases.prepare([("foreign", 1000)])  # another plan's cell under this run id
        claims = CellClaims(leases, missing, batch=7, positions=positions if by_position else None)
        assert (claims._cells is None) == by_position
        assert _drain(claims) == [c.cell_id for c in missing]
        (left,) = store._conn.execute("SELECT count(*) FROM leases WHERE cell_id = 'foreign'").fetchone()
        assert left == 0  # given back (dropped), never asked


def test_positions_that_do_not_fit_the_cells_fall_back_to_a_map(tmp_path) -> None:
    cells = _cells(5)
    with Store(f"sqlite:///{tmp_path / 'runs.db'}") as store:
        leases = store.leases(RUN, ttl=60.0)
        assert CellClaims(leases, cells, batch=2, positions=array("q", [0, 2, 1, 3, 4]))._cells is not None
        assert CellClaims(leases, cells, batch=2, positions=array("q", [0, 1]))._cells is not None
