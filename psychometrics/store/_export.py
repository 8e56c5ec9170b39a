"""Export a run's responses to CSV, Parquet or JSON lines, with model text made inert for spreadsheets."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import IO, Any

import pandas as pd

from psychometrics.store._columns import JSON_COLUMNS, encode

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

EXPORT_FORMATS = ("csv", "parquet", "jsonl")
_EXTENSIONS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def neutralise_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``…) with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_format(out: str, fmt: str | None = None) -> str:
    """The format of an export to ``out``: ``fmt`` when given, else from the file's extension (``.csv``,
    ``.parquet``/``.pq``, ``.jsonl``/``.ndjson``); ``-`` (standard output) is CSV.

    Raises
    ------
    ValueError
        ``fmt`` is not a known format, or the extension says none.
    """
    if fmt is not None:
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"--format must be one of {', '.join(EXPORT_FORMATS)} (got {fmt!r})")
        return fmt
    if out == "-":
        return "csv"
    ext = Path(out).suffix.lower()
    if ext not in _EXTENSIONS:
        raise ValueError(f"{out}: cannot tell the format from {ext or 'a name without an extension'!r}: name the "
                         "file .csv, .parquet or .jsonl, or give --format")
    return _EXTENSIONS[ext]


def export_responses(frame: pd.DataFrame, out: Path | IO, fmt: str) -> int:
    """Write ``frame`` to ``out`` (a path, or an open stream: text for CSV and JSON lines, binary for Parquet).

    CSV and Parquet hold ``option_probs`` and the other structured columns as the JSON text the store keeps; JSON
    lines holds them as JSON objects and arrays (``"option_probs": {"1": 0.02, …}``). CSV cells that a spreadsheet
    would run as a formula are quoted. Returns the number of rows.
    """
    df = frame.copy()
    if fmt != "jsonl":
        for name in df.columns.intersection(list(JSON_COLUMNS)):  # dicts and lists as the JSON text the store keeps
            df[name] = df[name].map(lambda v, name=name: encode(name, v))
    if fmt == "csv":
        text_cols = [c for c in df.columns if pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c])]
        df[text_cols] = df[text_cols].map(neutralise_cell)
        df.to_csv(out, index=False)
    elif fmt == "parquet":
        df.to_parquet(out, index=False)
    elif fmt == "jsonl":
        _write_jsonl(df, out)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return len(df)


def _plain(value: Any) -> Any:
    """A cell as JSON takes it: numpy scalars as Python ones, NaN as null."""
    if hasattr(value, "item") and not isinstance(value, (dict, list)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _write_jsonl(df: pd.DataFrame, out: Path | IO) -> None:
    lines = (json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False, allow_nan=False) + "\n"
             for row in df.to_dict(orient="records"))
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8") as fh:
            fh.writelines(lines)
    else:
        out.writelines(lines)
