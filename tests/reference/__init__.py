"""Reference values computed by R (psych, GPArotation) on the in-repository test data, read by the tests.

Each ``<name>.json`` here is the output of ``Rscript tests/reference/<name>.R``, committed so that the tests need
no R; CI re-runs the scripts and fails if the committed files differ from R's output (``compare.py``). Every
file records the R and package versions that made it and the md5 of the data file it was computed from;
:func:`load_reference` refuses a file whose data no longer matches.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REFERENCE_DIR = Path(__file__).parent
REPO_ROOT = REFERENCE_DIR.parents[1]
BFI_CSV = REPO_ROOT / "tests" / "data" / "psych_bfi.csv"
"""psych's ``bfi`` (2,800 SAPA respondents, 25 IPIP items); source and licence in ``tests/data/README.md``."""


@cache
def load_reference(name: str) -> dict[str, Any]:
    """The parsed ``tests/reference/<name>.json`` (JSON ``null`` stays ``None``).

    Raises
    ------
    FileNotFoundError
        No such reference file.
    ValueError
        The data file the values were computed from has changed since (md5 mismatch): re-run the R script.
    """
    path = REFERENCE_DIR / f"{name}.json"
    reference = json.loads(path.read_text(encoding="utf-8"))
    data = REPO_ROOT / reference["data"]["file"]
    md5 = hashlib.md5(data.read_bytes()).hexdigest()
    if md5 != reference["data"]["md5"]:
        raise ValueError(
            f"{path.name} was computed from a {data.name} with md5 {reference['data']['md5']}, the file now has "
            f"{md5}: re-run {reference['generated_by']}"
        )
    return reference


def as_frame(matrix: dict[str, Any]) -> pd.DataFrame:
    """A ``{"rows", "columns", "data"}`` matrix of a reference file as a DataFrame (``null`` → NaN)."""
    values = np.array([[np.nan if v is None else v for v in row] for row in matrix["data"]], dtype=float)
    return pd.DataFrame(values, index=matrix["rows"] or None, columns=matrix["columns"])
