"""The base of every record the package hands around: frozen, documented, and NaN-safe in JSON.

:class:`Record` is what a declarative file (inventory, plan, persona set) or a plain value record derives from:
frozen, unknown keys refused, and each field's docstring becomes its description in the JSON schema.
:class:`ResultRecord` adds what a record of computed numbers needs: JSON writes NaN as ``null`` (pydantic's
default) and reading it back turns a ``null`` in a float field into NaN again, so results round-trip.
A declarative file keeps ``null`` an error in a float field: a missing number there is a mistake to report, not
a statistic that could not be computed.

A record that is a stored or public format carries ``version: Literal[N]`` and migrates older keys in its own
``model_validator(mode="before")`` (see ``Comparison`` and ``ShapingResult``).
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, model_validator


class Record(BaseModel):
    """A frozen record whose field docstrings are its field descriptions; unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class ResultRecord(Record):
    """A record of computed numbers: NaN is written as ``null`` and a ``null`` float is read back as NaN."""

    @model_validator(mode="before")
    @classmethod
    def _null_is_nan(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fixed = {name: _nan_for_null(field.annotation, data[name])
                 for name, field in cls.model_fields.items() if name in data}
        return {**data, **fixed}

    def to_json(self, *, indent: int | None = 2) -> str:
        """JSON text (NaN as ``null``); :meth:`from_json` reads it back."""
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> typing.Self:
        """Read :meth:`to_json` output."""
        return cls.model_validate_json(text)


class FrameRecord(ResultRecord):
    """A result record holding :class:`pandas.DataFrame` fields (written with :func:`frame_to_json`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)


def _nan_for_null(annotation: Any, value: Any) -> Any:
    """``value`` with every ``None`` that stands where ``annotation`` wants a plain float replaced by NaN.

    ``float | None`` keeps its ``None`` (there ``None`` means "not asked", not "not computable"); lists and dict
    values are followed; nested records restore their own fields.
    """
    if annotation is float:
        return math.nan if value is None else value
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if value is None or origin in (Union, types.UnionType):
        return value
    if origin is list and args and isinstance(value, list):
        return [_nan_for_null(args[0], v) for v in value]
    if origin is dict and len(args) == 2 and isinstance(value, dict):
        return {k: _nan_for_null(args[1], v) for k, v in value.items()}
    return value


def frame_to_json(df: Any) -> dict[str, Any] | None:
    """A :class:`pandas.DataFrame` as ``{"columns": [...], "index": [...], "data": [[...]]}`` with NaN/NA as
    ``None`` and numpy scalars as Python numbers (a MultiIndex label becomes a list); ``None`` for ``None``."""
    if df is None:
        return None

    def label(x: Any) -> Any:
        return list(x) if isinstance(x, tuple) else _plain(x)

    data = [[_plain(v) for v in row] for row in df.astype(object).itertuples(index=False, name=None)]
    return {"columns": [label(c) for c in df.columns], "index": [label(i) for i in df.index], "data": data}


def _plain(v: Any) -> Any:
    """A JSON-safe Python scalar: NaN/NA → None, numpy scalars → Python numbers."""
    import numpy as np
    import pandas as pd

    if v is None or v is pd.NA:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
