"""`psychometrics score RUN_ID`: scores and statistics of a stored run."""

from __future__ import annotations

from typing import Annotated

import typer

from psychometrics.cli import _options as opt
from psychometrics.cli._common import handle_errors


@handle_errors
def score_command(
    run_id: Annotated[str, typer.Argument(help="The run to score (see `psychometrics runs list`).")],
    db: opt.Db = None,
    n_boot: opt.NBoot = 1000,
    seed: opt.Seed = 0,
    value: opt.Value = opt.ValueChoice.value,
    json_: Annotated[bool, typer.Option("--json", help="Print the AuditScores JSON.")] = False,
) -> None:
    """Score a run: scale scores, reliability, sensitivity to prompt and option order, norms and validity."""
    from psychometrics.score import score
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        run = store.get_run(run_id)
    scores = score(run, db=db, n_boot=n_boot, seed=seed, value=value.value)
    if json_:
        typer.echo(scores.to_json())
        return
    from psychometrics.cli._summary import print_scores

    print_scores(scores, run=run)
