"""Reliability: internal consistency (α, λ6, ω, split-half) and intraclass correlations.

All internal-consistency functions take ``items``: a wide :class:`pandas.DataFrame` with one row per respondent
and one column per item, **already reverse-keyed**. Missing values are handled by listwise deletion (a row
with any missing item is dropped; R: ``use = "complete.obs"``) unless ``nan_policy="raise"``. An estimate
that is undefined for the data is NaN with a ``reason``; fewer than 30 respondents add a ``warning``.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from psychometrics.stats._result import Estimate

NanPolicy = Literal["listwise", "raise"]
"""``listwise``: drop every respondent with a missing item; ``raise``: raise ``ValueError`` on any missing item."""
NAN_POLICIES: tuple[str, ...] = ("listwise", "raise")
MIN_RESPONDENTS = 3
"""Below this many respondents an internal-consistency estimate is NaN."""
SMALL_N = 30
"""Below this many respondents an estimate carries a warning."""
SINGULAR_TOL = 1e-10
"""A correlation matrix whose smallest/largest eigenvalue ratio is below this is treated as singular."""
MAX_HEYWOOD_LOADING = math.sqrt(0.995)
"""Loadings are bounded so that every uniqueness is at least 0.005 (factor_analyzer's default bound)."""
_AT_BOUND = MAX_HEYWOOD_LOADING - 1e-6
"""A loading this close to the bound is at it (a Heywood case)."""
DROPPED_WARN_SHARE = 0.05
"""A warning is added when more than this share of bootstrap resamples was undefined and dropped."""
MIN_VALID_SHARE = 0.5
"""No bootstrap interval is given when fewer than this share of resamples gave a defined statistic."""


# --------------------------------------------------------------------------------------------------------------
# shared helpers


def _prepare(items: pd.DataFrame, nan_policy: str) -> tuple[np.ndarray, list[str]]:
    """Validate ``items``, apply the missing-data policy and return (data, item names)."""
    if isinstance(items, np.ndarray):
        items = pd.DataFrame(items, columns=[f"item{i + 1}" for i in range(np.atleast_2d(items).shape[1])])
    if not isinstance(items, pd.DataFrame):
        raise TypeError(f"items must be a pandas DataFrame (respondents × items), got {type(items).__name__}")
    if nan_policy not in NAN_POLICIES:
        raise ValueError(f"nan_policy must be one of {list(NAN_POLICIES)}, got {nan_policy!r}")
    not_numeric = [str(c) for c in items.columns if items[c].dtype.kind not in "biuf"]
    if not_numeric:
        raise TypeError(f"items must be numeric; column(s) {not_numeric} are not")
    if nan_policy == "raise" and items.isna().any().any():
        raise ValueError("items contain missing values; use nan_policy='listwise' to drop incomplete respondents")
    data = items.dropna(axis=0, how="any").to_numpy(dtype=float)
    if not np.isfinite(data).all():
        raise ValueError("items contain infinite values")
    return data, [str(c) for c in items.columns]


def _quote(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _undefined_reason(x: np.ndarray, names: list[str], *, min_items: int = 2, what: str = "") -> str | None:
    """Why an internal-consistency coefficient is undefined for ``x``, or ``None`` when it can be computed."""
    n, k = x.shape
    if n < MIN_RESPONDENTS:
        return f"{n} respondent{'s' if n != 1 else ''} after listwise deletion; at least {MIN_RESPONDENTS} are needed"
    if k < min_items:
        extra = f" {what}" if what else ""
        return f"{k} item{'s' if k != 1 else ''}; at least {min_items} are needed{extra}"
    constant = np.all(x == x[0], axis=0)
    if constant.all():
        return "every respondent gave the same answers (zero total variance)"
    if constant.any():
        bad = [names[i] for i in np.flatnonzero(constant)]
        if len(bad) == 1:
            return f"item {bad[0]!r} has zero variance (every respondent gave it the same answer)"
        return f"items {_quote(bad)} have zero variance (every respondent gave each the same answer)"
    return None


def _small_n_warning(n: int) -> str | None:
    return f"n = {n} < {SMALL_N}: unstable estimate" if n < SMALL_N else None


def _join(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return "; ".join(kept) if kept else None


def _check_ci(ci: float | None) -> None:
    if ci is not None and not (0 < ci < 1):
        raise ValueError(f"ci must be between 0 and 1 (e.g. 0.95) or None, got {ci!r}")


def _undefined(n: int, k: int, reason: str, method: str) -> Estimate:
    return Estimate(value=math.nan, n=n, n_items=k, reason=reason, warning=_small_n_warning(n), method=method)


_BOOT_CACHE: dict[tuple, np.ndarray] = {}
_BOOT_CACHE_SIZE = 4


def _bootstrap_covs(x: np.ndarray, n_boot: int, seed: int | None) -> np.ndarray:
    """Covariance matrices (n_boot × k × k) of ``n_boot`` case resamples of ``x`` (with replacement).

    Each resample is represented by how often each row was drawn; moments are weighted sums, which avoids
    materialising the resampled data. Work is chunked to bound memory. With a seed the result is fully
    determined by (data, n_boot, seed), so the last few are kept (read-only): λ6, ω and the split half of one
    scale share the same resamples and compute them once.
    """
    if seed is None:
        return _draw_bootstrap_covs(x, n_boot, seed)
    key = (x.shape, hashlib.blake2b(np.ascontiguousarray(x, dtype=float).tobytes(), digest_size=16).digest(),
           int(n_boot), seed)
    if key not in _BOOT_CACHE:
        if len(_BOOT_CACHE) >= _BOOT_CACHE_SIZE:
            _BOOT_CACHE.pop(next(iter(_BOOT_CACHE)))
        covs = _draw_bootstrap_covs(x, n_boot, seed)
        covs.flags.writeable = False
        _BOOT_CACHE[key] = covs
    return _BOOT_CACHE[key]


def _draw_bootstrap_covs(x: np.ndarray, n_boot: int, seed: int | None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n, k = x.shape
    xc = x - x.mean(axis=0)
    # row-wise cross-products (n × k²) turn every resample's second moments into one matrix product
    products = (xc[:, :, None] * xc[:, None, :]).reshape(n, k * k) if n * k * k <= 20_000_000 else None
    out = np.empty((n_boot, k, k))
    chunk = int(max(1, min(n_boot, 4_000_000 // max(1, n * (k if products is None else 1)))))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        idx = rng.integers(0, n, size=(b, n))
        counts = np.bincount((idx + n * np.arange(b)[:, None]).ravel(), minlength=b * n).reshape(b, n)
        w = counts / n
        mean = w @ xc
        if products is not None:
            cross = (w @ products).reshape(b, k, k)
        else:
            cross = np.matmul((w[:, :, None] * xc).transpose(0, 2, 1), xc)
        out[start : start + b] = (cross - mean[:, :, None] * mean[:, None, :]) * (n / (n - 1))
    return out


def _valid_variances(covs: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Resamples in which every item kept a non-zero variance (relative to the full-sample variance)."""
    d = np.diagonal(covs, axis1=1, axis2=2)
    return np.all(d > 1e-10 * reference, axis=1)


def _percentile_ci(
    values: np.ndarray, valid: np.ndarray, ci: float, n_boot: int, seed: int | None
) -> tuple[float, float, str, str | None]:
    """Percentile interval of the defined resamples; returns (low, high, method text, warning)."""
    kept = values[valid & np.isfinite(values)]
    dropped = n_boot - kept.size
    method = f"bootstrap percentile ({n_boot} resamples, seed {seed})"
    if dropped:
        method = f"bootstrap percentile ({n_boot} resamples, seed {seed}; {dropped} undefined resamples dropped)"
    warning = None
    if kept.size < max(2, MIN_VALID_SHARE * n_boot):
        return (
            math.nan,
            math.nan,
            method,
            f"only {kept.size} of {n_boot} bootstrap resamples gave a defined value: no interval",
        )
    if dropped > DROPPED_WARN_SHARE * n_boot:
        warning = f"{dropped} of {n_boot} bootstrap resamples were undefined and dropped: the interval may be biased"
    tail = (1 - ci) / 2
    low, high = np.quantile(kept, [tail, 1 - tail])
    return float(low), float(high), method, warning


def _boot_method(ci: float | None, n_boot: int, seed: int | None) -> str:
    if ci is None:
        return "point estimate only (no interval requested)"
    if not n_boot:
        return "point estimate only (n_boot = 0)"
    return f"bootstrap percentile ({n_boot} resamples, seed {seed})"


def _check_boot(n_boot: int) -> None:
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot must be a non-negative integer, got {n_boot!r}")


# --------------------------------------------------------------------------------------------------------------
# batched statistics from covariance matrices (shape B × k × k)


def _correlations(covs: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.clip(np.diagonal(covs, axis1=1, axis2=2), 1e-300, None))
    return covs / d[:, :, None] / d[:, None, :]


def _nonsingular(r: np.ndarray) -> np.ndarray:
    eig = np.linalg.eigvalsh(r)
    return eig[:, 0] > SINGULAR_TOL * eig[:, -1]


def _lambda6_from_corr(r: np.ndarray, ok: np.ndarray) -> np.ndarray:
    k = r.shape[-1]
    safe = np.where(ok[:, None, None], r, np.eye(k))
    inv_diag = np.diagonal(np.linalg.inv(safe), axis1=1, axis2=2)
    smc = 1 - 1 / inv_diag
    out = 1 - (k - smc.sum(axis=1)) / safe.sum(axis=(1, 2))
    return np.where(ok, out, np.nan)


def _uls_objective(r0: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Σ_{i≠j} (r_ij − λ_i λ_j)² for a batch (``r0``: correlations with a zero diagonal)."""
    fit = lam[:, :, None] * lam[:, None, :]
    k = lam.shape[1]
    fit[:, np.arange(k), np.arange(k)] = 0.0
    return ((r0 - fit) ** 2).sum(axis=(1, 2))


def _cd_sweep(r0: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """One cyclic coordinate-descent sweep over the loadings (a new array)."""
    lam = lam.copy()
    for i in range(lam.shape[1]):
        num = np.einsum("bj,bj->b", r0[:, i, :], lam)
        den = np.einsum("bj,bj->b", lam, lam) - lam[:, i] ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            lam[:, i] = np.clip(num / den, -MAX_HEYWOOD_LOADING, MAX_HEYWOOD_LOADING)
    return lam


def _one_factor_uls(r: np.ndarray, *, max_iter: int = 1000, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """One-factor minimum-residual (unweighted least squares) loadings for a batch of correlation matrices.

    Minimises Σ_{i≠j} (r_ij − λ_i λ_j)² by cyclic coordinate descent: with the other loadings fixed, the
    objective is a convex quadratic in λ_i, minimised at λ_i = Σ_{j≠i} r_ij λ_j / Σ_{j≠i} λ_j², clipped to
    |λ_i| ≤ √0.995 (uniqueness ≥ 0.005, as factor_analyzer bounds it). Starts from the first principal
    component. Coordinate descent converges linearly, and slowly for weakly correlated items, so sweeps are
    accelerated with SQUAREM (Varadhan & Roland, 2008, scheme S3): from λ₀ and two sweeps λ₁, λ₂ it
    extrapolates λ₀ − 2α r + α² v (r = λ₁ − λ₀, v = λ₂ − 2λ₁ + λ₀, α = −‖r‖/‖v‖) and sweeps once from there,
    kept only where that does not raise the objective above λ₂'s (else λ₂). Converged: no loading moved more
    than ``tol`` in the last sweep. Returns (loadings B × k, converged B).
    """
    b, k, _ = r.shape
    eigval, eigvec = np.linalg.eigh(r)
    lam = eigvec[:, :, -1] * np.sqrt(np.clip(eigval[:, -1], 0, None))[:, None]
    r0 = r.copy()
    r0[:, np.arange(k), np.arange(k)] = 0.0
    converged = np.zeros(b, dtype=bool)
    active = np.arange(b)
    sweeps = 0
    while sweeps < max_iter and active.size:
        lam0, r0_a = lam[active], r0[active]
        lam1 = _cd_sweep(r0_a, lam0)
        lam2 = _cd_sweep(r0_a, lam1)
        sweeps += 2
        step_r, step_v = lam1 - lam0, lam2 - 2 * lam1 + lam0
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = -np.sqrt((step_r**2).sum(axis=1) / (step_v**2).sum(axis=1))
        alpha = np.where(np.isfinite(alpha), np.minimum(alpha, -1.0), -1.0)[:, None]
        jump = np.clip(lam0 - 2 * alpha * step_r + alpha**2 * step_v, -MAX_HEYWOOD_LOADING, MAX_HEYWOOD_LOADING)
        lam3 = _cd_sweep(r0_a, jump)
        sweeps += 1
        better = np.isfinite(lam3).all(axis=1) & (_uls_objective(r0_a, lam3) <= _uls_objective(r0_a, lam2))
        new = np.where(better[:, None], lam3, lam2)
        last = np.where(better[:, None], lam3 - jump, lam2 - lam1)
        lam[active] = new
        finite = np.isfinite(new).all(axis=1) & np.isfinite(last).all(axis=1)
        done = finite & (np.abs(np.where(finite[:, None], last, 0.0)).max(axis=1) < tol)
        converged[active[done]] = True
        active = active[~done & finite]  # a resample whose loadings went non-finite stops, unconverged
    return lam, converged & np.isfinite(lam).all(axis=1)


def _omega_from_loadings(lam: np.ndarray) -> np.ndarray:
    s = lam.sum(axis=-1) ** 2
    return s / (s + (1 - lam**2).sum(axis=-1))


def _split_half_from_cov(covs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = covs.shape[-1]
    a = (np.arange(k) % 2 == 0).astype(float)  # items 1, 3, 5, … (odd positions, counting from 1)
    b = 1 - a
    va = np.einsum("i,bij,j->b", a, covs, a)
    vb = np.einsum("i,bij,j->b", b, covs, b)
    cab = np.einsum("i,bij,j->b", a, covs, b)
    ok = (va > 1e-12 * np.abs(va).max(initial=1e-300)) & (vb > 1e-12 * np.abs(vb).max(initial=1e-300))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = cab / np.sqrt(va * vb)
        sb = 2 * r / (1 + r)
    ok &= np.isfinite(sb) & (r > -1 + 1e-10)
    return np.where(ok, sb, np.nan), ok


def _singular_reason(r: np.ndarray, names: list[str]) -> str:
    k = r.shape[0]
    pairs = [(names[i], names[j]) for i in range(k) for j in range(i + 1, k) if abs(r[i, j]) > 1 - 1e-10]
    if pairs:
        a, b = pairs[0]
        return (
            f"singular correlation matrix: items {a!r} and {b!r} are perfectly correlated "
            "(a duplicated item?)"
        )
    return "singular correlation matrix: an item is a linear combination of the others"


# --------------------------------------------------------------------------------------------------------------
# public functions


def cronbach_alpha(items: pd.DataFrame, *, ci: float | None = 0.95, nan_policy: NanPolicy = "listwise") -> Estimate:
    r"""Cronbach's α with Feldt's confidence interval.

    Parameters
    ----------
    items : pandas.DataFrame
        Respondents × items, numeric, already reverse-keyed.
    ci : float or None
        Coverage of the confidence interval (0.95 gives a 95% interval); ``None`` for none.
    nan_policy : {"listwise", "raise"}
        ``"listwise"`` (default) drops every respondent with a missing item (R: ``use = "complete.obs"``);
        ``"raise"`` raises :class:`ValueError` when any item is missing.

    Returns
    -------
    Estimate
        ``value`` is α; NaN with a ``reason`` when fewer than 3 respondents or 2 items remain, an item has
        zero variance, or the total score has zero variance. ``method`` is ``"Feldt"``.

    Notes
    -----
    From the item covariance matrix :math:`C` of :math:`k` items,

    .. math::

        \alpha = \frac{k}{k-1}\left(1 - \frac{\operatorname{tr}(C)}{\sum_{ij} C_{ij}}\right)

    Feldt's interval with :math:`n` respondents uses the F distribution with :math:`n-1` and
    :math:`(n-1)(k-1)` degrees of freedom:

    .. math::

        \left[\,1 - (1-\alpha)\,F_{1-\gamma/2},\; 1 - (1-\alpha)\,F_{\gamma/2}\,\right],
        \qquad \gamma = 1 - \text{ci}

    This equals ``psych::alpha(items, use = "complete.obs")$total$raw_alpha`` and its "Feldt" bounds. Unlike
    :func:`pingouin.cronbach_alpha` (0.7), ``n`` in the interval is the number of respondents *after*
    listwise deletion, and the bounds are not rounded. An item with zero variance makes α NaN here
    (``psych::alpha`` drops such items with a warning).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. *Psychometrika*, 16, 297–334.

    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for coefficient alpha.
    *Applied Psychological Measurement*, 11, 93–103.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import cronbach_alpha
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3], "q2": [2, 2, 3, 5, 4, 3], "q3": [1, 3, 3, 4, 5, 2]})
    >>> est = cronbach_alpha(items)  # R: psych::alpha(items)$total$raw_alpha
    >>> round(est.value, 4), round(est.ci_low, 4), round(est.ci_high, 4)
    (0.9318, 0.7109, 0.9897)
    >>> est.warning
    'n = 6 < 30: unstable estimate'
    """
    _check_ci(ci)
    x, names = _prepare(items, nan_policy)
    n, k = x.shape
    method = "Feldt" if ci is not None else "point estimate only (no interval requested)"
    reason = _undefined_reason(x, names)
    if reason:
        return _undefined(n, k, reason, method)
    c = np.cov(x, rowvar=False)
    total = c.sum()
    if total <= 1e-12 * np.trace(c):
        return _undefined(n, k, "the total score has zero variance (the items cancel each other out)", method)
    alpha = k / (k - 1) * (1 - np.trace(c) / total)
    low = high = math.nan
    if ci is not None:
        gamma = 1 - ci
        df1, df2 = n - 1, (n - 1) * (k - 1)
        low = 1 - (1 - alpha) * stats.f.isf(gamma / 2, df1, df2)
        high = 1 - (1 - alpha) * stats.f.isf(1 - gamma / 2, df1, df2)
    return Estimate(
        value=float(alpha),
        ci_low=float(low),
        ci_high=float(high),
        ci_level=ci,
        n=n,
        n_items=k,
        warning=_small_n_warning(n),
        method=method,
    )


def guttman_lambda6(
    items: pd.DataFrame,
    *,
    ci: float | None = 0.95,
    n_boot: int = 1000,
    seed: int | None = 0,
    nan_policy: NanPolicy = "listwise",
) -> Estimate:
    r"""Guttman's λ6 from squared multiple correlations (psych's ``G6(smc)``), with a bootstrap interval.

    Parameters
    ----------
    items : pandas.DataFrame
        Respondents × items, numeric, already reverse-keyed.
    ci : float or None
        Coverage of the bootstrap percentile interval; ``None`` for none.
    n_boot : int
        Bootstrap resamples of respondents (0 for none).
    seed : int or None
        Seed of the resampling (:func:`numpy.random.default_rng`).
    nan_policy : {"listwise", "raise"}
        Missing-data handling, as in :func:`cronbach_alpha`.

    Returns
    -------
    Estimate
        ``value`` is λ6; NaN with a ``reason`` for fewer than 3 respondents or 2 items, a zero-variance item,
        or a singular correlation matrix (e.g. a duplicated item).

    Notes
    -----
    From the item correlation matrix :math:`R` of :math:`k` items,

    .. math::

        \lambda_6 = 1 - \frac{\sum_i (1 - \mathrm{smc}_i)}{\sum_{ij} R_{ij}},
        \qquad \mathrm{smc}_i = 1 - \frac{1}{(R^{-1})_{ii}}

    This is ``psych::alpha(items, use = "complete.obs")$total$"G6(smc)"``. It is correlation based (the
    covariance-based variant differs by about 0.01 on typical data). The interval is the percentile interval of
    λ6 over resamples of respondents; resamples in which an item has no variance or :math:`R` is singular are
    dropped and counted in ``method`` (and in ``warning`` when more than 5% are dropped).

    References
    ----------
    Guttman, L. (1945). A basis for analyzing test-retest reliability. *Psychometrika*, 10, 255–282.

    Revelle, W. psych: Procedures for Psychological, Psychometric, and Personality Research (``alpha``).

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import guttman_lambda6
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3], "q2": [2, 2, 3, 5, 4, 3], "q3": [1, 3, 3, 4, 5, 2]})
    >>> est = guttman_lambda6(items, ci=None)  # R: psych::alpha(items)$total$"G6(smc)"
    >>> round(est.value, 4)
    0.928
    """
    _check_ci(ci)
    _check_boot(n_boot)
    x, names = _prepare(items, nan_policy)
    n, k = x.shape
    reason = _undefined_reason(x, names)
    method = _boot_method(ci, n_boot, seed)
    if reason:
        return _undefined(n, k, reason, method)
    c = np.cov(x, rowvar=False)[None]
    r = _correlations(c)
    ok = _nonsingular(r)
    if not ok[0]:
        return _undefined(n, k, _singular_reason(r[0], names), method)
    value = float(_lambda6_from_corr(r, ok)[0])
    low = high = math.nan
    boot_warning = None
    if ci is not None and n_boot:
        covs = _bootstrap_covs(x, n_boot, seed)
        valid = _valid_variances(covs, np.diag(c[0]))
        rb = _correlations(covs)
        valid &= _nonsingular(rb)
        values = _lambda6_from_corr(rb, valid)
        low, high, method, boot_warning = _percentile_ci(values, valid, ci, n_boot, seed)
    return Estimate(
        value=value,
        ci_low=low,
        ci_high=high,
        ci_level=ci if ci is not None and n_boot else None,
        n=n,
        n_items=k,
        warning=_join(_small_n_warning(n), boot_warning),
        method=method,
    )


def _fit_one_factor(r: np.ndarray) -> tuple[np.ndarray | None, str | None, str | None]:
    """factor_analyzer one-factor minres fit of a correlation matrix: (loadings, failure reason, warning)."""
    from factor_analyzer import FactorAnalyzer

    fa = FactorAnalyzer(n_factors=1, rotation=None, method="minres", is_corr_matrix=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fa.fit(r)
        except Exception as exc:  # factor_analyzer raises bare ValueError/LinAlgError on degenerate input
            return None, f"the one-factor model could not be fitted ({type(exc).__name__}: {exc})", None
    loadings = np.asarray(fa.loadings_, dtype=float)[:, 0]
    if not np.isfinite(loadings).all():
        return None, "the one-factor model could not be fitted (non-finite loadings)", None
    note = None
    for w in caught:
        if "converge" in str(w.message).lower():
            note = f"factor_analyzer: {w.message}"
    return loadings, None, note


def mcdonald_omega(
    items: pd.DataFrame,
    *,
    ci: float | None = 0.95,
    n_boot: int = 1000,
    seed: int | None = 0,
    nan_policy: NanPolicy = "listwise",
) -> Estimate:
    r"""McDonald's ω total from a one-factor minimum-residual solution, with a bootstrap interval.

    Parameters
    ----------
    items : pandas.DataFrame
        Respondents × items (at least 3), numeric, already reverse-keyed.
    ci : float or None
        Coverage of the bootstrap percentile interval; ``None`` for none.
    n_boot : int
        Bootstrap resamples of respondents (0 for none).
    seed : int or None
        Seed of the resampling.
    nan_policy : {"listwise", "raise"}
        Missing-data handling, as in :func:`cronbach_alpha`.

    Returns
    -------
    Estimate
        ``value`` is ω; NaN with a ``reason`` for fewer than 3 respondents or 3 items (a one-factor model of two
        items is not identified), a zero-variance item, a singular correlation matrix, or a failed factor fit.

    Notes
    -----
    The loadings :math:`\lambda_i` are those of a one-factor minimum-residual (unweighted least squares) fit of
    the item correlation matrix — ``factor_analyzer.FactorAnalyzer(n_factors=1, rotation=None,
    method="minres")``, which minimises the squared off-diagonal residuals :math:`\sum_{i \ne j}
    (r_{ij} - \lambda_i\lambda_j)^2` — oriented so that :math:`\sum_i \lambda_i > 0`. Then

    .. math::

        \omega_t = \frac{\left(\sum_i \lambda_i\right)^2}
                        {\left(\sum_i \lambda_i\right)^2 + \sum_i \left(1 - \lambda_i^2\right)}

    **Heywood cases.** Every loading is bounded by :math:`|\lambda_i| \le \sqrt{0.995}` (uniqueness
    :math:`1 - \lambda_i^2 \ge 0.005`), in the point estimate and in every bootstrap resample alike.
    factor_analyzer bounds the uniquenesses inside its optimiser but its final loadings can pass 1 (it then gives
    :math:`1 - \lambda_i^2 < 0`); when that happens the loadings are refitted under the bound by the coordinate
    descent the bootstrap uses, and ``warning`` names the items at the bound (a Heywood case: the one-factor
    model does not fit them; R psych reports an "ultra-Heywood case" and leaves the loading above 1).

    **Relation to R.** With every loading positive this is the one-factor ω of ``psych::omega(items,
    nfactors = 1)$omega.tot`` (not the default three-factor Schmid–Leiman ω total) up to its denominator: psych
    computes :math:`1 - \sum_i(1 - \lambda_i^2) / \sum_{ij} r_{ij}`, the observed instead of the model-implied
    total, which differs by a few 1e-4 on typical scales. They disagree when a loading is **negative** (an item
    keyed against the others): psych reverses such items first (``flip = TRUE``) and reports the ω of the
    re-keyed scale, while ω here scores the items as given, so the negative loading lowers it; ``warning`` then
    names the items. Reverse them (or check the keying with :func:`item_rest_correlations`) to compare with psych.

    In the bootstrap the objective is minimised for all resamples at once by
    coordinate descent (it agrees with factor_analyzer to about 1e-6); resamples with a zero-variance item,
    a singular correlation matrix or no convergence are dropped and counted.

    References
    ----------
    McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.

    Revelle, W., & Zinbarg, R. E. (2009). Coefficients alpha, beta, omega, and the glb. *Psychometrika*, 74,
    145–154.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import mcdonald_omega
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3], "q2": [2, 2, 3, 5, 4, 3], "q3": [1, 3, 3, 4, 5, 2]})
    >>> est = mcdonald_omega(items, ci=None)  # R: psych::omega(items, nfactors = 1)$omega.tot
    >>> round(est.value, 3)
    0.935
    """
    _check_ci(ci)
    _check_boot(n_boot)
    x, names = _prepare(items, nan_policy)
    n, k = x.shape
    method = _boot_method(ci, n_boot, seed)
    reason = _undefined_reason(
        x, names, min_items=3, what="(a one-factor model of fewer than 3 items is not identified)"
    )
    if reason:
        return _undefined(n, k, reason, method)
    c = np.cov(x, rowvar=False)[None]
    r = _correlations(c)
    if not _nonsingular(r)[0]:
        return _undefined(n, k, _singular_reason(r[0], names), method)
    loadings, failure, fit_note = _fit_one_factor(r[0])
    if failure or loadings is None:
        return _undefined(n, k, failure or "the one-factor model could not be fitted", method)
    loadings, loading_note = _bounded_loadings(loadings, r[0], names)
    value = float(_omega_from_loadings(loadings))
    low = high = math.nan
    boot_warning = None
    if ci is not None and n_boot:
        covs = _bootstrap_covs(x, n_boot, seed)
        valid = _valid_variances(covs, np.diag(c[0]))
        rb = _correlations(covs)
        valid &= _nonsingular(rb)
        lam, converged = _one_factor_uls(np.where(valid[:, None, None], rb, np.eye(k)))
        valid &= converged
        values = np.where(valid, _omega_from_loadings(lam), np.nan)
        low, high, method, boot_warning = _percentile_ci(values, valid, ci, n_boot, seed)
        at_bound = int((valid & (np.abs(lam) >= _AT_BOUND).any(axis=1)).sum())
        if at_bound:
            boot_warning = _join(boot_warning, f"{at_bound} of {n_boot} bootstrap resamples have a loading at the "
                                               "Heywood bound")
    return Estimate(
        value=value,
        ci_low=low,
        ci_high=high,
        ci_level=ci if ci is not None and n_boot else None,
        n=n,
        n_items=k,
        warning=_join(_small_n_warning(n), fit_note, loading_note, boot_warning),
        method=method,
    )


def _bounded_loadings(loadings: np.ndarray, r: np.ndarray, names: list[str]) -> tuple[np.ndarray, str | None]:
    """The one-factor loadings under the bound |λ| ≤ √0.995, oriented to a positive sum, and what to warn about.

    A fit beyond the bound (a Heywood case) is replaced by the bounded coordinate-descent solution that the
    bootstrap uses, so that the point estimate and the interval come from the same constrained model.
    """
    notes = []
    if np.abs(loadings).max() > MAX_HEYWOOD_LOADING + 1e-9:
        bounded, converged = _one_factor_uls(r[None])
        if converged[0]:
            loadings = bounded[0]
    heywood = [names[i] for i in np.flatnonzero(np.abs(loadings) >= _AT_BOUND)]
    if heywood:
        these = "these items" if len(heywood) > 1 else "this item"
        notes.append(f"Heywood case: the loading of {_quote(heywood)} reached the bound |λ| = √0.995 (uniqueness "
                     f"0.005); the one-factor model does not fit {these}")
    if loadings.sum() < 0:
        loadings = -loadings
    negative = [f"{names[i]!r} (λ = {loadings[i]:.2f})" for i in np.flatnonzero(loadings < 0)]
    if negative:
        several = len(negative) > 1
        notes.append(f"item{'s' if several else ''} {', '.join(negative)} load{'' if several else 's'} negatively"
                     " on the common factor: the items are not all keyed in one direction and ω scores "
                     "them as given (psych::omega reverses them first and reports a higher ω)")
    return loadings, _join(*notes)


def split_half(
    items: pd.DataFrame,
    *,
    ci: float | None = 0.95,
    n_boot: int = 1000,
    seed: int | None = 0,
    nan_policy: NanPolicy = "listwise",
) -> Estimate:
    r"""Odd–even split-half reliability with the Spearman–Brown correction, with a bootstrap interval.

    Parameters
    ----------
    items : pandas.DataFrame
        Respondents × items, numeric, already reverse-keyed. The column order defines the split.
    ci : float or None
        Coverage of the bootstrap percentile interval; ``None`` for none.
    n_boot : int
        Bootstrap resamples of respondents (0 for none).
    seed : int or None
        Seed of the resampling.
    nan_policy : {"listwise", "raise"}
        Missing-data handling, as in :func:`cronbach_alpha`.

    Returns
    -------
    Estimate
        ``value`` is the corrected split-half coefficient; NaN with a ``reason`` for fewer than 3 respondents or
        2 items, a zero-variance item, or a half score without variance.

    Notes
    -----
    Half A is the sum of the items in columns 1, 3, 5, … (odd positions, counting from 1), half B the sum of
    the items in columns 2, 4, 6, …. With :math:`r` the Pearson correlation of the two half scores,

    .. math::

        r_{SB} = \frac{2r}{1 + r}

    With an odd number of items half A has one item more; the correction still assumes parallel halves. The
    coefficient depends on the split (``psych::splitHalf`` reports the range over many splits); the odd–even
    split is the conventional fixed one and, with items in questionnaire order, balances position effects.

    References
    ----------
    Spearman, C. (1910). Correlation calculated from faulty data. *British Journal of Psychology*, 3, 271–295.

    Brown, W. (1910). Some experimental results in the correlation of mental abilities. *British Journal of
    Psychology*, 3, 296–322.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import split_half
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4], "q2": [2, 1, 4, 3], "q3": [1, 3, 2, 4], "q4": [2, 2, 3, 4]})
    >>> est = split_half(items, ci=None)  # halves q1 + q3 and q2 + q4
    >>> round(est.value, 4)
    0.7454
    """
    _check_ci(ci)
    _check_boot(n_boot)
    x, names = _prepare(items, nan_policy)
    n, k = x.shape
    method = _boot_method(ci, n_boot, seed)
    reason = _undefined_reason(x, names)
    if reason:
        return _undefined(n, k, reason, method)
    c = np.cov(x, rowvar=False)[None]
    values, ok = _split_half_from_cov(c)
    if not ok[0]:
        halves = (np.arange(k) % 2 == 0).astype(float)
        va = float(halves @ c[0] @ halves)
        vb = float((1 - halves) @ c[0] @ (1 - halves))
        if min(va, vb) <= 1e-12 * max(va, vb, 1e-300):
            why = "a half-test score has zero variance (the items in it cancel each other out)"
        else:
            why = "the two half scores are perfectly negatively correlated (r = -1): Spearman-Brown is undefined"
        return _undefined(n, k, why, method)
    low = high = math.nan
    boot_warning = None
    if ci is not None and n_boot:
        covs = _bootstrap_covs(x, n_boot, seed)
        valid = _valid_variances(covs, np.diag(c[0]))
        bvals, bok = _split_half_from_cov(covs)
        valid &= bok
        low, high, method, boot_warning = _percentile_ci(bvals, valid, ci, n_boot, seed)
    return Estimate(
        value=float(values[0]),
        ci_low=low,
        ci_high=high,
        ci_level=ci if ci is not None and n_boot else None,
        n=n,
        n_items=k,
        warning=_join(_small_n_warning(n), boot_warning),
        method=method,
    )


# --------------------------------------------------------------------------------------------------------------
# intraclass correlation

ICC_TYPES: tuple[str, ...] = ("ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)")
"""Shrout & Fleiss names, in pingouin's row order."""
_ICC_MCGRAW_WONG = ("ICC(1)", "ICC(A,1)", "ICC(C,1)", "ICC(k)", "ICC(A,k)", "ICC(C,k)")
_ICC_DESCRIPTIONS = (
    "one-way random effects, single rating",
    "two-way random effects, absolute agreement, single rating",
    "two-way mixed effects, consistency, single rating",
    "one-way random effects, mean of k ratings",
    "two-way random effects, absolute agreement, mean of k ratings",
    "two-way mixed effects, consistency, mean of k ratings",
)
_ICC_ALIASES = {
    **{t: t for t in ICC_TYPES},
    **dict(zip(_ICC_MCGRAW_WONG, ICC_TYPES)),
    "ICC1": "ICC(1,1)",
    "ICC2": "ICC(2,1)",
    "ICC3": "ICC(3,1)",
    "ICC1k": "ICC(1,k)",
    "ICC2k": "ICC(2,k)",
    "ICC3k": "ICC(3,k)",
}
ICC_COLUMNS = ["type", "mcgraw_wong", "description", "icc", "f", "df1", "df2", "p", "ci_low", "ci_high",
               "n", "k", "reason"]


@contextmanager
def _pingouin_full_precision() -> Iterator[None]:
    """Switch off pingouin's output rounding (its CI95 column is rounded to 2 decimals by default)."""
    import pingouin

    saved = dict(pingouin.options)
    try:
        for key in list(pingouin.options):
            if key == "round" or key.startswith("round."):
                pingouin.options[key] = None
        yield
    finally:
        pingouin.options.clear()
        pingouin.options.update(saved)


def _icc_table(n: int, k: int, values: dict[str, list[float]], reason: str | None) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "type": list(ICC_TYPES),
            "mcgraw_wong": list(_ICC_MCGRAW_WONG),
            "description": list(_ICC_DESCRIPTIONS),
            **values,
            "n": n,
            "k": k,
            "reason": reason,
        }
    )
    table["reason"] = table["reason"].astype(object)
    return table[ICC_COLUMNS]


def icc(
    data: pd.DataFrame,
    *,
    targets: str,
    raters: str,
    ratings: str,
    icc_type: str | None = None,
) -> pd.DataFrame | Estimate:
    r"""Intraclass correlations (all six Shrout–Fleiss forms) for test–retest or parallel-forms reliability.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data: one row per target × rater.
    targets : str
        Column identifying what is measured (e.g. the scale score's respondent, or the item).
    raters : str
        Column identifying the measurement occasion, form or rater (e.g. session 1/2, prompt template).
    ratings : str
        Column with the numeric score.
    icc_type : str, optional
        Return only this form as an :class:`Estimate`: one of ``ICC(1,1)``, ``ICC(2,1)``, ``ICC(3,1)``,
        ``ICC(1,k)``, ``ICC(2,k)``, ``ICC(3,k)`` (McGraw–Wong ``ICC(A,1)``/``ICC(C,1)``… and pingouin's old
        ``ICC2``/``ICC3k``… are accepted too). Test–retest agreement is usually ``ICC(2,1)``; the reliability
        of a mean over k occasions ``ICC(3,k)`` or ``ICC(2,k)``.

    Returns
    -------
    pandas.DataFrame or Estimate
        Without ``icc_type``: one row per form with columns ``type`` (Shrout–Fleiss), ``mcgraw_wong``,
        ``description``, ``icc``, ``f``, ``df1``, ``df2``, ``p``, ``ci_low``, ``ci_high`` (95%), ``n`` (targets),
        ``k`` (raters), ``reason`` (why NaN). With ``icc_type``: that row as an :class:`Estimate`
        (``n`` = targets, ``n_items`` = raters).

    Notes
    -----
    Computed by :func:`pingouin.intraclass_corr` from a two-way ANOVA (with rounding switched off). With mean
    squares for targets :math:`MS_R`, raters :math:`MS_C`, error :math:`MS_E`, within targets :math:`MS_W`,
    :math:`n` targets and :math:`k` raters, e.g.

    .. math::

        \mathrm{ICC}(2,1) = \frac{MS_R - MS_E}{MS_R + (k-1)MS_E + k(MS_C - MS_E)/n},
        \qquad
        \mathrm{ICC}(3,k) = \frac{MS_R - MS_E}{MS_R}

    Targets without a rating from every rater are dropped (listwise). Undefined input — fewer than 2 targets
    or raters, fewer than 5 ratings (a 2 × 2 frame), or every rating the same — gives NaN with a ``reason``.
    Intervals are pingouin's 95% F-based intervals. Equivalent R call: ``psych::ICC(wide)``.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: Uses in assessing rater reliability.
    *Psychological Bulletin*, 86, 420–428.

    McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass correlation coefficients.
    *Psychological Methods*, 1, 30–46.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import icc
    >>> df = pd.DataFrame({"person": [1, 2, 3, 4, 5] * 2, "session": [1] * 5 + [2] * 5,
    ...                    "score": [3.0, 4.0, 2.5, 5.0, 3.5, 3.5, 4.0, 2.0, 4.5, 3.5]})
    >>> est = icc(df, targets="person", raters="session", ratings="score", icc_type="ICC(2,1)")
    >>> round(est.value, 4)
    0.9155
    """
    for col in (targets, raters, ratings):
        if col not in data.columns:
            raise ValueError(f"column {col!r} not in data; columns are {list(map(str, data.columns))}")
    wanted = None
    if icc_type is not None:
        wanted = _ICC_ALIASES.get(icc_type)
        if wanted is None:
            raise ValueError(f"icc_type must be one of {list(ICC_TYPES)} (or a McGraw–Wong name), got {icc_type!r}")
    if data[ratings].dtype.kind not in "biuf":
        raise TypeError(f"ratings column {ratings!r} must be numeric")
    df = data[[targets, raters, ratings]].dropna(subset=[ratings])
    counts = df.groupby([targets, raters], observed=True).size()
    if (counts > 1).any():
        t, r = counts[counts > 1].index[0]
        raise ValueError(f"target {t!r} has more than one rating from rater {r!r}; aggregate first")
    wide = df.pivot(index=targets, columns=raters, values=ratings)
    complete = wide.dropna(axis=0, how="any")
    n, k = complete.shape
    reason = None
    if k < 2:
        reason = f"{k} rater{'s' if k != 1 else ''}; at least 2 are needed"
    elif n < 2:
        reason = f"{n} target{'s' if n != 1 else ''} rated by every rater; at least 2 are needed"
    elif n * k < 5:  # pingouin.intraclass_corr asserts at least 5 ratings
        reason = f"{n} targets × {k} raters = {n * k} ratings; the two-way ANOVA needs at least 5"
    elif np.all(complete.to_numpy(dtype=float) == complete.to_numpy(dtype=float)[0, 0]):
        reason = "every rating is the same (zero variance)"
    nan6 = [math.nan] * 6
    if reason:
        table = _icc_table(n, k, {c: nan6 for c in ["icc", "f", "df1", "df2", "p", "ci_low", "ci_high"]}, reason)
    else:
        import pingouin

        long = complete.reset_index().melt(id_vars=targets, var_name=raters, value_name=ratings)
        with _pingouin_full_precision(), np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            # pingouin's own use of deprecated pandas API is not the caller's business
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pingouin(\.|$)")
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"pingouin(\.|$)")
            res = pingouin.intraclass_corr(data=long, targets=targets, raters=raters, ratings=ratings)
        if len(res) != 6:
            raise RuntimeError(f"unexpected pingouin.intraclass_corr output with {len(res)} rows")
        ci95 = [np.asarray(v, dtype=float) for v in res["CI95"]]
        table = _icc_table(
            n,
            k,
            {
                "icc": res["ICC"].astype(float).tolist(),
                "f": res["F"].astype(float).tolist(),
                "df1": res["df1"].astype(float).tolist(),
                "df2": res["df2"].astype(float).tolist(),
                "p": res["pval"].astype(float).tolist(),
                "ci_low": [float(v[0]) for v in ci95],
                "ci_high": [float(v[1]) for v in ci95],
            },
            None,
        )
        undefined = ~np.isfinite(table["icc"].to_numpy(dtype=float))
        table.loc[undefined, "reason"] = "the ANOVA mean squares do not define this ICC"
    if wanted is None:
        return table
    row = table.loc[table["type"] == wanted].iloc[0]
    value = float(row["icc"])
    warning = _small_n_warning(n) if not reason else None
    low, high = float(row["ci_low"]), float(row["ci_high"])
    if math.isfinite(value) and not (math.isfinite(low) and math.isfinite(high)):
        warning = _join(warning, "the confidence interval is undefined (no within-target variance?)")
    return Estimate(
        value=value,
        ci_low=low,
        ci_high=high,
        ci_level=0.95,
        n=n,
        n_items=k,
        reason=row["reason"] if not math.isfinite(value) else None,
        warning=warning,
        method=f"{wanted} = McGraw–Wong {row['mcgraw_wong']}, two-way ANOVA (pingouin), F-based 95% CI",
    )
