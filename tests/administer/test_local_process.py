"""The embedded model and the process it runs in: it computes every row alone only with llama.cpp's tiled
products off and its weights in the GGUF's own layout, so a process where that cannot hold, or a run stored
when it computed otherwise, stops with one line instead of mixing two sets of numbers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from psychometrics.administer import AuditError, audit
from psychometrics.administer._audit import EMBEDDED_NUMERICS, default_run_id, endpoint_identity
from psychometrics.plan import build_plan
from psychometrics.store import Run, Store

pytestmark = pytest.mark.embedded
MODEL = "local/gemma-3-270m"


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", **env}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300,
                          env=environment)


@pytest.mark.parametrize("command", [["audit", "--inventory", "bfi44"],
                                     ["interview", "-m", "sim/steady", "-r", "local/gemma-3-270m"]])
def test_tiled_products_on_stop_the_audit_with_one_line_before_anything_is_asked(tmp_path, command):
    db = f"sqlite:///{tmp_path / 't.db'}"
    done = subprocess.run([sys.executable, "-m", "psychometrics", *command, "--limit-items", "1", "--db", db],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "GGML_CPU_TILED_MM": "1"})
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "GGML_CPU_TILED_MM" in errors[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "t.db").exists()  # stopped before the store was opened: no empty run left behind


def test_a_user_model_evaluated_first_is_told_apart_from_the_embedded_numbers():
    # the tiled products are read at the first product in the process: a user's own llama.cpp model got there first
    done = _python("""
        import llama_cpp
        from psychometrics.administer.providers import _local
        path = str(_local.MODELS["gemma-3-270m"].locate())
        mine = llama_cpp.Llama(model_path=path, n_ctx=256, verbose=False)
        mine.eval(mine.tokenize(b"Hello there"))
        try:
            _local.engine("gemma-3-270m")
        except _local.LocalError as exc:
            print("refused:", exc)
        """)
    assert "refused: llama.cpp's tiled CPU products are on in this process" in done.stdout, done.stderr[-2000:]


@pytest.mark.parametrize("call", ['audit("local/gemma-3-270m", ["bfi44"], limit_items=2, db=db, progress=False)',
                                  'interview("sim/steady", raters=["local/gemma-3-270m"], limit_items=1, db=db)'])
def test_a_process_forked_after_the_model_loaded_gets_an_error_not_a_wait(call):
    done = _python(f"""
        import multiprocessing, tempfile
        from psychometrics.administer import AuditError, audit, interview
        db = f"sqlite:///{{tempfile.mkdtemp()}}/f.db"
        audit("local/gemma-3-270m", ["bfi44"], limit_items=1, db=db, progress=False)
        def child(q):
            try:
                {call}
                q.put("answered")
            except AuditError as exc:
                q.put(str(exc))
        ctx = multiprocessing.get_context("fork")
        q = ctx.Queue()
        p = ctx.Process(target=child, args=(q,))
        p.start()
        p.join(120)
        print("still waiting" if p.is_alive() else q.get())
        if p.is_alive():
            p.kill()
        """)
    assert "was loaded before this process was forked" in done.stdout and "spawn" in done.stdout, done.stderr[-2000:]


def test_the_embedded_computation_is_part_of_the_cell_and_run_identity():
    assert endpoint_identity(None, MODEL) == endpoint_identity("http://x/v1", MODEL) == EMBEDDED_NUMERICS
    assert endpoint_identity(None, "sim/steady") is None
    now = build_plan(model=MODEL, inventories=["bfi44"], limit_items=1, endpoint=EMBEDDED_NUMERICS)
    before = build_plan(model=MODEL, inventories=["bfi44"], limit_items=1)
    assert not {c.cell_id for c in now.cells} & {c.cell_id for c in before.cells}
    assert default_run_id(MODEL, now.design, None) != default_run_id("local/other", now.design, None)


def test_a_run_stored_before_the_own_weight_layout_is_not_continued(db):
    """Its cells have ids without the embedded computation; continuing it would put two sets of numbers in one
    run (the newcomer's resume: 12 old answers beside 6 new ones, up to 0.066 apart)."""
    before = build_plan(model=MODEL, inventories=["bfi44"], limit_items=1)
    run_id = "local-gemma-3-270m-old"
    with Store(db) as store:
        store.save_run(Run(run_id=run_id, model=MODEL, design=before.design, created_at=0.0))
        store.set_run_cells(run_id, [c.cell_id for c in before.cells])
    for kwargs in (dict(run_id=run_id), dict(resume=run_id)):
        with pytest.raises(AuditError, match="earlier version of local/gemma-3-270m"):
            audit(MODEL, ["bfi44"], limit_items=1, db=db, progress=False, **kwargs)


def test_a_named_run_of_this_version_takes_a_changed_design(db):
    """Only cells stored before the embedded computation was in the identity stop a run, not a design whose cells
    all differ from the stored ones (the second newcomer's `--orders reversed` after `--orders original`)."""
    audit(MODEL, ["bfi44"], limit_items=1, templates=["short"], orders=["original"], db=db, run_id="mine",
          progress=False)
    second = audit(MODEL, ["bfi44"], limit_items=1, templates=["short"], orders=["reversed"], db=db, run_id="mine",
                   progress=False)
    assert second.tally.asked == 1 and second.run.counts.get("ok")
