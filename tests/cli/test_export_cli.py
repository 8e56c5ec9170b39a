"""`runs export`: the format follows the file's extension unless --format says otherwise, `-` is standard output,
Parquet is Parquet, and every row carries the item text and the keyed value (issue 15)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from psychometrics.administer import audit
from psychometrics.cli import app
from psychometrics.inventory import load_inventory


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    db = f"sqlite:///{tmp_path_factory.mktemp('export') / 'runs.db'}"
    audit("sim/steady", ["bfi44", "trait-scenarios"], templates=["instruct"], orders=["original", "reversed"],
          db=db, run_id="r", limit_items=6)
    return db


def _export(db, *args):
    res = CliRunner().invoke(app, ["runs", "export", "r", "--db", db, *args])
    return res


def test_parquet_extension_writes_parquet(stored, tmp_path):
    out = tmp_path / "new" / "folder" / "a.parquet"  # missing folders are created
    res = _export(stored, "--out", str(out))
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:4] == b"PAR1"
    frame = pd.read_parquet(out)
    assert len(frame) == 24 and "parquet" in res.output


def test_format_option_wins_over_the_extension(stored, tmp_path):
    out = tmp_path / "a.csv"
    assert _export(stored, "--out", str(out), "--format", "jsonl").exit_code == 0
    json.loads(out.read_text().splitlines()[0])  # JSON lines, although the name says csv


def test_dash_is_standard_output_not_a_file(stored, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = _export(stored, "--out", "-")
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "-").exists()
    frame = pd.read_csv(io.StringIO(res.stdout))
    assert len(frame) == 24 and "item_text" in frame


def test_unknown_extension_is_an_error(stored, tmp_path):
    res = _export(stored, "--out", str(tmp_path / "a.xls"))
    assert res.exit_code == 1 and "cannot tell the format from '.xls'" in res.output
    assert not (tmp_path / "a.xls").exists()


def test_jsonl_rows_carry_item_text_keyed_value_and_option_probs_as_an_object(stored, tmp_path):
    out = tmp_path / "a.jsonl"
    assert _export(stored, "--out", str(out)).exit_code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    bfi = load_inventory("bfi44")
    items = {it.id: it for it in bfi.items}
    likert = [r for r in rows if r["inventory"] == "bfi44"]
    assert likert and any(items[r["item"]].reverse for r in likert) and not all(items[r["item"]].reverse
                                                                                for r in likert)
    for r in likert:
        item = items[r["item"]]
        assert r["item_text"] == item.text
        assert r["reverse"] is item.reverse
        assert r["keyed_value"] == (6 - r["value"] if item.reverse else r["value"])
        assert isinstance(r["option_probs"], dict) and set(r["option_probs"]) == {"1", "2", "3", "4", "5"}
        assert r["keyed_expected_value"] == pytest.approx(6 - r["expected_value"] if item.reverse
                                                          else r["expected_value"])
    scenarios = {it.id: it for it in load_inventory("trait-scenarios").items}
    for r in (r for r in rows if r["inventory"] == "trait-scenarios"):
        item = scenarios[r["item"]]
        assert r["item_text"] == f"{item.situation} {item.question}"
        assert r["keyed_value"] == (100.0 if item.options[r["value"] - 1].high else 0.0)


def test_an_invalid_log_prob_cell_exports_no_value_but_keeps_its_probs(tmp_path):
    """A log-prob cell read as invalid in a database written before such cells were stored without a value keeps its
    most likely label and mean; the export must not show them as an answer (a newcomer saw ``value=4,
    keyed_value=4.0, expected_value=3.75`` on an invalid cell)."""
    import sqlite3

    path = tmp_path / "runs.db"
    audit("sim/steady", ["bfi44"], templates=["instruct"], orders=["original"], db=f"sqlite:///{path}",
          run_id="r", limit_items=3)
    with sqlite3.connect(path) as con:
        (cell,) = con.execute("SELECT cell_id FROM responses WHERE value IS NOT NULL AND expected_value IS NOT NULL "
                              "ORDER BY cell_id LIMIT 1").fetchone()
        con.execute("UPDATE responses SET status = 'invalid', error = 'most mass outside the labels' "
                    "WHERE cell_id = ?", (cell,))
    out = tmp_path / "a.jsonl"
    assert _export(f"sqlite:///{path}", "--out", str(out)).exit_code == 0
    rows = {r["cell_id"]: r for r in map(json.loads, out.read_text().splitlines())}
    bad = rows.pop(cell)
    assert bad["status"] == "invalid"
    assert (bad["value"], bad["expected_value"], bad["keyed_value"], bad["keyed_expected_value"]) == (None,) * 4
    assert isinstance(bad["option_probs"], dict) and sum(bad["option_probs"].values()) == pytest.approx(1, abs=0.05)
    assert rows and all(r["value"] is not None and r["keyed_value"] is not None for r in rows.values())


def test_a_run_of_an_inventory_given_as_a_yaml_file_is_exported_with_its_items(tmp_path, monkeypatch):
    """A design that names its inventory by path: `runs export` loads it as `score` and `report` do (before, it
    looked the id up among the shipped inventories and failed: "unknown inventory 'mine'")."""
    from psychometrics.inventory._load import inventory_dir

    path = tmp_path / "mine.yaml"
    text = (inventory_dir() / "bfi44.yaml").read_text()
    assert "\nid: bfi44\n" in text
    path.write_text(text.replace("\nid: bfi44\n", "\nid: mine\n", 1))
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    audit("sim/steady", [str(path)], templates=["instruct"], orders=["original"], db=db, run_id="r", limit_items=3)
    monkeypatch.chdir(tmp_path / "..")
    out = tmp_path / "x.jsonl"
    res = _export(db, "--out", str(out))
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3 and {r["inventory"] for r in rows} == {"mine"} and all(r["item_text"] for r in rows)
