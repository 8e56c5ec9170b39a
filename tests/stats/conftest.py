"""Shared data for the statistics tests: the psych ``bfi`` data set, keyed per scale, and a doctest runner."""

from __future__ import annotations

import doctest
from types import ModuleType

import pandas as pd
import pytest

from tests.reference import BFI_CSV as BFI_PATH

BFI_KEYS: dict[str, list[str]] = {
    "A": ["-A1", "A2", "A3", "A4", "A5"],
    "C": ["C1", "C2", "C3", "-C4", "-C5"],
    "E": ["-E1", "-E2", "E3", "E4", "E5"],
    "N": ["N1", "N2", "N3", "N4", "N5"],
    "O": ["O1", "-O2", "O3", "O4", "-O5"],
}
"""psych's bfi.keys; a leading minus marks a reverse-keyed item (scored 7 − x on the 1–6 scale)."""


@pytest.fixture(scope="session")
def bfi() -> pd.DataFrame:
    return pd.read_csv(BFI_PATH)


@pytest.fixture(scope="session")
def bfi_scales(bfi: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each scale's five items after reverse keying (7 − x), missing values kept."""
    out = {}
    for scale, keyed in BFI_KEYS.items():
        cols = {}
        for key in keyed:
            item = key.lstrip("-")
            cols[item] = 7 - bfi[item] if key.startswith("-") else bfi[item]
        out[scale] = pd.DataFrame(cols)
    return out


def run_doctests(module: ModuleType) -> None:
    """Run a module's docstring examples; fail with the number of failing examples."""
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.attempted > 0, f"{module.__name__} has no doctest examples"
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {module.__name__}"
