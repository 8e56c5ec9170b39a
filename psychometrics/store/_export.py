"""Export a run's responses to CSV, Parquet or JSON lines, with model text made inert for spreadsheets."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``…) with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_responses(frame: pd.DataFrame, out: Path, fmt: str) -> int:
    df = frame.copy()
    df["option_probs"] = df["option_probs"].map(
        lambda d: None if d is None else json.dumps({str(k): v for k, v in d.items()})
    )
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
