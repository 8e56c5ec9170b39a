"""`psychometrics runs …`: list, show and export stored runs."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from psychometrics.cli import _options as opt
from psychometrics._format import command, count
from psychometrics.cli._common import handle_errors, print_json, writable_file

if TYPE_CHECKING:
    from psychometrics.store import Run

app = typer.Typer(help="List, show and export stored runs.", no_args_is_help=True, rich_markup_mode=None)


@app.command("list")
@handle_errors
def list_(db: opt.Db = None, json_: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
          ) -> None:
    """List stored runs, oldest first."""
    from psychometrics.store import Store, db_path

    path = db_path(db)
    if path is not None and not path.exists():
        if json_:
            print_json([])
        else:
            typer.echo(f"no runs yet: {path} does not exist (an audit creates it)")
        return
    with Store(db, create=False) as store:
        runs = store.list_runs()
    if json_:
        print_json([r.model_dump(mode="json") for r in runs])
        return
    from rich.console import Console

    Console().print(runs_table(runs))


def run_kind(run: Run) -> str:
    """``interview`` for an interview run, ``shaping`` for a run whose personas are shaping levels
    (``shape/<trait>/<level>``), else ``audit``."""
    if run.design.interview is not None:
        return "interview"
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
def show(run_id: Annotated[str, typer.Argument(help="The run to show (see `psychometrics runs list`).")],
         db: opt.Db = None,
         json_: Annotated[bool, typer.Option("--json", help="Print the run, its scales and scores as JSON.")] = False,
         n_boot: opt.NBoot = 1000, seed: opt.Seed = 0, value: opt.Value = opt.ValueChoice.value,
         ) -> None:
    """Show one run: its design, counts and scale scores."""
    from psychometrics.cli._summary import print_run_summary

    print_run_summary(run_id, db=db, json_=json_, n_boot=n_boot, seed=seed, value=value.value)


class ExportFormat(str, enum.Enum):
    csv = "csv"
    parquet = "parquet"
    jsonl = "jsonl"


@app.command("export")
@handle_errors
def export(
    run_id: Annotated[str, typer.Argument(help="The run to export (see `psychometrics runs list`).")],
    out: Annotated[str, typer.Option("--out", "-o", help="File to write (missing folders are created), or '-' for "
                                     "standard output.")],
    format_: Annotated[Optional[ExportFormat], typer.Option(
        "--format", help="File format [default: from the extension of --out (.csv, .parquet, .jsonl); csv for "
        "'-']")] = None,
    db: opt.Db = None,
) -> None:
    """Export every response of a run, one row per cell, with the item text and the keyed (reverse-scored) value."""
    import sys

    from psychometrics.store import Store, export_format, export_responses

    fmt = export_format(out, format_.value if format_ else None)
    if out != "-":
        writable_file(Path(out))
    with Store(db, create=False) as store:
        run = store.get_run(run_id)
        frame = store.responses_frame(run_id)
    frame = _with_items(_answers_only(frame), run)
    if out == "-":
        n = export_responses(frame, sys.stdout.buffer if fmt == "parquet" else sys.stdout, fmt)
        sys.stdout.flush()
        typer.echo(f"{count(n, 'response')} written to standard output", err=True)
        return
    n = export_responses(frame, Path(out), fmt)
    typer.echo(f"{out}: {count(n, 'response')} ({fmt})")


def _answers_only(frame):
    """The frame with ``value`` and ``expected_value`` emptied where the cell is not ``ok``: a database written before
    they were stored empty keeps a log-prob cell read as invalid with its most likely label and mean, which are no
    answer (its ``option_probs`` stay, to inspect)."""
    not_ok = frame["status"] != "ok"
    for col in ("value", "expected_value"):
        if col in frame and not_ok.any():
            frame[col] = frame[col].astype(object).where(~not_ok, None)
    return frame


def _with_items(frame, run):
    """The responses with ``item_text``, ``reverse``, ``keyed_value`` (and ``keyed_expected_value``) per
    inventory, placed after the ``value`` and ``expected_value`` columns. The inventories are the run's own (a
    YAML file the design names by path included), as ``score`` and ``report`` find them."""
    import pandas as pd

    from psychometrics.inventory import with_item_columns
    from psychometrics.score import load_inventories

    if frame.empty:
        return frame.assign(item_text=None, reverse=None, keyed_value=None, keyed_expected_value=None)
    found, missing = load_inventories(run, frame)
    for inv in frame["inventory"].astype(str).unique():
        if inv not in found:
            raise LookupError(f"inventory {inv!r} of run {run.run_id} cannot be loaded: "
                              f"{missing.get(inv) or 'no file of the design provides it'}")
    parts = [with_item_columns(found[str(inv)], part) for inv, part in frame.groupby("inventory", sort=False)]
    out = pd.concat(parts).loc[frame.index]
    added = [c for c in ("item_text", "reverse", "keyed_value", "keyed_expected_value") if c in out]
    cols = [c for c in frame.columns]
    at = cols.index("item") + 1
    cols[at:at] = ["item_text"]
    rest = [c for c in added if c != "item_text"]
    at = cols.index("expected_value") + 1 if "expected_value" in cols else len(cols)
    cols[at:at] = rest
    return out[cols]



@app.command("poll")
@handle_errors
def poll(
    run_id: Annotated[str, typer.Argument(help="The run audited with --batch (see `psychometrics runs list`).")],
    db: opt.Db = None,
    api_base: opt.ApiBase = None,
    wait: Annotated[bool, typer.Option("--wait/--once", help="Wait until every batch is done, or look once.")] = True,
    poll_interval: opt.PollInterval = 10.0,
    max_poll_interval: opt.MaxPollInterval = 300.0,
    forget_missing: Annotated[bool, typer.Option(
        "--forget-missing", help="Close the stored batches the provider answers HTTP 404 for (deleted, past its "
        "retention, another --api-base or key): their cells become free to be asked again by `audit --resume RUN "
        "--batch`. Without it such a batch stops the command with an error.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print the batches and counts as JSON.")] = False,
) -> None:
    """Pick up the run's provider batches (audit --batch): poll them and store the answers of finished ones."""
    from psychometrics.administer import BatchOptions, audit
    from psychometrics.store import Store, db_option

    with Store(db, create=False) as store:
        store.get_run(run_id)
        stored = store.batches(run_id)
    if not stored:
        raise ValueError(f"run {run_id} has no batches (it was not audited with --batch)")
    if all(b.ingested_at is not None for b in stored):  # nothing the provider could add: ask it nothing
        typer.echo(f"nothing to poll: run {run_id} has all its batches collected", err=json_)
        if json_:
            print_json(_poll_summary(run_id, db))
        return
    options = BatchOptions(poll_interval=poll_interval, max_poll_interval=max_poll_interval, submit=False, wait=wait,
                           forget_missing=forget_missing)
    audit(resume=run_id, db=db, api_base=api_base, batch=True, batch_options=options, progress=not json_)
    summary = _poll_summary(run_id, db)
    if json_:
        print_json(summary)
        return
    typer.echo(f"run {run_id}: batches " + ", ".join(f"{n} {s}" for s, n in sorted(summary["batches"].items()))
               + f"; {summary['answered']} of {summary['n_cells']} cells answered")
    if summary["answered"] < summary["n_cells"] and set(summary["batches"]) <= {"completed", "cancelled"}:
        typer.echo(f"to ask the {summary['n_cells'] - summary['answered']} cells without an answer: "
                   + command("audit", "--resume", run_id, "--batch", *db_option(db)))


def _poll_summary(run_id: str, db: str | None) -> dict[str, Any]:
    """The run's batches by state (``completed``: collected; ``cancelled``: closed by the provider, never submitted,
    or forgotten with ``--forget-missing``), its answered cells and status, as stored."""
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        batches = store.batches(run_id)
        run = store.get_run(run_id)
    states: dict[str, int] = {}
    for b in batches:
        states[b.shown_state] = states.get(b.shown_state, 0) + 1
    answered = sum(run.counts.get(k, 0) for k in ("ok", "refused", "invalid"))
    return {"run_id": run_id, "batches": states, "answered": answered, "n_cells": run.n_cells, "status": run.status}
