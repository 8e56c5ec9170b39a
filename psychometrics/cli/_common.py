"""What every command shares: one-line errors with exit code 1, JSON output."""

from __future__ import annotations

import functools
import json
import sys
from typing import Any, Callable, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])


class UserError(Exception):
    """A problem with what the user asked for; shown as one line, exit code 1."""


def fail(message: str) -> "typer.Exit":
    for line in str(message).splitlines() or ["error"]:
        typer.echo(f"error: {line}" if not line.startswith(("error:", "/")) and ":" not in line[:60] else line,
                   err=True)
    return typer.Exit(code=1)


def handle_errors(func: F) -> F:
    """Turn the errors a user can cause into one-line messages and exit code 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from psychometrics._yamlfile import DataFileError
        from psychometrics.store import StoreError

        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except DataFileError as exc:
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            raise typer.Exit(code=1) from None
        except (UserError, StoreError, LookupError, ValueError, FileNotFoundError, PermissionError) as exc:
            typer.echo(f"error: {_one_line(exc)}", err=True)
            raise typer.Exit(code=1) from None
        except KeyboardInterrupt:
            typer.echo("interrupted: everything answered so far is stored; re-run the same command to resume", err=True)
            raise typer.Exit(code=130) from None

    return wrapper  # type: ignore[return-value]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, KeyError) and text.startswith(("'", '"')):
        text = text[1:-1]
    return " ".join(text.split())


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
