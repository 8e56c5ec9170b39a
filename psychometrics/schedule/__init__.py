"""Scheduled audits: re-audit every new version of a model and say whether its profile or its measurement moved.

A schedule plan (YAML, :class:`SchedulePlan`) lists versions and/or discovers them on an OpenAI-compatible
``/v1/models`` endpoint; :func:`run_schedule` audits each version not yet audited with the plan's design (the
store makes a re-run free), compares each with its baseline (:func:`compare_scores`), and writes
``index.html`` (trend charts, findings, links to every report) and ``summary.json`` (:class:`ScheduleSummary`).
"""

from psychometrics.schedule._discover import DiscoveredModel, ScheduleError, list_models
from psychometrics.schedule._drift import CI_LEVEL, REFERENCE_RANGE, compare_scores, scale_threshold
from psychometrics.schedule._plan import (
    SCHEDULE_PLAN_VERSION,
    DesignSpec,
    Discover,
    Limits,
    ModelEntry,
    SchedulePlan,
    Thresholds,
    load_schedule_plan,
)
from psychometrics.schedule._records import (
    CHECK_KINDS,
    EXIT_DRIFT,
    EXIT_INCONCLUSIVE,
    EXIT_ERROR,
    EXIT_OK,
    SCHEDULE_SUMMARY_VERSION,
    Check,
    CheckKind,
    ComparisonResult,
    ScalePoint,
    ScheduleSummary,
    VersionResult,
)
from psychometrics.schedule._run import DEFAULT_OUT, run_schedule, versions_of

__all__ = [
    "CHECK_KINDS", "CI_LEVEL", "DEFAULT_OUT", "Check", "CheckKind", "ComparisonResult", "DesignSpec", "Discover",
    "DiscoveredModel", "EXIT_DRIFT", "EXIT_ERROR", "EXIT_INCONCLUSIVE", "EXIT_OK", "Limits", "ModelEntry", "REFERENCE_RANGE",
    "SCHEDULE_PLAN_VERSION", "SCHEDULE_SUMMARY_VERSION", "ScalePoint", "ScheduleError", "SchedulePlan",
    "ScheduleSummary", "Thresholds", "VersionResult", "compare_scores", "list_models", "load_schedule_plan",
    "run_schedule", "scale_threshold", "versions_of",
]
