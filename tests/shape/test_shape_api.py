"""``shape()`` and ``psychometrics shape`` end to end with the sim: a stored, resumable audit, the result, the report."""

from __future__ import annotations

import html as html_module
import json
import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from psychometrics.plan import parse_shaping_id
from psychometrics.shape import (
    CSP,
    ShapingResult,
    shape,
    shaping_personas,
    shaping_result,
    shaping_page_html,
    shaping_traits,
    write_shaping_report,
)
from psychometrics.store import Store


def test_shaping_traits_and_personas() -> None:
    assert shaping_traits("bfi44") == ["extraversion", "agreeableness", "conscientiousness", "neuroticism", "openness"]
    assert shaping_traits("sd3") == ["machiavellianism", "narcissism", "psychopathy"]
    assert shaping_traits("bfi44", "neuroticism, extraversion") == ["neuroticism", "extraversion"]
    with pytest.raises(ValueError, match=r"cannot shape 'psychopathy' with bfi44 \(valid: extraversion"):
        shaping_traits("bfi44", ["psychopathy"])
    with pytest.raises(ValueError, match="no trait with shaping markers"):
        shaping_traits("oejts")
    assert shaping_personas(["extraversion"], 3) == [f"shape/extraversion/{lv}" for lv in (1, 5, 9)]
    ids = shaping_personas(["extraversion", "neuroticism"], 2, 3)
    assert len(ids) == 2 * 2 * 3 and ids[0].startswith("shape/extraversion/1+default/")
    assert shaping_personas(["extraversion"], 2, "default/001") == ["shape/extraversion/1+default/001",
                                                                      "shape/extraversion/9+default/001"]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> tuple[ShapingResult, str]:
    db = f"sqlite:///{tmp_path_factory.mktemp('shape') / 'runs.db'}"
    res = shape("sim/steady", "bfi44", traits="extraversion,neuroticism", levels=3, personas=2, limit_items=10,
                templates=["instruct"], db=db, concurrency=4)
    return res, db


def test_shape_is_a_stored_audit(small_run) -> None:
    res, db = small_run
    assert res.model == "sim/steady" and res.inventory == "bfi44" and res.levels == [1, 5, 9]
    assert [t.trait for t in res.traits] == ["extraversion", "neuroticism"]
    assert res.templates == ["instruct"] and res.orders == ["original", "reversed"]
    assert len(res.personas) == 2 and all(p.startswith("default/") for p in res.personas)
    # 2 traits × 3 levels × 2 biographies × 2 orders
    assert res.n_respondents == 24 and res.respondents_per_level == 4
    assert res.n_cells == 24 * 10 and res.counts == {"ok": 240}
    with Store(db, create=False) as store:
        run = store.get_run(res.run_id)  # type: ignore[arg-type]
        frame = store.responses_frame(res.run_id)  # type: ignore[arg-type]
    assert run.status == "finished" and len(run.design.personas) == 12
    targets = frame["persona"].map(parse_shaping_id)
    assert targets.notna().all()
    assert {(t.trait, t.level) for t in targets} == {(tr, lv) for tr in ("extraversion", "neuroticism")
                                                     for lv in (1, 5, 9)}
    # the level sentence reached the prompt through the persona hook
    row = frame[frame["persona"].str.startswith("shape/extraversion/9+")].iloc[0]
    assert "I am extremely talkative, extremely outgoing" in row["prompt"]
    assert "For the following task" in row["prompt"] or "description" in row["prompt"]
    ext = res.trait("extraversion")
    assert ext.rho.value > 0.7 and ext.median_high > ext.median_low


def test_shape_resumes_the_same_run(small_run) -> None:
    res, db = small_run
    again = shape("sim/steady", "bfi44", traits="extraversion,neuroticism", levels=3, personas=2, limit_items=10,
                  templates=["instruct"], db=db, concurrency=4)
    assert again.run_id == res.run_id and again.n_cells == res.n_cells
    assert again.wall_s == pytest.approx(res.wall_s, abs=0.5)  # nothing was asked the second time
    recomputed = shaping_result(res.run_id, db=db)  # type: ignore[arg-type]
    assert recomputed.to_frame().equals(res.to_frame())


def _shaping_section(page: str) -> str:
    """The ``<section id="shaping">`` of the page (the charts and the metrics table)."""
    found = re.search(r'<section id="shaping">.*?</section>', page, re.S)
    assert found, "no shaping section"
    return found.group(0)


def test_report_section_and_page(small_run, tmp_path: Path) -> None:
    res, _ = small_run
    html = _shaping_section(shaping_page_html(res))
    assert html.startswith('<section id="shaping">') and html.endswith("</section>")
    assert html.count("<svg") == 2 and "stroke-dasharray" in html  # one chart per trait, with the ideal diagonal
    assert "<script" not in html and "NaN" not in html
    path = write_shaping_report(res, tmp_path)
    assert path.name == f"shape-{res.run_id}.html"
    page = path.read_text(encoding="utf-8")
    assert f'content="{CSP}"' in html_module.unescape(page) and 'id="shaping"' in page  # the attribute is escaped
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?:", page)


def test_report_escapes_every_text(small_run) -> None:
    res, _ = small_run
    evil = "<script>alert(1)</script>"
    t = res.traits[0].model_copy(update={"trait": evil, "scale": evil, "rho": res.traits[0].rho.model_copy(
        update={"reason": evil, "value": math.nan})})
    bad = res.model_copy(update={"model": evil, "inventory": evil, "traits": [t]})
    html = shaping_page_html(bad)
    assert "<script" not in html and "&lt;script&gt;" in html


def test_cli_shape_json_and_report(tmp_path: Path, db: str) -> None:
    from psychometrics.cli import app

    out = tmp_path / "reports"
    args = ["shape", "-m", "sim/steady", "--traits", "extraversion", "--levels", "3", "--limit-items", "5",
            "--templates", "instruct", "--db", db, "--out", str(out)]
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["version"] == 2 and data["traits"][0]["trait"] == "extraversion"
    assert data["respondents_per_level"] == 2 and data["levels"] == [1, 5, 9]
    assert (out / f"shape-{data['run_id']}.html").is_file()
    text = CliRunner().invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "extraversion" in text.output and "report:" in text.output


def test_cli_shape_dry_run_and_errors() -> None:
    from psychometrics.cli import app

    res = CliRunner().invoke(app, ["shape", "-m", "sim/steady", "-i", "sd3", "--personas", "4", "--dry-run",
                                   "--templates", "instruct", "--json"])
    assert res.exit_code == 0, res.output
    plan = json.loads(res.stdout)["plan"]
    assert plan["personas"] == 3 * 9 * 4 and plan["cells"] == 27 * 3 * 9 * 4 * 2
    for argv, message, code in (
        (["--traits", "charm"], "cannot shape 'charm'", 1),
        (["--levels", "4"], "--levels must be one of 2, 3, 5, 9", 1),
        (["--value", "mean"], "'mean' is not one of 'value',", 2),  # an Enum: a usage error
        (["--personas", "999"], "cannot sample 999", 1),
    ):
        bad = CliRunner().invoke(app, ["shape", "-m", "sim/steady", "--dry-run", *argv], terminal_width=200)
        assert bad.exit_code == code and message in " ".join(bad.output.split()), (argv, bad.output)


def test_shape_and_audit_share_the_templates_default() -> None:
    from psychometrics.cli import app

    plans = {}
    for command in ("audit", "shape"):
        res = CliRunner().invoke(app, [command, "-m", "sim/steady", "-i", "sd3", "--dry-run", "--json"])
        assert res.exit_code == 0, res.output
        plans[command] = json.loads(res.stdout)["plan"]
    assert plans["shape"]["templates"] == plans["audit"]["templates"] >= 3
    assert plans["shape"]["cells"] == 27 * plans["audit"]["templates"] * 2 * 3 * 9  # × orders × traits × levels


def test_shape_takes_several_inventories(tmp_path: Path, db: str) -> None:
    from psychometrics.cli import app

    base = ["shape", "-m", "sim/steady", "-i", "bfi44", "-i", "sd3", "--levels", "2", "--limit-items", "6",
            "--templates", "instruct", "--db", db]
    dry = CliRunner().invoke(app, [*base, "--traits", "extraversion,narcissism", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.count("plan for sim/steady:") == 2
    res = CliRunner().invoke(app, [*base, "--traits", "extraversion,narcissism", "--out", str(tmp_path / "p"),
                                   "--json"])
    assert res.exit_code == 0, res.output
    results = json.loads(res.stdout)
    assert [r["inventory"] for r in results] == ["bfi44", "sd3"]
    assert [[t["trait"] for t in r["traits"]] for r in results] == [["extraversion"], ["narcissism"]]
    assert len({r["run_id"] for r in results}) == 2
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == sorted(f"shape-{r['run_id']}.html" for r in results)
    for argv, message in ((["--traits", "charm"], "charm is measured by none of bfi44, sd3"),
                          (["--run-id", "mine"], "--run-id names one run")):
        bad = CliRunner().invoke(app, [*base, *argv, "--dry-run"], terminal_width=200)
        assert bad.exit_code == 1 and message in " ".join(bad.output.split()), (argv, bad.output)
