"""Load a declarative YAML file into a pydantic model, with every problem reported as ``file:line: message``.

Shared by inventories, prompt-template sets, persona sets and schedule plans.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from psychometrics._record import Record

M = TypeVar("M", bound=BaseModel)
Loc = tuple[Any, ...]


class FileProblem(Record):
    """One problem of a declarative file."""

    file: str
    """The file, as given."""
    line: int | None
    """Line of the problem (1-based); ``None`` when it is not tied to a line."""
    field: str | None
    """The field, as a dotted path; ``None`` for the whole file."""
    message: str
    """What is wrong, in one line."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" ({self.field})" if self.field and not self.line else ""
        return f"{where}:{field} {self.message}"


class DataFileError(ValueError):
    """A declarative file is malformed; ``problems`` holds one entry per problem, each a one-line message."""

    def __init__(self, problems: list[FileProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _line_map(node: yaml.Node, path: Loc, out: dict[Loc, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            k = key.value
            out[path + (k,)] = key.start_mark.line + 1
            _line_map(value, path + (k,), out)
            out[path + (k,)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _line_map(value, path + (i,), out)


def _duplicate_keys(node: yaml.Node, file: str, out: list[FileProblem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                out.append(FileProblem(file=file, line=key.start_mark.line + 1, field=str(key.value),
                                       message=f"duplicate key {key.value!r}"))
            seen.add(key.value)
            _duplicate_keys(value, file, out)
    elif isinstance(node, yaml.SequenceNode):
        for value in node.value:
            _duplicate_keys(value, file, out)


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of the deepest part of ``loc`` present in the file (tags added by pydantic are skipped)."""
    path: Loc = ()
    best = lines.get(())
    for part in loc:
        if path + (part,) in lines:
            path = path + (part,)
            best = lines[path]
    return best


def _parse(text: str) -> tuple[Any, Any]:
    """The node tree (with line marks) and the data of one YAML document, parsed once, by libyaml where PyYAML
    has it (20× faster than the pure-Python parser; the same nodes and the same safe constructor). Raises
    ``yaml.YAMLError`` as the pure-Python parser words it, which is what a user sees."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        loader = fast(text)
        try:
            node = loader.get_single_node()
            return node, loader.construct_document(node) if node is not None else None
        except yaml.YAMLError:
            pass  # parsed again below, for the pure-Python parser's message
        finally:
            loader.dispose()
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def read_yaml(path: Path) -> tuple[Any, dict[Loc, int]]:
    """Parse ``path``; return the data and a map from field path to line number."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError([FileProblem(file=file, line=None, field=None, message=f"cannot read: {exc.strerror}")])
    except UnicodeDecodeError:
        raise DataFileError([FileProblem(file=file, line=None, field=None, message="not UTF-8 text")])
    try:
        node, data = _parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DataFileError([FileProblem(file=file, line=mark.line + 1 if mark else None, field=None,
                                         message=f"YAML syntax error: {reason}")])
    if node is None:
        raise DataFileError([FileProblem(file=file, line=None, field=None, message="the file is empty")])
    dupes: list[FileProblem] = []
    _duplicate_keys(node, file, dupes)
    if dupes:
        raise DataFileError(dupes)
    lines: dict[Loc, int] = {}
    _line_map(node, (), lines)
    return data, lines


def _known_fields(model: type[BaseModel], errors: list[dict[str, Any]]) -> dict[Loc, set[str]]:
    """Field names a mistyped one may have meant, by the location of its mapping: the model's own fields at the
    top level, and everywhere the fields the same validation found missing beside it."""
    known: dict[Loc, set[str]] = {(): set(model.model_fields)}
    for e in errors:
        if e["type"] == "missing" and e["loc"]:
            known.setdefault(tuple(e["loc"][:-1]), set()).add(str(e["loc"][-1]))
    return known


def _describe(err: dict[str, Any], known: dict[Loc, set[str]] | None = None) -> str:
    kind = err["type"]
    field = str(err["loc"][-1]) if err["loc"] else "file"
    if kind == "extra_forbidden":
        from psychometrics._format import did_you_mean

        near = (known or {}).get(tuple(err["loc"][:-1]), set())
        return f"unknown field {field!r}{did_you_mean(field, sorted(near))}"
    if kind == "missing":
        return f"missing field {field!r}"
    msg = err["msg"]
    if kind.endswith("_type") or kind.startswith(("int_", "float_", "bool_", "string_")):
        return f"{field}: {msg} (got {err.get('input')!r})"
    return f"{field}: {msg}" if err["loc"] else msg


@lru_cache(maxsize=None)
def _validate_cached(model: type[BaseModel], path: Path, mtime_ns: int) -> BaseModel:
    return validate_file(model, path)


def load_shipped_or_path(model: type[M], id_or_path: str | Path, shipped: dict[str, Path], *,
                         unknown: Callable[[str], Exception]) -> M:
    """Load a declarative file by shipped id (a key of ``shipped``) or by path, cached until the file changes.

    Raises ``unknown(text)`` when ``id_or_path`` is neither; :class:`DataFileError` when the file is malformed or
    a shipped file's ``id`` differs from its file name.
    """
    text = str(id_or_path)
    if text in shipped:
        path = shipped[text]
    else:
        path = Path(text)
        if not path.is_file():
            raise unknown(text)
    path = path.resolve()
    record = _validate_cached(model, path, path.stat().st_mtime_ns)
    if text in shipped and getattr(record, "id", text) != text:
        raise DataFileError([FileProblem(file=str(path), line=None, field="id",
                                         message=f"id {record.id!r} does not match the file name {text!r}")])
    return record  # type: ignore[return-value]


def report_problems(problems: list[tuple[Loc, str]], info: Any, *, whole: str = "") -> None:
    """Hand the problems a model validator found to :func:`validate_file` (which gives each its line), or, when
    the model is validated some other way, raise one ``ValueError`` naming them all (``whole`` names a problem
    that belongs to no field)."""
    sink = (info.context or {}).get("problems") if info else None
    if problems and isinstance(sink, list):
        sink.extend(problems)
    elif problems:
        raise ValueError("; ".join(f"{'.'.join(map(str, loc)) or whole}: {msg}" for loc, msg in problems))


def validate_file(model: type[M], path: Path, *, context: dict[str, Any] | None = None) -> M:
    """Load ``path`` as ``model``; raise :class:`DataFileError` listing every problem with its line."""
    data, lines = read_yaml(path)
    file = str(path)
    if not isinstance(data, dict):
        raise DataFileError([FileProblem(file=file, line=1, field=None, message="expected a mapping of fields at the top level")])
    sink: list[tuple[Loc, str]] = []
    ctx = dict(context or {}, problems=sink, path=path)  # the path lets a model resolve files named relative to it
    try:
        result = model.model_validate(data, context=ctx)
    except ValidationError as exc:
        known = _known_fields(model, exc.errors())
        problems = [
            FileProblem(file=file, line=line_of(lines, tuple(e["loc"])),
                        field=".".join(map(str, e["loc"])) or None, message=_describe(e, known))
            for e in exc.errors()
        ]
        raise DataFileError(problems) from None
    if sink:
        raise DataFileError([
            FileProblem(file=file, line=line_of(lines, loc), field=".".join(map(str, loc)), message=msg)
            for loc, msg in sink
        ])
    return result
