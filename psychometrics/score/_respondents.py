"""From stored responses to simulated respondents and their scale scores.

Following the psyborgs design, each combination of template × option order × sample × persona is one
simulated respondent; statistics run across those respondents.
"""

from __future__ import annotations

import pandas as pd

from psychometrics.inventory import Inventory, load_inventory, score_scales

RESPONDENT_KEYS = ["template", "order", "sample", "persona"]


def with_respondent(responses: pd.DataFrame) -> pd.DataFrame:
    """Add a ``respondent`` column ``template|order|sample|persona`` to a responses frame."""
    df = responses.copy()
    persona = df["persona"].fillna("-") if "persona" in df else "-"
    df["respondent"] = (
        df["template"].astype(str) + "|" + df["order"].astype(str) + "|" + df["sample"].astype(str) + "|"
        + (persona.astype(str) if isinstance(persona, pd.Series) else persona)
    )
    return df


def respondent_scores(responses: pd.DataFrame, inventories: dict[str, Inventory] | None = None) -> pd.DataFrame:
    """Scale scores per respondent for every inventory in ``responses``.

    Only ``ok`` answers count; refused, invalid and error cells are missing answers (counted in
    ``n_answered``, never filled in). Returns the columns of :func:`score_scales` plus the respondent's
    ``template``, ``order``, ``sample`` and ``persona``.
    """
    df = with_respondent(responses)
    frames = []
    for inv_id, part in df.groupby("inventory", sort=False):
        inv = (inventories or {}).get(inv_id) or load_inventory(inv_id)
        answers = part[["respondent", "item", "value"]].copy()
        answers.loc[part["status"] != "ok", "value"] = float("nan")
        scored = score_scales(inv, answers)
        keys = part.drop_duplicates("respondent").set_index("respondent")[RESPONDENT_KEYS]
        frames.append(scored.join(keys, on="respondent"))
    if not frames:
        return pd.DataFrame(columns=["respondent", "inventory", "scale", "score", "n_answered", "n_items", "letter",
                                     *RESPONDENT_KEYS])
    return pd.concat(frames, ignore_index=True)


def scale_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean, SD and number of scored respondents per inventory × scale."""
    grouped = scores.groupby(["inventory", "scale"], sort=False)["score"]
    out = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    return out


def respondent_frame(responses: pd.DataFrame, inventories: dict[str, Inventory]) -> pd.DataFrame:
    """Scale score per respondent for the inventories given (responses naming any other inventory are left out).

    The columns of :func:`respondent_scores`; an empty frame with ``inventory, scale, score, template, order``
    when no response belongs to a given inventory.
    """
    empty = pd.DataFrame(columns=["inventory", "scale", "score", "template", "order"])
    if not len(responses):
        return empty
    usable = responses[responses["inventory"].astype(str).isin(inventories)]
    if not len(usable):
        return empty
    return respondent_scores(usable, inventories)
