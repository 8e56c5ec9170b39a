"""Run a schedule plan: audit every version, compare each with its baseline, write the trend page and summary."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psychometrics.schedule._discover import DiscoveredModel, ScheduleError, list_models
from psychometrics.schedule._plan import ModelEntry, SchedulePlan, slug
from psychometrics.schedule._records import (
    EXIT_DRIFT,
    EXIT_INCONCLUSIVE,
    EXIT_ERROR,
    EXIT_OK,
    Check,
    ComparisonResult,
    ScalePoint,
    UNDECIDED,
    ScheduleSummary,
    VersionResult,
)

if TYPE_CHECKING:
    from psychometrics.score import AuditScores, RunData

DEFAULT_OUT = "reports"
"""Without ``--out``, the page goes to ``reports/<plan name>/``."""
N_BOOT = 1000
"""Bootstrap resamples of the score stage (ω, λ6, split-half intervals); seeded, so a re-run gives the same
numbers."""
SEED = 0


@dataclass(frozen=True)
class Version:
    """A version to audit, with where it came from."""

    entry: ModelEntry
    source: str
    created: int | None = None


def versions_of(plan: SchedulePlan) -> list[Version]:
    """Listed versions (in file order), then discovered ones (by ``created``, then id), without repeats."""
    out: list[Version] = [Version(e, "listed") for e in plan.listed()]
    if plan.discover is not None:
        found: list[DiscoveredModel] = list_models(plan.discover)
        out += [Version(m.entry(plan.discover.api_base), "discovered", m.created) for m in found]
    seen: set[tuple[str, str | None]] = set()
    unique = []
    for v in out:
        key = (v.entry.model, v.entry.api_base)
        if key not in seen:
            seen.add(key)
            unique.append(v)
    return unique


def pairs_of(models: list[str], baseline: str) -> list[tuple[int, int]]:
    """Index pairs (baseline, version) to compare among the versions that could be scored."""
    if baseline == "previous":
        return [(i - 1, i) for i in range(1, len(models))]
    base = models.index(baseline)
    return [(base, i) for i in range(len(models)) if i != base]


def run_schedule(
    plan: SchedulePlan,
    *,
    plan_file: str | Path | None = None,
    db: str | None = None,
    out: str | Path | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    reports: bool = True,
) -> ScheduleSummary:
    """Audit every version of ``plan`` that is not yet audited, compare each with its baseline, write the page.

    Parameters
    ----------
    plan : SchedulePlan
        The plan (see :func:`load_schedule_plan`).
    plan_file : str or Path, optional
        Where the plan came from (shown on the page).
    db : str, optional
        Database URL; overrides the plan's ``db``.
    out : str or Path, optional
        Output folder (created when missing); default ``reports/<plan name>``.
    progress : bool
        Show a progress bar while asking.
    log : callable, optional
        Receives one line per step (e.g. ``typer.echo`` to stderr).
    reports : bool
        Also write each version's audit report and each comparison report.

    Returns
    -------
    ScheduleSummary
        Also written to ``out/summary.json``; the page is ``out/index.html``.

    Raises
    ------
    ScheduleError
        Nothing to audit, discovery failed, or the baseline names no version.
    """
    from psychometrics.administer import AuditError, audit
    from psychometrics.administer import sanitize_api_base
    from psychometrics.store import StoreError, check_db

    say = log or (lambda _line: None)
    db_url = db or plan.db
    out_dir = Path(out) if out is not None else Path(DEFAULT_OUT) / plan.name
    versions = versions_of(plan)
    if not versions:
        where = f" and discovery found no model matching {plan.discover.match!r}" if plan.discover else ""
        raise ScheduleError(f"plan {plan.name!r}: no version to audit (models is empty{where})")
    models = [v.entry.model for v in versions]
    if plan.baseline != "previous" and plan.baseline not in models:
        raise ScheduleError(f"baseline {plan.baseline!r} is neither listed nor discovered "
                            f"(versions: {', '.join(models)})")
    if len(set(models)) != len(models) and plan.baseline != "previous":
        raise ScheduleError(f"baseline {plan.baseline!r} is ambiguous: the same model runs on several endpoints")
    try:
        db_shown = check_db(db_url)
    except StoreError as exc:
        raise ScheduleError(str(exc)) from None
    out_dir.mkdir(parents=True, exist_ok=True)

    errors: list[str] = []
    notes: list[str] = []
    results: list[dict] = []
    design_dump: dict = {}
    for i, v in enumerate(versions):
        e = v.entry
        say(f"[{i + 1}/{len(versions)}] {e.model}" + (f" at {sanitize_api_base(e.api_base)}" if e.api_base else ""))
        base = {"position": i, "model": e.model, "api_base": sanitize_api_base(e.api_base), "source": v.source,
                "created": v.created}
        try:
            res = audit(model=e.model, api_base=e.api_base, db=db_url, progress=progress, **plan.design_kwargs())
        except AuditError as exc:
            message = f"{e.model}: {' '.join(str(exc).split())}"
            errors.append(message)
            say(f"  failed: {message}")
            results.append({**base, "status": "failed", "error": message})
            continue
        run = res.run
        design_dump = run.design.model_dump(mode="json")
        asked = res.tally.requests if res.tally else 0
        entry = {**base, "run_id": run.run_id, "asked": asked, "n_cells": run.n_cells, "counts": dict(run.counts),
                 "status": "audited" if asked else "reused"}
        n_err = run.counts.get("error", 0)
        if n_err:
            message = (f"{e.model}: {n_err} of {run.n_cells} prompts ended in an error (they are asked again on "
                       "the next run)")
            errors.append(message)
            entry.update(status="failed", error=message)
        say(f"  run {run.run_id}: {asked} asked, "
            + ", ".join(f"{run.counts.get(k, 0)} {k}" for k in ("ok", "refused", "invalid", "error")))
        results.append(entry)

    # Score every run that has answers (a version with some errors is still scored and compared).
    from psychometrics.score import score

    scores: dict[str, AuditScores] = {}
    for r in results:
        if r.get("run_id") and sum(r.get("counts", {}).get(k, 0) for k in ("ok", "refused", "invalid")):
            try:
                scores[r["run_id"]] = score(r["run_id"], db=db_url, n_boot=N_BOOT, seed=SEED)
            except (ValueError, LookupError) as exc:
                message = f"{r['model']}: cannot score run {r['run_id']}: {' '.join(str(exc).split())}"
                errors.append(message)
                r.update(status="failed", error=message)
        elif r.get("run_id"):
            message = f"{r['model']}: run {r['run_id']} has no answer to score"
            errors.append(message)
            r.update(status="failed", error=r.get("error") or message)

    # Versions that can be compared: scored ones, in version order.
    usable = [r for r in results if r.get("run_id") in scores]
    usable_models = [r["model"] for r in usable]
    comparisons: list[ComparisonResult] = []
    if plan.baseline != "previous" and plan.baseline not in usable_models:
        errors.append(f"baseline {plan.baseline!r} could not be audited and scored: nothing is compared with it")
        index_pairs: list[tuple[int, int]] = []
    else:
        index_pairs = pairs_of(usable_models, plan.baseline) if len(usable) > 1 else []
    if len(versions) == 1:
        notes.append("one version only: nothing to compare yet; the next version will be compared with it")
    run_data: dict[str, RunData] = {}  # a version compared twice (baseline "previous") is read once
    for a_i, b_i in index_pairs:
        a, b = usable[a_i], usable[b_i]
        checks = _checks(scores[a["run_id"]], scores[b["run_id"]], plan, a, b,
                         _respondents(a, b, scores, db_url, run_data, errors))
        retest, retest_reason, retest_note = _retest(a, b, scores, db_url, run_data, errors)
        comparisons.append(ComparisonResult(
            baseline_model=a["model"], model=b["model"], baseline_run_id=a["run_id"], run_id=b["run_id"],
            checks=checks, drift=any(c.drift for c in checks), retest=retest, retest_reason=retest_reason,
            retest_note=retest_note,
            inconclusive=not any(c.drift for c in checks) and any(c.verdict in UNDECIDED for c in checks),
        ))

    # Reports of each run and each comparison (the report stage); a failure there is an error, not a crash.
    if reports:
        comparisons = _write_reports(usable, comparisons, scores, db_url, out_dir, errors, run_data)

    version_results = [
        VersionResult(**r, scales=_points(scores.get(r.get("run_id") or ""), plan),
                      **_sample_retest(scores.get(r.get("run_id") or ""))) for r in results
    ]
    findings = [c for cmp in comparisons for c in cmp.checks if c.drift]
    drift = bool(findings)
    inconclusive = any(c.verdict in UNDECIDED for cmp in comparisons for c in cmp.checks)
    summary = ScheduleSummary(
        plan=plan.name, plan_file=str(plan_file) if plan_file else None, db=db_shown,
        design=design_dump, baseline=plan.baseline, thresholds=plan.thresholds, versions=version_results,
        comparisons=comparisons, findings=findings, errors=errors, notes=notes,
        requests=sum(r.get("asked", 0) for r in results), drift=drift,
        inconclusive=not drift and inconclusive,
        exit_code=EXIT_ERROR if errors else (EXIT_DRIFT if drift else EXIT_INCONCLUSIVE if inconclusive else EXIT_OK),
        generated_at=time.time(),
    )
    from psychometrics.schedule._page import write_index

    (out_dir / "summary.json").write_text(summary.to_json() + "\n", encoding="utf-8")
    write_index(summary, out_dir / "index.html")
    return summary


def _sample_retest(scored: "AuditScores | None") -> dict[str, Any]:
    """A version's stability across its repeated samples, or why there is none."""
    if scored is None:
        return {"sample_retest": [], "sample_retest_reason": "the version could not be scored"}
    return {"sample_retest": scored.sample_retest, "sample_retest_reason": scored.sample_retest_reason}


def _retest(a: dict, b: dict, scores: dict[str, "AuditScores"], db: str | None, run_data: dict[str, "RunData"],
            errors: list[str]) -> tuple[list, str | None, str | None]:
    """Test–retest reliability of each scale between a version and its baseline; a failure is an error line."""
    from psychometrics.score import load_run_data, scale_retest

    try:
        for run_id in (a["run_id"], b["run_id"]):
            if run_id not in run_data:
                run_data[run_id] = load_run_data(run_id, db=db, scores=scores[run_id])
        da, dbb = run_data[a["run_id"]], run_data[b["run_id"]]
        return scale_retest(da.frame, dbb.frame, da.inventories, dbb.inventories, da.scores.scales,
                            dbb.scores.scales)
    except Exception as exc:  # noqa: BLE001 - the drift result must not be lost to the retest
        message = f"{b['model']} vs {a['model']}: test–retest failed: {type(exc).__name__}: {_line(exc)}"
        errors.append(message)
        return [], message, None


def _respondents(a: dict, b: dict, scores: dict[str, "AuditScores"], db: str | None,
                 run_data: dict[str, "RunData"], errors: list[str]) -> "tuple[Any, Any] | None":
    """Each version's scale score per respondent (for a paired scale shift), or None when a run cannot be read
    (an error line; the checks then treat the versions as independent)."""
    from psychometrics.score import distinct_responses, load_run_data, respondent_frame

    try:
        for run_id in (a["run_id"], b["run_id"]):
            if run_id not in run_data:
                run_data[run_id] = load_run_data(run_id, db=db, scores=scores[run_id])
        da, dbb = run_data[a["run_id"]], run_data[b["run_id"]]
        return (respondent_frame(distinct_responses(da.frame), da.inventories),
                respondent_frame(distinct_responses(dbb.frame), dbb.inventories))
    except Exception as exc:  # noqa: BLE001 - the drift result must not be lost to the pairing
        errors.append(f"{b['model']} vs {a['model']}: respondent scores could not be read: {type(exc).__name__}: "
                      f"{_line(exc)}")
        return None


def _checks(a: "AuditScores", b: "AuditScores", plan: SchedulePlan, ra: dict, rb: dict,
            respondents: "tuple[Any, Any] | None" = None) -> list[Check]:
    from psychometrics.schedule._drift import compare_scores

    checks = compare_scores(a, b, plan.thresholds, respondents=respondents)
    # Name versions by the model string the plan uses (the run may store the same string).
    return [c.model_copy(update={"baseline_model": ra["model"], "model": rb["model"]}) for c in checks]


def _points(scores: "AuditScores | None", plan: SchedulePlan) -> list[ScalePoint]:
    if scores is None:
        return []
    coefficient = plan.thresholds.reliability_coefficient
    rel = {(r.inventory, r.scale): getattr(r, coefficient).value for r in scores.reliability}
    sens = {(s.inventory, s.scale): s for s in scores.sensitivity}
    out = []
    for s in scores.scales:
        se = sens.get((s.inventory, s.scale))
        out.append(ScalePoint(
            inventory=s.inventory, scale=s.scale, name=s.name, scoring=s.scoring, mean=s.mean, ci_low=s.ci_low,
            ci_high=s.ci_high, n=s.n, score_min=s.score_min, score_max=s.score_max,
            reliability=rel.get((s.inventory, s.scale), math.nan),
            flip_share=se.order.pair_flip_share if se else math.nan, verdict=se.verdict if se else None,
        ))
    return out


def _write_reports(usable: list[dict], comparisons: list[ComparisonResult], scores: dict[str, "AuditScores"],
                   db: str | None, out_dir: Path, errors: list[str],
                   run_data: dict[str, "RunData"]) -> list[ComparisonResult]:
    """Write each scored version's audit report and each comparison's report; note their paths (relative to
    ``out_dir``) on the version entries and the returned comparisons. A report that fails is an error line."""
    from psychometrics.report import write_audit_report, write_comparison_report
    from psychometrics.score import compare_data, load_run_data

    reports_dir = out_dir / "runs"
    reports_dir.mkdir(exist_ok=True)
    for r in usable:
        path = reports_dir / f"{slug(r['run_id'], limit=120)}.html"
        try:
            write_audit_report(r["run_id"], db=db, out=path, scores=scores[r["run_id"]])
            r["report"] = path.relative_to(out_dir).as_posix()
        except Exception as exc:  # noqa: BLE001 - one report failing must not lose the drift result
            errors.append(f"{r['model']}: audit report failed: {type(exc).__name__}: {_line(exc)}")
    if not comparisons:
        return comparisons
    compare_dir = out_dir / "compare"
    compare_dir.mkdir(exist_ok=True)
    updated = []
    for c in comparisons:
        path = compare_dir / f"{slug(c.baseline_run_id, limit=60)}--{slug(c.run_id, limit=60)}.html"
        try:
            for run_id in (c.baseline_run_id, c.run_id):
                if run_id not in run_data:
                    run_data[run_id] = load_run_data(run_id, db=db, scores=scores[run_id])
            cmp = compare_data(run_data[c.baseline_run_id], run_data[c.run_id])
            write_comparison_report(c.baseline_run_id, c.run_id, db=db, out=path, comparison=cmp)
            c = c.model_copy(update={"report": path.relative_to(out_dir).as_posix()})
        except Exception as exc:  # noqa: BLE001 - as above
            errors.append(f"{c.model} vs {c.baseline_model}: comparison report failed: "
                          f"{type(exc).__name__}: {_line(exc)}")
        updated.append(c)
    return updated


def _line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__
