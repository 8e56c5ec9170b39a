"""What every command shares: one-line errors with exit code 1, JSON output."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])


class UserError(Exception):
    """A problem with what the user asked for; shown as one line, exit code 1."""


class UsageError(UserError):
    """An option that cannot be used as given (a value that cannot work, an option without the one it needs);
    shown as one line, exit code 2 (the code of the command line's own usage errors)."""

    exit_code = 2


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
            raise typer.Exit(code=getattr(exc, "exit_code", 1)) from None
        except KeyboardInterrupt:
            typer.echo("interrupted: everything answered so far is stored; re-run the same command to resume", err=True)
            raise typer.Exit(code=130) from None

    return wrapper  # type: ignore[return-value]


def refuse_twice(what: str, values: list[str]) -> None:
    """The one error for a value given twice, in every command (``--model X is given twice``, ``run X is …``).

    Raises
    ------
    UserError
        A value of ``values`` appears more than once.
    """
    twice = list(dict.fromkeys(v for v in values if values.count(v) > 1))
    if twice:
        raise UserError(f"{what} {', '.join(twice)} is given twice: give each once")


def command_line(ctx: typer.Context) -> str:
    """The command as the user gave it (the options set, each by its long name, in the command's order), quoted
    for the shell: the line that re-runs it (and so resumes what it started)."""
    from psychometrics._format import command

    words = [ctx.info_name or ""]
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name or "")
        if source is None or source.name == "DEFAULT":
            continue
        value = ctx.params.get(param.name or "")
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if param.param_type_name == "argument":
            words += [str(v) for v in values]
            continue
        flag = max(param.opts, key=len)
        if getattr(param, "is_flag", False):
            words.append(flag if value or not param.secondary_opts else max(param.secondary_opts, key=len))
            continue
        for v in values:
            words += [flag, str(getattr(v, "value", v))]
    return command(*words)


def writable_file(path: Path) -> Path:
    """Create the folders of an output file and check that the file can be written there, before any work.

    Raises
    ------
    UserError
        A folder cannot be made (a file stands in its way, no permission) or the file cannot be written.
    """
    _make_folder(path.parent, path)
    if path.is_dir():
        raise UserError(f"{path} is a folder: give a file name")
    if path.exists() and not os.access(path, os.W_OK):
        raise UserError(f"{path}: no permission to write there")
    return path


def is_page(path: Path) -> bool:
    """Whether ``--out`` names the page's file itself (it ends in ``.html``) rather than a folder for pages."""
    return path.suffix.lower() in (".html", ".htm")


def writable_out(path: Path) -> Path:
    """Check ``--out`` before any work: a path ending in ``.html`` is the page's file, anything else a folder."""
    return writable_file(path) if is_page(path) else writable_folder(path)


def writable_folder(path: Path) -> Path:
    """Create an output folder (and its parents) and check that files can be written in it, before any work."""
    if path.exists() and not path.is_dir():
        raise UserError(f"{path} is a file: --out takes a folder")
    return _make_folder(path, path)


def _make_folder(folder: Path, target: Path) -> Path:
    """Create ``folder`` (for writing ``target``) or say in one line why it cannot be written in."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UserError(f"{target}: cannot write here: {_first_file(folder)} is a file, not a folder") from None
    except PermissionError:
        raise UserError(f"{target}: no permission to create the folder {folder}") from None
    if not os.access(folder, os.W_OK):
        raise UserError(f"{target}: no permission to write in {folder}")
    return folder


def _first_file(folder: Path) -> Path:
    for parent in reversed([folder, *folder.parents]):
        if parent.exists() and not parent.is_dir():
            return parent
    return folder


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, KeyError) and text.startswith(("'", '"')):
        text = text[1:-1]
    return " ".join(text.split())


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
