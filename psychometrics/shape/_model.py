"""Typed records of a shaping (controllability) analysis: :class:`ShapingResult` and its parts.

Every statistic that cannot be computed is NaN with a ``reason`` in words. JSON output writes NaN as ``null``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from psychometrics._record import ResultRecord
from psychometrics.stats import RankCorrelation

if TYPE_CHECKING:
    import pandas as pd

SHAPING_RESULT_VERSION = 2
"""Version of the :class:`ShapingResult` format. 2: the p-values of ``rho`` (every :class:`RankCorrelation`) and
``refusal`` are ``p``, as in every other record (version 1, with ``p_value``, is still read)."""

ValueColumn = Literal["value", "expected_value"]
"""What an answer counts as: ``value`` (the chosen option, as the audit scores) or ``expected_value`` (log-prob
mode: Σ value × probability, which moves even when the most likely option does not)."""

RESPONDENT_DEFINITION = ("template|order|sample|persona, where the persona is the shaping level "
                         "(shape/<trait>/<level>) or the level after a biography (…+default/017)")


class WithinRho(ResultRecord):
    """Spearman ρ between level and score *within* each respondent, summarised over respondents.

    A respondent here is the same template × order × sample × biography asked at every level (the levels are
    its repeated measures). It says whether each prompt variant follows the instruction, whatever its own
    starting point; the pooled ρ of :class:`TraitShaping` also counts differences between respondents.
    """

    median: float
    """Median of the per-respondent ρ (NaN when none is defined)."""
    mean: float
    """Mean of the per-respondent ρ."""
    n_respondents: int
    """Respondents with a defined ρ (at least 3 scored levels and a score that varies)."""
    n_undefined: int
    """Respondents whose ρ is undefined (fewer than 3 scored levels, or the same score at every level)."""
    reason: str | None = None
    """Why ``median`` is NaN."""
    method: str = "Spearman ρ of level and score within each template|order|sample|biography; median over them"


class LevelSummary(ResultRecord):
    """The targeted trait's measured score at one shaping level, and the refusals there."""

    level: int
    """Shaping level 1 (extremely low) … 9 (extremely high)."""
    n_respondents: int
    """Respondents with a score on the targeted scale at this level."""
    median: float
    """Median respondent score (NaN when no respondent has a score)."""
    mean: float
    q1: float
    """25th percentile of the respondent scores."""
    q3: float
    """75th percentile of the respondent scores."""
    ideal: float
    """Where a perfectly steerable model would land: the level mapped linearly onto the scale's range."""
    n_cells: int
    """Answers asked at this level (every item of the inventory, every respondent)."""
    n_refused: int
    """Of those, answers with status ``refused``."""
    refusal_rate: float
    """``n_refused / n_cells`` (NaN when nothing was asked)."""


class Drift(ResultRecord):
    """How far a non-targeted trait moves when another trait is shaped (off-target drift)."""

    trait: str
    """The non-targeted trait."""
    scale: str
    """Its scale in the inventory."""
    rho: RankCorrelation
    """Spearman ρ between the *targeted* trait's level and this trait's score (0 = no drift)."""
    median_change: float
    """Median score at the highest level minus at the lowest level, in scale points."""
    share_of_range: float
    """``median_change`` divided by the scale's range (max − min possible score)."""
    medians: list[float] = Field(default_factory=list)
    """Median score of this trait at each level asked (aligned with the trait's ``levels``)."""
    reason: str | None = None
    """Why ``median_change`` is NaN; None when it is defined."""


class RefusalTrend(ResultRecord):
    """Whether the refusal rate rises with the shaping level (rates per level are in ``levels``)."""

    z: float
    """Cochran–Armitage statistic (levels as scores); positive when refusals rise with the level."""
    p: float
    """Two-sided p-value of no linear trend."""
    rho: float
    """Spearman ρ between level and refusal rate across levels (NaN when the rates do not vary)."""
    rises: bool | None
    """True when the trend is positive with p < .05, False otherwise; None when it cannot be tested."""
    n_cells: int
    n_refused: int
    reason: str | None = None
    """Why ``z`` is NaN (no refusals at all, or every answer refused)."""
    method: str = "Cochran–Armitage test for trend (scores = levels), two-sided"


class TraitShaping(ResultRecord):
    """Controllability of one trait: does the measured score follow the level the model was asked to take on?"""

    trait: str
    """The targeted trait (``extraversion``)."""
    scale: str
    """The inventory scale that measures it."""
    rho: RankCorrelation
    """Spearman ρ between target level and respondent score, over every respondent at every level (psyborgs)."""
    rho_within: WithinRho
    """ρ within each respondent across the levels, summarised (see :class:`WithinRho`)."""
    low_level: int
    """The lowest level asked (1 for a nine-level run)."""
    high_level: int
    """The highest level asked (9)."""
    median_low: float
    """Median score at ``low_level``."""
    median_high: float
    """Median score at ``high_level``."""
    median_diff: float
    """``median_high − median_low`` in scale points (positive = moved the way it was asked)."""
    scale_min: float
    """Lowest possible score of the scale."""
    scale_max: float
    """Highest possible score of the scale."""
    diff_share: float
    """``median_diff / (scale_max − scale_min)``: 1 = from the floor to the ceiling."""
    diff_reason: str | None = None
    """Why ``median_diff`` is NaN."""
    levels: list[LevelSummary] = Field(default_factory=list)
    """One row per level asked, in level order."""
    drift: list[Drift] = Field(default_factory=list)
    """One row per other scale of the inventory."""
    drift_mean_abs_rho: float
    """Mean |ρ| of the non-targeted traits with the level (0 = no drift); NaN when none is defined."""
    drift_max_abs_share: float
    """Largest |median change| of a non-targeted trait as a share of its range."""
    drift_reason: str | None = None
    """Why the drift summary is NaN (no other scale, or none defined)."""
    refusal: RefusalTrend


class ShapingResult(ResultRecord):
    """A shaping run analysed: per trait, how well the model can be steered, what else moves, who refuses."""

    version: Literal[2] = SHAPING_RESULT_VERSION
    """Version of this record's format."""
    run_id: str | None
    """The stored audit run the responses come from."""
    model: str
    inventory: str
    levels: list[int]
    """The shaping levels asked."""
    traits: list[TraitShaping]
    templates: list[str] = Field(default_factory=list)
    orders: list[str] = Field(default_factory=list)
    samples: int = 1
    personas: list[str] = Field(default_factory=list)
    """Biography personas crossed with the levels (``default/017``…); empty when none."""
    n_respondents: int
    """Distinct respondents (template × order × sample × persona) in the analysis."""
    respondents_per_level: int
    """Respondents per trait and level (templates × orders × samples × biographies)."""
    respondent_definition: str = RESPONDENT_DEFINITION
    value_column: ValueColumn = "value"
    """What an answer counted as (see :data:`ValueColumn`)."""
    n_cells: int = 0
    """Answers analysed."""
    counts: dict[str, int] = Field(default_factory=dict)
    """Answers by status."""
    wall_s: float | None = None
    """Seconds the run spent administering (all sessions)."""

    @model_validator(mode="before")
    @classmethod
    def _read_version_1(cls, data: Any) -> Any:
        # Version 1 spelled the p-values of ρ and of the refusal trend ``p_value``.
        if not (isinstance(data, dict) and data.get("version") == 1):
            return data

        def renamed(part: Any) -> Any:
            if isinstance(part, dict) and "p_value" in part:
                part = {k: v for k, v in part.items() if k != "p_value"} | {"p": part["p_value"]}
            return part

        traits = []
        for t in data.get("traits", []):
            if isinstance(t, dict):
                t = {**t, "rho": renamed(t.get("rho")), "refusal": renamed(t.get("refusal")),
                     "drift": [{**d, "rho": renamed(d.get("rho"))} if isinstance(d, dict) else d
                               for d in t.get("drift", [])]}
            traits.append(t)
        return {**data, "version": SHAPING_RESULT_VERSION, "traits": traits}

    def trait(self, name: str) -> TraitShaping:
        for t in self.traits:
            if t.trait == name:
                return t
        raise KeyError(f"no shaping result for trait {name!r} (have: {', '.join(t.trait for t in self.traits)})")

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-safe Python data (NaN → None)."""
        return json.loads(self.model_dump_json())

    def to_frame(self) -> pd.DataFrame:
        """One row per trait: ``trait, scale, rho, rho_ci_low, rho_ci_high, rho_p, n, rho_within, median_low, median_high,
        median_diff, diff_share, drift_mean_abs_rho, drift_max_abs_share, refusal_z, refusal_p, refusal_rises,
        reason``."""
        import pandas as pd

        rows: list[dict[str, Any]] = []
        for t in self.traits:
            rows.append({
                "trait": t.trait, "scale": t.scale, "rho": t.rho.value, "rho_ci_low": t.rho.ci_low,
                "rho_ci_high": t.rho.ci_high, "rho_p": t.rho.p, "n": t.rho.n,
                "rho_within": t.rho_within.median,
                "median_low": t.median_low, "median_high": t.median_high, "median_diff": t.median_diff,
                "diff_share": t.diff_share, "drift_mean_abs_rho": t.drift_mean_abs_rho,
                "drift_max_abs_share": t.drift_max_abs_share, "refusal_z": t.refusal.z,
                "refusal_p": t.refusal.p, "refusal_rises": t.refusal.rises,
                "reason": t.rho.reason or t.diff_reason,
            })
        return pd.DataFrame(rows, columns=["trait", "scale", "rho", "rho_ci_low", "rho_ci_high", "rho_p", "n",
                                           "rho_within", "median_low", "median_high", "median_diff", "diff_share",
                                           "drift_mean_abs_rho", "drift_max_abs_share", "refusal_z", "refusal_p",
                                           "refusal_rises", "reason"])

    def levels_frame(self) -> pd.DataFrame:
        """One row per trait × level: ``trait, level`` and the fields of :class:`LevelSummary`."""
        import pandas as pd

        rows = [{"trait": t.trait, **lv.model_dump()} for t in self.traits for lv in t.levels]
        return pd.DataFrame(rows, columns=["trait", *LevelSummary.model_fields])

    def drift_frame(self) -> pd.DataFrame:
        """One row per targeted × other trait: ``target, trait, scale, rho, rho_ci_low, rho_ci_high, n,
        median_change, share_of_range, reason``."""
        import pandas as pd

        rows = [{"target": t.trait, "trait": d.trait, "scale": d.scale, "rho": d.rho.value,
                 "rho_ci_low": d.rho.ci_low, "rho_ci_high": d.rho.ci_high, "n": d.rho.n,
                 "median_change": d.median_change, "share_of_range": d.share_of_range,
                 "reason": d.rho.reason or d.reason}
                for t in self.traits for d in t.drift]
        return pd.DataFrame(rows, columns=["target", "trait", "scale", "rho", "rho_ci_low", "rho_ci_high", "n",
                                           "median_change", "share_of_range", "reason"])
