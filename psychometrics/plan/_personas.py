"""Persona sets: short biographies framed by instruction wordings, as a plan axis.

A persona set is a declarative file ``inventories/personas/<id>.yaml`` (:class:`PersonaSet`): first-person
biographies and a few instruction wordings with a ``{description}`` placeholder. Persona ``<set>/<biography>``
(e.g. ``default/017``) is one biography framed by one wording, assigned round-robin in file order: the
biography at position *i* (0-based) gets wording *i* mod *W*.

Persona ids are what a plan, a run's design and every stored response carry. :func:`resolve_persona` turns an
id into the preamble a template renders through its ``persona`` variable, so a run can be rebuilt (resumed)
from its stored design. Three kinds of id resolve:

``<set>/<biography>``
    A biography of a shipped persona set, e.g. ``default/017``.
``shape/<trait>/<level>``
    A shaping level (1–9) of a trait, rendered from the adjective markers of
    ``inventories/shaping/markers.yaml`` (see :func:`load_markers`), e.g. ``shape/extraversion/7``.
``shape/<trait>/<level>+<set>/<biography>``
    A biography followed by the shaping sentence, inside the biography's own instruction wording.

Any other string is not an id: :func:`resolve_persona` returns None and the plan uses the string itself as the
preamble (and as its name). A string shaped like an id (no whitespace, a ``/``) that does not resolve is an
error, so a typo cannot silently become a preamble.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, model_validator

from psychometrics._paths import data_dir
from psychometrics._record import Record
from psychometrics._yamlfile import load_shipped_or_path, report_problems
from psychometrics.plan._markers import level_description, load_markers

PLACEHOLDER = "{description}"
"""Where an instruction wording takes the biography (or the shaping sentence)."""

SHAPE_PREFIX = "shape"
_ID = r"[a-z0-9][a-z0-9_-]*"
_SHAPE_RE = re.compile(rf"^{SHAPE_PREFIX}/(?P<trait>[a-z][a-z0-9_]*)/(?P<level>[1-9])(?:\+(?P<base>.+))?$")
_PERSONA_RE = re.compile(rf"^(?P<set>{_ID})/(?P<bio>[A-Za-z0-9_-]+)$")


class PersonaError(ValueError):
    """An unknown persona set, biography or persona id, or a bad persona specification."""


class Instruction(Record):
    """One wording that frames a biography."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    """Short id of the wording (``a``, ``b``…)."""
    text: str
    """The wording, with ``{description}`` exactly once where the biography goes."""


class Biography(Record):
    """One invented person, described in the first person with facts and no trait words."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    """The id within the set (``017``); the persona id is ``<set>/<id>``."""
    text: str
    """One to three first-person sentences."""


class PersonaSet(Record):
    """A file of biographies and instruction wordings (``inventories/personas/<id>.yaml``)."""

    version: Literal[1] = 1
    """Version of this file format."""
    id: str = Field(pattern=rf"^{_ID}$")
    """The set's id; must match the file name (``default`` for ``default.yaml``)."""
    name: str
    description: str
    assignment: Literal["round-robin"] = "round-robin"
    """How wordings are assigned to biographies: biography *i* (0-based, file order) gets wording *i* mod *W*."""
    instructions: list[Instruction] = Field(min_length=1)
    biographies: list[Biography] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> PersonaSet:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.id == SHAPE_PREFIX:
            problems.append((("id",), f"the id {SHAPE_PREFIX!r} is reserved for shaping levels"))
        for field, records in (("instructions", self.instructions), ("biographies", self.biographies)):
            seen: set[str] = set()
            for i, rec in enumerate(records):
                if rec.id in seen:
                    problems.append(((field, i, "id"), f"duplicate id {rec.id!r}"))
                seen.add(rec.id)
                if not rec.text.strip():
                    problems.append(((field, i, "text"), "empty text"))
        for i, ins in enumerate(self.instructions):
            if ins.text.count(PLACEHOLDER) != 1:
                message = (f"an instruction must contain {PLACEHOLDER} exactly once "
                           f"(found {ins.text.count(PLACEHOLDER)})")
                problems.append((("instructions", i, "text"), message))
        report_problems(problems, info)
        return self

    def instruction_for(self, biography_id: str) -> Instruction:
        """The wording assigned to a biography (round-robin in file order)."""
        for i, bio in enumerate(self.biographies):
            if bio.id == biography_id:
                return self.instructions[i % len(self.instructions)]
        raise PersonaError(f"persona set {self.id!r} has no biography {biography_id!r}")

    def biography(self, biography_id: str) -> Biography:
        for bio in self.biographies:
            if bio.id == biography_id:
                return bio
        raise PersonaError(f"persona set {self.id!r} has no biography {biography_id!r} "
                           f"(ids {self.biographies[0].id}…{self.biographies[-1].id})")


@dataclass(frozen=True)
class Persona:
    """One persona: a biography framed by its instruction wording."""

    id: str
    """``<set>/<biography>``, e.g. ``default/017``."""
    biography: str
    """The biography text."""
    instruction: str
    """Id of the instruction wording used."""
    preamble: str
    """What the template renders before the inventory."""


@dataclass(frozen=True)
class ShapingTarget:
    """A parsed shaping persona id ``shape/<trait>/<level>[+<persona id>]``."""

    trait: str
    level: int
    """1 (extremely low) … 5 (neutral) … 9 (extremely high)."""
    base: str | None = None
    """The biography persona the shaping sentence follows, or None."""

    @property
    def id(self) -> str:
        return shaping_id(self.trait, self.level, self.base)


def shaping_id(trait: str, level: int, base: str | None = None) -> str:
    """The persona id of a shaping level: ``shape/extraversion/7`` or ``shape/extraversion/7+default/017``."""
    if not 1 <= int(level) <= 9:
        raise PersonaError(f"a shaping level is 1–9 (got {level})")
    return f"{SHAPE_PREFIX}/{trait}/{int(level)}" + (f"+{base}" if base else "")


def parse_shaping_id(persona: object) -> ShapingTarget | None:
    """The shaping target of a persona id, or None when it is not a shaping id."""
    if not isinstance(persona, str):
        return None
    m = _SHAPE_RE.match(persona)
    if m is None:
        return None
    return ShapingTarget(trait=m["trait"], level=int(m["level"]), base=m["base"])


# Files -------------------------------------------------------------------------------------------------------

def persona_dir() -> Path:
    """The folder of shipped persona sets (``inventories/personas``)."""
    return data_dir("inventories") / "personas"


def _shipped() -> dict[str, Path]:
    folder = persona_dir()
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def load_persona_set(id_or_path: str | Path = "default") -> PersonaSet:
    """Load a shipped persona set by id (``default``) or a persona-set file by path.

    Raises
    ------
    PersonaError
        Neither a shipped id nor an existing file.
    DataFileError
        The file is malformed; one ``file:line: problem`` line per problem.
    """
    shipped = _shipped()

    def unknown(text: str) -> PersonaError:
        return PersonaError(f"unknown persona set {text!r} (shipped: {', '.join(shipped) or 'none'}; "
                            "or a path to a YAML file)")

    return load_shipped_or_path(PersonaSet, id_or_path, shipped, unknown=unknown)


def list_persona_sets() -> list[str]:
    """Ids of the shipped persona sets."""
    return list(_shipped())


# Personas ----------------------------------------------------------------------------------------------------

def frame(instruction: Instruction | str, description: str) -> str:
    """An instruction wording with ``{description}`` replaced."""
    text = instruction.text if isinstance(instruction, Instruction) else instruction
    return text.replace(PLACEHOLDER, description.strip())


def persona_of(pset: PersonaSet, biography_id: str) -> Persona:
    bio = pset.biography(biography_id)
    ins = pset.instruction_for(biography_id)
    return Persona(id=f"{pset.id}/{bio.id}", biography=bio.text, instruction=ins.id, preamble=frame(ins, bio.text))


def _rank(seed: int, set_id: str, bio_id: str) -> bytes:
    return hashlib.blake2b(f"{seed}\x1f{set_id}\x1f{bio_id}".encode(), digest_size=8).digest()


def personas_of(pset: PersonaSet | str = "default", n: int | None = None, *, seed: int = 0) -> list[Persona]:
    """All personas of a set (``n`` None), or a seeded sample of ``n`` of them, in file order.

    The sample ranks biographies by a hash of ``seed``, the set id and the biography id and takes the first
    ``n``: it is the same on every machine and Python version, and nested (the sample of 10 is part of the
    sample of 20 for the same seed).
    """
    if not isinstance(pset, PersonaSet):
        pset = load_persona_set(pset)
    bios = list(pset.biographies)
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise PersonaError(f"the number of personas must be a whole number ≥ 1 (got {n!r})")
        if n > len(bios):
            raise PersonaError(f"persona set {pset.id!r} has {len(bios)} biographies; cannot sample {n}")
        keep = set(sorted((b.id for b in bios), key=lambda b: _rank(seed, pset.id, b))[:n])
        bios = [b for b in bios if b.id in keep]
    return [persona_of(pset, b.id) for b in bios]


def persona_ids(spec: str | None, *, seed: int = 0) -> list[str | None]:
    """Parse a ``--personas`` specification into persona ids (None = no persona).

    A comma list of: ``none`` (no preamble, the baseline), ``<set>`` (every biography of a shipped set),
    ``<set>:<N>`` (a seeded sample of N, see :func:`personas_of`) or a persona id (``default/017``).
    An empty or missing spec is ``[None]``.
    """
    if spec is None or not spec.strip():
        return [None]
    out: list[str | None] = []
    for token in (t.strip() for t in spec.split(",")):
        if not token:
            continue
        if token.lower() == "none":
            ids: list[str | None] = [None]
        elif "/" in token:
            resolve_persona(token)
            ids = [token]
        else:
            name, _, count = token.partition(":")
            if count and not count.strip().isdigit():
                raise PersonaError(f"--personas {token!r}: expected SET or SET:N with N a whole number")
            ids = [p.id for p in personas_of(name, int(count) if count else None, seed=seed)]
        for pid in ids:
            if pid in out:
                raise PersonaError(f"persona {pid or 'none'!r} is given twice in {spec!r}")
            out.append(pid)
    return out or [None]


def shaping_preamble(trait: str, level: int, base: str | None = None) -> str:
    """The preamble of a shaping level, alone or after a biography persona ``base``."""
    markers = load_markers()
    sentence = level_description(trait, level, markers)
    if base is None:
        return frame(markers.instruction, sentence)
    if parse_shaping_id(base) is not None:
        raise PersonaError(f"a shaping persona cannot follow another shaping persona ({base!r})")
    m = _PERSONA_RE.match(base)
    if m is None:
        raise PersonaError(f"{base!r} is not a persona id such as default/017")
    pset = load_persona_set(m["set"]) if m["set"] in _shipped() else None
    if pset is None:
        raise PersonaError(f"unknown persona set {m['set']!r} in {base!r} (shipped: {', '.join(_shipped()) or 'none'})")
    bio = pset.biography(m["bio"])
    return frame(pset.instruction_for(bio.id), f"{bio.text} {sentence}")


def is_persona_id(name: str) -> bool:
    """Whether ``name`` is shaped like a persona id (a ``/``, no whitespace) rather than a preamble text."""
    return "/" in name and not any(ch.isspace() for ch in name)


def resolve_persona(name: str) -> str | None:
    """The preamble behind a persona id, or None when ``name`` is not an id (it is then its own preamble).

    Raises
    ------
    PersonaError
        ``name`` looks like a persona id (no whitespace, a ``/``) but names no shipped set, biography, trait
        or level.
    """
    if not is_persona_id(name):
        return None
    target = parse_shaping_id(name)
    if target is not None:
        return shaping_preamble(target.trait, target.level, target.base)
    if name.startswith(SHAPE_PREFIX + "/"):
        raise PersonaError(f"bad shaping persona {name!r}: expected shape/<trait>/<level 1–9>[+<set>/<id>]")
    m = _PERSONA_RE.match(name)
    if m is None or m["set"] not in _shipped():
        raise PersonaError(f"unknown persona {name!r}: expected <set>/<id> with a shipped set "
                           f"({', '.join(_shipped()) or 'none'}), e.g. default/017, or shape/<trait>/<level>")
    return persona_of(load_persona_set(m["set"]), m["bio"]).preamble
