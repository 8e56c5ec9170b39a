"""Several runs side by side in the terminal: `audit --model A --model B …` and `compare` with three or more runs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from psychometrics._format import as_given, num
from psychometrics.cli._common import print_json
from psychometrics.cli._summary import _join, _Notes, _table

if TYPE_CHECKING:
    from rich.console import Console

    from psychometrics.score import RunMatrix


def _stage(line: str) -> None:
    typer.echo(line, err=True)


def audit_several(models: list[str], options: dict[str, Any], *, json_: bool, dry_run: bool,
                  max_cost: float | None, report: bool, out: Path, n_boot: int, seed: int, value: str,
                  rerun: str) -> int:
    """Audit each model with the same design, score each run, write each run's page and one matrix page, and
    print the side-by-side summary. Returns the exit code: 0; 1 when any model's audit stopped with an error (its
    run and every other run are kept, and the matrix shows them all) or every model's did (no page then); 130
    after Ctrl-C (the page shows the runs that ended before it). ``rerun`` is the command that resumes them."""
    from psychometrics.administer import AuditsInterrupted, audit_models

    options = dict(options)
    inventories = options.pop("inventories")
    log = options.pop("log")
    try:
        done = audit_models(models, inventories, log=log, **options)
    except AuditsInterrupted as stop:
        done = stop.done
        typer.echo(f"interrupted: {_listed(done.unfinished)} did not finish (the answers so far are stored)", err=True)
        if done.results:
            _summarise(done, json_=json_, report=report, out=out, n_boot=n_boot, seed=seed, value=value,
                       log=log)
        typer.echo(f"resume with: {rerun}", err=True)
        return 130
    if dry_run:
        from psychometrics.cli._audit import print_dry_run
        from psychometrics.plan import plan_size_summary

        if json_:
            print_json([_dry(r) for r in done.results.values()])
            return 0
        for result in done.results.values():
            print_dry_run(result, plan_size_summary(result.plan), json_=False, max_cost=max_cost)
        return 0
    if not done.results:  # nothing to set side by side: a page of dashes would look like a result
        typer.echo("error: every model failed, no page written: " + "; ".join(
            why if model in why else f"{model}: {why}" for model, why in done.failures.items()), err=True)
        return 1
    _summarise(done, json_=json_, report=report, out=out, n_boot=n_boot, seed=seed, value=value, log=log)
    if done.failures:
        if done.over_budget:  # the same command stops at the same limit again: only a higher one resumes
            resume = (f"{_listed(done.over_budget)} stopped at --max-cost {as_given(max_cost or 0)}: re-run the same "
                      "command with a higher --max-cost to resume")
        else:
            resume = f"re-run the same command to resume: {rerun}"
        typer.echo(f"error: {len(done.failures)} of {len(models)} models failed ({', '.join(done.failures)}); the "
                   f"other runs are stored and shown side by side; {resume}", err=True)
        return 1
    return 0


def _listed(models: list[str]) -> str:
    return ", ".join(models[:-1]) + f" and {models[-1]}" if len(models) > 1 else models[0]


def _summarise(done: Any, *, json_: bool, report: bool, out: Path, n_boot: int, seed: int,
               value: str, log: Any) -> None:
    """Score each stored run, write each run's page and the matrix page, and print the side-by-side summary."""
    from psychometrics.score import score

    from psychometrics.cli._common import is_page

    say = log or (lambda line: None)
    scores, pages = {}, {}
    folder = out.parent if is_page(out) else out  # a page named by --out is the matrix; the runs' pages go beside it
    for model, run_id in done.run_ids.items():
        say(f"scoring {run_id}")
        scores[run_id] = score(run_id, db=done.db, n_boot=n_boot, seed=seed, value=value)
        if report:
            from psychometrics.report import write_audit_report

            pages[run_id] = write_audit_report(run_id, db=done.db, scores=scores[run_id], out=folder)
    matrix = done.matrix(scores=scores) if done.run_ids else None
    page = None
    if report and matrix is not None:
        from psychometrics.report import write_matrix_report

        say("writing the page of the models side by side")
        page = write_matrix_report(matrix, out=out, db=done.db)
    if json_:
        print_json({"runs": done.run_ids, "failures": done.failures,
                    "reports": {k: str(v) for k, v in pages.items()}, "matrix_report": str(page) if page else None,
                    "matrix": matrix.model_dump(mode="json") if matrix else None})
    else:
        from rich.console import Console

        console = Console()
        if matrix is not None:
            print_matrix(matrix, console=console)
        for model, why in done.failures.items():
            if model not in done.run_ids:
                console.print(f"{model}: no run stored: {why}", markup=False, highlight=False)
        if page is not None:
            console.print(f"report: {page}", highlight=False)


def _dry(result: Any) -> dict[str, Any]:
    from psychometrics.plan import plan_size_summary

    est = result.estimate
    return {"run_id": result.run.run_id, "model": result.run.model, "plan": plan_size_summary(result.plan),
            "estimate": est.model_dump(mode="json") if est else None}


def print_matrix(mx: RunMatrix, *, console: Console | None = None) -> None:
    """The compact side-by-side summary: one row per run (answered, refused, invalid replies, readable scales,
    verdicts), then each scale's mean in every run, ✗ where it cannot be read as a trait."""
    from rich.console import Console

    console = console or Console()
    labels = [r.side.model for r in mx.runs]
    if len(set(labels)) < len(labels):
        labels = [r.side.run_id for r in mx.runs]
    failed = any(r.failure for r in mx.runs)
    runs = _table("model", "run", "answered", "refused", "invalid", "readable", "verdicts", *(["note"] if failed else []),
                  title="Runs side by side", wrap=("verdicts",))
    notes = _Notes()
    for r in mx.runs:
        verdicts = Counter(e.verdict for s in mx.scales for e in s.entries if e.run_id == r.side.run_id and e.verdict)
        runs.add_row(r.side.model, r.side.run_id, f"{r.side.counts.get('ok', 0)}/{r.n_cells}",
                     str(r.side.counts.get("refused", 0)), str(r.side.counts.get("invalid", 0)),
                     f"{r.readable} of {r.n_scales}",
                     ", ".join(f"{n} {v}" for v, n in verdicts.most_common()) or "—",
                     *([notes.ref(_join(f"stopped: {r.failure}" if r.failure else None))] if failed else []))
    console.print(runs)
    notes.print(console)
    means = _table("inventory", "scale", *labels, title="Scale means (✗ cannot be read as a trait; ? uncertain)")
    for col in means.columns[2:]:  # a long model name wraps in its header; the values never do
        col.justify, col.no_wrap, col.overflow, col.min_width = "right", False, "fold", 6
    for s in mx.scales:
        mark = {"not readable": " ✗", "uncertain": " ?"}
        cells = [("—" if e.mean != e.mean else num(e.mean) + mark.get(e.readability or "", "")) for e in s.entries]
        means.add_row(s.inventory, s.scale, *cells)
    console.print(means)
    if not mx.same_design:
        options = list(dict.fromkeys(k for r in mx.runs for k in r.design_differences))
        console.print("the runs' designs differ: " + "; ".join(
            f"{o} " + " / ".join(r.design_differences.get(o, "—") for r in mx.runs) for o in options)
            + " (in the order of the runs)", markup=False, highlight=False)
