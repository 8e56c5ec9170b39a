"""`psychometrics report` and `psychometrics compare`: the HTML pages of one audit, and of two side by side."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from psychometrics.cli import _options as opt
from psychometrics.cli._common import handle_errors, writable_file



class CompareTest(str, enum.Enum):
    welch = "welch"
    mann_whitney = "mann-whitney"


@handle_errors
def report_command(
    run_id: Annotated[str, typer.Argument(help="The run to report on (see `psychometrics runs list`).")],
    db: opt.Db = None,
    out: opt.Out = None,
    n_boot: opt.NBoot = 1000,
    seed: opt.Seed = 0,
) -> None:
    """Write the audit report of one run: one self-contained HTML page that opens offline."""
    from psychometrics.report import audit_report_path, write_audit_report

    target = writable_file(audit_report_path(run_id, out))
    path = write_audit_report(run_id, db=db, out=target, n_boot=n_boot, seed=seed)
    typer.echo(str(path))


@handle_errors
def compare_command(
    run_a: Annotated[str, typer.Argument(help="The reference run (A).")],
    run_b: Annotated[str, typer.Argument(help="The run compared with it (B); differences are B − A.")],
    db: opt.Db = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for the page <A>-vs-<B>.html (created "
                                                "when missing; a path ending in .html names the file) [default: "
                                                "reports; with --json: only when given].")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON (NaN as null) instead of writing HTML.")] = False,
    test: Annotated[CompareTest, typer.Option("--test", help="Test per scale across respondents.")] = CompareTest.welch,
    significance: Annotated[float, typer.Option("--significance", "--alpha", help="Significance level: a Holm-adjusted p below it counts as a change (--alpha is a deprecated alias).")] = 0.05,
    top_items: Annotated[int, typer.Option("--top-items", help="How many most-changed items to list.")] = 15,
    n_boot: opt.NBoot = 1000,
) -> None:
    """Compare two audits side by side: per-scale differences with a CI and a test, reliability and order
    sensitivity before and after, the items that moved most, and what changed."""
    from psychometrics.report import comparison_report_path, write_comparison_report
    from psychometrics.score import compare_runs

    if out is not None or not json_:
        out = writable_file(comparison_report_path(run_a, run_b, out))
    if top_items < 0:
        raise ValueError(f"--top-items must be 0 or more (got {top_items})")
    if not 0 < significance < 1:
        raise ValueError(f"--significance must lie between 0 and 1 (got {significance})")
    comparison = compare_runs(run_a, run_b, db=db, test=test.value,  # type: ignore[arg-type]
                              significance=significance, top_items=top_items, n_boot=n_boot)
    if json_:
        sys.stdout.write(comparison.model_dump_json(indent=2) + "\n")
        if out is not None:
            write_comparison_report(run_a, run_b, db=db, out=out, comparison=comparison)
        return
    path = write_comparison_report(run_a, run_b, db=db, out=out, comparison=comparison)
    for line in comparison.changes:
        typer.echo(f"- {line}")
    typer.echo(str(path))
