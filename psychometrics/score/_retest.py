"""Test–retest reliability between two runs of one design: each scale's ICC(2,1) and ICC(3,1) across respondents
matched on template × order × sample × persona (:func:`psychometrics.stats.retest_reliability`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from psychometrics.inventory import Inventory
from psychometrics.score._comparison import ScaleRetest
from psychometrics.score._model import ScaleScore
from psychometrics.score._styles import readability_note
from psychometrics.score._respondents import respondent_frame
from psychometrics.stats import retest_reliability


def scale_retest(frame_a: pd.DataFrame, frame_b: pd.DataFrame, inventories_a: Mapping[str, Inventory],
                 inventories_b: Mapping[str, Inventory], scales_a: Iterable[ScaleScore] = (),
                 scales_b: Iterable[ScaleScore] = ()) -> tuple[list[ScaleRetest], str | None, str | None]:
    """Per inventory × scale scored in both runs: test–retest reliability of matched respondents' scores.

    Parameters
    ----------
    frame_a, frame_b : pandas.DataFrame
        The two runs' responses (:meth:`Store.responses_frame <psychometrics.store.Store.responses_frame>`).
    inventories_a, inventories_b : mapping
        Inventory id → inventory of each run.
    scales_a, scales_b : iterable of ScaleScore
        Each run's scored scales (:attr:`AuditScores.scales <psychometrics.score.AuditScores.scales>`): a scale
        not readable as a trait (or uncertain) in either run gets ``assessable=False`` with the reason, since
        answers made by a response style (e.g. always the first option) repeat themselves and give an ICC of 1
        that says nothing about the trait's stability.

    Returns
    -------
    (list of ScaleRetest, str or None, str or None)
        One entry per scale of an inventory in both runs (NaN with a reason where the ICC is undefined); why the
        list is empty (no inventory in both runs, no respondent in both, or every answer of one run reused from
        the other); and a note when the runs asked different items of a shared inventory (e.g. other
        ``--limit-items``): both runs' scale scores then use only the items asked in both, so that the same items
        are compared. Cells in both runs (the same cell id: one answer stored once and reused) are left out, since
        they agree with themselves by construction.
    """
    shared = {k: inventories_a[k] for k in inventories_a if k in inventories_b}
    if not shared:
        return [], "the runs share no inventory", None
    frame_a, frame_b, note = _common_items(frame_a, frame_b, shared)
    reused = set(frame_a["cell_id"]) & set(frame_b["cell_id"])
    if reused:
        # A cell id is the cache key of its answer: a cell in both runs was asked once and its answer reused, so
        # it would agree with itself perfectly and say nothing about stability.
        frame_a, frame_b = (f[~f["cell_id"].isin(reused)] for f in (frame_a, frame_b))
        if not len(frame_a) or not len(frame_b):
            return [], (f"the second run reuses the first run's stored answers ({len(reused)} cells were asked "
                        "once, not twice): there is no retest to measure; ask again with other samples or settings"), note
    ra, rb = respondent_frame(frame_a, shared), respondent_frame(frame_b, shared)
    if not len(ra) or not len(rb) or not set(ra["respondent"]) & set(rb["respondent"]):
        return [], ("no respondent (template × order × sample × persona) is in both runs: test–retest needs two "
                    "runs of the same design"), note
    read_a = {(s.inventory, s.scale): s for s in scales_a}
    read_b = {(s.inventory, s.scale): s for s in scales_b}
    out = []
    for inv_id, inv in shared.items():
        for sc in inv.scales:
            a, b = (_series(r, inv_id, sc.id) for r in (ra, rb))
            res = retest_reliability(a, b)
            why = [n for side, read in (("A", read_a), ("B", read_b)) if (s := read.get((inv_id, sc.id))) is not None
                   and (n := readability_note(s, f"run {side}"))]
            out.append(ScaleRetest(inventory=inv_id, scale=sc.id, agreement=res.agreement,
                                   consistency=res.consistency, n=res.n, n_unmatched=res.n_unmatched,
                                   assessable=not why, reason=(f"{'; '.join(why)}: the ICC may measure a "
                                                               "response style, not the trait's stability")
                                   if why else None))
    return out, None, note


def _common_items(frame_a: pd.DataFrame, frame_b: pd.DataFrame, shared: Mapping[str, Inventory]
                  ) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """Both frames cut to the shared inventories' items asked in both runs, and a note when that left items out."""
    def asked(f: pd.DataFrame) -> set[tuple[str, str]]:
        keys = f[["inventory", "item"]].astype(str).drop_duplicates()
        return {(i, t) for i, t in zip(keys["inventory"], keys["item"]) if i in shared}

    items_a, items_b = asked(frame_a), asked(frame_b)
    if items_a == items_b:
        return frame_a, frame_b, None
    common = items_a & items_b

    def cut(f: pd.DataFrame) -> pd.DataFrame:
        key = pd.Series(list(zip(f["inventory"].astype(str), f["item"].astype(str))), index=f.index)
        return f[key.isin(common) | ~f["inventory"].astype(str).isin(shared)]

    return cut(frame_a), cut(frame_b), (
        f"the runs asked different items ({len(items_a - common)} only in the first, {len(items_b - common)} only "
        f"in the second): both runs' scale scores use only the {len(common)} item(s) asked in both")


def _series(scores: pd.DataFrame, inventory: str, scale: str) -> pd.Series:
    part = scores[(scores["inventory"] == inventory) & (scores["scale"] == scale)].dropna(subset=["score"])
    return pd.Series(part["score"].to_numpy(dtype=float), index=part["respondent"].to_numpy())
