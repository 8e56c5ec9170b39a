"""Several runs side by side (a matrix, as promptfoo shows one prompt across models): each scale's score, whether
it can be read as a trait, its reliability and its order sensitivity, in every run.

:func:`run_matrix` builds a :class:`RunMatrix` from stored runs — the page of ``psychometrics audit --model A
--model B …`` and of ``psychometrics compare`` with three or more runs. It describes each run; it tests no
difference between them (for two runs, :func:`~psychometrics.score.compare_runs` does).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import Field

from psychometrics._record import ResultRecord
from psychometrics.score._comparison import RunSide
from psychometrics.score._model import AuditScores

MATRIX_VERSION = 1
"""Version of the :class:`RunMatrix` format."""


class MatrixRun(ResultRecord):
    """One run of the matrix: what was asked and answered, and how many of its scale scores can be read."""

    side: RunSide
    """The run's model, design and response counts (as in a two-run comparison)."""
    status: str
    """The stored run status (``finished``, ``failed``, ``interrupted``, …)."""
    n_cells: int
    """Cells planned."""
    n_scales: int
    """Scales scored."""
    readable: int
    """Scales whose score can be read as a trait (:attr:`ScaleScore.interpretable`)."""
    readability: str
    """The run's readability line (:meth:`AuditScores.readability`)."""
    failure: str | None = None
    """Why the audit of this run stopped with an error (the run and its answers are stored), or ``None``."""
    design_differences: dict[str, str] = Field(default_factory=dict)
    """This run's value of every design setting in which the runs differ, by the option that sets it
    (``{"--limit-items": "10"}``); empty when every run has the same design."""


class MatrixEntry(ResultRecord):
    """One scale in one run."""

    run_id: str
    """The run."""
    mean: float = math.nan
    """Mean scale score across respondents; NaN with ``reason`` when the run has no score for the scale."""
    ci_low: float = math.nan
    """Lower bound of the 95% t interval of the mean."""
    ci_high: float = math.nan
    """Upper bound of the 95% t interval of the mean."""
    n: int = 0
    """Respondents with a score."""
    interpretable: bool | None = None
    """Whether the score can be read as a trait (``score/_styles.py``): ``True``, ``False``, or ``None`` when that
    is uncertain or the run has no score (see ``readability``)."""
    readability: str | None = None
    """``readable``, ``not readable`` or ``uncertain`` (:attr:`ScaleScore.readability`); ``None`` without a score."""
    interpretability_reasons: list[str] = Field(default_factory=list)
    """Why it cannot be read, or why that is uncertain (empty when it can)."""
    alpha: float = math.nan
    """Cronbach's α across respondents; NaN with ``alpha_reason``."""
    alpha_reason: str | None = None
    """Why α is missing."""
    omega: float = math.nan
    """McDonald's ω total; NaN with ``omega_reason``."""
    omega_reason: str | None = None
    """Why ω is missing."""
    order_shift: float = math.nan
    """Mean change of the answers, reversed − original option order, in scale points (original values)."""
    order_mad: float = math.nan
    """Mean absolute change of the answers between the two orders, in scale points."""
    order_p: float = math.nan
    """Wilcoxon signed-rank p of the order shift over items."""
    order_reason: str | None = None
    """Why the order figures are missing."""
    verdict: str | None = None
    """The run's sensitivity verdict for the scale (robust, order-sensitive, …)."""
    reason: str | None = None
    """Why the run has no score for the scale (not in its inventories, no answers)."""


class MatrixScale(ResultRecord):
    """One scale across every run: one entry per run, in the matrix's run order."""

    inventory: str
    """Inventory id."""
    scale: str
    """Scale id."""
    name: str
    """Display name of the scale."""
    score_min: float = math.nan
    """Lowest possible score."""
    score_max: float = math.nan
    """Highest possible score."""
    entries: list[MatrixEntry] = Field(default_factory=list)
    """One per run, in :attr:`RunMatrix.runs` order."""


class RunMatrix(ResultRecord):
    """Several runs side by side: per run its design and readability, per scale its score in every run."""

    version: Literal[1] = MATRIX_VERSION
    """Format version."""
    runs: list[MatrixRun] = Field(default_factory=list)
    """The runs, in the order given."""
    scales: list[MatrixScale] = Field(default_factory=list)
    """Every scale scored in any run, by inventory in the order first seen."""
    same_design: bool = True
    """Whether every run has the same design (inventories, templates, orders, samples, personas, settings)."""

    @property
    def run_ids(self) -> list[str]:
        return [r.side.run_id for r in self.runs]

    def to_frame(self) -> Any:
        """One row per run × scale (a :class:`pandas.DataFrame`): ``run_id``, ``model``, ``inventory``, ``scale``
        and every field of :class:`MatrixEntry` (reasons joined by ``; ``)."""
        import pandas as pd

        model = {r.side.run_id: r.side.model for r in self.runs}
        rows = []
        for s in self.scales:
            for e in s.entries:
                row = e.model_dump()
                row["interpretability_reasons"] = "; ".join(e.interpretability_reasons)
                rows.append({"run_id": e.run_id, "model": model.get(e.run_id), "inventory": s.inventory,
                             "scale": s.scale, **{k: v for k, v in row.items() if k != "run_id"}})
        return pd.DataFrame(rows)


def run_matrix(runs: Sequence[str], *, db: str | None = None, n_boot: int = 1000, seed: int | None = 0,
               scores: Mapping[str, AuditScores] | None = None,
               failures: Mapping[str, str] | None = None) -> RunMatrix:
    """Put stored runs side by side: each scale's mean with its 95% interval, readability, α, ω and option-order
    sensitivity in every run.

    Parameters
    ----------
    runs : sequence of str
        Run ids, at least one; each once. The matrix keeps their order.
    db : str, optional
        Store URL.
    n_boot, seed
        Bootstrap of the reliability intervals when a run is scored here (see :func:`psychometrics.score.score`).
    scores : mapping, optional
        Scores already computed, by run id (not scored again).
    failures : mapping, optional
        Why the audit of a run stopped with an error, by run id (shown with the run).

    Returns
    -------
    RunMatrix

    Raises
    ------
    ValueError
        No run given, or a run given twice.
    LookupError
        A run id that is not stored.
    """
    from psychometrics.score._compare import _side
    from psychometrics.score._load import load_run_data

    ids = list(runs)
    if not ids:
        raise ValueError("give at least one run")
    twice = sorted({r for r in ids if ids.count(r) > 1})
    if twice:
        raise ValueError(f"run {', '.join(twice)} is given twice")
    scores, failures = dict(scores or {}), dict(failures or {})
    data = [load_run_data(r, db=db, scores=scores.get(r), n_boot=n_boot, seed=seed) for r in ids]
    matrix_runs = []
    for d in data:
        s = d.scores
        matrix_runs.append(MatrixRun(
            side=_side(d), status=d.run.status, n_cells=d.run.n_cells or len(d.frame), n_scales=len(s.scales),
            readable=sum(1 for x in s.scales if x.interpretable is True), readability=s.readability(),
            failure=failures.get(d.run.run_id),
        ))
    differences = design_differences([d.run.design for d in data])
    matrix_runs = [r.model_copy(update={"design_differences": diff}) for r, diff in zip(matrix_runs, differences)]
    designs = {d.run.design.model_dump_json() for d in data}
    return RunMatrix(runs=matrix_runs, scales=_scales(data), same_design=len(designs) == 1)


_DESIGN_OPTIONS = {"inventories": "--inventory", "templates": "--templates", "orders": "--orders",
                   "samples": "--samples", "personas": "--personas", "limit_items": "--limit-items",
                   "template_files": "--template-file", "temperature": "--temperature", "max_tokens": "--max-tokens",
                   "mode": "--mode", "reasoning_effort": "--reasoning-effort", "prompt_format": "--prompt-format"}
"""The option that sets each design setting (the names a user typed, shown where designs differ)."""


def design_differences(designs: Sequence[Any]) -> list[dict[str, str]]:
    """Per design, its value of every setting in which ``designs`` differ, by the option that sets it; values in
    words (``all`` for no item limit, lists joined by commas)."""
    flat = [_flat(d.model_dump(mode="json")) for d in designs]
    keys = [k for k in dict.fromkeys(k for f in flat for k in f) if len({repr(f.get(k)) for f in flat}) > 1]
    return [{_DESIGN_OPTIONS.get(k, k): _shown(k, f.get(k)) for k in keys} for f in flat]


def _flat(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, Mapping) and key == "settings":
            out.update(_flat(value))
        else:
            out[prefix + key] = value
    return out


def _shown(key: str, value: Any) -> str:
    if value is None:
        return "all" if key == "limit_items" else "—"
    if isinstance(value, list):
        return ", ".join("none" if v is None else str(v) for v in value) or "—"
    return str(value)


def _scales(data: list[Any]) -> list[MatrixScale]:
    keys: dict[tuple[str, str], Any] = {}
    for d in data:
        for sc in d.scores.scales:
            keys.setdefault((sc.inventory, sc.scale), sc)
    out = []
    for (inv, scale), first in keys.items():
        entries = [_entry(d, inv, scale) for d in data]
        out.append(MatrixScale(inventory=inv, scale=scale, name=first.name, score_min=first.score_min,
                               score_max=first.score_max, entries=entries))
    return out


def _entry(d: Any, inv: str, scale: str) -> MatrixEntry:
    s = d.scores
    run_id = d.run.run_id
    sc = next((x for x in s.scales if (x.inventory, x.scale) == (inv, scale)), None)
    if sc is None:
        return MatrixEntry(run_id=run_id, reason=f"{inv} is not in this run")
    rel = next((x for x in s.reliability if (x.inventory, x.scale) == (inv, scale)), None)
    sens = next((x for x in s.sensitivity if (x.inventory, x.scale) == (inv, scale)), None)
    scored = not math.isnan(sc.mean)
    no_rel = "no reliability analysis for this scale"
    return MatrixEntry(
        run_id=run_id, mean=sc.mean, ci_low=sc.ci_low, ci_high=sc.ci_high, n=sc.n,
        interpretable=sc.interpretable if scored else None, readability=sc.readability if scored else None,
        interpretability_reasons=list(sc.interpretability_reasons),
        alpha=rel.alpha.value if rel else math.nan, alpha_reason=(rel.alpha.reason if rel else no_rel),
        omega=rel.omega.value if rel else math.nan, omega_reason=(rel.omega.reason if rel else no_rel),
        order_shift=sens.order.mean_difference if sens else math.nan,
        order_mad=sens.order.mad if sens else math.nan, order_p=sens.order.p if sens else math.nan,
        order_reason=(sens.order.reason if sens else "no sensitivity analysis for this scale"),
        verdict=sens.verdict if sens else None, reason=sc.reason if not scored else None,
    )
