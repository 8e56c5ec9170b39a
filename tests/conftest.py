from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import pytest


@pytest.fixture
def db(tmp_path):
    """A fresh SQLite database URL in a temp folder."""
    return f"sqlite:///{tmp_path / 'runs.db'}"


@pytest.fixture(scope="session")
def smollm2_server():
    """``python -m llama_cpp.server`` serving SmolLM2-135M-Instruct (a chat model) on 127.0.0.1, for the session."""
    from tests.support.llama_server import LlamaServer

    with LlamaServer("smollm2-135m-instruct") as server:
        yield server


@pytest.fixture(scope="session")
def gemma_server():
    """``python -m llama_cpp.server`` serving the embedded Gemma 3 270M (a base model) on 127.0.0.1, for the session."""
    from tests.support.llama_server import LlamaServer

    with LlamaServer("gemma-3-270m") as server:
        yield server
