"""Effective number of respondents: respondents that repeat another's every answer are one respondent."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from psychometrics.stats._result import DistinctRespondents, RespondentGroup

GROUP_BY: tuple[str, ...] = ("template", "order", "persona")
"""A respondent is a template × order × sample × persona; repeats are looked for among the samples of one group."""


def distinct_respondents(
    answers: pd.DataFrame,
    *,
    group_by: Sequence[str] = GROUP_BY,
    respondent: str = "respondent",
    item: str = "item",
    value: str = "value",
) -> DistinctRespondents:
    r"""The distinct respondents of each group: respondents whose every answer equals another's collapse to one.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per answer with the respondent, item and value columns and the ``group_by`` columns (those
        absent are ignored; NaN in a group column is a group of its own). ``value`` may be NaN (no usable
        answer): two respondents are the same only if they miss the same items.
    group_by : sequence of str
        Columns within which repeats count (default ``template, order, persona``: samples of one prompt).
    respondent, item, value : str
        Column names.

    Returns
    -------
    DistinctRespondents
        ``n_distinct`` (the effective n), ``representative`` (each respondent → the first respondent in the data
        with the same answers; its ``kept`` property lists the distinct ones), ``groups`` (one
        :class:`RespondentGroup` each) and a ``warning`` when some respondents are repeats.

    Raises
    ------
    TypeError
        ``answers`` is not a DataFrame, or its value column is not numeric.
    ValueError
        A missing column, a respondent with two answers to one item, or a respondent in two groups.

    Notes
    -----
    Within a group, respondent :math:`r` is a repeat of :math:`s` when their answer vectors over the union of
    the group's items are identical, missing answers included (exact equality of the stored values: a model
    sampled at temperature 0 returns the same computation, bit for bit). The effective n is the number of
    distinct vectors summed over groups; intervals and tests should use the distinct respondents, since a repeat
    adds no information. Respondents of different groups are never merged: the same answers under two templates
    are two observations of the template effect.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import distinct_respondents
    >>> answers = pd.DataFrame({"respondent": ["s0", "s0", "s1", "s1", "s2", "s2"], "template": "t",
    ...                         "item": ["q1", "q2"] * 3, "value": [4, 2, 4, 2, 5, 2]})
    >>> r = distinct_respondents(answers)
    >>> r.n_respondents, r.n_distinct, r.representative
    (3, 2, {'s0': 's0', 's1': 's0', 's2': 's2'})
    """
    if not isinstance(answers, pd.DataFrame):
        raise TypeError(f"answers must be a pandas DataFrame, got {type(answers).__name__}")
    missing = [c for c in (respondent, item, value) if c not in answers.columns]
    if missing:
        raise ValueError(f"distinct_respondents needs the column(s) {missing}; answers has "
                         f"{list(map(str, answers.columns))}")
    if answers[value].dtype.kind not in "biuf":
        raise TypeError(f"the {value} column must be numeric (NaN for no usable answer)")
    groups = [c for c in group_by if c in answers.columns]
    twice = answers.duplicated([respondent, item])
    if twice.any():
        row = answers[twice].iloc[0]
        raise ValueError(f"respondent {row[respondent]!r} answers item {row[item]!r} more than once")
    if groups:
        spans = answers.groupby(respondent, sort=False)[groups].nunique(dropna=False).max(axis=1)
        if (spans > 1).any():
            raise ValueError(f"respondent {spans[spans > 1].index[0]!r} belongs to more than one "
                             f"{' × '.join(groups)} group")
    keys = answers.drop_duplicates(respondent).set_index(respondent)[groups] if groups else None
    wide = answers.pivot(index=respondent, columns=item, values=value)
    wide = wide.reindex(pd.unique(answers[respondent]))
    # one hashable key per respondent: NaN (no usable answer) equals NaN, values compare exactly
    signature = [tuple(None if pd.isna(v) else float(v) for v in row) for row in wide.to_numpy(dtype=object)]
    frame = pd.DataFrame({"signature": signature}, index=wide.index)
    if keys is not None:
        frame = frame.join(keys.astype(object).where(keys.notna(), "<NA>"))
    representative: dict[str, str] = {}
    seen: dict[tuple, str] = {}
    for r, row in frame.iterrows():
        key = (*(row[g] for g in groups), row["signature"])
        representative[str(r)] = seen.setdefault(key, str(r))
    frame["representative"] = [representative[str(r)] for r in frame.index]
    summary = []
    for key, part in (frame.groupby(groups, sort=False, dropna=False) if groups else [((), frame)]):
        values = key if isinstance(key, tuple) else (key,)
        summary.append(RespondentGroup(group={g: str(v) for g, v in zip(groups, values)}, n_respondents=len(part),
                                       n_distinct=int(part["representative"].nunique())))
    n, n_distinct = len(frame), int(frame["representative"].nunique())
    warning = None
    if n_distinct < n:
        scope = " × ".join(groups) if groups else "set of answers"
        warning = (f"{n - n_distinct} of {n} respondents repeat another respondent's answers exactly (same "
                   f"{scope}): effective n = {n_distinct}")
    return DistinctRespondents(n_respondents=n, n_distinct=n_distinct, representative=representative, groups=summary,
                               warning=warning)
