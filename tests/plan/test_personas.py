"""Persona sets: the shipped biographies, their validation, sampling, id resolution and the plan axis."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from psychometrics._yamlfile import DataFileError
from psychometrics.plan import (
    PersonaError,
    PersonaSet,
    build_plan,
    list_persona_sets,
    load_persona_set,
    parse_shaping_id,
    persona_dir,
    persona_ids,
    personas_of,
    resolve_persona,
    shaping_id,
)

# Words that describe a personality rather than a life: none may appear in a biography.
TRAIT_WORDS = {
    "outgoing", "shy", "introvert", "introverted", "extrovert", "extroverted", "extravert", "anxious", "nervous",
    "worried", "worrier", "calm", "relaxed", "kind", "friendly", "nice", "warm", "cold", "generous", "selfish",
    "honest", "caring", "helpful", "polite", "rude", "organised", "organized", "disorganised", "messy", "tidy",
    "neat", "careful", "careless", "lazy", "hardworking", "hard-working", "diligent", "reliable", "responsible",
    "curious", "creative", "imaginative", "artistic", "open-minded", "adventurous", "quiet", "talkative", "loud",
    "sociable", "confident", "insecure", "moody", "emotional", "sensitive", "stable", "patient",
    "impatient", "ambitious", "competitive", "stubborn", "easygoing", "easy-going", "cheerful", "happy", "sad",
    "gentle", "tough", "bold", "timid", "reserved", "energetic", "lively", "modest", "humble", "arrogant", "vain",
    "manipulative", "cunning", "reckless", "impulsive", "callous", "ruthless", "empathetic", "trusting",
    "distrustful", "cynical", "sincere", "introspective", "thoughtful", "intelligent", "smart", "clever",
    "perfectionist", "optimistic", "pessimistic", "loyal", "stressed", "tense", "irritable", "assertive",
    "love", "loves", "hate", "hates",
}


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text)}


@pytest.fixture(scope="module")
def default_set() -> PersonaSet:
    return load_persona_set("default")


def test_default_set_is_shipped_and_valid(default_set: PersonaSet) -> None:
    assert "default" in list_persona_sets()
    assert default_set.version == 1 and default_set.id == "default"
    assert len(default_set.biographies) >= 50
    assert 3 <= len(default_set.instructions) <= 5
    assert [b.id for b in default_set.biographies] == [f"{i:03d}" for i in range(1, len(default_set.biographies) + 1)]


def test_biographies_are_first_person_without_trait_words(default_set: PersonaSet) -> None:
    from psychometrics.shape import load_markers

    markers = {w.lower() for pairs in load_markers().traits.values() for p in pairs for w in (p.low, p.high)}
    forbidden = TRAIT_WORDS | {w for m in markers for w in m.split()}
    for bio in default_set.biographies:
        assert bio.text.startswith("I am "), bio.id
        found = _words(bio.text) & forbidden
        assert not found, f"biography {bio.id} uses trait word(s) {sorted(found)}"
    texts = [b.text for b in default_set.biographies]
    assert len(set(texts)) == len(texts)
    ages = [int(re.match(r"I am (\d+)", t).group(1)) for t in texts]  # type: ignore[union-attr]
    assert min(ages) < 20 and max(ages) > 75  # varied ages


def test_round_robin_assignment(default_set: PersonaSet) -> None:
    w = len(default_set.instructions)
    for i, bio in enumerate(default_set.biographies):
        assert default_set.instruction_for(bio.id).id == default_set.instructions[i % w].id
    p = personas_of(default_set)[16]
    assert p.id == "default/017"
    assert p.instruction == default_set.instructions[16 % w].id
    assert p.biography in p.preamble and "{description}" not in p.preamble
    assert resolve_persona("default/017") == p.preamble


def test_seeded_sample_is_stable_and_nested(default_set: PersonaSet) -> None:
    ten = [p.id for p in personas_of("default", 10)]
    assert ten == [p.id for p in personas_of("default", 10)]
    assert len(ten) == 10 and ten == sorted(ten)
    twenty = [p.id for p in personas_of("default", 20)]
    assert set(ten) <= set(twenty)
    assert ten != [p.id for p in personas_of("default", 10, seed=1)]
    # different wordings are represented in a sample
    assert len({p.instruction for p in personas_of("default", 10)}) >= 3
    with pytest.raises(PersonaError, match="cannot sample"):
        personas_of("default", len(default_set.biographies) + 1)
    with pytest.raises(PersonaError, match="whole number"):
        personas_of("default", 0)


def test_persona_specs() -> None:
    assert persona_ids(None) == [None]
    assert persona_ids("") == [None]
    all_ids = persona_ids("default")
    assert len(all_ids) == len(load_persona_set("default").biographies) and all_ids[0] == "default/001"
    assert persona_ids("default:10") == [p.id for p in personas_of("default", 10)]
    assert persona_ids("none,default:2")[0] is None and len(persona_ids("none,default:2")) == 3
    assert persona_ids("default/003, default/001") == ["default/003", "default/001"]
    with pytest.raises(PersonaError, match="unknown persona set 'nosuch'"):
        persona_ids("nosuch:3")
    with pytest.raises(PersonaError, match="SET:N"):
        persona_ids("default:x")
    with pytest.raises(PersonaError, match="given twice"):
        persona_ids("default:3,default")
    with pytest.raises(PersonaError, match="no biography '999'"):
        persona_ids("default/999")


def test_resolve_persona_ids_and_plain_preambles() -> None:
    assert resolve_persona("You are a pirate.") is None  # a preamble text, not an id
    assert resolve_persona("calm") is None
    with pytest.raises(PersonaError, match="unknown persona 'defualt/017'"):
        resolve_persona("defualt/017")
    with pytest.raises(PersonaError, match="bad shaping persona"):
        resolve_persona("shape/extraversion/10")
    text = resolve_persona("shape/extraversion/9")
    assert text is not None and text.startswith("For the following task, respond in a way that matches this "
                                                 "description: I am extremely talkative, extremely outgoing")
    both = resolve_persona("shape/extraversion/2+default/005")
    bio = load_persona_set("default").biography("005").text
    assert both is not None and bio in both and both.index(bio) < both.index("I am very silent")
    with pytest.raises(ValueError, match="no shaping markers for trait 'charm'"):
        resolve_persona("shape/charm/3")


def test_shaping_ids_round_trip() -> None:
    assert shaping_id("extraversion", 7) == "shape/extraversion/7"
    assert shaping_id("neuroticism", 1, "default/017") == "shape/neuroticism/1+default/017"
    t = parse_shaping_id("shape/neuroticism/1+default/017")
    assert t is not None and (t.trait, t.level, t.base) == ("neuroticism", 1, "default/017")
    assert t.id == "shape/neuroticism/1+default/017"
    assert parse_shaping_id("default/017") is None and parse_shaping_id(None) is None
    with pytest.raises(PersonaError):
        shaping_id("extraversion", 0)


def test_plan_axis_with_persona_ids() -> None:
    ids = persona_ids("default:3")
    plan = build_plan(model="m", inventories=["bfi44"], templates=["instruct", "qa"], orders=["original"],
                      personas=[None, *ids], limit_items=5)
    assert plan.design.personas == [None, *ids]
    assert len(plan.cells) == 5 * 2 * 4
    for cell in plan.cells:
        if cell.persona is None:
            assert "For the following task" not in cell.prompt
        else:
            assert resolve_persona(cell.persona).strip() in cell.prompt  # type: ignore[union-attr]
    # the persona id is part of the cell id: the same prompt under two persona ids gets two ids
    assert len({c.cell_id for c in plan.cells}) == len(plan.cells)
    same = build_plan(model="m", inventories=["bfi44"], templates=["instruct", "qa"], orders=["original"],
                      personas=[None, *ids], limit_items=5)
    assert [c.cell_id for c in same.cells] == [c.cell_id for c in plan.cells]


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _valid() -> dict:
    return {
        "version": 1, "id": "mine", "name": "Mine", "description": "test",
        "instructions": [{"id": "a", "text": "Be this person: {description}"}],
        "biographies": [{"id": "001", "text": "I am 40 and drive a bus."}],
    }


def test_a_valid_user_file_loads(tmp_path: Path) -> None:
    pset = load_persona_set(_write(tmp_path, _valid()))
    assert pset.id == "mine" and personas_of(pset)[0].preamble == "Be this person: I am 40 and drive a bus."


@pytest.mark.parametrize("change, message, field", [
    (lambda d: d.update(colour="red"), "unknown field 'colour'", None),
    (lambda d: d["instructions"][0].update(text="no placeholder"), "exactly once", "instructions"),
    (lambda d: d["biographies"].append({"id": "001", "text": "I am 50."}), "duplicate id '001'", "biographies"),
    (lambda d: d["biographies"][0].update(mood="x"), "unknown field 'mood'", "biographies"),
    (lambda d: d.update(version=2), "version", None),
    (lambda d: d.update(assignment="crossed"), "assignment", None),
    (lambda d: d.update(biographies=[]), "biographies", None),
])
def test_bad_files_fail_with_file_and_line(tmp_path: Path, change, message: str, field) -> None:
    data = _valid()
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(DataFileError) as exc:
        load_persona_set(path)
    text = str(exc.value)
    assert message in text
    assert re.match(rf"{re.escape(str(path))}:\d+: ", text.splitlines()[0]), text
    if field:
        line = int(text.splitlines()[0].split(":")[1])
        assert line > yaml.safe_dump(data, sort_keys=False).splitlines().index(f"{field}:")


def test_shipped_file_matches_its_folder() -> None:
    assert persona_dir().name == "personas"
    assert (persona_dir() / "default.yaml").is_file()


def test_audit_cli_personas_dry_run() -> None:
    from psychometrics.cli import app

    res = CliRunner().invoke(app, ["audit", "-m", "sim/steady", "--personas", "default:4", "--templates", "instruct",
                                   "--orders", "original", "--limit-items", "5", "--dry-run", "--json"])
    assert res.exit_code == 0, res.output
    import json

    plan = json.loads(res.stdout)["plan"]
    assert plan["personas"] == 4 and plan["cells"] == 20
    bad = CliRunner().invoke(app, ["audit", "-m", "sim/steady", "--personas", "nosuch:3", "--dry-run"])
    assert bad.exit_code == 1 and "unknown persona set 'nosuch'" in bad.output


def test_audit_with_personas_stores_ids(db: str) -> None:
    from psychometrics.administer import audit
    from psychometrics.store import Store

    ids = persona_ids("default:3")
    res = audit("sim/steady", ["bfi44"], templates=["instruct"], orders=["original", "reversed"], personas=ids,
                limit_items=5, db=db, concurrency=4)
    assert res.run.design.personas == ids
    with Store(db, create=False) as store:
        frame = store.responses_frame(res.run.run_id)
    assert sorted(frame["persona"].unique()) == sorted(ids)
    assert len(frame) == 5 * 2 * 3 and (frame["status"] == "ok").all()
    # the same call resumes the same run and asks nothing
    again = audit("sim/steady", ["bfi44"], templates=["instruct"], orders=["original", "reversed"], personas=ids,
                  limit_items=5, db=db, concurrency=4)
    assert again.run.run_id == res.run.run_id and again.tally is not None and again.tally.requests == 0
    # resuming by id rebuilds the personas from the stored design
    resumed = audit(resume=res.run.run_id, db=db)
    assert [c.persona for c in resumed.plan.cells] == [c.persona for c in res.plan.cells]
    assert [c.prompt for c in resumed.plan.cells] == [c.prompt for c in res.plan.cells]
