"""The command line: a thin typer layer over the public Python API."""

from __future__ import annotations

import typer

from psychometrics import __version__
from psychometrics.cli import _inventories, _runs, _score
from psychometrics.cli._audit import audit_command
from psychometrics.cli._interview import interview_command
from psychometrics.cli._shape import shape_command
from psychometrics.cli._report import compare_command, report_command
from psychometrics.cli._schedule import schedule_command

def _hide_flag_metavars() -> None:
    """typer's help shows ``<bool>`` beside every flag (``--json <bool>``), as if it took a value: show nothing."""
    from typer import core

    cls = getattr(core, "TyperOption", None)
    original = getattr(cls, "display_type_rich", None)
    if original is None or getattr(cls, "_flags_plain", False):
        return  # another typer: nothing to change

    def display_type_rich(self, ctx):  # type: ignore[no-untyped-def]
        return None if getattr(self, "is_flag", False) else original(self, ctx)

    cls.display_type_rich = display_type_rich  # type: ignore[union-attr]
    cls._flags_plain = True  # type: ignore[union-attr]


app = typer.Typer(
    name="psychometrics",
    help="Give language models validated personality inventories, and say how far the numbers can be trusted.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: at 80 columns rich's table cut long option names and ate "[…]"
)
_hide_flag_metavars()
app.add_typer(_inventories.app, name="inventories")
app.add_typer(_runs.app, name="runs")
app.command("audit")(audit_command)
app.command("interview")(interview_command)
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
    """The console entry point: a usage error (an unknown option, a value that is not one of the choices) is one
    line on stderr naming the option, with exit code 2 (click's code for usage errors)."""
    import sys

    try:  # typer ≥ 0.25 carries its own click
        from typer._click.exceptions import UsageError
    except ImportError:  # pragma: no cover - older typer on click
        from click.exceptions import UsageError

    try:
        code = app(standalone_mode=False)
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "psychometrics"
        if not exc.format_message().strip() and exc.ctx is not None:  # no arguments: the help is the answer
            typer.echo(exc.ctx.get_help())
            sys.exit(exc.exit_code)
        typer.echo(f"error: {' '.join(exc.format_message().split())} (see '{where} --help')", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    _exit(code if isinstance(code, int) else 0)


def _exit(code: int) -> None:
    """End the process as the interpreter would, without tearing its modules down one by one.

    After an audit that teardown frees litellm's, pandas' and scipy's whole module graph: 1–5 s of nothing the
    user waits for. What an orderly exit does first still happens here: other threads are waited for, ``atexit``
    handlers run and both streams are flushed (every store is already closed by its ``with`` block).
    """
    import atexit
    import os
    import sys
    import threading

    # what the interpreter does first at exit: run threading's exit hooks (they stop the worker threads of
    # executors, e.g. the embedded model's) and wait for every non-daemon thread; joining the threads without
    # those hooks waits forever for an executor's idle worker
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): nothing more can reach it
            pass
    os._exit(code)
