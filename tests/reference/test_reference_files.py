"""The committed R reference files: one per script, computed from the data in the repository, and the CI check that
compares them with a fresh R run catches what it must (without R: the check itself runs in .ci/run)."""

from __future__ import annotations

import copy
import json

import pytest

from tests.reference import REFERENCE_DIR, as_frame, load_reference
from tests.reference.compare import differences, main

SCRIPTS = sorted(p.stem for p in REFERENCE_DIR.glob("[!_]*.R"))


def test_every_script_has_its_committed_output_and_back():
    assert SCRIPTS == ["efa", "forms", "reliability"]
    assert sorted(p.stem for p in REFERENCE_DIR.glob("*.json")) == SCRIPTS


@pytest.mark.parametrize("name", SCRIPTS)
def test_reference_records_its_provenance_and_data(name):
    ref = load_reference(name)  # raises if the data file changed since
    assert ref["generated_by"] == f"Rscript tests/reference/{name}.R"
    assert ref["r_version"].startswith("R version ")
    assert set(ref["packages"]) == {"psych", "GPArotation"}
    assert ref["data"]["file"] == "tests/data/psych_bfi.csv"


def test_a_changed_data_file_is_refused(tmp_path, monkeypatch):
    import tests.reference as reference

    fake = json.loads((REFERENCE_DIR / "efa.json").read_text())
    fake["data"]["md5"] = "0" * 32
    (tmp_path / "fake.json").write_text(json.dumps(fake))
    monkeypatch.setattr(reference, "REFERENCE_DIR", tmp_path)
    with pytest.raises(ValueError, match="re-run Rscript tests/reference/efa.R"):
        reference.load_reference.__wrapped__("fake")


def test_as_frame_keeps_labels_and_nulls():
    frame = as_frame({"rows": ["a", "b"], "columns": ["x", "y"], "data": [[1, None], [2.5, 3]]})
    assert list(frame.index) == ["a", "b"] and list(frame.columns) == ["x", "y"]
    assert frame.loc["b", "x"] == 2.5 and frame.isna().sum().sum() == 1


def test_compare_flags_values_beyond_1e9_relative_and_structure():
    ref = load_reference("efa")
    assert differences(ref, copy.deepcopy(ref)) == []
    fresh = copy.deepcopy(ref)
    fresh["kmo"]["msa"] *= 1 + 2e-9
    fresh["fa"]["phi"]["data"][0][1] *= 1 + 5e-10  # within tolerance
    fresh["bartlett"]["call"] = "something else"
    del fresh["n"]
    fresh["fa"]["communalities"].append(0.5)
    found = differences(ref, fresh)
    assert [d.split(":")[0] for d in found] == ["/n", "/kmo/msa", "/bartlett/call", "/fa/communalities"]


def test_compare_accepts_other_versions_and_fails_on_missing_files(tmp_path, capsys):
    committed, fresh = tmp_path / "committed", tmp_path / "fresh"
    committed.mkdir()
    fresh.mkdir()
    ref = load_reference("reliability")
    (committed / "reliability.json").write_text(json.dumps(ref))
    newer = copy.deepcopy(ref)
    newer["packages"]["psych"] = "9.9.9"
    (fresh / "reliability.json").write_text(json.dumps(newer))
    assert main(committed, fresh) == 0
    assert "note: packages" in capsys.readouterr().out
    (fresh / "extra.json").write_text("{}")
    assert main(committed, fresh) == 1
    (fresh / "extra.json").unlink()
    (fresh / "reliability.json").unlink()
    assert main(committed, fresh) == 1
    assert main(tmp_path / "empty", fresh) == 1
