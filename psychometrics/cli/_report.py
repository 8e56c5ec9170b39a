"""`psychometrics report` and `psychometrics compare`: the HTML pages of one audit, and of two side by side."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from psychometrics.cli import _options as opt
from psychometrics.cli._common import handle_errors, refuse_twice, writable_file, writable_out


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
    """Write the report of one run: one self-contained HTML page that opens offline (the shaping report for a
    shaping run, see `psychometrics shape`)."""
    from psychometrics.cli._runs import run_kind
    from psychometrics.report import audit_report_path, write_audit_report
    from psychometrics.store import Store

    if n_boot < 0:
        raise ValueError(f"--n-boot must be 0 or more (got {n_boot})")
    with Store(db, create=False) as store:
        run = store.get_run(run_id)
    if run_kind(run) == "shaping":
        path = _write_shaping(run_id, db, out)
    else:
        target = writable_file(audit_report_path(run_id, out))
        path = write_audit_report(run_id, db=db, out=target, n_boot=n_boot, seed=seed)
    typer.echo(str(path))


def _write_shaping(run_id: str, db: str | None, out: Path | None) -> Path:
    """The shaping report of a shaping run: ``shape-<run_id>.html`` in the folder ``out`` (``reports/`` by
    default), or the file ``out`` when it ends in ``.html``."""
    from psychometrics.shape import shaping_result, write_shaping_report

    return write_shaping_report(shaping_result(run_id, db=db), writable_out(out) if out is not None else "reports")


def _refuse_shaping(runs: list[str], db: str | None) -> None:
    """Compare sets audits side by side: a shaping run pools the instructed levels 1–9 into one score per scale,
    so comparing it as an audit would report changes that are only the shaping."""
    from psychometrics.cli._common import UserError
    from psychometrics.cli._runs import run_kind
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        for run_id in runs:
            if run_kind(store.get_run(run_id)) == "shaping":
                raise UserError(f"{run_id} is a shaping run (psychometrics shape): compare takes audits; use its "
                                f"shaping report: psychometrics report {run_id}")


_PAIRWISE_OPTIONS = {"test": "--test", "significance": "--significance", "top_items": "--top-items"}
"""Options of the two-run comparison only (they test a difference between two runs)."""


@handle_errors
def compare_command(
    ctx: typer.Context,
    runs: Annotated[list[str], typer.Argument(
        help="Two runs: A (the reference) and B, compared with tests (differences are B − A); or three or more, "
             "set side by side in one matrix page.", metavar="RUN_A RUN_B [RUN…]")],
    db: opt.Db = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for the page <A>-vs-<B>.html, or "
                                                "matrix-<hash>.html for three or more runs (created when missing; a "
                                                "path ending in .html names the file) [default: reports; with "
                                                "--json: only when given].")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON (NaN as null) instead of writing HTML.")] = False,
    test: Annotated[CompareTest, typer.Option("--test", help="Test per scale across respondents.")] = CompareTest.welch,
    significance: Annotated[float, typer.Option("--significance", "--alpha", help="Significance level: a Holm-adjusted p below it counts as a change (--alpha is a deprecated alias).")] = 0.05,
    top_items: Annotated[int, typer.Option("--top-items", help="How many most-changed items to list.")] = 15,
    n_boot: opt.NBoot = 1000,
) -> None:
    """Compare two audits side by side: per-scale differences with a CI and a test, reliability and order
    sensitivity before and after, the items that moved most, and what changed. Three or more runs: their profiles,
    readability, reliability and order sensitivity side by side in one matrix page."""
    from psychometrics.cli._common import UsageError, UserError
    from psychometrics.report import comparison_report_path, write_comparison_report
    from psychometrics.score import compare_runs

    if len(runs) < 2:
        raise UsageError(f"compare needs two or more runs (got only {runs[0]}; see `psychometrics runs list`)")
    refuse_twice("run", runs)
    if len(runs) > 2:
        given = [flag for name, flag in _PAIRWISE_OPTIONS.items()
                 if (src := ctx.get_parameter_source(name)) is not None and src.name != "DEFAULT"]
        if given:
            raise UserError(f"{', '.join(given)} {'tests' if len(given) == 1 else 'test'} a difference between two "
                            f"runs: with {len(runs)} runs the "
                            "matrix page shows each run on its own (compare two of them for tests)")
    _refuse_shaping(runs, db)
    if len(runs) > 2:
        _compare_several(runs, db=db, out=out, json_=json_, n_boot=n_boot)
        return
    run_a, run_b = runs

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
    _echo_retest(comparison)
    typer.echo(str(path))


def _echo_retest(comparison: Any) -> None:
    """One line per inventory: each scale's test–retest ICC(2,1) / ICC(3,1), or why there is none."""
    from psychometrics._format import coef

    if not comparison.retest:
        typer.echo(f"test–retest: {comparison.retest_reason or 'no scale scored in both runs'}")
        return
    by_inventory: dict[str, list[str]] = {}
    for r in comparison.retest:
        by_inventory.setdefault(r.inventory, []).append(
            f"{r.scale} {coef(r.agreement.value)} / {coef(r.consistency.value)}")
    for inventory, parts in by_inventory.items():
        typer.echo(f"test–retest ICC(2,1) / ICC(3,1), {inventory}: {', '.join(parts)}")
    if comparison.retest_note:
        typer.echo(f"test–retest: {comparison.retest_note}")


def _compare_several(runs: list[str], *, db: str | None, out: Path | None, json_: bool, n_boot: int) -> None:
    """Three or more runs side by side: the matrix page, and the compact summary (or the matrix as JSON)."""
    from psychometrics.report import matrix_report_path, write_matrix_report
    from psychometrics.score import run_matrix

    target = writable_file(matrix_report_path(runs, out)) if out is not None or not json_ else None
    matrix = run_matrix(runs, db=db, n_boot=n_boot)
    page = write_matrix_report(matrix, out=target, db=db) if target is not None else None
    if json_:
        sys.stdout.write(matrix.model_dump_json(indent=2) + "\n")
        return
    from psychometrics.cli._matrix import print_matrix

    print_matrix(matrix)
    typer.echo(str(page))
