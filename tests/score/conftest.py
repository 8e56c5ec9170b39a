"""Sim runs shared by the score tests (module-scoped: an audit takes a second or two)."""

from __future__ import annotations

import pytest

from psychometrics.administer import audit
from psychometrics.store import Store


@pytest.fixture(scope="package")
def score_db(tmp_path_factory):
    """One database for the shared sim runs."""
    return f"sqlite:///{tmp_path_factory.mktemp('score') / 'runs.db'}"


def run(db: str, model: str, inventories: list[str], **design) -> str:
    """Audit ``model`` and return the run id."""
    return audit(model, inventories, db=db, **design).run.run_id


def frame(db: str, run_id: str):
    with Store(db, create=False) as store:
        return store.responses_frame(run_id)


@pytest.fixture(scope="package")
def biased_run(score_db):
    """First-option bias: 2 templates × 2 orders × 3 samples of the BFI-44."""
    return run(score_db, "sim/biased", ["bfi44"], templates=["instruct", "qa"], orders=["original", "reversed"],
               samples=3)


@pytest.fixture(scope="package")
def big_five_run(score_db):
    """BFI-44 and IPIP-50 on the same 24 steady respondents (3 templates × 2 orders × 4 samples)."""
    return run(score_db, "sim/steady", ["bfi44", "ipip50"], templates="all", orders=["original", "reversed"],
               samples=4)


@pytest.fixture(scope="package")
def dark_run(score_db):
    """SD3 and the trait scenarios on the same 15 steady respondents (3 templates × 5 samples, one order)."""
    return run(score_db, "sim/steady", ["sd3", "trait-scenarios"], templates="all", orders=["original"], samples=5)


N_BOOT = 50
"""Bootstrap resamples in the tests (the intervals are not what is tested here)."""


@pytest.fixture(scope="package")
def biased_scores(score_db, biased_run):
    from psychometrics.score import score

    return score(biased_run, db=score_db, n_boot=N_BOOT)


@pytest.fixture(scope="package")
def big_five_scores(score_db, big_five_run):
    from psychometrics.score import score

    return score(big_five_run, db=score_db, n_boot=N_BOOT)


@pytest.fixture(scope="package")
def dark_scores(score_db, dark_run):
    from psychometrics.score import score

    return score(dark_run, db=score_db, n_boot=N_BOOT)
