"""Fail fast on a dead endpoint: a few identical refusals stop the run with the cause and a hint; exit 1.

Before, an ``--api-base`` without ``/v1``, an unknown model name or a refused key stored one error per cell (hundreds
of requests) and exited 0.
"""

from __future__ import annotations

import pytest

from psychometrics.administer import AuditError, EndpointError, audit
from psychometrics.administer._endpoint import FAIL_FAST_AFTER
from psychometrics.administer._retry import RetryPolicy
from psychometrics.store import Store
from tests.robustness.conftest import cli_env, run_cli
from tests.support.openai_server import OpenAIServer, ServerConfig

QUICK = RetryPolicy(retries=1, base_delay=0.01, max_delay=0.02)
BFI = dict(inventories=["bfi44"], templates=["instruct", "qa"], orders=["original", "reversed"])  # 176 cells


def _stored(db: str, run_id: str):
    with Store(db, create=False) as store:
        return store.get_run(run_id), list(store.iter_responses(run_id))


def test_missing_v1_stops_after_a_few_requests_with_the_hint(db):
    with OpenAIServer() as server:
        root = server.api_base.removesuffix("/v1")
        with pytest.raises(EndpointError) as caught:
            audit("openai/test-model", **BFI, api_base=root, db=db, run_id="no-v1", concurrency=4,
                  retry_policy=QUICK)
        asked = server.requests
    message = str(caught.value)
    assert f"is /v1 missing from --api-base? the server answers at {root}/v1" in message
    assert "HTTP 404" in message and "--resume no-v1" in message and "\n" not in message
    assert asked < 4 + FAIL_FAST_AFTER + 1  # not one request per cell (176)
    run, responses = _stored(db, "no-v1")
    assert run.status == "failed" and run.n_cells == 176
    assert len(responses) >= FAIL_FAST_AFTER and all(r.status == "error" and r.attempts == 1 for r in responses)


def test_unknown_model_name_lists_what_the_server_serves(db):
    config = ServerConfig(models=["llama3", "qwen3-8b"], reject_unknown_models=True)
    with OpenAIServer(config) as server:
        with pytest.raises(EndpointError, match=r"HTTP 404\): unknown model name on the server: it lists llama3, "
                                                r"qwen3-8b;"):
            audit("openai/llama-3", **BFI, api_base=server.api_base, db=db, concurrency=2, retry_policy=QUICK)
        assert server.requests <= 2 + FAIL_FAST_AFTER


def test_refused_key_says_which_variable_to_check(db, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-key-0123456789")
    with OpenAIServer(ServerConfig(api_key="sk-right-key-0123456789")) as server:
        with pytest.raises(EndpointError, match=r"HTTP 401\): the key was refused: check the key in \$OPENAI_API_KEY"):
            audit("openai/test-model", **BFI, api_base=server.api_base, db=db, concurrency=1, retry_policy=QUICK)
        assert server.requests == FAIL_FAST_AFTER
    monkeypatch.delenv("OPENAI_API_KEY")
    with OpenAIServer(ServerConfig(api_key="sk-right-key-0123456789")) as server:
        with pytest.raises(EndpointError, match=r"the server wants a key: set it in \$OPENAI_API_KEY"):
            audit("openai/test-model", **BFI, api_base=server.api_base, db=db, concurrency=1, retry_policy=QUICK)


def test_a_bad_request_for_every_prompt_stops_with_the_servers_message(db):
    with OpenAIServer(ServerConfig(behaviour=lambda n, p: "400")) as server:
        with pytest.raises(EndpointError, match=r"HTTP 400\): the server rejects the request: .*Invalid value for "
                                                r"'temperature'"):
            audit("openai/test-model", **BFI, api_base=server.api_base, db=db, concurrency=1, retry_policy=QUICK)
        assert server.requests == FAIL_FAST_AFTER


def test_samples_of_one_refused_prompt_do_not_stop_the_run(db):
    """Three samples of one prompt are adjacent in the plan; one prompt refused is not a dead endpoint."""
    def behaviour(n, prompt):
        return "400" if "is talkative" in prompt else "answer"

    with OpenAIServer(ServerConfig(behaviour=behaviour)) as server:
        result = audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"], samples=3,
                       mode="generate", temperature=0.7, api_base=server.api_base, db=db, limit_items=4,
                       concurrency=1, retry_policy=QUICK)
    assert result.run.counts == {"ok": 9, "error": 3} and result.run.status == "finished"


def test_a_key_refused_mid_run_stops_and_keeps_every_answer(db, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-revoked-while-running-0123")
    broken = {"after": 10}

    def behaviour(n, prompt):
        return "401" if n > broken["after"] else "answer"

    with OpenAIServer(ServerConfig(behaviour=behaviour)) as server:
        with pytest.raises(EndpointError, match=r"check the key in \$OPENAI_API_KEY"):
            audit("openai/test-model", **BFI, api_base=server.api_base, db=db, run_id="mid", concurrency=1,
                  retry_policy=QUICK)
        run, responses = _stored(db, "mid")
        assert run.counts == {"ok": 10, "error": FAIL_FAST_AFTER} and server.requests == 10 + FAIL_FAST_AFTER
        broken["after"] = 10**9
        result = audit(resume="mid", db=db, api_base=server.api_base)
        assert server.requests == 176 + FAIL_FAST_AFTER  # resuming asked only what had no answer
    assert result.run.counts == {"ok": 176} and result.run.status == "finished"


def test_a_run_whose_every_cell_failed_raises(db):
    """Retryable errors do not stop the run early, but a run without a single answer is not a success."""
    with OpenAIServer(ServerConfig(behaviour=lambda n, p: "500")) as server:
        with pytest.raises(AuditError, match=r"every one of the 4 cells of run all-500 ended in an error, none was "
                                             r"answered \(first: InternalServerError \(HTTP 500\)"):
            audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"], limit_items=4,
                  api_base=server.api_base, db=db, run_id="all-500", retry_policy=QUICK)
        assert server.requests == 4 * 2  # every cell asked, and retried
    run, _ = _stored(db, "all-500")
    assert run.status == "failed" and run.counts == {"error": 4}


def test_auto_mode_switches_to_generation_when_log_probs_are_refused(db):
    config = ServerConfig(reject_logprobs=True)
    with OpenAIServer(config) as server:
        result = audit("openai/test-model", **BFI, api_base=server.api_base, db=db, limit_items=5, mode="auto",
                       concurrency=4, retry_policy=QUICK)
        refused = server.statuses[400]
    assert result.run.mode_used == "generate" and result.run.counts == {"ok": 5 * 2 * 2}
    assert 1 <= refused <= 4  # only the requests in flight when the first refusal came back
    with OpenAIServer(config) as server:
        with pytest.raises(EndpointError, match="gives no log-probabilities for this model: use --mode generate"):
            audit("openai/test-model", **BFI, api_base=server.api_base, db=db, mode="logprobs", concurrency=1,
                  retry_policy=QUICK)


def test_cli_prints_one_line_and_exits_1(tmp_path):
    db = f"sqlite:///{tmp_path / 'dead.db'}"
    with OpenAIServer() as server:
        root = server.api_base.removesuffix("/v1")
        done = run_cli("audit", "--model", "openai/test-model", "--api-base", root, "--db", db, "--inventory", "bfi44",
                       "--no-report", "--run-id", "dead", env=cli_env())
        assert server.requests < 8 + FAIL_FAST_AFTER + 1
    assert done.returncode == 1, (done.stdout, done.stderr)
    # stderr also names the stage and shows progress (issue 15): the error itself is one line
    lines = [line for line in done.stderr.strip().splitlines() if line.startswith("error")]
    assert len(lines) == 1 and lines[0].startswith("error: stopped after") and "is /v1 missing" in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""
    shown = run_cli("runs", "show", "dead", "--db", db)  # what was asked is stored and readable
    assert shown.returncode == 0 and "error" in shown.stdout


def _refused_line(api_base: str) -> str:
    return f"connection refused at {api_base} — is the server running?"


def test_a_closed_port_is_named_as_such_on_every_request_path():
    """Nothing listening: litellm reports it as ``InternalServerError (HTTP 500): Connection error.``; the audit
    stores litellm's ``APIConnectionError`` with the cause, on the fast path, through litellm and as a completion."""
    import asyncio

    import litellm

    from psychometrics.administer._call import CallOptions, call_model
    from psychometrics.administer._fastpath import FastPath
    from psychometrics.administer._retry import describe, is_retryable
    from psychometrics.plan import GenerationSettings, build_plan
    from tests.support.llama_server import free_port

    api_base = f"http://127.0.0.1:{free_port()}/v1"
    cell = build_plan(model="openai/m", inventories=["bfi44"], limit_items=1).cells[0]

    async def ask(prompt_format: str, fast: bool) -> BaseException:
        path = FastPath.for_model("openai/m", "openai", api_base, "not-needed", concurrency=1) if fast else None
        opts = CallOptions(model="openai/m", settings=GenerationSettings(), api_base=api_base, api_key="not-needed",
                           fast=path, prompt_format=prompt_format, timeout=30)
        try:
            with pytest.raises(litellm.APIConnectionError) as caught:
                await call_model(cell, "logprobs", opts)
        finally:
            if path is not None:
                await path.close()
        return caught.value

    for prompt_format, fast in (("chat", True), ("chat", False), ("completion", False)):
        exc = asyncio.run(ask(prompt_format, fast))
        assert describe(exc) == f"APIConnectionError: {_refused_line(api_base)}", (prompt_format, fast)
        assert is_retryable(exc)


def test_a_closed_port_at_the_start_is_one_line_and_exit_1(tmp_path):
    from tests.support.llama_server import free_port

    api_base = f"http://127.0.0.1:{free_port()}/v1"
    done = run_cli("audit", "--model", "openai/test-model", "--api-base", api_base, "--db",
                   f"sqlite:///{tmp_path / 'r.db'}", "--inventory", "bfi44", "--no-report", env=cli_env())
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [f"error: {_refused_line(api_base)}"]


def test_a_server_that_dies_mid_run_stops_the_run_with_the_cause_and_keeps_the_answers(db):
    import threading

    box: dict[str, OpenAIServer] = {}

    def behaviour(n: int, prompt: str) -> str:
        if n == 10:  # the server goes away while the run goes on
            threading.Thread(target=box["server"].__exit__).start()
        return "answer"

    with OpenAIServer(ServerConfig(behaviour=behaviour)) as server:
        box["server"] = server
        with pytest.raises(EndpointError) as caught:
            audit("openai/test-model", **BFI, api_base=server.api_base, db=db, run_id="gone", concurrency=1,
                  retry_policy=QUICK)
    message = str(caught.value)
    assert f"(APIConnectionError): {_refused_line(server.api_base)}" in message and "\n" not in message
    assert "--resume gone" in message and "HTTP 500" not in message
    run, responses = _stored(db, "gone")
    # the server shuts down in a thread, so under load a request or two more can be answered before it is gone;
    # every answer the server sent is kept, and one sent while it closed may be lost with the connection
    assert run.status == "failed" and run.counts["error"] == FAIL_FAST_AFTER
    assert 10 <= server.requests and server.requests - 1 <= run.counts["ok"] <= server.requests
    assert {r.error for r in responses if r.status == "error"} == {f"APIConnectionError: {_refused_line(server.api_base)}"}
    with OpenAIServer() as again:  # the server back at another port: resuming asks only what has no answer
        result = audit(resume="gone", db=db, api_base=again.api_base)
        assert again.requests == 176 - run.counts["ok"]
    assert result.run.counts == {"ok": 176} and result.run.status == "finished"


# Against llama-cpp-python's own server -------------------------------------------------------------------------
# marked embedded: without the 'local' extra these fail rather than skip (tests/conftest.py)
needs_local = pytest.mark.embedded


@pytest.fixture(scope="module")
def llama_server():
    """A server of its own (not the session's ``gemma_server``): what it was asked before changes llama.cpp's
    batches, and test_real_server compares that server's numbers with the embedded model's."""
    from tests.support.llama_server import LlamaServer

    with LlamaServer("gemma-3-270m") as server:
        yield server


@pytest.mark.embedded
@needs_local
def test_llama_cpp_server_without_v1_stops_with_the_hint(llama_server, db):
    root = llama_server.api_base.removesuffix("/v1")
    with pytest.raises(EndpointError) as caught:
        audit("openai/gemma", **BFI, api_base=root, db=db, run_id="gemma-no-v1", concurrency=2, retry_policy=QUICK)
    assert f"(HTTP 404): is /v1 missing from --api-base? the server answers at {root}/v1" in str(caught.value)
    run, responses = _stored(db, "gemma-no-v1")
    assert run.status == "failed" and FAIL_FAST_AFTER <= len(responses) <= 2 + FAIL_FAST_AFTER


@pytest.mark.embedded
@needs_local
def test_llama_cpp_server_answers_any_model_name_with_its_one_model(llama_server, db):
    """llama.cpp's server does not refuse an unknown model name (it serves its one model under any name), so
    there is no error to stop at: the audit asks and stores the answers, under the name it was given."""
    assert "no-such-model" not in llama_server.models()
    try:
        run_id = audit("openai/no-such-model", ["bfi44"], templates=["instruct"], orders=["original"],
                       limit_items=2, mode="generate", max_tokens=4, api_base=llama_server.api_base, db=db,
                       concurrency=1).run.run_id
    except AuditError as exc:  # 4 tokens may hold no answer in either cell: the replies are still stored
        assert "has no answer" in str(exc)
        run_id = str(exc).split()[1]
    _, responses = _stored(db, run_id)
    assert len(responses) == 2
    assert all(r.status != "error" and r.finish_reason in ("stop", "length") for r in responses)
