"""The shipped SAPA 25 inventory (``inventories/sapa25.yaml``): keys, and the human norms recomputed from data.

The norms in the file were computed by this project from psych's ``bfi`` data set (tests/data/psych_bfi.csv,
source and licence in tests/data/README.md). They are checked here twice: with plain numpy from the CSV and a key
table written out below (independent of our scorer and of the YAML's keys), and through our own ``score_scales``
with the shipped file (which checks the keying end to end).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from psychometrics.inventory import LikertItem, list_inventories, load_inventory
from psychometrics.inventory._score import score_scales
from tests.stats.conftest import BFI_KEYS, bfi  # noqa: F401  (bfi: the CSV fixture)

# The keys of the data README (written out by hand in tests/stats/conftest.py), by trait name.
README_KEYS: dict[str, list[str]] = {
    name: BFI_KEYS[name[0].upper()]
    for name in ("agreeableness", "conscientiousness", "extraversion", "neuroticism", "openness")
}
BIG_FIVE = ["extraversion", "agreeableness", "conscientiousness", "neuroticism", "openness"]
LABELS = ["Very Inaccurate", "Moderately Inaccurate", "Slightly Inaccurate", "Slightly Accurate",
          "Moderately Accurate", "Very Accurate"]
# Items shared with IPIP-50 (same IPIP item, same key): sapa25 id -> ipip50 id.
SHARED_WITH_IPIP50 = {"A5": "47", "C1": "48", "E1": "6", "N2": "44", "N3": "39", "N4": "49", "O1": "50",
                      "O4": "45"}


@pytest.fixture(scope="module")
def inv():
    return load_inventory("sapa25")


# ---------------------------------------------------------------------------------------------------------------
# The file
# ---------------------------------------------------------------------------------------------------------------


def test_loads_validates_and_is_listed(inv) -> None:
    assert "sapa25" in {i.id for i in list_inventories()}
    assert inv.version == 1 and inv.kind == "likert" and inv.scoring == "mean"
    assert [(o.value, o.label) for o in inv.response_options] == list(enumerate(LABELS, start=1))
    assert inv.stem is None
    assert all(isinstance(it, LikertItem) for it in inv.items)
    assert sorted(it.id for it in inv.items) == sorted(f"{f}{i}" for f in "ACENO" for i in range(1, 6))
    assert inv.citation and inv.instructions
    assert "Revelle" in inv.citation and "Goldberg" in inv.citation
    assert "public domain" in inv.license.lower() and "GPL" in inv.license


def test_keys_match_the_data_readme(inv) -> None:
    got = {
        s.id: sorted(("-" if it.reverse else "") + it.id for it in inv.items_of(s.id)) for s in inv.scales
    }
    assert got == {scale: sorted(keys) for scale, keys in README_KEYS.items()}


def test_traits_pair_with_the_other_big_five_instruments(inv) -> None:
    assert [s.id for s in inv.scales] == BIG_FIVE
    assert [s.trait for s in inv.scales] == BIG_FIVE
    for other in ("bfi44", "ipip50"):
        assert [s.trait for s in load_inventory(other).scales] == BIG_FIVE


def test_items_shared_with_ipip50_agree(inv) -> None:
    ipip = load_inventory("ipip50")
    for ours, theirs in SHARED_WITH_IPIP50.items():
        a, b = inv.item(ours), ipip.item(theirs)
        assert (a.text, a.scale, a.reverse) == (b.text, b.scale, b.reverse), ours


def test_order_cycles_the_factors(inv) -> None:
    assert [it.id for it in inv.items] == [f"{f}{i}" for i in range(1, 6) for f in "ACENO"]


def test_every_scale_has_norms_describing_the_sample(inv) -> None:
    for s in inv.scales:
        assert s.norms is not None, s.id
        src = s.norms.source
        assert "psych::bfi" in src and "SAPA" in src and "2,800" in src and "listwise" in src, s.id
        assert "6-point" in src and "computed by this project" in src, s.id
        assert 2_600 < s.norms.n <= 2_800, s.id
        assert 1 <= s.norms.mean <= 6 and 0 < s.norms.sd < 2.5
    assert len({s.norms.source for s in inv.scales}) == 1  # one sample, one description; n differs per scale


# ---------------------------------------------------------------------------------------------------------------
# The norms against the data
# ---------------------------------------------------------------------------------------------------------------


def _numpy_norms(data: pd.DataFrame, keys: list[str]) -> tuple[float, float, int]:
    """Mean, SD (ddof=1) and n of the mean of the 5 keyed items, over people who answered all 5."""
    cols = []
    for key in keys:
        x = data[key.lstrip("-")].to_numpy(dtype=float)
        cols.append(7.0 - x if key.startswith("-") else x)
    m = np.column_stack(cols)
    m = m[~np.isnan(m).any(axis=1)]
    score = m.mean(axis=1)
    return float(score.mean()), float(score.std(ddof=1)), int(score.size)


@pytest.mark.parametrize("scale", BIG_FIVE)
def test_norms_equal_the_data_recomputed_with_numpy(inv, bfi, scale: str) -> None:  # noqa: F811
    mean, sd, n = _numpy_norms(bfi, README_KEYS[scale])
    norms = inv.scale(scale).norms
    assert norms.n == n
    assert norms.mean == pytest.approx(mean, abs=1e-3)
    assert norms.sd == pytest.approx(sd, abs=1e-3)
    # and the file carries exactly the rounded figures
    assert (norms.mean, norms.sd) == (round(mean, 3), round(sd, 3))


def test_our_scorer_reproduces_the_norms(inv, bfi) -> None:  # noqa: F811
    items = [it.id for it in inv.items]
    long = bfi.melt(id_vars="id", value_vars=items, var_name="item", value_name="value")
    long = long.rename(columns={"id": "respondent"})
    scored = score_scales(inv, long)
    assert len(scored) == len(bfi) * len(inv.scales)
    for s in inv.scales:
        rows = scored[(scored["scale"] == s.id) & (scored["n_answered"] == scored["n_items"])]
        assert (rows["n_items"] == 5).all()
        assert len(rows) == s.norms.n, s.id
        assert rows["score"].mean() == pytest.approx(s.norms.mean, abs=1e-3), s.id
        assert rows["score"].std(ddof=1) == pytest.approx(s.norms.sd, abs=1e-3), s.id


# ---------------------------------------------------------------------------------------------------------------
# End to end: an audit with the simulated provider compares the scores with the norms
# ---------------------------------------------------------------------------------------------------------------


def test_audit_reports_a_norm_comparison_for_every_scale(inv, tmp_path) -> None:
    from psychometrics.administer import audit
    from psychometrics.score import score

    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = audit("sim/steady", ["sapa25"], templates=["qa"], orders=["original"], db=db)
    scores = score(result.run.run_id, db=db)
    norms = {n.scale: n for n in scores.norms if n.inventory == "sapa25"}
    assert set(norms) == set(BIG_FIVE)
    for s in inv.scales:
        n = norms[s.id]
        assert n.reason is None, (s.id, n.reason)
        assert n.comparison is not None and n.comparison.n >= 1
        assert n.comparison.norm_mean == s.norms.mean and n.comparison.norm_sd == s.norms.sd
        assert np.isfinite(n.comparison.z) and 0 <= n.comparison.percentile <= 100
        assert n.source == s.norms.source and n.norm_n == s.norms.n
    table = scores.to_frame()
    assert table.loc[table["inventory"] == "sapa25", "norm_z"].notna().sum() == len(BIG_FIVE)
