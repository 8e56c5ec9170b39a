"""`psychometrics runs …`: list, show and export stored runs."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from psychometrics.cli import _options as opt
from psychometrics._format import count
from psychometrics.cli._common import handle_errors, print_json, writable_file

app = typer.Typer(help="List, show and export stored runs.", no_args_is_help=True)


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
    from rich.table import Table

    table = Table("run", "model", "status", "inventories", "cells", "ok", "refused", "invalid", "error")
    for r in runs:
        table.add_row(r.run_id, r.model, r.status, ",".join(r.design.inventories), str(r.n_cells),
                      *(str(r.counts.get(k, 0)) for k in ("ok", "refused", "invalid", "error")))
    Console().print(table)


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
        store.get_run(run_id)
        frame = store.responses_frame(run_id)
    frame = _with_items(frame)
    if out == "-":
        n = export_responses(frame, sys.stdout.buffer if fmt == "parquet" else sys.stdout, fmt)
        sys.stdout.flush()
        typer.echo(f"{count(n, 'response')} written to standard output", err=True)
        return
    n = export_responses(frame, Path(out), fmt)
    typer.echo(f"{out}: {count(n, 'response')} ({fmt})")


def _with_items(frame):
    """The responses with ``item_text``, ``reverse``, ``keyed_value`` (and ``keyed_expected_value``) per
    inventory, placed after the ``value`` and ``expected_value`` columns."""
    import pandas as pd

    from psychometrics.inventory import load_inventory, with_item_columns

    if frame.empty:
        return frame.assign(item_text=None, reverse=None, keyed_value=None, keyed_expected_value=None)
    parts = [with_item_columns(load_inventory(inv), part) for inv, part in frame.groupby("inventory", sort=False)]
    out = pd.concat(parts).loc[frame.index]
    added = [c for c in ("item_text", "reverse", "keyed_value", "keyed_expected_value") if c in out]
    cols = [c for c in frame.columns]
    at = cols.index("item") + 1
    cols[at:at] = ["item_text"]
    rest = [c for c in added if c != "item_text"]
    at = cols.index("expected_value") + 1 if "expected_value" in cols else len(cols)
    cols[at:at] = rest
    return out[cols]
