"""Reading a run's responses into a frame: every repeated text is one object, and nothing else changes."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from psychometrics.administer import audit
from psychometrics.store import Store
from psychometrics.store._columns import JSON_COLUMNS


@pytest.mark.parametrize("mode", ["generate", "logprobs"])
def test_the_frame_equals_a_plain_read_and_shares_each_repeated_prompt(tmp_path, mode) -> None:
    """Read column by column, converted as pandas converts a cursor's rows: the same values and dtypes."""
    db_file = tmp_path / "runs.db"
    result = audit("sim/default", ["bfi44"], templates=["instruct", "qa"], orders=["original", "reversed"],
                   samples=3, mode=mode, db=f"sqlite:///{db_file}")
    run_id = result.run.run_id
    with Store(f"sqlite:///{db_file}", create=False) as store:
        frame = store.responses_frame(run_id)
        scored = store.responses_frame(run_id, columns=["inventory", "prompt", "value", "option_probs"])
    with sqlite3.connect(db_file) as conn:  # what pandas reads without the store's row factory
        plain = pd.read_sql_query("SELECT r.* FROM run_cells rc JOIN responses r ON r.cell_id = rc.cell_id "
                                  "WHERE rc.run_id = ? ORDER BY rc.position", conn, params=(run_id,))
    assert len(frame) == len(result.plan.cells) == 176 * 3
    assert list(frame.columns) == list(plain.columns)
    for column in frame.columns:
        if column in JSON_COLUMNS:
            continue  # stored as JSON text, decoded by the store
        if column == "prompt":  # Python strings (object), not a pandas string column: one object per prompt
            assert frame[column].dtype == object and frame[column].tolist() == plain[column].tolist()
            continue
        pd.testing.assert_series_equal(frame[column], plain[column], check_names=False, obj=column)
    assert list(scored.columns) == ["inventory", "prompt", "value", "option_probs"]
    assert scored["prompt"].tolist() == plain["prompt"].tolist() and scored["value"].equals(frame["value"])
    # the samples of a prompt hold one string object (SQLite hands each row its own copy)
    prompts = frame["prompt"].tolist()
    assert len(set(prompts)) == 176 and len({id(t) for t in prompts}) == 176
