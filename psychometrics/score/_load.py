"""Reading what scoring needs: a run's responses from the store and its inventories.

The scoring modules take frames and inventories; this module is where a run id or a :class:`Run` becomes them,
for :func:`psychometrics.score.score` (scoring) and :func:`load_run_data` (a report or a comparison, which also
need the full responses and say which inventories could not be loaded).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from psychometrics._yamlfile import DataFileError
from psychometrics.inventory import Inventory, load_inventory
from psychometrics.store import Run, Store

if TYPE_CHECKING:
    from psychometrics.score._model import AuditScores

SCORED_COLUMNS = ("cell_id", "rates", "model", "inventory", "item", "scale", "template", "order", "sample", "persona", "mode", "status",
                  "value", "expected_value")
"""The response columns scoring reads from the store."""


def read_responses(source: str | Run | pd.DataFrame, db: str | None) -> tuple[Run | None, pd.DataFrame]:
    """The run record (``None`` for a bare frame) and the responses to score, from a run id, a Run or a frame.

    Raises
    ------
    LookupError
        No run with that id in the store.
    TypeError
        ``source`` is none of these (a run id, a list of run ids, a Run, a frame).
    ValueError
        Several runs of different models, or the same inventory in two of them (see :func:`runs_frame`).
    """
    if isinstance(source, pd.DataFrame):
        return None, source.copy()
    if isinstance(source, Run):
        with Store(db, create=False) as store:
            return source, store.responses_frame(source.run_id, columns=SCORED_COLUMNS)
    if isinstance(source, str):
        with Store(db, create=False) as store:
            run = store.get_run(source)
            return run, store.responses_frame(source, columns=SCORED_COLUMNS)
    if isinstance(source, (list, tuple)) and source and all(isinstance(s, str) for s in source):
        if len(source) == 1:
            return read_responses(source[0], db)
        return None, runs_frame(list(source), db)
    raise TypeError(f"run_or_responses must be a run id, a Run or a DataFrame, got {type(source).__name__}")


def runs_frame(run_ids: list[str], db: str | None) -> pd.DataFrame:
    """The responses of several runs of one model, scored together (e.g. an original and its parallel forms
    audited separately); respondents match across runs on template × order × sample × persona.

    Raises
    ------
    LookupError
        A run id not in the store.
    ValueError
        The runs audited different models, or two runs hold the same inventory (its answers would mix).
    """
    frames, owner = [], {}
    with Store(db, create=False) as store:
        runs = [store.get_run(rid) for rid in run_ids]
        models = {r.model for r in runs}
        if len(models) > 1:
            raise ValueError(f"runs {', '.join(run_ids)} audited different models ({', '.join(sorted(models))}); "
                             "scoring them together matches respondents of one model only")
        for run in runs:
            frame = store.responses_frame(run.run_id, columns=SCORED_COLUMNS)
            for inv in frame["inventory"].astype(str).unique():
                if inv in owner:
                    raise ValueError(f"inventory {inv} is in runs {owner[inv]} and {run.run_id}: score several runs "
                                     "together only when each inventory comes from one of them")
                owner[inv] = run.run_id
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def run_temperatures(run_ids: list[str], db: str | None) -> dict[str, float]:
    """Inventory id → the sampling temperature of the run (among ``run_ids``) that holds its answers."""
    out = {}
    with Store(db, create=False) as store:
        for rid in run_ids:
            temperature = store.get_run(rid).design.settings.temperature
            for inv in store.responses_frame(rid, columns=("inventory",))["inventory"].astype(str).unique():
                out[inv] = temperature
    return out


def scoring_inventories(
    given: Mapping[str, Inventory] | Sequence[Inventory | str] | None, frame: pd.DataFrame, run: Run | None
) -> dict[str, Inventory]:
    """The inventories to score, by id: those given as a list, then the run's design, then the responses."""
    lookup = dict(given) if isinstance(given, Mapping) else {}
    out: dict[str, Inventory] = {}

    def add(ref: Inventory | str) -> None:
        if isinstance(ref, Inventory):
            out.setdefault(ref.id, ref)
        elif str(ref) in lookup:
            out.setdefault(str(ref), lookup[str(ref)])
        elif str(ref) not in out:
            inv = load_inventory(str(ref))  # a shipped id, or the path a design recorded
            out.setdefault(inv.id, inv)

    if given is not None and not isinstance(given, Mapping):
        for ref in given:
            add(ref)
    for ref in run.design.inventories if run else []:
        try:
            add(ref)
        except (LookupError, OSError, DataFileError):
            pass  # e.g. a YAML path that moved since the audit; inventories with responses are loaded by id below
    for inv_id in frame["inventory"].astype(str).unique():
        add(inv_id)
    return out


@dataclass
class RunData:
    """One stored run with everything a report or a comparison needs about it."""

    run: Run
    frame: pd.DataFrame
    """The responses (:meth:`Store.responses_frame`)."""
    inventories: dict[str, Inventory]
    """Inventory id → inventory, for every inventory of the design and of the responses that could be loaded."""
    missing_inventories: dict[str, str]
    """Inventory id (or path) → why it could not be loaded."""
    scores: AuditScores


def load_inventories(run: Run, frame: pd.DataFrame) -> tuple[dict[str, Inventory], dict[str, str]]:
    """Load the design's inventories (ids or paths) and any other inventory id found in the responses.

    Returns the loaded inventories by id, and what could not be loaded with why: a design entry (id or path)
    that fails to load, or an inventory id in the responses that no loaded file provides.
    """
    found: dict[str, Inventory] = {}
    missing: dict[str, str] = {}
    for name in dict.fromkeys(run.design.inventories):
        try:
            inv = load_inventory(name)
        except Exception as exc:  # noqa: BLE001 - a report explains what it cannot read instead of failing
            missing[name] = " ".join(str(exc).split()) or type(exc).__name__
            continue
        found[inv.id] = inv
    counts = frame["inventory"].astype(str).value_counts() if len(frame) else {}
    for inv_id in dict.fromkeys(frame["inventory"].astype(str)):
        if inv_id in found:
            continue
        try:
            found[inv_id] = load_inventory(inv_id)
        except Exception:  # noqa: BLE001 - as above
            missing[inv_id] = (f"{int(counts[inv_id]):,} stored responses name this inventory, but no inventory "
                               "file for it could be loaded")
    return found, missing


def load_run_data(run_id: str, *, db: str | None = None, scores: AuditScores | None = None,
                  n_boot: int = 1000, seed: int | None = 0, columns: Sequence[str] | None = None) -> RunData:
    """Read the run and its responses from the store and score them (unless ``scores`` is given).

    ``columns`` limits the frame to those response columns (default: all; :data:`SCORED_COLUMNS` are always
    read): a reader that needs neither the log-probs nor the timings of a million answers leaves them out.

    Raises
    ------
    LookupError
        No run with that id.
    """
    from psychometrics.score._score import score, score_responses

    with Store(db, create=False) as store:
        run = store.get_run(run_id)
        # an interview's ratings are matched to their answers through cell ids: read every column; other runs'
        # scoring and pages need no cell id (a million of them are ~120 MB), unless the caller asks for it
        frame = store.responses_frame(run_id, columns=None if columns is None or run.design.interview is not None
                                      else list(dict.fromkeys([*(c for c in SCORED_COLUMNS if c != "cell_id"),
                                                               *columns])))
    inventories, missing = load_inventories(run, frame)
    if run.design.interview is not None:  # a report reads each answer as the mean of its ratings
        from psychometrics.score._interview import rated_answers

        if scores is None:
            scores = score(run, db=db, n_boot=n_boot, seed=seed)
        frame = rated_answers(frame)[0]
    if scores is None:
        usable = frame[frame["inventory"].astype(str).isin(inventories)] if missing else frame
        # scored with its run, as `score RUN` does: the design (temperature, planned cells) shapes the warnings
        scores = score_responses(usable, inventories, run=run, n_boot=n_boot, seed=seed, db=db)
    return RunData(run=run, frame=frame, inventories=inventories, missing_inventories=missing, scores=scores)
