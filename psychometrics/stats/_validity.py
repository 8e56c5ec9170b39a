"""Validity: multitrait-multimethod matrices, exploratory factor analysis and Tucker's congruence."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from psychometrics.stats._result import EFAResult, MTMMResult

CONVERGENT_MIN = 0.60
"""psyborgs convergent criterion (Serapio-García et al., 2023): same trait, different method, r ≥ .60."""
DISCRIMINANT_MIN = 0.40
"""psyborgs discriminant criterion: Δ = convergent r − mean |heterotrait-heteromethod r| ≥ .40."""
SUMMARY_COLUMNS = [
    "trait", "method_a", "method_b", "convergent_r", "discriminant_delta",
    "convergent_pass", "discriminant_pass", "n", "reason",
]
EFA_METHODS: tuple[str, ...] = ("minres", "ml", "principal")
EFA_ROTATIONS: tuple[str | None, ...] = (
    None, "varimax", "promax", "oblimin", "quartimin", "quartimax", "equamax", "geomin_obl", "geomin_ort",
    "oblimax",
)


# --------------------------------------------------------------------------------------------------------------
# Tucker's congruence


def tucker_congruence(x: ArrayLike | pd.DataFrame, y: ArrayLike | pd.DataFrame) -> float | pd.DataFrame:
    r"""Tucker's congruence coefficient φ between two loading vectors (or every pair of columns of two matrices).

    Parameters
    ----------
    x, y : array-like
        Two vectors of equal length (e.g. loadings of the same items on two factors, or a ±1/0 scoring key and a
        factor's loadings); or two 2-D arrays/DataFrames with the same rows, compared column by column.

    Returns
    -------
    float or pandas.DataFrame
        For vectors, φ (NaN when either vector is all zeros or has a missing value). For matrices, a DataFrame
        of φ with the columns of ``x`` as rows and the columns of ``y`` as columns.

    Notes
    -----
    .. math::

        \varphi(x, y) = \frac{\sum_i x_i y_i}{\sqrt{\sum_i x_i^2 \; \sum_i y_i^2}}

    Unlike a correlation the vectors are not centred, so φ is sensitive to the size and sign of loadings.
    Values of .85–.94 are read as fair and ≥ .95 as good similarity (Lorenzo-Seva & ten Berge, 2006).
    Equivalent R call: ``psych::factor.congruence(x, y)``.

    References
    ----------
    Tucker, L. R. (1951). *A method for synthesis of factor analysis studies* (Personnel Research Section
    Report No. 984). Department of the Army.

    Lorenzo-Seva, U., & ten Berge, J. M. F. (2006). Tucker's congruence coefficient as a meaningful index of
    factor similarity. *Methodology*, 2, 57–64.

    Examples
    --------
    >>> from psychometrics.stats import tucker_congruence
    >>> tucker_congruence([1, 2, 3], [1, 2, 2])
    0.97995...
    """
    if isinstance(x, pd.DataFrame) or isinstance(y, pd.DataFrame) or np.ndim(x) == 2 or np.ndim(y) == 2:
        xf = x if isinstance(x, pd.DataFrame) else pd.DataFrame(np.asarray(x, dtype=float))
        yf = y if isinstance(y, pd.DataFrame) else pd.DataFrame(np.asarray(y, dtype=float))
        if xf.shape[0] != yf.shape[0]:
            raise ValueError(f"x and y need the same number of rows, got {xf.shape[0]} and {yf.shape[0]}")
        a = xf.to_numpy(dtype=float)
        b = yf.to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            phi = (a.T @ b) / np.sqrt(np.outer((a**2).sum(axis=0), (b**2).sum(axis=0)))
        phi[~np.isfinite(phi)] = np.nan
        return pd.DataFrame(phi, index=xf.columns, columns=yf.columns)
    a = np.asarray(x, dtype=float).ravel()
    b = np.asarray(y, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"x and y need the same length, got {a.size} and {b.size}")
    denom = math.sqrt(float((a**2).sum()) * float((b**2).sum()))
    if denom == 0 or not math.isfinite(denom):
        return math.nan
    return float((a * b).sum() / denom)


# --------------------------------------------------------------------------------------------------------------
# MTMM


def _corr_with_nan(x: np.ndarray) -> np.ndarray:
    """Pearson correlations of the columns; NaN for any pair involving a zero-variance column."""
    xc = x - x.mean(axis=0)
    ss = (xc**2).sum(axis=0)
    zero = ss <= 1e-12 * max(float(ss.max(initial=0.0)), 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (xc.T @ xc) / np.sqrt(np.outer(ss, ss))
    r[zero, :] = np.nan
    r[:, zero] = np.nan
    idx = np.flatnonzero(~zero)
    r[idx, idx] = 1.0
    return np.clip(r, -1.0, 1.0)


def mtmm(
    scores: pd.DataFrame,
    *,
    method_col: str = "method",
    trait_col: str = "trait",
    respondent_col: str = "respondent",
    score_col: str = "score",
    convergent_min: float = CONVERGENT_MIN,
    discriminant_min: float = DISCRIMINANT_MIN,
) -> MTMMResult:
    r"""Multitrait-multimethod matrix with convergent and discriminant validity per trait and method pair.

    Parameters
    ----------
    scores : pandas.DataFrame
        Long data, one row per respondent × method × trait with a numeric score (e.g. a model persona's
        extraversion score on the IPIP-NEO and on the BFI: methods are instruments, traits the shared trait
        names, respondents personas or samples).
    method_col, trait_col, respondent_col, score_col : str
        Column names.
    convergent_min, discriminant_min : float
        Pass thresholds; defaults are the psyborgs criteria (convergent r ≥ .60, Δ ≥ .40).

    Returns
    -------
    MTMMResult
        ``matrix``: correlations of all method × trait scores (a ``(method, trait)`` MultiIndex on both axes);
        ``summary``: one row per trait measured by both methods of a pair, with columns ``trait, method_a,
        method_b, convergent_r, discriminant_delta, convergent_pass, discriminant_pass, n, reason``.

    Notes
    -----
    Respondents missing any method × trait score are dropped (listwise), so every correlation uses the same
    ``n`` respondents. For methods :math:`a`, :math:`b` and the set :math:`T` of traits both measure, the
    heteromethod block is :math:`H_{tu} = r(a{:}t,\, b{:}u)`, :math:`t, u \in T`. For trait :math:`t`:

    .. math::

        r_{conv} = H_{tt}, \qquad
        \Delta = H_{tt} - \frac{1}{2(|T|-1)} \sum_{u \ne t} \left(|H_{tu}| + |H_{ut}|\right)

    i.e. the convergent correlation minus the mean absolute heterotrait-heteromethod correlation in the same
    row and the same column of the block (Serapio-García et al., 2023). A score with zero variance has NaN
    correlations; its convergent r is NaN with a ``reason``, and it is left out of other traits' Δ (the mean
    is over the defined values). Pass columns are nullable booleans: NA when the statistic is NaN. Δ needs at
    least two shared traits.

    References
    ----------
    Campbell, D. T., & Fiske, D. W. (1959). Convergent and discriminant validation by the
    multitrait-multimethod matrix. *Psychological Bulletin*, 56, 81–105.

    Serapio-García, G., Safdari, M., Crepy, C., et al. (2023). Personality traits in large language models.
    arXiv:2307.00184.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import mtmm
    >>> u1, u2, u3 = [1, 1, -1, -1], [1, -1, 1, -1], [1, -1, -1, 1]
    >>> cols = {("self", "E"): u1, ("self", "N"): u2,
    ...         ("other", "E"): [2 * a + c for a, c in zip(u1, u3)], ("other", "N"): [a + b for a, b in zip(u1, u2)]}
    >>> long = pd.DataFrame([{"respondent": i, "method": m, "trait": t, "score": v[i]}
    ...                      for (m, t), v in cols.items() for i in range(4)])
    >>> res = mtmm(long)
    >>> res.summary[["trait", "convergent_r", "discriminant_delta", "discriminant_pass"]].round(4)
      trait  convergent_r  discriminant_delta  discriminant_pass
    0     E        0.8944              0.5409               True
    1     N        0.7071              0.3536              False
    """
    for col in (method_col, trait_col, respondent_col, score_col):
        if col not in scores.columns:
            raise ValueError(f"column {col!r} not in scores; columns are {list(map(str, scores.columns))}")
    if scores[score_col].dtype.kind not in "biuf":
        raise TypeError(f"score column {score_col!r} must be numeric")
    df = scores[[respondent_col, method_col, trait_col, score_col]].dropna(subset=[score_col])
    dup = df.duplicated([respondent_col, method_col, trait_col])
    if dup.any():
        first = df[dup].iloc[0]
        raise ValueError(
            f"respondent {first[respondent_col]!r} has more than one score for method {first[method_col]!r}, "
            f"trait {first[trait_col]!r}"
        )
    methods = list(pd.unique(df[method_col]))
    traits = list(pd.unique(df[trait_col]))
    wide = df.pivot(index=respondent_col, columns=[method_col, trait_col], values=score_col)
    order = [(m, t) for m in methods for t in traits if (m, t) in wide.columns]
    wide = wide[order].dropna(axis=0, how="any")
    n = int(wide.shape[0])
    index = pd.MultiIndex.from_tuples(order, names=[method_col, trait_col])
    reason = None
    if n < 3:
        reason = f"{n} respondent{'s' if n != 1 else ''} with every score; at least 3 are needed"
        r = np.full((len(order), len(order)), np.nan)
    else:
        r = _corr_with_nan(wide.to_numpy(dtype=float))
    matrix = pd.DataFrame(r, index=index, columns=index)
    zero_var = set()
    if n >= 3:
        values = wide.to_numpy(dtype=float)
        zero_var = {order[j] for j in range(len(order)) if np.all(values[:, j] == values[0, j])}

    rows = []
    for ma, mb in combinations(methods, 2):
        shared = [t for t in traits if (ma, t) in matrix.index and (mb, t) in matrix.index]
        for t in shared:
            conv = float(matrix.loc[(ma, t), (mb, t)])
            others = []
            for u in shared:
                if u != t:
                    others += [matrix.loc[(ma, t), (mb, u)], matrix.loc[(ma, u), (mb, t)]]
            others_arr = np.abs(np.asarray(others, dtype=float))
            row_reason = reason
            if row_reason is None and math.isnan(conv):
                flat = [f"{m}:{t}" for m, tt in [(ma, t), (mb, t)] if (m, tt) in zero_var]
                row_reason = (
                    f"zero variance in {', '.join(flat)}: correlation undefined" if flat else "correlation undefined"
                )
            delta = math.nan
            if not math.isnan(conv):
                if len(shared) < 2:
                    row_reason = "only one trait shared by both methods: Δ needs at least two"
                elif np.isfinite(others_arr).any():
                    delta = conv - float(np.nanmean(others_arr))
                else:
                    row_reason = "every heterotrait-heteromethod correlation is undefined (zero variance)"
            rows.append(
                {
                    "trait": t,
                    "method_a": ma,
                    "method_b": mb,
                    "convergent_r": conv,
                    "discriminant_delta": delta,
                    "convergent_pass": pd.NA if math.isnan(conv) else conv >= convergent_min,
                    "discriminant_pass": pd.NA if math.isnan(delta) else delta >= discriminant_min,
                    "n": n,
                    "reason": row_reason,
                }
            )
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    summary["convergent_pass"] = summary["convergent_pass"].astype("boolean")
    summary["discriminant_pass"] = summary["discriminant_pass"].astype("boolean")
    summary["convergent_r"] = summary["convergent_r"].astype(float)
    summary["discriminant_delta"] = summary["discriminant_delta"].astype(float)
    summary["n"] = summary["n"].astype(int)
    summary["reason"] = summary["reason"].astype(object)
    if len(methods) < 2 and reason is None:
        reason = "only one method: no heteromethod correlations"
    warning = f"n = {n} < 30: unstable correlations" if 3 <= n < 30 else None
    return MTMMResult(
        matrix=matrix,
        summary=summary,
        n=n,
        convergent_min=convergent_min,
        discriminant_min=discriminant_min,
        reason=reason,
        warning=warning,
    )


# --------------------------------------------------------------------------------------------------------------
# EFA


def _efa_undefined(
    n_factors: int, method: str, rotation: str | None, n: int, k: int, reason: str, warning: str | None = None
) -> EFAResult:
    return EFAResult(
        n_factors=n_factors, method=method, rotation=rotation, n=n, n_items=k, kmo=math.nan,
        bartlett_chi2=math.nan, bartlett_df=k * (k - 1) / 2, bartlett_p=math.nan, reason=reason, warning=warning,
    )


def _key_matrix(keys: Mapping[str, Sequence[tuple[str, int]]], items: list[str]) -> pd.DataFrame:
    target = pd.DataFrame(0.0, index=items, columns=list(keys))
    for scale, keyed in keys.items():
        if not keyed:
            raise ValueError(f"keys[{scale!r}] is empty")
        for entry in keyed:
            try:
                item, sign = entry
            except (TypeError, ValueError):
                raise ValueError(f"keys[{scale!r}] entries must be (item, sign) pairs, got {entry!r}") from None
            if item not in target.index:
                raise ValueError(f"keys[{scale!r}] names item {item!r}, which is not a column of items")
            if sign not in (1, -1):
                raise ValueError(f"keys[{scale!r}]: sign of {item!r} must be 1 or -1, got {sign!r}")
            target.loc[item, scale] = float(sign)
    return target


def _factor_correlations(fa: object) -> np.ndarray | None:
    """Φ in the order and orientation of ``fa.loadings_``, or ``None`` for an orthogonal or no rotation.

    factor_analyzer 0.5.1 re-sorts the loadings' columns by variance (and the structure matrix with them) but
    leaves ``phi_`` in the rotation's order, so with three or more factors its Φ belongs to other factors. The
    structure matrix is S = LΦ by definition, so Φ = L⁺S holds in whatever order the columns are (L has full
    column rank) and does not depend on how the library sorts.
    """
    loadings, structure = getattr(fa, "loadings_", None), getattr(fa, "structure_", None)
    if getattr(fa, "phi_", None) is None or structure is None or loadings is None:
        return None
    phi = np.linalg.lstsq(np.asarray(loadings, dtype=float), np.asarray(structure, dtype=float), rcond=None)[0]
    phi = (phi + phi.T) / 2
    np.fill_diagonal(phi, 1.0)
    return phi


def efa(
    items: pd.DataFrame,
    n_factors: int,
    *,
    rotation: str | None = "oblimin",
    method: str = "minres",
    keys: Mapping[str, Sequence[tuple[str, int]]] | None = None,
) -> EFAResult:
    r"""Exploratory factor analysis with KMO, Bartlett's test and, given scoring keys, Tucker congruence.

    Parameters
    ----------
    items : pandas.DataFrame
        Respondents × items, numeric. Items need not be reverse-keyed (signs go in ``keys``).
    n_factors : int
        Number of factors to extract.
    rotation : str or None
        factor_analyzer rotation: ``None``, ``"varimax"``, ``"promax"``, ``"oblimin"`` (default),
        ``"quartimin"``, ``"quartimax"``, ``"equamax"``, ``"geomin_obl"``, ``"geomin_ort"``, ``"oblimax"``.
    method : {"minres", "ml", "principal"}
        Extraction method.
    keys : mapping, optional
        Scale name → list of ``(item, sign)``, sign ``1`` or ``-1`` for an item that measures the scale in
        reverse *as the item appears in* ``items`` (e.g. ``{"neuroticism": [("N1", 1), ...], "extraversion":
        [("E1", -1), ("E3", 1), ...]}``).

    Returns
    -------
    EFAResult
        KMO (overall), Bartlett's χ², df and p, ``loadings`` (items × ``F1``…), ``variance`` (SS loadings,
        proportion, cumulative), ``factor_correlations`` (oblique rotations), and with ``keys`` the
        ``congruence`` of each scale with its matched factor plus the full ``congruence_matrix``.

    Notes
    -----
    Respondents with a missing item are dropped (listwise). KMO and Bartlett's test use
    ``factor_analyzer.factor_analyzer.calculate_kmo`` / ``calculate_bartlett_sphericity``; Bartlett's
    :math:`\chi^2 = -\left(n - 1 - \frac{2k+5}{6}\right)\ln|R|` with :math:`k(k-1)/2` degrees of freedom.
    Loadings come from ``factor_analyzer.FactorAnalyzer(n_factors, rotation, method)``; for oblique rotations
    they are pattern loadings and the variance table is computed from them (as factor_analyzer does), so
    proportions do not add up to the common variance the way orthogonal ones do. The factor correlations
    :math:`\Phi` are those of the factors as ``loadings`` orders and orients them, :math:`\Phi = L^{+}S` from
    the pattern :math:`L` and the structure :math:`S = L\Phi`, so that :math:`L\Phi L^\top` is the common part
    of the correlation matrix the unrotated solution reproduces (factor_analyzer 0.5.1 re-sorts the loadings but
    not its ``phi_``, which mislabels Φ with three or more factors). R: ``psych::fa(items, n_factors, fm =
    "minres", rotate = "oblimin")$Phi``, with psych's own factor order.

    Congruence: each scale's key becomes a target vector over the items (sign for keyed items, 0 otherwise);
    Tucker's φ (:func:`tucker_congruence`) is computed with every factor's loadings. Scales are matched one to
    one with factors by the Hungarian algorithm maximising the total :math:`|\varphi|`
    (:func:`scipy.optimize.linear_sum_assignment`; with more scales than factors some scales stay unmatched
    and get NaN). The reported φ is sign-aligned: a factor whose φ is negative is reflected (``reflected`` is
    true) so that φ ≥ 0.

    References
    ----------
    Kaiser, H. F. (1974). An index of factorial simplicity. *Psychometrika*, 39, 31–36.

    Bartlett, M. S. (1950). Tests of significance in factor analysis. *British Journal of Psychology*, 3, 77–85.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from psychometrics.stats import efa
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(500, 2))
    >>> items = pd.DataFrame(np.c_[f[:, [0]] * 0.7 + rng.normal(size=(500, 3)) * 0.7,
    ...                            f[:, [1]] * 0.7 + rng.normal(size=(500, 3)) * 0.7],
    ...                      columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> res = efa(items, 2, rotation="varimax", keys={"A": [("a1", 1), ("a2", 1), ("a3", 1)],
    ...                                              "B": [("b1", 1), ("b2", 1), ("b3", 1)]})
    >>> res.congruence[["scale", "phi"]].round(3)
      scale   phi
    0     A  0.999
    1     B  0.994
    """
    if not isinstance(items, pd.DataFrame):
        raise TypeError(f"items must be a pandas DataFrame, got {type(items).__name__}")
    if method not in EFA_METHODS:
        raise ValueError(f"method must be one of {list(EFA_METHODS)}, got {method!r}")
    if rotation not in EFA_ROTATIONS:
        raise ValueError(f"rotation must be one of {list(EFA_ROTATIONS)}, got {rotation!r}")
    if not isinstance(n_factors, (int, np.integer)) or n_factors < 1:
        raise ValueError(f"n_factors must be a positive integer, got {n_factors!r}")
    not_numeric = [str(c) for c in items.columns if items[c].dtype.kind not in "biuf"]
    if not_numeric:
        raise TypeError(f"items must be numeric; column(s) {not_numeric} are not")
    names = [str(c) for c in items.columns]
    target = _key_matrix(keys, names) if keys is not None else None
    x = items.dropna(axis=0, how="any").to_numpy(dtype=float)
    n, k = x.shape
    if k < 2 or k < n_factors:
        return _efa_undefined(n_factors, method, rotation, n, k, f"{k} items cannot give {n_factors} factors")
    if n < 3:
        why = f"{n} respondents after listwise deletion; at least 3 are needed"
        return _efa_undefined(n_factors, method, rotation, n, k, why)
    constant = np.all(x == x[0], axis=0)
    if constant.any():
        bad = ", ".join(repr(names[i]) for i in np.flatnonzero(constant))
        return _efa_undefined(n_factors, method, rotation, n, k, f"zero variance in item(s) {bad}")
    r = np.corrcoef(x, rowvar=False)
    eig = np.linalg.eigvalsh(r)
    if eig[0] <= 1e-10 * eig[-1]:
        return _efa_undefined(
            n_factors, method, rotation, n, k,
            "singular correlation matrix (a duplicated item, or fewer respondents than items)",
        )
    from factor_analyzer import FactorAnalyzer
    from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

    notes: list[str] = []
    if n < 30:
        notes.append(f"n = {n} < 30: unstable solution")
    dof = ((k - n_factors) ** 2 - (k + n_factors)) / 2
    if dof < 0:
        notes.append(f"{n_factors} factors for {k} items leave negative degrees of freedom ({dof:g}): not identified")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _, kmo = calculate_kmo(x)
            chi2, p = calculate_bartlett_sphericity(x)
            fa = FactorAnalyzer(n_factors=n_factors, rotation=rotation, method=method)
            fa.fit(x)
        except Exception as exc:  # factor_analyzer raises assorted errors on degenerate input
            return _efa_undefined(
                n_factors, method, rotation, n, k, f"the factor model could not be fitted ({type(exc).__name__}: {exc})"
            )
    for w in caught:
        if "converge" in str(w.message).lower():
            notes.append(f"factor_analyzer: {w.message}")
    factors = [f"F{i + 1}" for i in range(n_factors)]
    loadings = pd.DataFrame(np.asarray(fa.loadings_, dtype=float), index=names, columns=factors)
    ss, prop, cum = fa.get_factor_variance()
    variance = pd.DataFrame({"ss_loadings": ss, "proportion": prop, "cumulative": cum}, index=factors)
    phi = _factor_correlations(fa)
    factor_corr = pd.DataFrame(phi, index=factors, columns=factors) if phi is not None else None

    congruence = congruence_matrix = None
    if target is not None:
        from scipy.optimize import linear_sum_assignment

        congruence_matrix = tucker_congruence(target, loadings)
        absphi = np.nan_to_num(np.abs(congruence_matrix.to_numpy(dtype=float)), nan=0.0)
        rows_idx, cols_idx = linear_sum_assignment(-absphi)
        match = dict(zip(rows_idx, cols_idx))
        recs = []
        for i, scale in enumerate(congruence_matrix.index):
            if i in match:
                j = match[i]
                value = float(congruence_matrix.iat[i, j])
                recs.append({"scale": scale, "factor": factors[j], "phi": abs(value), "reflected": value < 0})
            else:
                recs.append({"scale": scale, "factor": None, "phi": math.nan, "reflected": False})
        congruence = pd.DataFrame(recs, columns=["scale", "factor", "phi", "reflected"])
    if kmo is not None and float(kmo) < 0.5:
        notes.append(f"KMO = {float(kmo):.2f} < .50: the correlations are unsuitable for factor analysis")
    return EFAResult(
        n_factors=n_factors,
        method=method,
        rotation=rotation,
        n=n,
        n_items=k,
        kmo=float(kmo),
        bartlett_chi2=float(chi2),
        bartlett_df=k * (k - 1) / 2,
        bartlett_p=float(p),
        loadings=loadings,
        variance=variance,
        factor_correlations=factor_corr,
        congruence=congruence,
        congruence_matrix=congruence_matrix,
        warning="; ".join(notes) if notes else None,
    )
