from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest


@pytest.fixture
def db(tmp_path):
    """A fresh SQLite database URL in a temp folder."""
    return f"sqlite:///{tmp_path / 'runs.db'}"


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """Sim runs for the report and comparison tests (:func:`tests.support.sim_runs.make_runs`)."""
    from tests.support.sim_runs import make_runs

    return make_runs(f"sqlite:///{tmp_path_factory.mktemp('report') / 'runs.db'}")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``embedded`` need the 'local' extra, which the README's test command installs: where it is
    missing they fail rather than skip (deselect them on purpose with ``-m "not embedded"``)."""
    if item.get_closest_marker("embedded") is None:
        return
    from psychometrics.administer.providers import _local

    if not _local.available():
        pytest.fail(f"{_local.MISSING_EXTRA} (llama-cpp-python and the Gemma weights package are not installed)",
                    pytrace=False)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster on 127.0.0.1 (:class:`tests.support.postgres.PostgresCluster`) for the session.

    Skipped where none can be started (no server installed), except where ``PSYCHOMETRICS_REQUIRE_POSTGRES`` is set,
    as CI sets it: there that is a failure."""
    from tests.support.postgres import PostgresCluster, PostgresUnavailable, required

    try:
        cluster = PostgresCluster().__enter__()
    except PostgresUnavailable as exc:
        if required():
            pytest.fail(f"PostgreSQL is required here (PSYCHOMETRICS_REQUIRE_POSTGRES) but: {exc}", pytrace=False)
        pytest.skip(f"no PostgreSQL cluster can be started: {exc}")
    try:
        yield cluster
    finally:
        cluster.__exit__(None, None, None)


@pytest.fixture
def pg_db(postgres) -> str:
    """The URL of a fresh, empty PostgreSQL database in the session's cluster."""
    return postgres.new_database()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty store on each backend in turn: an SQLite file, then a database in the session's PostgreSQL
    cluster (see :func:`postgres` for when that is skipped)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.db'}"
    return request.getfixturevalue("pg_db")


@pytest.fixture(scope="session")
def smollm2_server():
    """``python -m llama_cpp.server`` serving SmolLM2-135M-Instruct (a chat model) on 127.0.0.1, for the session."""
    from tests.support.llama_server import LlamaServer

    with LlamaServer("smollm2-135m-instruct") as server:
        yield server


@pytest.fixture(scope="session")
def gemma_server():
    """``python -m llama_cpp.server`` serving the embedded Gemma 3 270M (a base model) on 127.0.0.1, for the session,
    with the options that bring its numbers closest to ``local/gemma-3-270m``'s."""
    from tests.support.llama_server import CLOSEST_TO_EMBEDDED, LlamaServer

    with LlamaServer("gemma-3-270m", extra=CLOSEST_TO_EMBEDDED) as server:
        yield server


@pytest.fixture(scope="session")
def gemma_server_own_layout():
    """``gemma_server``'s server and options, with the weights loaded as ``local/gemma-3-270m`` loads them: in the
    GGUF's own layout (llama.cpp's ``--no-repack``) and ``GGML_CPU_TILED_MM=0`` (``tests.support.own_layout_server``)."""
    from tests.support.llama_server import CLOSEST_TO_EMBEDDED, LlamaServer

    with LlamaServer("gemma-3-270m", extra=CLOSEST_TO_EMBEDDED, own_layout=True) as server:
        yield server
