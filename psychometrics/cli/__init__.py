"""The command line: a thin typer layer over the public Python API."""

from __future__ import annotations

import typer

from psychometrics import __version__
from psychometrics.cli import _inventories, _runs, _score
from psychometrics.cli._audit import audit_command
from psychometrics.cli._shape import shape_command
from psychometrics.cli._report import compare_command, report_command
from psychometrics.cli._schedule import schedule_command

app = typer.Typer(
    name="psychometrics",
    help="Give language models validated personality inventories, and say how far the numbers can be trusted.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(_inventories.app, name="inventories")
app.add_typer(_runs.app, name="runs")
app.command("audit")(audit_command)
app.command("shape")(shape_command)
app.command("report")(report_command)
app.command("compare")(compare_command)
app.command("score")(_score.score_command)
app.command("schedule")(schedule_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"psychometrics {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """psychometrics: validated personality tests for LLMs."""


def main() -> None:
    app()
