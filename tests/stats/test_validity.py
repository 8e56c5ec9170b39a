"""Validity: Tucker's congruence and the MTMM summary against hand-worked values; a five-factor EFA of the bfi
recovers the keyed scales; KMO, Bartlett, loadings and congruence against their formulas and R psych's output
(tests/reference/efa.json)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import linalg

import psychometrics.stats._validity as validity_module
from psychometrics.stats import efa, mtmm, tucker_congruence
from tests.reference import as_frame, load_reference
from tests.stats.conftest import BFI_KEYS, run_doctests

# ------------------------------------------------------------------------------------------------------------
# Tucker's congruence


def test_tucker_congruence_by_hand():
    # Σxy = 1 + 4 + 6 = 11, Σx² = 14, Σy² = 9
    assert tucker_congruence([1, 2, 3], [1, 2, 2]) == pytest.approx(11 / math.sqrt(14 * 9), abs=1e-15)
    # not centred: a constant shift changes φ (a correlation would stay 1)
    assert tucker_congruence([1, 2, 3], [2, 3, 4]) == pytest.approx(20 / math.sqrt(14 * 29), abs=1e-15)
    assert tucker_congruence([1, 0, -1], [1, 1, 1]) == 0.0
    assert tucker_congruence([0.5, 0.6, -0.7], [-0.5, -0.6, 0.7]) == pytest.approx(-1.0, abs=1e-15)
    assert math.isnan(tucker_congruence([0, 0, 0], [1, 2, 3]))
    with pytest.raises(ValueError, match="same length"):
        tucker_congruence([1, 2], [1, 2, 3])


def test_tucker_congruence_matrix_form():
    x = pd.DataFrame({"a": [1, 2, 3], "b": [1, 0, -1]})
    y = pd.DataFrame({"f1": [1, 2, 2], "f2": [1, 1, 1]})
    phi = tucker_congruence(x, y)
    assert list(phi.index) == ["a", "b"] and list(phi.columns) == ["f1", "f2"]
    assert phi.loc["a", "f1"] == pytest.approx(11 / math.sqrt(14 * 9), abs=1e-15)
    assert phi.loc["a", "f2"] == pytest.approx(6 / math.sqrt(14 * 3), abs=1e-15)
    assert phi.loc["b", "f1"] == pytest.approx(-1 / math.sqrt(2 * 9), abs=1e-15)
    assert phi.loc["b", "f2"] == pytest.approx(0.0, abs=1e-15)


# ------------------------------------------------------------------------------------------------------------
# MTMM

# Eight respondents and mutually orthogonal centred ±1 vectors (columns 2–6 of a Hadamard matrix), each with
# Σh² = 8. Correlations between sums of them follow from counting shared vectors:
# r(h_a, h_a + h_b) = 8 / √(8 · 16) = 1/√2, r(h_a, h_a + h_b + h_c) = 8 / √(8 · 24) = 1/√3.
H = linalg.hadamard(8)[:, 1:6].T  # h1 … h5


def hand_worked_scores() -> pd.DataFrame:
    h1, h2, h3, h4, h5 = H
    columns = {
        ("self", "E"): h1,
        ("self", "N"): h2,
        ("self", "O"): h3,
        ("other", "E"): h1 + h4,  # r with self:E = 1/√2
        ("other", "N"): h2 + h1,  # r with self:N = 1/√2, with self:E = 1/√2
        ("other", "O"): h3 + h2 + h5,  # r with self:O = 1/√3, with self:N = 1/√3
    }
    return pd.DataFrame(
        [
            {"respondent": f"p{i}", "method": m, "trait": t, "score": 3.0 + 0.5 * v[i]}
            for (m, t), v in columns.items()
            for i in range(8)
        ]
    )


def test_mtmm_hand_worked_three_traits():
    res = mtmm(hand_worked_scores())
    r2, r3 = 1 / math.sqrt(2), 1 / math.sqrt(3)
    # heteromethod block (rows self:·, columns other:·):
    #           other:E  other:N  other:O
    #  self:E    1/√2     1/√2      0
    #  self:N     0       1/√2     1/√3
    #  self:O     0        0       1/√3
    m = res.matrix
    assert m.loc[("self", "E"), ("other", "E")] == pytest.approx(r2, abs=1e-12)
    assert m.loc[("self", "E"), ("other", "N")] == pytest.approx(r2, abs=1e-12)
    assert m.loc[("self", "N"), ("other", "O")] == pytest.approx(r3, abs=1e-12)
    assert m.loc[("self", "N"), ("other", "E")] == pytest.approx(0.0, abs=1e-12)
    assert m.loc[("self", "E"), ("self", "N")] == pytest.approx(0.0, abs=1e-12)
    # monomethod other: r(h1 + h4, h2 + h1) = 8 / √(16 · 16) = 1/2
    assert m.loc[("other", "E"), ("other", "N")] == pytest.approx(0.5, abs=1e-12)
    assert m.index.names == ["method", "trait"]
    assert np.allclose(m.to_numpy(), m.to_numpy().T)

    s = res.summary.set_index("trait")
    # E: row (1/√2, 0), column (0, 0) → Δ = 1/√2 − (1/√2)/4 = 3/(4√2)
    # N: row (0, 1/√3), column (1/√2, 0) → Δ = 1/√2 − (1/√2 + 1/√3)/4
    # O: row (0, 0), column (0, 1/√3) → Δ = 1/√3 − (1/√3)/4 = 3/(4√3)
    expected = {
        "E": (r2, 3 / (4 * math.sqrt(2)), True, True),
        "N": (r2, r2 - (r2 + r3) / 4, True, False),
        "O": (r3, 3 / (4 * math.sqrt(3)), False, True),
    }
    for trait, (conv, delta, conv_pass, disc_pass) in expected.items():
        assert s.loc[trait, "convergent_r"] == pytest.approx(conv, abs=1e-12)
        assert s.loc[trait, "discriminant_delta"] == pytest.approx(delta, abs=1e-12)
        assert bool(s.loc[trait, "convergent_pass"]) is conv_pass
        assert bool(s.loc[trait, "discriminant_pass"]) is disc_pass
        assert s.loc[trait, "method_a"] == "self" and s.loc[trait, "method_b"] == "other"
        assert s.loc[trait, "n"] == 8
    assert list(res.summary.columns) == [
        "trait", "method_a", "method_b", "convergent_r", "discriminant_delta",
        "convergent_pass", "discriminant_pass", "n", "reason",
    ]
    assert res.n == 8 and res.reason is None
    assert res.warning == "n = 8 < 30: unstable correlations"


def test_mtmm_zero_variance_score_gives_nan_with_reason():
    scores = hand_worked_scores()
    scores.loc[(scores["method"] == "other") & (scores["trait"] == "O"), "score"] = 4.0
    res = mtmm(scores)
    s = res.summary.set_index("trait")
    assert math.isnan(s.loc["O", "convergent_r"]) and math.isnan(s.loc["O", "discriminant_delta"])
    assert s.loc["O", "reason"] == "zero variance in other:O: correlation undefined"
    assert pd.isna(s.loc["O", "convergent_pass"]) and pd.isna(s.loc["O", "discriminant_pass"])
    assert res.matrix[("other", "O")].isna().all()
    # E's Δ now averages the three defined heterotrait values: row (1/√2), column (0, 0)
    r2 = 1 / math.sqrt(2)
    assert s.loc["E", "discriminant_delta"] == pytest.approx(r2 - r2 / 3, abs=1e-12)
    # the JSON form of the result carries the frames, NaN as null
    data = json.loads(res.model_dump_json())
    assert data["summary"]["columns"][0] == "trait"
    assert data["matrix"]["index"][0] == ["self", "E"]
    assert None in data["summary"]["data"][2]


def test_mtmm_three_methods_pairs_and_listwise():
    scores = hand_worked_scores()
    third = scores[scores["method"] == "self"].assign(method="peer")
    extra = pd.DataFrame([{"respondent": "extra", "method": "self", "trait": "E", "score": 1.0}])
    both = pd.concat([scores, third, extra])
    res = mtmm(both)
    pairs = res.summary[["method_a", "method_b"]].drop_duplicates().apply(tuple, axis=1).tolist()
    assert pairs == [("self", "other"), ("self", "peer"), ("other", "peer")]
    assert res.n == 8  # the respondent with a single score is dropped listwise
    s = res.summary[(res.summary["method_a"] == "self") & (res.summary["method_b"] == "peer")]
    assert s["convergent_r"].to_numpy() == pytest.approx([1.0, 1.0, 1.0], abs=1e-12)


def test_mtmm_bad_input():
    scores = hand_worked_scores()
    with pytest.raises(ValueError, match="more than one score"):
        mtmm(pd.concat([scores, scores.iloc[[0]]]))
    with pytest.raises(ValueError, match="not in scores"):
        mtmm(scores.rename(columns={"score": "value"}))
    res = mtmm(scores[scores["respondent"].isin(["p0", "p1"])])
    assert res.reason == "2 respondents with every score; at least 3 are needed"
    assert res.summary["convergent_r"].isna().all()


# ------------------------------------------------------------------------------------------------------------
# EFA on the psych bfi

# Tucker's φ of each keyed scale with its matched factor (five-factor minres, oblimin), pinned from this package.
BFI_CONGRUENCE = {"A": 0.8961, "C": 0.9554, "E": 0.8410, "N": 0.9240, "O": 0.8990}


@pytest.fixture(scope="module")
def bfi_efa(bfi):
    items = bfi[[c for c in bfi.columns if c[:1] in "ACENO" and c[1:].isdigit()]]
    keys = {s: [(k.lstrip("-"), -1 if k.startswith("-") else 1) for k in ks] for s, ks in BFI_KEYS.items()}
    return items, efa(items, 5, keys=keys)


def test_bfi_five_factors_recover_the_keyed_scales(bfi_efa):
    items, res = bfi_efa
    cong = res.congruence.set_index("scale")
    assert (cong["phi"] >= 0.85).sum() >= 4
    assert cong["factor"].nunique() == 5  # one factor per scale
    for scale, phi in BFI_CONGRUENCE.items():
        assert cong.loc[scale, "phi"] == pytest.approx(phi, abs=5e-4), scale
    # the matched φ is the largest |φ| in each scale's row of the congruence matrix
    full = res.congruence_matrix.abs()
    for scale in BFI_CONGRUENCE:
        assert cong.loc[scale, "factor"] == full.loc[scale].idxmax()
    # sign alignment: a reflected factor had a negative φ
    for scale, row in cong.iterrows():
        signed = res.congruence_matrix.loc[scale, row["factor"]]
        assert row["reflected"] == (signed < 0)
        assert row["phi"] == pytest.approx(abs(signed), abs=1e-15)
    assert res.loadings.shape == (25, 5) and list(res.loadings.columns) == ["F1", "F2", "F3", "F4", "F5"]
    assert res.factor_correlations is not None and res.factor_correlations.shape == (5, 5)
    assert res.n == int(items.dropna().shape[0]) == 2436
    assert res.warning is None and res.reason is None


def test_bfi_kmo_and_bartlett_match_their_formulas(bfi_efa):
    items, res = bfi_efa
    x = items.dropna().to_numpy(dtype=float)
    n, k = x.shape
    r = np.corrcoef(x, rowvar=False)
    inv = np.linalg.inv(r)
    partial = -inv / np.sqrt(np.outer(np.diag(inv), np.diag(inv)))
    off = ~np.eye(k, dtype=bool)
    kmo = (r[off] ** 2).sum() / ((r[off] ** 2).sum() + (partial[off] ** 2).sum())
    chi2 = -(n - 1 - (2 * k + 5) / 6) * np.log(np.linalg.det(r))
    assert res.kmo == pytest.approx(kmo, abs=1e-10)
    assert res.bartlett_chi2 == pytest.approx(chi2, rel=1e-10)
    assert res.bartlett_df == 300
    assert res.bartlett_p < 1e-300
    assert 0.84 < res.kmo < 0.86  # "meritorious"
    v = res.variance
    assert list(v.columns) == ["ss_loadings", "proportion", "cumulative"]
    assert v["ss_loadings"].to_numpy() == pytest.approx((res.loadings.to_numpy() ** 2).sum(axis=0), abs=1e-10)
    assert v["cumulative"].iloc[-1] == pytest.approx(v["proportion"].sum(), abs=1e-12)


R_EFA = load_reference("efa")
"""R psych on the same 2,436 complete bfi respondents: KMO, cortest.bartlett, fa(5, minres, oblimin), congruence."""


def match_r_factors(ours: pd.DataFrame, theirs: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """For each of our factors, the R factor with the largest |Tucker φ| of loadings, and the sign to align it.

    psych names and orders factors its own way (MR1..MR5 by extraction, sorted by variance) and may reflect them.
    """
    a, b = ours.to_numpy(), theirs.to_numpy()
    phi = (a.T @ b) / np.sqrt(np.outer((a**2).sum(axis=0), (b**2).sum(axis=0)))
    best = np.abs(phi).argmax(axis=1)
    assert sorted(best) == list(range(b.shape[1])), "the factors do not pair up one to one"
    assert (np.abs(phi[np.arange(len(best)), best]) > 0.999).all()
    return [str(theirs.columns[j]) for j in best], np.sign(phi[np.arange(len(best)), best])


def test_bfi_efa_matches_r_psych(bfi_efa):
    items, res = bfi_efa
    assert list(items.columns) == R_EFA["items"] and res.n == R_EFA["n"]
    assert res.kmo == pytest.approx(R_EFA["kmo"]["msa"], abs=1e-12)
    assert res.bartlett_chi2 == pytest.approx(R_EFA["bartlett"]["chisq"], rel=1e-12)
    assert res.bartlett_df == R_EFA["bartlett"]["df"]
    assert R_EFA["bartlett"]["p_value"] == 0.0 and res.bartlett_p < 1e-300
    theirs = as_frame(R_EFA["fa"]["loadings"])
    assert list(theirs.index) == list(res.loadings.index)
    names, signs = match_r_factors(res.loadings, theirs)
    # factor_analyzer's minres + oblimin and psych's fa + GPArotation stop at the same optimum to about 1e-6
    assert (res.loadings.to_numpy() * signs) == pytest.approx(theirs[names].to_numpy(), abs=1e-5)
    # each scale's matched φ equals psych::factor.congruence of its key with the same R factor
    r_congruence = as_frame(R_EFA["congruence"]["matrix"])
    for row in res.congruence.itertuples():
        r_factor = names[res.loadings.columns.get_loc(row.factor)]
        assert row.phi == pytest.approx(abs(r_congruence.loc[row.scale, r_factor]), abs=1e-6), row.scale


def test_bfi_factor_correlations_match_r_psych(bfi_efa):
    _, res = bfi_efa
    names, signs = match_r_factors(res.loadings, as_frame(R_EFA["fa"]["loadings"]))
    theirs = as_frame(R_EFA["fa"]["phi"]).loc[names, names].to_numpy()
    ours = res.factor_correlations.to_numpy() * np.outer(signs, signs)
    assert ours == pytest.approx(theirs, abs=1e-5)


def test_efa_undefined_and_bad_input():
    rng = np.random.default_rng(0)
    items = pd.DataFrame(rng.normal(size=(200, 4)), columns=list("abcd"))
    dup = items.assign(e=items["a"])
    res = efa(dup, 1)
    assert math.isnan(res.kmo) and res.loadings is None
    assert res.reason.startswith("singular correlation matrix")
    res = efa(items.assign(c=1.0), 1)
    assert res.reason == "zero variance in item(s) 'c'"
    assert efa(items, 5).reason == "4 items cannot give 5 factors"
    with pytest.raises(ValueError, match="rotation must be one of"):
        efa(items, 2, rotation="spin")
    with pytest.raises(ValueError, match="method must be one of"):
        efa(items, 2, method="pca")
    with pytest.raises(ValueError, match="not a column of items"):
        efa(items, 2, keys={"X": [("zz", 1)]})
    with pytest.raises(ValueError, match="must be 1 or -1"):
        efa(items, 2, keys={"X": [("a", 2)]})


def test_efa_small_n_and_more_scales_than_factors():
    rng = np.random.default_rng(1)
    f = rng.normal(size=(25, 1))
    items = pd.DataFrame(0.8 * f + 0.6 * rng.normal(size=(25, 4)), columns=list("abcd"))
    res = efa(items, 1, rotation=None, keys={"X": [("a", 1), ("b", 1)], "Y": [("c", 1), ("d", 1)]})
    assert res.warning.startswith("n = 25 < 30: unstable solution")
    cong = res.congruence.set_index("scale")
    assert cong["factor"].isna().sum() == 1  # one factor, two scales: one stays unmatched
    assert cong["phi"].isna().sum() == 1


def test_doctests():
    run_doctests(validity_module)


# R psych 2.2.9 (GPArotation 2024.3-1), on tests/data/psych_bfi.csv:
#   f <- fa(na.omit(bfi[, 2:26]), 5, fm = "minres", rotate = "oblimin")
#   each factor matched to the key with the largest |factor.congruence(keys, f$loadings)| and reflected so that the
#   key loads positively; then f$Phi[best, best] * outer(sign, sign):
R_PHI = {
    ("A", "C"): 0.2020613885, ("A", "E"): 0.3296996451, ("A", "N"): -0.0462195461, ("A", "O"): 0.1955342368,
    ("C", "E"): 0.2365123780, ("C", "N"): -0.1908933910, ("C", "O"): 0.1979423654, ("E", "N"): -0.2169429723,
    ("E", "O"): 0.1664020861, ("N", "O"): -0.0014852647,
}
"""The issue's values (N–E −0.217, N–C −0.191, N–A −0.046, N–O −0.002, E–C 0.237, E–A 0.330, E–O 0.166, C–A 0.202,
C–O 0.198, A–O 0.196) at full precision."""


def fit_factor_analyzer(x: np.ndarray, n_factors: int, rotation: str | None):
    """factor_analyzer itself (its scikit-learn calls warn about a renamed argument, which is not ours to fix)."""
    import warnings

    from factor_analyzer import FactorAnalyzer

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*force_all_finite.*", category=FutureWarning)
        return FactorAnalyzer(n_factors=n_factors, rotation=rotation, method="minres").fit(x)


def test_bfi_factor_correlations_belong_to_their_loadings(bfi_efa):
    """L·Φ·Lᵀ is the common part of R that the unrotated solution reproduces (rotation changes neither)."""
    items, res = bfi_efa
    unrotated = fit_factor_analyzer(items.dropna().to_numpy(float), 5, None)
    common = unrotated.loadings_ @ unrotated.loadings_.T
    L, phi = res.loadings.to_numpy(), res.factor_correlations.to_numpy()
    assert np.abs(L @ phi @ L.T - common).max() < 1e-6
    assert np.allclose(phi, phi.T) and np.allclose(np.diag(phi), 1.0)
    # factor_analyzer's own phi_ (left in rotation order) breaks the invariant: the defect this fixes
    fa = fit_factor_analyzer(items.dropna().to_numpy(float), 5, "oblimin")
    assert np.abs(fa.loadings_ @ fa.phi_ @ fa.loadings_.T - common).max() > 0.1
    # and Φ is the same matrix, re-ordered
    assert sorted(np.round(phi[np.triu_indices(5, 1)], 10)) == sorted(np.round(fa.phi_[np.triu_indices(5, 1)], 10))


def test_bfi_factor_correlations_match_r_psych(bfi_efa):
    _, res = bfi_efa
    cong = res.congruence.set_index("scale")
    sign = {s: -1.0 if cong.loc[s, "reflected"] else 1.0 for s in cong.index}
    for (a, b), r_value in R_PHI.items():
        ours = res.factor_correlations.loc[cong.loc[a, "factor"], cong.loc[b, "factor"]] * sign[a] * sign[b]
        assert ours == pytest.approx(r_value, abs=0.002), (a, b)
        assert ours == pytest.approx(r_value, abs=1e-5), (a, b)  # the two programs reach the same optimum


@pytest.mark.parametrize("rotation", ["oblimin", "promax", "quartimin", "geomin_obl"])
def test_every_oblique_rotation_keeps_the_invariant(rotation):
    rng = np.random.default_rng(4)
    f = rng.normal(size=(600, 3)) @ np.linalg.cholesky([[1, .4, .2], [.4, 1, .3], [.2, .3, 1]]).T
    x = np.concatenate([f[:, [j]] * 0.7 + rng.normal(size=(600, 3)) * 0.6 for j in range(3)], axis=1)
    items = pd.DataFrame(x, columns=[f"i{k}" for k in range(9)])
    res = efa(items, 3, rotation=rotation)
    unrotated = fit_factor_analyzer(x, 3, None)
    L, phi = res.loadings.to_numpy(), res.factor_correlations.to_numpy()
    assert np.abs(L @ phi @ L.T - unrotated.loadings_ @ unrotated.loadings_.T).max() < 1e-6, rotation
    assert efa(items, 3, rotation="varimax").factor_correlations is None
