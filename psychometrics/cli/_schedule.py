"""`psychometrics schedule PLAN.yaml`: audit every version in a plan and report drift (exit 0, 3, 4 or 1)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from psychometrics.cli._common import handle_errors, writable_folder


@handle_errors
def schedule_command(
    plan: Annotated[Path, typer.Argument(help="The schedule plan (YAML).", metavar="PLAN.yaml", dir_okay=False)],
    db: Annotated[Optional[str], typer.Option("--db", help="Database URL; overrides the plan's db.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for the pages (created when missing) [default: reports/<plan name>].")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    reports: Annotated[bool, typer.Option("--reports/--no-reports", help="Also write every audit and comparison report.")] = True,
) -> None:
    """Audit each version in PLAN not yet audited with its design, compare each with its baseline, and write
    OUT/index.html and OUT/summary.json.

    Exit code 0: no drift (every check shows its change is small); 3: drift found; 4: no drift found but a check
    is inconclusive (too few respondents to rule drift out); 1: error (a malformed plan, a version that could not
    be audited).
    """
    from psychometrics.cli._common import UserError
    from psychometrics.schedule import load_schedule_plan, run_schedule
    from psychometrics.schedule import DEFAULT_OUT
    from psychometrics.store import StoreError

    loaded = load_schedule_plan(plan)
    writable_folder(Path(out) if out is not None else Path(DEFAULT_OUT) / loaded.name)  # before any audit
    interactive = not json_ and sys.stderr.isatty()
    try:
        summary = run_schedule(loaded, plan_file=plan, db=db, out=out, progress=interactive,
                               log=None if json_ else (lambda line: typer.echo(line, err=True)), reports=reports)
    except StoreError as exc:
        raise UserError(str(exc)) from None
    folder = Path(out) if out is not None else Path(DEFAULT_OUT) / loaded.name
    if json_:
        sys.stdout.write(summary.to_json() + "\n")  # NaN as null, exactly as summary.json
    else:
        for f in summary.findings:
            typer.echo(f"{f.model} vs {f.baseline_model}: {f.summary}")
        for e in summary.errors:
            typer.echo(f"error: {e}", err=True)
        n = len(summary.findings)
        n_open = sum(c.verdict == "inconclusive" for cmp in summary.comparisons for c in cmp.checks)
        closed = [c for cmp in summary.comparisons for c in cmp.checks if c.verdict == "not assessable"]
        open_words = "; ".join(([f"{n_open} check{'s' if n_open != 1 else ''} could not rule drift out"]
                                if n_open else [])
                               + ([f"{len(closed)} check{'s' if len(closed) != 1 else ''} not assessable "
                                   "(scale not readable as a trait)"] if closed else []))
        if not summary.drift:
            for c in closed:
                typer.echo(f"{c.model} vs {c.baseline_model}: {c.summary}")
        verdict = (f"drift: {n} finding{'s' if n != 1 else ''}" if summary.drift
                   else f"inconclusive: {open_words}" if summary.inconclusive else "no drift")
        typer.echo(f"{loaded.name}: {len(summary.versions)} versions, {len(summary.comparisons)} comparisons, "
                   f"{summary.requests} requests; {verdict}; see {folder / 'index.html'}")
    if summary.exit_code:
        raise typer.Exit(code=summary.exit_code)
