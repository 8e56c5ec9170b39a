"""Scale scores from item answers, keyed the way each instrument's authors score it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from psychometrics.inventory._model import Inventory, ScenarioItem

SCORE_COLUMNS = ["respondent", "inventory", "scale", "score", "n_answered", "n_items", "letter"]


def item_keys(inventory: Inventory) -> pd.DataFrame:
    """One row per item: ``item``, ``scale``, ``reverse`` (and, for scenario items, ``high_options``)."""
    rows = []
    for it in inventory.items:
        row = {"item": it.id, "scale": it.scale, "reverse": bool(getattr(it, "reverse", False))}
        if isinstance(it, ScenarioItem):
            row["high_options"] = frozenset(i + 1 for i, o in enumerate(it.options) if o.high)
        rows.append(row)
    return pd.DataFrame(rows)


def keyed_values(inventory: Inventory, responses: pd.DataFrame) -> pd.DataFrame:
    """Join answers to the key and add ``keyed``: the value as it counts toward its scale.

    likert/bipolar: ``min + max − value`` for reverse items (the value itself otherwise);
    scenario: 100 when the chosen option is a high-trait option, 0 when low.
    """
    missing = {"respondent", "item", "value"} - set(responses.columns)
    if missing:
        raise ValueError(f"responses lack the column(s) {sorted(missing)}; expected respondent, item, value")
    keys = item_keys(inventory)
    df = responses[["respondent", "item", "value"]].copy()
    df["item"] = df["item"].astype(str)
    unknown = sorted(set(df["item"]) - set(keys["item"]))
    if unknown:
        raise ValueError(f"{inventory.id}: unknown item id(s) {unknown[:5]}")
    dupes = df.dropna(subset=["value"]).duplicated(["respondent", "item"])
    if dupes.any():
        first = df.dropna(subset=["value"])[dupes].iloc[0]
        raise ValueError(f"{inventory.id}: respondent {first['respondent']!r} answered item {first['item']!r} twice")
    df = df.merge(keys, on="item", how="left")
    value = pd.to_numeric(df["value"], errors="raise").astype(float)
    if inventory.kind == "scenario":
        ok = value.isna() | value.isin([1, 2, 3, 4])
        _check_range(inventory, df, ok, "1–4 (the option number)")
        high = [
            (np.nan if np.isnan(v) else (100.0 if int(v) in hs else 0.0))
            for v, hs in zip(value.to_numpy(), df["high_options"])
        ]
        df["keyed"] = high
    else:
        lo, hi = inventory.min_value, inventory.max_value
        ok = value.isna() | ((value >= lo) & (value <= hi))
        _check_range(inventory, df, ok, f"{lo}–{hi}")
        df["keyed"] = np.where(df["reverse"], lo + hi - value, value)
    df["value"] = value
    return df


def _check_range(inventory: Inventory, df: pd.DataFrame, ok: pd.Series, allowed: str) -> None:
    if not ok.all():
        bad = df[~ok].iloc[0]
        raise ValueError(
            f"{inventory.id}: item {bad['item']!r} of respondent {bad['respondent']!r} has value "
            f"{bad['value']!r}, outside {allowed}"
        )


def score_scales(inventory: Inventory, responses: pd.DataFrame) -> pd.DataFrame:
    """Score every respondent on every scale of ``inventory``.

    Parameters
    ----------
    inventory : Inventory
        The instrument (see :func:`psychometrics.load_inventory`).
    responses : pandas.DataFrame
        Long format with columns ``respondent``, ``item``, ``value``; one row per answer, values on the
        original (un-reversed) response scale; a missing answer is a missing row or a NaN value.

    Returns
    -------
    pandas.DataFrame
        One row per respondent × scale: ``respondent, inventory, scale, score, n_answered, n_items, letter``.

    Notes
    -----
    - ``mean``: the mean of the keyed answered items, reverse items as ``min + max − x``. Missing answers are
      not imputed: the mean is over what was answered and ``n_answered`` says how much that was; a scale with
      no answers scores NaN.
    - ``signed_sum`` (OEJTS 1.2): ``constant + Σ x_plus − Σ x_minus``; the published formula needs every
      item, so a scale with any missing answer scores NaN. ``letter`` is the scale's ``high`` letter when the
      score is above the cutoff (24 for OEJTS), else its ``low`` letter.
    - ``high_choice_percent`` (scenario items): 100 × share of answered items whose chosen option is a
      high-trait option.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics import load_inventory, score_scales
    >>> inv = load_inventory("sd3")
    >>> answers = pd.DataFrame({"respondent": "r1", "item": [i.id for i in inv.items], "value": 5})
    >>> score_scales(inv, answers).set_index("scale")["score"].round(3).to_dict()
    {'machiavellianism': 5.0, 'narcissism': 3.667, 'psychopathy': 4.111}
    """
    df = keyed_values(inventory, responses)
    key_counts = item_keys(inventory).groupby("scale")["item"].count()
    respondents = pd.unique(responses["respondent"])
    answered = df.dropna(subset=["keyed"])
    if inventory.scoring == "signed_sum":
        signed = np.where(answered["reverse"], -answered["value"], answered["value"])
        answered = answered.assign(signed=signed)
        agg = answered.groupby(["respondent", "scale"]).agg(total=("signed", "sum"), n_answered=("signed", "size"))
    else:
        agg = answered.groupby(["respondent", "scale"]).agg(score=("keyed", "mean"), n_answered=("keyed", "size"))
    grid = pd.MultiIndex.from_product([respondents, [s.id for s in inventory.scales]], names=["respondent", "scale"])
    out = agg.reindex(grid).reset_index()
    out["n_answered"] = out["n_answered"].fillna(0).astype(int)
    out["n_items"] = out["scale"].map(key_counts).astype(int)
    if inventory.scoring == "signed_sum":
        constants = {s.id: s.constant for s in inventory.scales}
        complete = out["n_answered"] == out["n_items"]
        out["score"] = np.where(complete, out["scale"].map(constants) + out["total"], np.nan)
    letters = {s.id: s.letters for s in inventory.scales}
    out["letter"] = [
        (None if letters[s] is None or pd.isna(v) else (letters[s].high if v > letters[s].cutoff else letters[s].low))
        for s, v in zip(out["scale"], out["score"])
    ]
    out["inventory"] = inventory.id
    return out[SCORE_COLUMNS]


def type_codes(inventory: Inventory, scores: pd.DataFrame) -> pd.Series:
    """The type code per respondent (e.g. ``INTJ``): the scales' letters in file order, NaN if any is missing."""
    order = [s.id for s in inventory.scales if s.letters is not None]
    if not order:
        raise ValueError(f"{inventory.id} has no lettered scales")
    wide = scores.pivot(index="respondent", columns="scale", values="letter")[order]
    return wide.apply(lambda row: np.nan if row.isna().any() else "".join(row), axis=1).rename("type")


def item_text(item: object) -> str:
    """What the item says: a statement's text, a bipolar item's two poles, a scenario's situation and question."""
    if isinstance(item, ScenarioItem):
        return f"{item.situation} {item.question}"
    if hasattr(item, "left"):
        return f"{item.left} — {item.right}"  # type: ignore[attr-defined]
    return str(item.text)  # type: ignore[attr-defined]


def with_item_columns(inventory: Inventory, responses: pd.DataFrame) -> pd.DataFrame:
    """``responses`` (one row per answer to ``inventory``: ``item``, ``value``, optionally ``expected_value``) with
    ``item_text``, ``reverse`` and the keyed columns: ``keyed_value`` as :func:`keyed_values` counts it toward its
    scale and, for likert and bipolar items, ``keyed_expected_value`` (``min + max − expected_value`` for reverse
    items). Row order and index are kept; an answer without a value has NaN there."""
    texts = {it.id: item_text(it) for it in inventory.items}
    out = responses.copy()
    out["item_text"] = out["item"].astype(str).map(texts)
    keyed = keyed_values(inventory, pd.DataFrame({"respondent": range(len(out)), "item": out["item"].to_numpy(),
                                                  "value": pd.to_numeric(out["value"]).to_numpy()}))
    out["reverse"] = keyed["reverse"].to_numpy()
    out["keyed_value"] = keyed["keyed"].to_numpy()
    if "expected_value" in out and inventory.kind != "scenario":
        ev = pd.to_numeric(out["expected_value"]).astype(float)
        lo, hi = inventory.min_value, inventory.max_value
        out["keyed_expected_value"] = np.where(out["reverse"].astype(bool), lo + hi - ev, ev)
    return out
