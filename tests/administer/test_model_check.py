"""Every provider checks the model before anything is asked: a typo raises AuditError, stores no run and creates
no database, in a dry run too (issue 15: `sim/stedy` used to store 264 errors and exit 0)."""

from __future__ import annotations

import pytest

from psychometrics.administer import AuditError, audit


@pytest.mark.parametrize("model, expect", [
    ("sim/stedy", "did you mean 'steady'"),
    ("local/gemma-3-27m", "did you mean 'gemma-3-270m'"),
    ("opnai/gpt-4o-mini", "did you mean 'openai'"),
    ("sim/steady?noise=loud", "not a number"),
    ("local/gemma-3-270m?chunk=0", "chunk"),
])
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_mistyped_model_fails_before_anything_is_asked(tmp_path, model, expect, dry_run):
    db = tmp_path / "runs.db"
    with pytest.raises(AuditError, match=expect.replace("?", r"\?")):
        audit(model, ["bfi44"], db=f"sqlite:///{db}", limit_items=2, dry_run=dry_run)
    assert not db.exists()


def test_a_valid_sim_model_passes_the_check(tmp_path):
    result = audit("sim/steady?noise=0.2", ["bfi44"], db=f"sqlite:///{tmp_path / 'r.db'}", limit_items=2,
                   templates=["instruct"], orders=["original"], dry_run=True)
    assert len(result.plan.cells) == 2
