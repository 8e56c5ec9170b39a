"""The responses table's columns, derived from the :class:`~psychometrics.store.Response` record.

One list for every backend: a column per record field, in the record's order, with a portable kind (``text``,
``integer``, ``real``, or ``json`` for dicts and lists, stored as JSON text) and whether it may be NULL (a field
that admits None). A backend maps the kinds to its own types; a new field on the record is a new column, added
to existing databases by the backend's migration (:func:`missing_columns`).
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from psychometrics.store._records import Response

ColumnKind = Literal["text", "integer", "real", "json"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    nullable: bool


def _kind(annotation: Any) -> tuple[ColumnKind, bool]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    nullable = origin in (typing.Union, types.UnionType) and type(None) in args
    if nullable:
        (annotation,) = [a for a in args if a is not type(None)]
        origin = typing.get_origin(annotation)
    if origin is Literal or annotation is str:
        return "text", nullable
    if annotation is int:
        return "integer", nullable
    if annotation is float:
        return "real", nullable
    if origin in (dict, list) or annotation in (dict, list):
        return "json", nullable
    raise TypeError(f"no column kind for a field of type {annotation!r}")


def columns_of(record: type[BaseModel]) -> tuple[Column, ...]:
    """One :class:`Column` per field of ``record``, in field order."""
    return tuple(Column(name, *_kind(field.annotation)) for name, field in record.model_fields.items())


RESPONSE_COLUMNS = columns_of(Response)
"""The columns of the ``responses`` table; ``cell_id`` (the first) is its primary key."""

JSON_COLUMNS = frozenset(c.name for c in RESPONSE_COLUMNS if c.kind == "json")


def missing_columns(present: Iterable[str]) -> list[Column]:
    """The response columns a table with the ``present`` columns lacks (a database written by an older version)."""
    have = set(present)
    return [c for c in RESPONSE_COLUMNS if c.name not in have]


def encode(name: str, value: Any) -> Any:
    """A field's value as stored: JSON text for dicts (keys as text) and lists, else unchanged."""
    if name in JSON_COLUMNS and value is not None:
        if isinstance(value, dict):
            return json.dumps({str(k): v for k, v in value.items()})
        return json.dumps(list(value))
    return value


def decode(name: str, value: Any) -> Any:
    """A stored value back as the record's field expects it (``option_probs`` keys as response values)."""
    if name not in JSON_COLUMNS or not isinstance(value, str):
        return None if name in JSON_COLUMNS else value
    data = json.loads(value)
    if name == "option_probs":
        return {int(k): v for k, v in data.items()}
    return data
