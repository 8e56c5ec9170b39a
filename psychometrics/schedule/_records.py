"""Records of a scheduled audit: the checks made between each version and its baseline, and the summary.

:class:`ScheduleSummary` is what ``summary.json`` holds and what ``psychometrics schedule --json`` prints.
JSON writes NaN as ``null``; :meth:`ScheduleSummary.from_json` reads it back as NaN.
"""

from __future__ import annotations

import math
import typing
from typing import Any, Literal

from pydantic import Field

from psychometrics._record import ResultRecord
from psychometrics.schedule._plan import Thresholds
from psychometrics.score import SampleRetest, ScaleRetest

SCHEDULE_SUMMARY_VERSION = 1
"""Version of the :class:`ScheduleSummary` format."""

EXIT_OK = 0
"""Exit code: every comparison made, no drift."""
EXIT_ERROR = 1
"""Exit code: the plan is malformed, or a version could not be audited, scored or compared."""
EXIT_DRIFT = 3
"""Exit code: at least one check found drift (and nothing failed)."""
EXIT_INCONCLUSIVE = 4
"""Exit code: no drift found, but at least one check could not show that its change is small (its interval
reaches past the threshold: the design could not have found drift of that size), or could not be assessed
because its scale cannot be read as a trait in a version (``not assessable``)."""

CheckVerdict = Literal["drift", "no drift", "inconclusive", "not assessed", "not assessable"]
"""``drift``: the interval excludes 0, the change passes the threshold (and the Holm gate); ``no drift``: the
interval lies inside the threshold (two-sided for a scale shift, its upper end below it for a drop or a rise:
equivalence by interval inclusion, Schuirmann 1987); ``inconclusive``: neither; ``not assessed``: the design or the
data cannot give the check (e.g. no reversed order), which does not by itself make a plan inconclusive;
``not assessable``: a scale shift or reliability drop whose scale cannot be read as a trait in one of the versions
(its answers follow option position, acquiescence or straight-lining): no "no drift" can be certified for it, and
it makes the plan inconclusive (exit 4) unless something drifts. A scale whose reading is only *uncertain* in a
version is never certified either: its "no drift" becomes ``inconclusive``, with the reason noted."""
UNDECIDED: tuple[str, ...] = ("inconclusive", "not assessable")
"""Verdicts that leave a plan inconclusive (exit 4) when nothing drifts."""

CheckKind = Literal["scale_shift", "reliability_drop", "order_sensitivity_rise"]
"""What a check compares: the mean scale score, the reliability coefficient, or option-order sensitivity."""
CHECK_KINDS: tuple[str, ...] = typing.get_args(CheckKind)

VersionStatus = Literal["audited", "reused", "failed"]
"""``audited``: this session asked the model something; ``reused``: everything was already stored;
``failed``: the audit could not start or left cells with errors."""


class Check(ResultRecord):
    """One comparison of one scale between a version and its baseline, and whether it is drift."""

    kind: CheckKind
    """``scale_shift``, ``reliability_drop`` or ``order_sensitivity_rise``."""
    inventory: str
    """Inventory id."""
    scale: str
    """Scale id."""
    scale_name: str
    """Scale name as the inventory gives it."""
    baseline_model: str
    """The baseline version."""
    model: str
    """The version compared with it."""
    baseline_run_id: str
    """Run of the baseline."""
    run_id: str
    """Run of the version."""
    statistic: str
    """What was compared, in words (``mean score``, ``Cronbach's alpha``, ``share of flipped answer pairs``)."""
    baseline_value: float
    """The statistic for the baseline."""
    value: float
    """The statistic for the version."""
    size: float
    """The change, signed so that a positive value is the direction the check looks for: ``value − baseline``
    for a scale shift (either sign counts: the check uses ``|size|``) and an order-sensitivity rise,
    ``baseline − value`` for a reliability drop. NaN when it cannot be computed (see ``reason``)."""
    ci_low: float
    """Lower bound of the confidence interval of ``size``."""
    ci_high: float
    """Upper bound of the confidence interval of ``size``."""
    ci_level: float = 0.95
    """Coverage of the interval."""
    threshold: float
    """Smallest ``size`` (``|size|`` for a scale shift) that counts as drift, in the units of ``size``."""
    units: str
    """Units of ``size`` and ``threshold``."""
    test: str
    """How the interval (and ``p``) were obtained."""
    p: float = math.nan
    """Two-sided p-value of the test; NaN when the method gives none (see ``reason``)."""
    p_holm: float = math.nan
    """``p`` after Holm's adjustment across the scales of this kind of check in the comparison."""
    drift: bool
    """The interval excludes 0, the size passes the threshold and (where there is a p-value) ``p_holm`` < .05."""
    verdict: CheckVerdict = "not assessed"
    """Three-way verdict (see :data:`CheckVerdict`)."""
    detectable: float = math.nan
    """Smallest change the design could have detected (80% power, α = .05), in the units of ``size``; quoted when
    the verdict is inconclusive. NaN when it cannot be computed."""
    reason: str | None = None
    """Why ``size``, the interval or ``p`` is NaN, or other caveats."""
    summary: str
    """The finding in one line of words."""


class ScalePoint(ResultRecord):
    """One scale of one version: the numbers the trend chart plots."""

    inventory: str
    """Inventory id."""
    scale: str
    """Scale id."""
    name: str
    """Scale name."""
    scoring: str
    """``mean``, ``signed_sum`` or ``high_choice_percent``."""
    mean: float
    """Mean score across respondents."""
    ci_low: float
    """Lower bound of the 95% CI of the mean."""
    ci_high: float
    """Upper bound of the 95% CI of the mean."""
    n: int
    """Respondents with a score."""
    score_min: float
    """Lowest possible score."""
    score_max: float
    """Highest possible score."""
    reliability: float = math.nan
    """The plan's reliability coefficient (α or ω)."""
    flip_share: float = math.nan
    """Share of original/reversed answer pairs that flip across the midpoint."""
    verdict: str | None = None
    """The score stage's verdict on the scale."""


class VersionResult(ResultRecord):
    """One version: how it was audited, and its scale scores."""

    position: int
    """Place in the version order (0 is the oldest)."""
    model: str
    """litellm model string."""
    api_base: str | None = None
    """Endpoint (any ``user:password@`` part removed)."""
    source: Literal["listed", "discovered"]
    """Whether the plan listed the version or discovery found it."""
    created: int | None = None
    """Discovered versions: the ``created`` time the endpoint gave."""
    run_id: str | None = None
    """The run holding its answers; ``None`` when the audit could not start."""
    status: VersionStatus
    """``audited``, ``reused`` or ``failed``."""
    asked: int = 0
    """Requests sent this session (0 when every answer was already stored)."""
    n_cells: int = 0
    """Prompts in the design."""
    counts: dict[str, int] = Field(default_factory=dict)
    """Responses by status (``ok``, ``refused``, ``invalid``, ``error``)."""
    error: str | None = None
    """Why the version failed."""
    report: str | None = None
    """Its audit report, relative to the output folder."""
    scales: list[ScalePoint] = Field(default_factory=list)
    """Its scale scores (empty when it could not be scored)."""
    sample_retest: list[SampleRetest] = Field(default_factory=list)
    """Stability of each scale across the version's repeated samples (ICC across samples), when it was sampled
    more than once at temperature > 0 (:attr:`psychometrics.score.AuditScores.sample_retest`)."""
    sample_retest_reason: str | None = None
    """Why ``sample_retest`` is empty (one sample, temperature 0, not scored)."""


class ComparisonResult(ResultRecord):
    """One version against its baseline."""

    baseline_model: str
    """The baseline version."""
    model: str
    """The version."""
    baseline_run_id: str
    """Run of the baseline."""
    run_id: str
    """Run of the version."""
    report: str | None = None
    """The comparison report, relative to the output folder."""
    checks: list[Check] = Field(default_factory=list)
    """Every check made, drift or not."""
    drift: bool = False
    """At least one check found drift."""
    retest: list[ScaleRetest] = Field(default_factory=list)
    """Test–retest reliability of each scale between the two versions (respondents matched on template × order
    × sample × persona): how far the version reproduces the baseline respondent by respondent."""
    retest_reason: str | None = None
    """Why ``retest`` is empty."""
    retest_note: str | None = None
    """Set when the versions asked different items: test–retest then uses only the items asked in both."""
    inconclusive: bool = False
    """No drift, but at least one check is inconclusive or not assessable."""


class ScheduleSummary(ResultRecord):
    """The outcome of one ``psychometrics schedule`` session: versions, comparisons and findings."""

    version: Literal[1] = SCHEDULE_SUMMARY_VERSION
    """Version of this format."""
    plan: str
    """Name of the plan."""
    plan_file: str | None = None
    """The plan file."""
    db: str
    """The database used."""
    design: dict[str, Any] = Field(default_factory=dict)
    """The audit design shared by every version (as stored with each run)."""
    baseline: str
    """``previous`` or the baseline model."""
    thresholds: Thresholds
    """The drift thresholds used."""
    ci_level: float = 0.95
    """Coverage of every interval."""
    versions: list[VersionResult] = Field(default_factory=list)
    """Every version, oldest first."""
    comparisons: list[ComparisonResult] = Field(default_factory=list)
    """Every version against its baseline."""
    findings: list[Check] = Field(default_factory=list)
    """The checks that found drift."""
    errors: list[str] = Field(default_factory=list)
    """What failed, one line each."""
    notes: list[str] = Field(default_factory=list)
    """What the reader should know (e.g. nothing to compare with a single version)."""
    requests: int = 0
    """Requests sent to models this session, over every version."""
    drift: bool = False
    """At least one finding."""
    inconclusive: bool = False
    """No finding, but at least one check is inconclusive or not assessable (:data:`UNDECIDED`)."""
    exit_code: int = EXIT_OK
    """1 when anything failed, else 3 when there is drift, else 4 when a check is inconclusive or not assessable,
    else 0."""
    generated_at: float = 0.0
    """Unix time the summary was written."""
