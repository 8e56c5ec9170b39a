"""Export a run's responses to CSV, Parquet or JSON lines, with model text made inert for spreadsheets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from psychometrics.store._columns import JSON_COLUMNS, encode

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``…) with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_responses(frame: pd.DataFrame, out: Path, fmt: str) -> int:
    df = frame.copy()
    for name in df.columns.intersection(list(JSON_COLUMNS)):  # dicts and lists as the JSON text the store keeps
        df[name] = df[name].map(lambda v, name=name: encode(name, v))
    if fmt == "csv":
        text_cols = df.select_dtypes(include="object").columns
        df[text_cols] = df[text_cols].map(neutralise_cell)
        df.to_csv(out, index=False)
    elif fmt == "parquet":
        df.to_parquet(out, index=False)
    elif fmt == "jsonl":
        df.to_json(out, orient="records", lines=True, force_ascii=False)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    return len(df)
