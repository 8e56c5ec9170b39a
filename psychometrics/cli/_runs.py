"""`psychometrics runs …`: list, show and export stored runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from psychometrics.cli import _options as opt
from psychometrics.cli._common import handle_errors, print_json

if TYPE_CHECKING:
    from psychometrics.store import Run

app = typer.Typer(help="List, show and export stored runs.", no_args_is_help=True)


@app.command("list")
@handle_errors
def list_(db: opt.Db = None, json_: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List stored runs, oldest first."""
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        runs = store.list_runs()
    if json_:
        print_json([r.model_dump(mode="json") for r in runs])
        return
    from rich.console import Console

    Console().print(runs_table(runs))


def run_kind(run: Run) -> str:
    """``shaping`` for a run whose personas are shaping levels (``shape/<trait>/<level>``), else ``audit``."""
    return "shaping" if any(p and p.startswith("shape/") for p in run.design.personas) else "audit"


def runs_table(runs: list[Run]) -> Any:
    """The runs as a rich table that fits an 80-column terminal: each run on two lines (its id over its model; its
    kind over its status; ok of cells over refused/invalid/error). A run id is never cut (a very long one wraps);
    models and inventories wrap."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
    longest = max((len(r.run_id) for r in runs), default=3)
    table.add_column("run / model", no_wrap=False, min_width=min(longest, 36), overflow="fold")
    table.add_column("kind / status", no_wrap=True)
    table.add_column("inventories", overflow="fold")
    table.add_column("ok / cells\nref/inv/err", justify="right", no_wrap=True)
    for r in runs:
        run = Text(r.run_id, style="bold")
        run.append("\n" + r.model, style="dim")
        problems = "/".join(str(r.counts.get(k, 0)) for k in ("refused", "invalid", "error"))
        table.add_row(run, f"{run_kind(r)}\n{r.status}", ", ".join(r.design.inventories),
                      f"{r.counts.get('ok', 0)} / {r.n_cells}\n{problems}")
    return table


@app.command("show")
@handle_errors
def show(run_id: str, db: opt.Db = None, json_: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show one run: its design, counts and scale scores."""
    from psychometrics.cli._summary import print_run_summary

    print_run_summary(run_id, db=db, json_=json_)


@app.command("export")
@handle_errors
def export(
    run_id: str,
    out: Annotated[Path, typer.Option("--out", help="Output file.")],
    format_: Annotated[str, typer.Option("--format", help="csv, parquet or jsonl.")] = "csv",
    db: opt.Db = None,
) -> None:
    """Export every response of a run (one row per cell)."""
    from psychometrics.store import Store, export_responses

    if format_ not in ("csv", "parquet", "jsonl"):
        raise ValueError(f"--format must be csv, parquet or jsonl (got {format_!r})")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"{out}: the folder {out.parent} does not exist")
    with Store(db, create=False) as store:
        store.get_run(run_id)
        frame = store.responses_frame(run_id)
    n = export_responses(frame, out, format_)
    typer.echo(f"{out}: {n} responses")


@app.command("poll")
@handle_errors
def poll(
    run_id: str,
    db: opt.Db = None,
    api_base: opt.ApiBase = None,
    wait: Annotated[bool, typer.Option("--wait/--once", help="Wait until every batch is done, or look once.")] = True,
    poll_interval: opt.PollInterval = 10.0,
    max_poll_interval: opt.MaxPollInterval = 300.0,
    json_: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Pick up the run's provider batches (audit --batch): poll them and store the answers of finished ones."""
    import sys

    from psychometrics.administer import BatchOptions, audit
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        store.get_run(run_id)
        if not store.batches(run_id):
            raise ValueError(f"run {run_id} has no batches (it was not audited with --batch)")
    options = BatchOptions(poll_interval=poll_interval, max_poll_interval=max_poll_interval, submit=False, wait=wait)
    result = audit(resume=run_id, db=db, api_base=api_base, batch=True, batch_options=options,
                   progress=not json_ and sys.stderr.isatty())
    with Store(db, create=False) as store:
        batches = store.batches(run_id)
    states: dict[str, int] = {}
    for b in batches:
        state = "completed" if b.ingested_at is not None else b.status
        states[state] = states.get(state, 0) + 1
    run = result.run
    answered = sum(run.counts.get(k, 0) for k in ("ok", "refused", "invalid"))
    if json_:
        print_json({"run_id": run_id, "batches": states, "answered": answered, "n_cells": run.n_cells,
                    "status": run.status})
        return
    typer.echo(f"run {run_id}: batches " + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
               + f"; {answered} of {run.n_cells} cells answered")
    if answered < run.n_cells and not any(b.ingested_at is None for b in batches):
        typer.echo(f"to ask the {run.n_cells - answered} cells without an answer: psychometrics audit --resume "
                   f"{run_id} --batch")
