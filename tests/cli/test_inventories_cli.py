"""`psychometrics inventories …` through typer's CliRunner and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from psychometrics.cli import app

runner = CliRunner()
SHIPPED = {"bfi44", "sd3", "oejts", "ipip50", "trait-scenarios", "ipip50-paraphrase", "ipip50-de",
           "trait-scenarios-paraphrase"}


def test_list_json_has_the_promised_fields():
    result = runner.invoke(app, ["inventories", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert SHIPPED <= {r["id"] for r in rows}
    for row in rows:
        assert {"id", "name", "kind", "n_items", "scales", "license"} <= row.keys()
        assert row["n_items"] > 0 and row["scales"] and row["license"]


def test_list_table():
    result = runner.invoke(app, ["inventories", "list"])
    assert result.exit_code == 0
    assert "bfi44" in result.stdout


def test_list_json_says_which_are_parallel_forms():
    rows = {r["id"]: r for r in json.loads(runner.invoke(app, ["inventories", "list", "--json"]).stdout)}
    assert (rows["ipip50-de"]["parallel_to"], rows["ipip50-de"]["relation"], rows["ipip50-de"]["language"]) == (
        "ipip50", "translation", "de")
    assert rows["trait-scenarios-paraphrase"]["relation"] == "paraphrase"
    assert rows["ipip50"]["parallel_to"] is None and rows["ipip50"]["language"] == "en"


def test_show_and_validate_name_the_original_of_a_form():
    from psychometrics.inventory import inventory_dir

    result = runner.invoke(app, ["inventories", "show", "ipip50-paraphrase"])
    assert result.exit_code == 0
    assert "paraphrase of ipip50" in result.stdout and "Bring energy and fun" in result.stdout
    data = json.loads(runner.invoke(app, ["inventories", "show", "trait-scenarios-paraphrase", "--json"]).stdout)
    assert data["parallel_to"] == "trait-scenarios" and data["items"][0]["parallel_item"] == "O01"
    result = runner.invoke(app, ["inventories", "validate", str(inventory_dir() / "ipip50-de.yaml")])
    assert result.exit_code == 0 and "translation of ipip50" in result.stdout


def test_show_json_is_the_model():
    result = runner.invoke(app, ["inventories", "show", "sd3", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["id"] == "sd3" and len(data["items"]) == 27
    assert {s["id"] for s in data["scales"]} == {"machiavellianism", "narcissism", "psychopathy"}


def test_show_table_and_unknown_id():
    assert runner.invoke(app, ["inventories", "show", "oejts"]).exit_code == 0
    result = runner.invoke(app, ["inventories", "show", "nope"])
    assert result.exit_code == 1
    assert "unknown inventory 'nope'" in result.stderr
    assert "Traceback" not in result.output


def test_validate_good_and_bad(tmp_path):
    from psychometrics.inventory import inventory_dir

    bad = tmp_path / "bad.yaml"
    bad.write_text((inventory_dir() / "sd3.yaml").read_text().replace("scale: narcissism", "scale: narcisism", 1))
    ok = runner.invoke(app, ["inventories", "validate", str(inventory_dir() / "bfi44.yaml")])
    assert ok.exit_code == 0 and "ok" in ok.stdout
    result = runner.invoke(app, ["inventories", "validate", str(inventory_dir() / "bfi44.yaml"), str(bad)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith(f"{bad}:") for line in lines)
    assert any("'narcisism', which is not declared" in line for line in lines)
    assert "Traceback" not in result.output


def test_validate_missing_file(tmp_path):
    result = runner.invoke(app, ["inventories", "validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_help_is_fast_and_light():
    """--help must not import the heavy libraries (they cost seconds)."""
    code = (
        "import sys; from psychometrics.cli import app; "
        "heavy = [m for m in ('litellm', 'pandas', 'pingouin', 'factor_analyzer', 'llama_cpp', 'matplotlib') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
