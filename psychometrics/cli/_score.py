"""`psychometrics score RUN_ID`: scores and statistics of a stored run."""

from __future__ import annotations

import enum
import sys
from typing import Annotated, Optional

import typer

from psychometrics.cli import _options as opt
from psychometrics.cli._common import handle_errors


class ScoreFormat(str, enum.Enum):
    table = "table"
    csv = "csv"
    json = "json"


@handle_errors
def score_command(
    run_ids: Annotated[list[str], typer.Argument(help="The run to score (see `psychometrics runs list`); several runs of one model are scored together (e.g. an original and its parallel forms audited apart).")],
    db: opt.Db = None,
    n_boot: opt.NBoot = 1000,
    seed: opt.Seed = 0,
    value: opt.Value = opt.ValueChoice.value,
    format_: Annotated[ScoreFormat, typer.Option("--format", help="table: the tables for a terminal; csv: one row per scale (AuditScores.to_frame()); json: the whole AuditScores.")] = ScoreFormat.table,
    json_: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    self_report: Annotated[Optional[str], typer.Option("--self-report", help="An interview run: the self-report run to compare it with [default: the newest finished audit of the same model and inventory in the database].")] = None,
) -> None:
    """Score a run: scale scores, reliability, sensitivity to prompt and option order, norms, validity and
    consistency across parallel forms."""
    from psychometrics.score import score
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        run = store.get_run(run_ids[0]) if len(run_ids) == 1 else None
        for other in run_ids[1:]:
            store.get_run(other)  # an unknown id fails here, before anything is read
    scores = score(run if run is not None else run_ids, db=db, n_boot=n_boot, seed=seed, value=value.value,
                   **({"self_report": self_report} if self_report else {}))
    if json_ or format_ is ScoreFormat.json:
        typer.echo(scores.to_json())
    elif format_ is ScoreFormat.csv:
        sys.stdout.write(scores.to_frame().to_csv(index=False, lineterminator="\n"))
    else:
        from psychometrics.cli._summary import print_scores

        print_scores(scores, run=run)
