"""Reliability: α, λ6, ω and split-half against independent numpy/scipy computations, R psych's published and
computed values on the bfi data (tests/reference/reliability.json), a simulated one-factor model, and the undefined
cases; ICC against a hand-done ANOVA and R psych's ICC()."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

import psychometrics.stats._reliability as rel_module
from psychometrics.stats import (
    Estimate,
    cronbach_alpha,
    guttman_lambda6,
    icc,
    mcdonald_omega,
    split_half,
)
from tests.reference import as_frame, load_reference
from tests.stats.conftest import BFI_KEYS, run_doctests

R_RELIABILITY = load_reference("reliability")
"""R psych's output on the bfi scales and the ICC examples (tests/reference/reliability.R)."""

# ------------------------------------------------------------------------------------------------------------
# independent reference implementations (plain numpy / scipy, the formulas of tests/data/README.md)


def ref_alpha(x: np.ndarray) -> float:
    c = np.cov(x, rowvar=False)
    k = c.shape[0]
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


def ref_lambda6(x: np.ndarray) -> float:
    r = np.corrcoef(x, rowvar=False)
    smc = 1 - 1 / np.diag(np.linalg.inv(r))
    return 1 - np.sum(1 - smc) / r.sum()


def ref_minres_loadings(r: np.ndarray) -> np.ndarray:
    """One-factor minres: minimise the squared off-diagonal residuals Σ_{i<j} (r_ij − λ_i λ_j)²."""
    k = r.shape[0]
    iu = np.triu_indices(k, 1)

    def residuals(lam: np.ndarray) -> np.ndarray:
        return r[iu] - np.outer(lam, lam)[iu]

    start = np.full(k, math.sqrt(max(r[iu].mean(), 0.01)))
    fit = optimize.least_squares(residuals, start, xtol=1e-14, ftol=1e-14, gtol=1e-14)
    assert fit.success
    return fit.x


def ref_omega(x: np.ndarray) -> float:
    lam = ref_minres_loadings(np.corrcoef(x, rowvar=False))
    s = lam.sum() ** 2
    return s / (s + np.sum(1 - lam**2))


# ------------------------------------------------------------------------------------------------------------
# psych bfi

# Published R psych raw α of the bfi scales (psych documentation, tests/data/README.md), rounded to 2 places.
PSYCH_ALPHA = {"A": 0.70, "C": 0.73, "E": 0.76, "N": 0.81, "O": 0.60}
# Complete cases per scale (listwise) in the 2,800-row bfi.
BFI_N = {"A": 2709, "C": 2707, "E": 2713, "N": 2694, "O": 2726}
# Values this package gives (α, λ6, ω), pinned to 4 decimals; they agree with the references below to < 1e-4.
PINNED = {
    "A": (0.7038, 0.6832, 0.7240),
    "C": (0.7293, 0.6967, 0.7338),
    "E": (0.7609, 0.7260, 0.7634),
    "N": (0.8133, 0.7982, 0.8183),
    "O": (0.6025, 0.5688, 0.6181),
}
# R's own output for the listwise scales (α, G6(smc), one-factor ω, split-half) is in R_RELIABILITY, computed by
# tests/reference/reliability.R and checked against a fresh R run in CI.


@pytest.mark.parametrize("scale", list(PSYCH_ALPHA))
def test_bfi_matches_psych_definitions(bfi_scales, scale):
    items = bfi_scales[scale]
    x = items.dropna().to_numpy(dtype=float)
    a = cronbach_alpha(items)
    l6 = guttman_lambda6(items, ci=None)
    om = mcdonald_omega(items, ci=None)
    for est in (a, l6, om):
        assert est.n == BFI_N[scale] == x.shape[0]
        assert est.n_items == 5
        assert est.reason is None and est.warning is None
    # same formulas as R psych (README): agreement far inside the ±0.002 asked for
    assert a.value == pytest.approx(ref_alpha(x), abs=1e-12)
    assert l6.value == pytest.approx(ref_lambda6(x), abs=1e-12)
    assert om.value == pytest.approx(ref_omega(x), abs=1e-4)
    assert abs(om.value - ref_omega(x)) <= 0.002
    # published psych α, rounded to two decimals
    assert abs(a.value - PSYCH_ALPHA[scale]) <= 0.005
    # regression pins
    assert (round(a.value, 4), round(l6.value, 4), round(om.value, 4)) == PINNED[scale]
    # the orderings that must hold on these data: λ6 < α < ω (congeneric items, no item redundancy)
    assert l6.value < a.value < om.value


@pytest.mark.parametrize("scale", list(PSYCH_ALPHA))
def test_bfi_matches_r_psych_output(bfi_scales, scale):
    r = R_RELIABILITY["scales"][scale]
    assert r["keys"] == BFI_KEYS[scale]
    items = bfi_scales[scale]
    a = cronbach_alpha(items)
    l6 = guttman_lambda6(items, ci=None)
    om = mcdonald_omega(items, ci=None)
    sh = split_half(items, ci=None)
    assert a.n == l6.n == om.n == sh.n == r["n"]
    assert a.value == pytest.approx(r["alpha"]["raw_alpha"], abs=1e-12)
    assert l6.value == pytest.approx(r["alpha"]["G6_smc"], abs=1e-12)
    # factor_analyzer's and psych's minres stop at the same optimum to about 1e-6
    x = items.dropna().to_numpy(dtype=float)
    loadings, _, _ = rel_module._fit_one_factor(np.corrcoef(x, rowvar=False))
    assert np.abs(loadings) == pytest.approx(r["one_factor"]["loadings"], abs=1e-5)
    assert om.value == pytest.approx(r["one_factor"]["omega_from_loadings"], abs=1e-6)
    # psych::omega(nfactors = 1)$omega.tot divides by ΣR, not the model-implied total: close, not equal
    assert abs(om.value - r["omega"]["omega_tot"]) <= 0.002
    assert sh.value == pytest.approx(r["split_half"]["odd_even"], abs=1e-12)


@pytest.mark.parametrize("scale", list(PSYCH_ALPHA))
def test_feldt_interval_matches_pingouin_on_complete_cases(bfi_scales, scale):
    import pingouin

    complete = bfi_scales[scale].dropna()
    a = cronbach_alpha(complete, ci=0.95)
    value, (low, high) = pingouin.cronbach_alpha(data=complete)
    assert a.value == pytest.approx(value, abs=1e-12)
    # pingouin rounds its bounds to 3 decimals
    assert a.ci_low == pytest.approx(low, abs=5e-4 + 1e-12)
    assert a.ci_high == pytest.approx(high, abs=5e-4 + 1e-12)
    assert a.ci_low < a.value < a.ci_high
    assert a.method == "Feldt" and a.ci_level == 0.95


def test_bootstrap_intervals_on_bfi_are_sane_and_seeded(bfi_scales):
    items = bfi_scales["N"]
    for fn in (guttman_lambda6, mcdonald_omega, split_half):
        est = fn(items, n_boot=500, seed=1)
        assert est.ci_low < est.value < est.ci_high, fn.__name__
        assert 0.01 < est.ci_high - est.ci_low < 0.06, fn.__name__
        assert est.method == "bootstrap percentile (500 resamples, seed 1)"
        again = fn(items, n_boot=500, seed=1)
        assert (again.ci_low, again.ci_high) == (est.ci_low, est.ci_high)
        other = fn(items, n_boot=500, seed=2)
        assert (other.ci_low, other.ci_high) != (est.ci_low, est.ci_high)


def test_bootstrap_ci_matches_a_plain_loop(bfi_scales):
    """The weighted-moment bootstrap gives the same λ6 per resample as recomputing on resampled rows."""
    x = bfi_scales["C"].dropna().to_numpy(dtype=float)[:400]
    covs = rel_module._bootstrap_covs(x, 50, seed=3)
    rng = np.random.default_rng(3)
    idx = rng.integers(0, x.shape[0], size=(50, x.shape[0]))
    for b in range(50):
        assert covs[b] == pytest.approx(np.cov(x[idx[b]], rowvar=False), abs=1e-10)


def test_vectorised_minres_agrees_with_factor_analyzer(bfi_scales):
    for scale, items in bfi_scales.items():
        r = np.corrcoef(items.dropna().to_numpy(dtype=float), rowvar=False)
        lam, converged = rel_module._one_factor_uls(r[None])
        fa_lam, failure, _ = rel_module._fit_one_factor(r)
        assert converged[0] and failure is None
        assert np.abs(lam[0]) == pytest.approx(np.abs(fa_lam), abs=1e-4), scale
        assert np.abs(lam[0]) == pytest.approx(np.abs(ref_minres_loadings(r)), abs=1e-4), scale


def test_accelerated_minres_reaches_a_fixed_point_on_weak_data():
    """Uncorrelated answers (the hard case: coordinate descent crawls) still converge, to a true minimum."""
    rng = np.random.default_rng(0)
    x = rng.integers(1, 6, size=(300, 10)).astype(float)
    r = rel_module._correlations(rel_module._bootstrap_covs(x, 200, seed=0))
    lam, converged = rel_module._one_factor_uls(r)
    assert converged.mean() >= 0.99
    r0 = r.copy()
    r0[:, np.arange(10), np.arange(10)] = 0.0
    lam_c = lam[converged]
    # a further plain coordinate-descent sweep moves nothing: every loading is at its own optimum
    assert np.abs(rel_module._cd_sweep(r0[converged], lam_c) - lam_c).max() < 1e-8
    # and the objective is no worse than 5,000 plain sweeps from the same start reach
    plain = rel_module._one_factor_uls(r[converged][:20], max_iter=2)[0]
    for _ in range(5000):
        plain = rel_module._cd_sweep(r0[converged][:20], plain)
    assert (rel_module._uls_objective(r0[converged][:20], lam_c[:20])
            <= rel_module._uls_objective(r0[converged][:20], plain) + 1e-12).all()


def test_bootstrap_resamples_are_shared_and_read_only(bfi_scales):
    x = bfi_scales["A"].dropna().to_numpy(dtype=float)[:300]
    first = rel_module._bootstrap_covs(x, 40, seed=5)
    assert rel_module._bootstrap_covs(x.copy(), 40, seed=5) is first
    assert np.array_equal(first, rel_module._draw_bootstrap_covs(x, 40, 5))
    with pytest.raises(ValueError):
        first[0, 0, 0] = 1.0
    assert rel_module._bootstrap_covs(x, 40, seed=6) is not first
    assert rel_module._bootstrap_covs(x, 40, seed=None) is not rel_module._bootstrap_covs(x, 40, seed=None)


# ------------------------------------------------------------------------------------------------------------
# simulated one-factor data

LOADINGS = np.array([0.4, 0.5, 0.6, 0.7, 0.8])


def simulate_one_factor(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    e = rng.normal(size=(n, LOADINGS.size)) * np.sqrt(1 - LOADINGS**2)
    return pd.DataFrame(f * LOADINGS + e, columns=[f"x{i + 1}" for i in range(LOADINGS.size)])


def test_simulated_one_factor_omega_and_alpha_match_theory():
    items = simulate_one_factor(5000, seed=42)
    s = LOADINGS.sum() ** 2
    omega_true = s / (s + np.sum(1 - LOADINGS**2))  # 9 / 12.1
    implied = np.outer(LOADINGS, LOADINGS)
    np.fill_diagonal(implied, 1.0)
    k = LOADINGS.size
    alpha_true = k / (k - 1) * (1 - np.trace(implied) / implied.sum())
    assert omega_true == pytest.approx(9 / 12.1, abs=1e-12)
    assert alpha_true == pytest.approx(1.25 * (1 - 5 / 12.1), abs=1e-12)

    om = mcdonald_omega(items, n_boot=400)
    a = cronbach_alpha(items)
    se_omega = (om.ci_high - om.ci_low) / (2 * 1.96)
    assert 0.002 < se_omega < 0.01
    assert abs(om.value - omega_true) < 3 * se_omega
    assert om.ci_low < omega_true < om.ci_high
    assert abs(a.value - alpha_true) < 0.015
    assert a.ci_low < alpha_true < a.ci_high
    # α < ω whenever loadings are unequal (congeneric items)
    assert omega_true > alpha_true and om.value > a.value


def test_tau_equivalent_items_give_alpha_equal_to_omega():
    rng = np.random.default_rng(7)
    f = rng.normal(size=(4000, 1))
    items = pd.DataFrame(0.6 * f + 0.8 * rng.normal(size=(4000, 4)))
    assert mcdonald_omega(items, ci=None).value == pytest.approx(cronbach_alpha(items).value, abs=0.005)


# ------------------------------------------------------------------------------------------------------------
# undefined cases and warnings

ALL = (cronbach_alpha, guttman_lambda6, mcdonald_omega, split_half)


def small_items(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    return pd.DataFrame(np.round(3 + f + rng.normal(size=(n, 4)) * 0.7), columns=["q1", "q2", "q3", "q4"])


@pytest.mark.parametrize("fn", ALL)
def test_two_respondents_is_undefined(fn):
    est = fn(small_items(2))
    assert math.isnan(est.value) and math.isnan(est.ci_low) and math.isnan(est.ci_high)
    assert est.reason == "2 respondents after listwise deletion; at least 3 are needed"
    assert est.n == 2 and est.n_items == 4
    assert est.warning == "n = 2 < 30: unstable estimate"


@pytest.mark.parametrize("fn", (cronbach_alpha, guttman_lambda6, split_half))
def test_one_item_is_undefined(fn):
    est = fn(small_items(20)[["q1"]])
    assert math.isnan(est.value)
    assert est.reason == "1 item; at least 2 are needed"


def test_omega_needs_three_items():
    est = mcdonald_omega(small_items(20)[["q1", "q2"]])
    assert math.isnan(est.value)
    assert est.reason.startswith("2 items; at least 3 are needed")
    assert "not identified" in est.reason


@pytest.mark.parametrize("fn", ALL)
def test_zero_variance_item_is_named(fn):
    items = small_items(40).assign(q3=4.0)
    est = fn(items)
    assert math.isnan(est.value)
    assert est.reason == "item 'q3' has zero variance (every respondent gave it the same answer)"


@pytest.mark.parametrize("fn", ALL)
def test_identical_answers_is_undefined(fn):
    items = pd.DataFrame({"q1": [4] * 50, "q2": [2] * 50, "q3": [5] * 50, "q4": [4] * 50})
    est = fn(items)
    assert math.isnan(est.value)
    assert est.reason == "every respondent gave the same answers (zero total variance)"
    assert est.warning is None


@pytest.mark.parametrize("fn", (guttman_lambda6, mcdonald_omega))
def test_duplicated_item_gives_singular_correlation_matrix(fn):
    items = small_items(60).assign(q4=lambda d: d["q2"])
    est = fn(items)
    assert math.isnan(est.value)
    assert est.reason == (
        "singular correlation matrix: items 'q2' and 'q4' are perfectly correlated (a duplicated item?)"
    )


def test_linear_combination_gives_singular_correlation_matrix():
    items = small_items(60).assign(q4=lambda d: d["q1"] + d["q2"])
    est = guttman_lambda6(items)
    assert est.reason == "singular correlation matrix: an item is a linear combination of the others"


def test_alpha_is_defined_with_a_duplicated_item():
    items = small_items(60).assign(q4=lambda d: d["q2"])
    assert cronbach_alpha(items).value == pytest.approx(ref_alpha(items.to_numpy(dtype=float)), abs=1e-12)


def test_items_that_cancel_out_give_zero_total_variance():
    x = small_items(40)["q1"]
    items = pd.DataFrame({"q1": x, "q1_reversed": 7 - x})
    est = cronbach_alpha(items)
    assert math.isnan(est.value)
    assert est.reason == "the total score has zero variance (the items cancel each other out)"
    assert split_half(items).reason == (
        "the two half scores are perfectly negatively correlated (r = -1): Spearman-Brown is undefined"
    )
    four = small_items(40).assign(q3=lambda d: 7 - d["q1"])  # half A = q1 + q3 = 7 for everyone
    assert split_half(four).reason == "a half-test score has zero variance (the items in it cancel each other out)"


@pytest.mark.parametrize("fn", ALL)
def test_missing_values_are_deleted_listwise(fn):
    items = small_items(80, seed=3)
    holed = items.copy()
    holed.iloc[[1, 5, 9], 0] = np.nan
    holed.iloc[[5, 20], 2] = np.nan  # row 5 twice: 4 distinct rows lost
    est = fn(holed, ci=None)
    assert est.n == 76
    assert est.value == pytest.approx(fn(items.drop(index=[1, 5, 9, 20]), ci=None).value, abs=1e-12)
    with pytest.raises(ValueError, match="missing values"):
        fn(holed, nan_policy="raise")


@pytest.mark.parametrize("fn", ALL)
def test_small_n_warns(fn):
    est = fn(small_items(12, seed=5), n_boot=200) if fn is not cronbach_alpha else fn(small_items(12, seed=5))
    assert not math.isnan(est.value)
    assert est.warning is not None and est.warning.startswith("n = 12 < 30: unstable estimate")


def test_undefined_bootstrap_resamples_are_dropped_and_counted():
    items = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3], "q2": [2, 2, 3, 5, 4, 3], "q3": [1, 3, 3, 4, 5, 2]})
    est = guttman_lambda6(items, n_boot=1000, seed=0)
    dropped = int(est.method.split("; ")[1].split()[0])
    assert 100 < dropped < 500  # tiny n: many resamples repeat rows until an item is constant
    assert est.method == f"bootstrap percentile (1000 resamples, seed 0; {dropped} undefined resamples dropped)"
    assert f"{dropped} of 1000 bootstrap resamples were undefined and dropped" in est.warning


def test_no_interval_when_most_resamples_are_undefined():
    items = pd.DataFrame({"q1": [1, 1, 1, 2], "q2": [1, 1, 2, 1], "q3": [1, 2, 1, 1]})
    est = split_half(items, n_boot=500)
    assert not math.isnan(est.value)
    assert math.isnan(est.ci_low) and math.isnan(est.ci_high)
    assert "bootstrap resamples gave a defined value: no interval" in est.warning


def test_split_half_by_hand():
    items = pd.DataFrame({"q1": [1, 2, 3, 4], "q2": [2, 1, 4, 3], "q3": [1, 3, 2, 4], "q4": [2, 2, 3, 4]})
    # half A = q1 + q3 = (2, 5, 5, 8), half B = q2 + q4 = (4, 3, 7, 7): centred (−3, 0, 0, 3) and
    # (−1.25, −2.25, 1.75, 1.75); cross-products 9, sums of squares 18 and 12.75.
    r = 9 / math.sqrt(18 * 12.75)
    assert split_half(items, ci=None).value == pytest.approx(2 * r / (1 + r), abs=1e-12)
    # a different column order is a different split
    assert split_half(items[["q1", "q2", "q4", "q3"]], ci=None).value != pytest.approx(2 * r / (1 + r))


def test_alpha_by_hand():
    items = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3], "q2": [2, 2, 3, 5, 4, 2], "q3": [1, 3, 3, 4, 5, 2]})
    # every item has mean 3; deviations q1 (−2, −1, 0, 1, 2, 0), q2 (−1, −1, 0, 2, 1, −1),
    # q3 (−2, 0, 0, 1, 2, −1)
    # variances 10/5, 8/5, 10/5; covariances q1q2 7/5, q1q3 9/5, q2q3 7/5; total variance 5.6 + 2·4.6 = 14.8
    c = np.cov(items.to_numpy(dtype=float), rowvar=False)
    assert np.diag(c) == pytest.approx([2.0, 1.6, 2.0], abs=1e-12)
    assert c.sum() == pytest.approx(14.8, abs=1e-12)
    est = cronbach_alpha(items)
    assert est.value == pytest.approx(1.5 * (1 - 5.6 / 14.8), abs=1e-12)
    f_hi, f_lo = stats.f.isf(0.025, 5, 10), stats.f.isf(0.975, 5, 10)
    assert est.ci_low == pytest.approx(1 - (1 - est.value) * f_hi, abs=1e-12)
    assert est.ci_high == pytest.approx(1 - (1 - est.value) * f_lo, abs=1e-12)


@pytest.mark.parametrize("fn", (guttman_lambda6, mcdonald_omega, split_half))
def test_no_interval_requested(fn):
    items = small_items(50)
    for est in (fn(items, ci=None), fn(items, n_boot=0)):
        assert not math.isnan(est.value)
        assert math.isnan(est.ci_low) and math.isnan(est.ci_high) and est.ci_level is None
        assert est.method.startswith("point estimate only")


def test_bad_arguments_raise():
    items = small_items(20)
    with pytest.raises(ValueError, match="nan_policy must be one of"):
        cronbach_alpha(items, nan_policy="pairwise")
    with pytest.raises(ValueError, match="ci must be between 0 and 1"):
        guttman_lambda6(items, ci=95)
    with pytest.raises(ValueError, match="n_boot"):
        split_half(items, n_boot=-1)
    with pytest.raises(TypeError, match="numeric"):
        cronbach_alpha(items.assign(q1=["a"] * 20))
    with pytest.raises(TypeError, match="DataFrame"):
        cronbach_alpha([[1, 2], [3, 4]])


def test_estimate_serialises_nan_as_null():
    est = guttman_lambda6(small_items(2))
    data = json.loads(est.model_dump_json())
    assert data["value"] is None and data["ci_low"] is None
    assert data["reason"].startswith("2 respondents")
    assert isinstance(est, Estimate) and math.isnan(float(est)) and not est.defined


# ------------------------------------------------------------------------------------------------------------
# ICC


def icc_example() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person": [1, 2, 3, 4, 5] * 2,
            "session": [1] * 5 + [2] * 5,
            "score": [3.0, 4.0, 2.5, 5.0, 3.5, 3.5, 4.0, 2.0, 4.5, 3.5],
        }
    )


def test_icc_against_hand_computed_anova():
    data = icc_example()
    wide = data.pivot(index="person", columns="session", values="score").to_numpy()
    n, k = wide.shape
    grand = wide.mean()
    ss_rows = k * ((wide.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((wide.mean(axis=0) - grand) ** 2).sum()
    ss_total = ((wide - grand) ** 2).sum()
    ss_err = ss_total - ss_rows - ss_cols
    msr, msc, mse = ss_rows / (n - 1), ss_cols / (k - 1), ss_err / ((n - 1) * (k - 1))
    msw = (ss_cols + ss_err) / (n * (k - 1))
    expected = {
        "ICC(1,1)": (msr - msw) / (msr + (k - 1) * msw),
        "ICC(2,1)": (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n),
        "ICC(3,1)": (msr - mse) / (msr + (k - 1) * mse),
        "ICC(1,k)": (msr - msw) / msr,
        "ICC(2,k)": (msr - mse) / (msr + (msc - mse) / n),
        "ICC(3,k)": (msr - mse) / msr,
    }
    table = icc(data, targets="person", raters="session", ratings="score")
    assert list(table.columns) == [
        "type", "mcgraw_wong", "description", "icc", "f", "df1", "df2", "p", "ci_low", "ci_high", "n", "k", "reason"
    ]
    for row in table.itertuples():
        assert row.icc == pytest.approx(expected[row.type], abs=1e-12), row.type
        assert row.ci_low < row.icc < row.ci_high
        assert row.reason is None
    f3 = msr / mse
    assert table.set_index("type").loc["ICC(3,1)", "f"] == pytest.approx(f3, abs=1e-12)
    # not rounded (pingouin rounds CI95 to 2 decimals by default)
    assert table["ci_low"].round(2).ne(table["ci_low"]).any()
    est = icc(data, targets="person", raters="session", ratings="score", icc_type="ICC(2,1)")
    assert est.value == pytest.approx(expected["ICC(2,1)"], abs=1e-12)
    assert est.n == 5 and est.n_items == 2 and est.ci_level == 0.95
    assert est.warning == "n = 5 < 30: unstable estimate"
    alias = icc(data, targets="person", raters="session", ratings="score", icc_type="ICC(A,1)")
    assert alias.value == est.value
    assert icc(data, targets="person", raters="session", ratings="score", icc_type="ICC3k").value == pytest.approx(
        expected["ICC(3,k)"], abs=1e-12
    )


ICC_TYPES = {"ICC(1,1)": "ICC1", "ICC(2,1)": "ICC2", "ICC(3,1)": "ICC3",
             "ICC(1,k)": "ICC1k", "ICC(2,k)": "ICC2k", "ICC(3,k)": "ICC3k"}
"""Our Shrout–Fleiss names → psych::ICC's."""


def bfi_neuroticism_ratings(bfi: pd.DataFrame) -> pd.DataFrame:
    """Items N1–N5 as five raters of the first 300 complete respondents (long form), as in the R reference."""
    wide = bfi[["id", "N1", "N2", "N3", "N4", "N5"]].dropna().head(300)
    return wide.melt(id_vars="id", var_name="item", value_name="value")


@pytest.mark.parametrize("case", ["example", "bfi_neuroticism"])
def test_icc_matches_r_psych(bfi, case):
    reference = R_RELIABILITY["icc"][case]
    if case == "example":
        data = icc_example()
        r_wide = as_frame(reference["ratings"]).to_numpy()
        assert (data.pivot(index="person", columns="session", values="score").to_numpy() == r_wide).all()
        table = icc(data, targets="person", raters="session", ratings="score")
    else:
        data = bfi_neuroticism_ratings(bfi)
        assert data["item"].unique().tolist() == reference["items"]
        assert data["id"].nunique() == reference["n"] == 300
        table = icc(data, targets="id", raters="item", ratings="value")
    assert set(table["type"]) == set(ICC_TYPES)
    for row in table.itertuples():
        r = reference["results"][ICC_TYPES[row.type]]
        assert row.icc == pytest.approx(r["icc"], abs=1e-12), row.type
        assert row.f == pytest.approx(r["f"], rel=1e-12), row.type
        assert (row.df1, row.df2) == (r["df1"], r["df2"]), row.type
        assert (row.ci_low, row.ci_high) == pytest.approx((r["lower"], r["upper"]), abs=1e-12), row.type
        assert row.p == pytest.approx(r["p"], rel=1e-9) and r["p"] > 0, row.type


def test_icc_degenerate_input():
    data = icc_example()
    const = data.assign(score=3.0)
    table = icc(const, targets="person", raters="session", ratings="score")
    assert table["icc"].isna().all()
    assert (table["reason"] == "every rating is the same (zero variance)").all()
    est = icc(const, targets="person", raters="session", ratings="score", icc_type="ICC(3,k)")
    assert math.isnan(est.value) and est.reason == "every rating is the same (zero variance)"
    one_rater = data[data["session"] == 1]
    assert icc(one_rater, targets="person", raters="session", ratings="score", icc_type="ICC(2,1)").reason == (
        "1 rater; at least 2 are needed"
    )
    # a 2 x 2 frame: pingouin's ANOVA asserts at least 5 ratings; here it is missing with its reason
    two_by_two = pd.DataFrame({"person": [1, 2, 1, 2], "session": [1, 1, 2, 2], "score": [3.0, 4.0, 3.5, 4.5]})
    small = icc(two_by_two, targets="person", raters="session", ratings="score", icc_type="ICC(2,1)")
    assert math.isnan(small.value)
    assert small.reason == "2 targets × 2 raters = 4 ratings; the two-way ANOVA needs at least 5"
    # incomplete targets are dropped
    holed = data.drop(index=[0])
    assert icc(holed, targets="person", raters="session", ratings="score")["n"].iloc[0] == 4
    with pytest.raises(ValueError, match="more than one rating"):
        icc(pd.concat([data, data.iloc[[0]]]), targets="person", raters="session", ratings="score")
    with pytest.raises(ValueError, match="icc_type must be one of"):
        icc(data, targets="person", raters="session", ratings="score", icc_type="ICC(4,1)")


def test_doctests():
    run_doctests(rel_module)


# ------------------------------------------------------------------------------------------------------------
# ω and R psych: negative loadings and Heywood cases (issue 14, item 7)

# R 4.x, psych 2.2.9, A <- na.omit(bfi[, c("A1", "A2", "A3", "A4", "A5")]) (A1 not reversed, 2,709 rows):
#   fa(A, 1, fm = "minres")$loadings: A1 -0.376955824442, A2 0.677844689864, A3 0.757086779672,
#                                     A4 0.480753602272, A5 0.612879902028
#   omega(A, nfactors = 1)$omega.tot               0.723724356915  (flip = TRUE: A1 reversed first)
#   omega(A, nfactors = 1, flip = FALSE)$omega.tot 0.591855753502
#   A1 reversed (7 - A1): omega(...)$omega.tot     0.723724356915
R_A_LOADINGS = [-0.376955824442, 0.677844689864, 0.757086779672, 0.480753602272, 0.612879902028]
R_OMEGA_FLIPPED, R_OMEGA_UNFLIPPED = 0.723724356915, 0.591855753502


def test_omega_with_a_negative_loading_warns_and_says_how_it_differs_from_psych(bfi):
    raw = bfi[["A1", "A2", "A3", "A4", "A5"]]
    om = mcdonald_omega(raw, ci=None)
    assert om.n == 2709
    assert om.warning == ("item 'A1' (λ = -0.38) loads negatively on the common factor: the items are not all keyed "
                          "in one direction and ω scores them as given (psych::omega reverses them first and reports "
                          "a higher ω)")
    # our loadings are psych's (the same minres fit); ω with them, model-implied total, is ours
    lam = np.array(R_A_LOADINGS)
    assert om.value == pytest.approx(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()), abs=1e-5)
    # psych's default reverses A1 and reports the ω of the re-keyed scale; flip = FALSE differs only by its
    # denominator (the observed total ΣR instead of the model-implied one)
    assert om.value < R_OMEGA_FLIPPED - 0.1
    assert om.value == pytest.approx(R_OMEGA_UNFLIPPED, abs=0.003)
    r = np.corrcoef(raw.dropna().to_numpy(float), rowvar=False)
    assert 1 - (1 - lam**2).sum() / r.sum() == pytest.approx(R_OMEGA_UNFLIPPED, abs=1e-6)  # psych's formula
    # with A1 reversed every loading is positive and the two agree up to the denominator
    keyed = mcdonald_omega(raw.assign(A1=7 - raw["A1"]), ci=None)
    assert keyed.warning is None
    assert keyed.value == pytest.approx(R_OMEGA_FLIPPED, abs=5e-4)


# A one-factor model that fits no item set with these correlations: λ1² = r12·r13/r23 = 1.28 > 1.
HEYWOOD_R = np.array([[1, .8, .8, .3], [.8, 1, .5, .3], [.8, .5, 1, .3], [.3, .3, .3, 1]])
# R 4.x, psych 2.2.9: fa(HEYWOOD_R, 1, fm = "minres", n.obs = 300) warns "An ultra-Heywood case was detected" and
# gives loadings 1.0165022069 0.7485620523 0.7485620523 0.3502069662 (uniqueness of item 1: −0.033);
# omega(HEYWOOD_R, nfactors = 1, n.obs = 300)$omega.tot 0.8276611948.
R_HEYWOOD_LOADINGS = [1.0165022069, 0.7485620523, 0.7485620523, 0.3502069662]


def data_with_correlations(r: np.ndarray, n: int, seed: int) -> pd.DataFrame:
    """n rows whose sample correlation matrix is exactly ``r``."""
    z = np.random.default_rng(seed).normal(size=(n, r.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T @ np.linalg.cholesky(r).T
    return pd.DataFrame(z + 3, columns=[f"q{i + 1}" for i in range(r.shape[0])])


def test_heywood_case_point_and_bootstrap_share_the_bound_and_say_so():
    items = data_with_correlations(HEYWOOD_R, 300, seed=1)
    assert np.corrcoef(items.to_numpy(), rowvar=False) == pytest.approx(HEYWOOD_R, abs=1e-12)
    assert R_HEYWOOD_LOADINGS[0] > 1  # R agrees this is a Heywood case (and leaves the loading above 1)
    # factor_analyzer alone puts |λ1| above 1 too, so 1 − λ1² < 0 would enter ω
    fa_lam, _, _ = rel_module._fit_one_factor(HEYWOOD_R)
    assert np.abs(fa_lam).max() > 1
    om = mcdonald_omega(items, n_boot=300, seed=2)
    # independent reference: scipy's bounded least squares under the same bound |λ| ≤ √0.995
    k, iu = 4, np.triu_indices(4, 1)
    bound = math.sqrt(0.995)
    fit = optimize.least_squares(lambda lam: HEYWOOD_R[iu] - np.outer(lam, lam)[iu], np.full(k, 0.7),
                                 bounds=(-bound, bound), xtol=1e-15, ftol=1e-15, gtol=1e-15)
    lam = fit.x * np.sign(fit.x.sum())
    assert lam[0] == pytest.approx(bound, abs=1e-9)
    assert om.value == pytest.approx(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()), abs=1e-6)
    assert om.value < 0.8276611948  # psych's unbounded ω is higher
    assert om.warning.startswith("Heywood case: the loading of 'q1' reached the bound |λ| = √0.995 (uniqueness "
                                 "0.005); the one-factor model does not fit this item")
    assert "of 300 bootstrap resamples have a loading at the Heywood bound" in om.warning
    # the interval is that of the same bounded estimator, so it holds the point estimate
    assert om.ci_low < om.value < om.ci_high


def test_no_heywood_warning_where_the_model_fits(bfi_scales):
    for items in bfi_scales.values():
        assert mcdonald_omega(items, ci=None).warning is None
