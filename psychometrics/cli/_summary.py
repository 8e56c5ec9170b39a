"""What `audit` and `score` print at the end: counts, and scale scores across respondents."""

from __future__ import annotations

import typer

from psychometrics.cli._common import print_json


def print_run_summary(run_id: str, *, db: str | None, json_: bool, asked: int | None = None,
                      write_report: bool = False) -> None:
    from psychometrics.score import respondent_scores, scale_summary
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        run = store.get_run(run_id)
        frame = store.responses_frame(run_id)
    scores = respondent_scores(frame) if len(frame) else None
    summary = scale_summary(scores) if scores is not None else None
    if json_:
        print_json({
            "run": run.model_dump(mode="json"),
            "requests_this_session": asked,
            "scales": [] if summary is None else summary.to_dict(orient="records"),
        })
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    counts = ", ".join(f"{run.counts.get(k, 0)} {k}" for k in ("ok", "refused", "invalid", "error"))
    console.print(f"run [bold]{run.run_id}[/bold]  model {run.model}  {run.n_cells} cells: {counts}")
    console.print(f"mode {run.mode_used or '-'}, wall {run.wall_s:.1f} s, cost ${run.cost_usd:.4f}"
                  + (f", {asked} requests this session" if asked is not None else ""))
    if summary is not None and len(summary):
        table = Table("inventory", "scale", "mean", "sd", "respondents")
        for row in summary.itertuples():
            table.add_row(row.inventory, row.scale, _fmt(row.mean), _fmt(row.sd), str(row.n))
        console.print(table)
    if write_report:
        try:
            from psychometrics.report import write_audit_report
        except ImportError:
            return
        path = write_audit_report(run_id, db=db)
        console.print(f"report: {path}")


def _fmt(x: float) -> str:
    return "—" if x != x else f"{x:.2f}"


