"""Convert the TRAIT data set (Lee et al. 2024) into an ordinary scenario inventory file.

TRAIT's 8,000 items are gated and may not be redistributed, so the project ships no copy: a user who has
obtained the data runs ``psychometrics inventories import-trait SRC --out FILE.yaml``, which calls
:func:`import_trait` and then :func:`write_inventory_yaml`. Those two functions are the whole API.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from psychometrics._yamlfile import DataFileError, FileProblem
from psychometrics.inventory._model import Inventory, Scale, ScenarioItem, ScenarioOption

__all__ = ["import_trait", "write_inventory_yaml"]

# trait id -> (item id prefix, scale name, one-line description); the order is the order of the scales.
_TRAITS: dict[str, tuple[str, str, str]] = {
    "openness": ("O", "Openness", "Curiosity, imagination and a liking for new ideas, art and experiences."),
    "conscientiousness": ("C", "Conscientiousness", "Organisation, planning, thoroughness and following through."),
    "extraversion": ("E", "Extraversion", "Sociability, talkativeness and seeking out company and activity."),
    "agreeableness": ("A", "Agreeableness", "Trust, cooperation, forgiveness and putting others' wishes first."),
    "neuroticism": ("N", "Neuroticism", "Worry, tension and how strongly setbacks and threats are felt."),
    "machiavellianism": ("MA", "Machiavellianism", "Strategic, calculating use of people and information."),
    "narcissism": ("NA", "Narcissism", "Wanting admiration, attention and special treatment."),
    "psychopathy": ("PS", "Psychopathy", "Impulsive risk-taking, callousness and little remorse."),
}
_ALIASES = {"extroversion": "extraversion"}
_RESPONSES = ("response_high1", "response_high2", "response_low1", "response_low2")
_JSON_FIELDS = ("personality", "situation", "query", *_RESPONSES)
_JSONL_FIELDS = ("personality", "question", *_RESPONSES)
_DEFAULT_QUESTION = "What would you do?"
_MAX_PROBLEMS = 50

_CITATION = (
    "Lee, S., Lim, S., Han, S., Oh, G., Chae, H., Chung, J., Kim, M., Kwak, B., Lee, Y., Lee, D., Yeo, J., & "
    "Yu, Y. (2024). Do LLMs Have Distinct and Consistent Personality? TRAIT: Personality Testset designed for "
    "LLMs with Psychometrics. arXiv:2406.14703."
)
_LICENSE = (
    "TRAIT dataset terms apply: the items are the TRAIT authors' (Lee et al. 2024), released as a gated data set "
    "that each user must obtain and accept the terms of; this file is a local conversion for the user's own "
    "research, is not redistributable by this project and should not be shared or published."
)
_INSTRUCTIONS = (
    "Each question describes a situation and gives four options. Choose the option that best describes what "
    "you would do in that situation, and answer with the option's number."
)
_SOURCE_URL = "https://huggingface.co/datasets/mirlab/TRAIT"
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class _Record:
    file: str
    line: int
    item: ScenarioItem


class _Problems:
    """Collects problems; raises them all at the end as one :class:`DataFileError`."""

    def __init__(self) -> None:
        self.items: list[FileProblem] = []

    def add(self, file: str, line: int | None, field: str | None, message: str) -> None:
        self.items.append(FileProblem(file=file, line=line, field=field, message=message))

    def raise_if_any(self, src: Path) -> None:
        if not self.items:
            return
        shown = self.items[:_MAX_PROBLEMS]
        if len(self.items) > _MAX_PROBLEMS:
            shown.append(FileProblem(file=str(src), line=None, field=None,
                                     message=f"… and {len(self.items) - _MAX_PROBLEMS} more problems not shown"))
        raise DataFileError(shown)


def import_trait(src: Path, *, inventory_id: str = "trait", name: str | None = None) -> Inventory:
    """Read TRAIT items from a file or folder and return them as a scenario inventory.

    Parameters
    ----------
    src : pathlib.Path
        A TRAIT file or a folder of them (the folder's ``*.json``, ``*.jsonl`` and ``*.ndjson`` files, not its
        sub-folders, in name order). Two shapes are read:

        - TRAIT's JSON (``TRAIT.json``): a list of objects with ``idx, personality, situation, query,
          response_high1, response_high2, response_low1, response_low2``; other keys (e.g. the paraphrases)
          are ignored.
        - TRAIT's per-trait JSONL export: one object per line with ``question, response_high1,
          response_high2, response_low1, response_low2, personality``.

        ``.json`` files are read as JSON, ``.jsonl``/``.ndjson`` as JSONL; any other name is read as JSON when
        its text starts with ``[`` and as JSONL otherwise.
    inventory_id : str, default "trait"
        The new inventory's ``id``: lowercase letters, digits, ``-`` and ``_``.
    name : str, optional
        The new inventory's ``name``; by default ``TRAIT (imported from <src name>)``.

    Returns
    -------
    Inventory
        A ``kind: scenario`` inventory scored as ``high_choice_percent``, one scale per trait present in the
        data (ids ``openness``, ``conscientiousness``, ``extraversion``, ``agreeableness``, ``neuroticism``,
        ``machiavellianism``, ``narcissism``, ``psychopathy``, in that order).

    Raises
    ------
    DataFileError
        Any input problem: unreadable file, invalid JSON (with its line), a missing or empty field, an unknown
        ``personality``, a duplicate item id, or no items at all. Every problem is collected and reported as
        one ``file:line: message`` line (at most 50, then a count of the rest).
    FileNotFoundError
        ``src`` does not exist.
    ValueError
        ``inventory_id`` is not a valid inventory id.

    Notes
    -----
    - **Option order.** Each item's options are stored as ``response_high1, response_low1, response_high2,
      response_low2``: options 1 and 3 are the high-trait choices, 2 and 4 the low ones, so the first option
      is not always high and highs and lows alternate. Answers are stored as the original option number (1–4)
      and keyed through each option's ``high`` flag, so the fixed pattern matters only for presentation: a
      plan that wants to counter position bias should shuffle or reverse the options when it renders them.
    - **Item ids.** ``idx`` as text when the record has one; otherwise the trait's prefix (``O``, ``C``,
      ``E``, ``A``, ``N``, ``MA``, ``NA``, ``PS``) followed by the record's line number (JSONL) or its
      1-based position in the list (JSON, where several records may share a line).
    - **JSONL questions.** ``question`` holds the situation and the query together. When it ends with ``?``
      its final sentence becomes the item's ``question`` and the rest its ``situation``; otherwise, or when
      the text is a single sentence, the whole text is the situation and the question is
      ``What would you do?``.
    - ``personality`` is matched without regard to case (``Openness``, ``openness``, ``OPENNESS``).

    References
    ----------
    Lee, S., Lim, S., Han, S., et al. (2024). Do LLMs Have Distinct and Consistent Personality? TRAIT:
    Personality Testset designed for LLMs with Psychometrics. arXiv:2406.14703.

    Examples
    --------
    >>> from pathlib import Path
    >>> inv = import_trait(Path("tests/fixtures/trait/trait_sample.json"), inventory_id="trait-sample")
    >>> inv.kind, inv.scoring, len(inv.items)
    ('scenario', 'high_choice_percent', 6)
    >>> [o.high for o in inv.items[0].options]
    [True, False, True, False]
    """
    src = Path(src)
    if not _ID_PATTERN.match(inventory_id):
        raise ValueError(f"inventory id {inventory_id!r} must be lowercase letters, digits, '-' or '_', "
                         "starting with a letter or digit")
    if not src.exists():
        raise FileNotFoundError(f"{src}: no such file or folder")
    problems = _Problems()
    if src.is_dir():
        files = sorted(p for p in src.iterdir() if p.is_file() and p.suffix.lower() in {".json", ".jsonl", ".ndjson"})
        if not files:
            problems.add(str(src), None, None, "no .json, .jsonl or .ndjson files in this folder")
    else:
        files = [src]
    records: list[_Record] = []
    for path in files:
        records.extend(_read_file(path, problems))
    seen: dict[str, _Record] = {}
    for rec in records:
        first = seen.setdefault(rec.item.id, rec)
        if first is not rec:
            problems.add(rec.file, rec.line, "idx",
                         f"duplicate item id {rec.item.id!r} (first at {first.file}:{first.line})")
    if files and not records and not problems.items:
        problems.add(str(src), None, None, "no TRAIT items found")
    problems.raise_if_any(src)
    present = {rec.item.scale for rec in records}
    scales = [Scale(id=t, name=label, description=desc, trait=t)
              for t, (_, label, desc) in _TRAITS.items() if t in present]
    return Inventory(
        id=inventory_id,
        name=name or f"TRAIT (imported from {src.name})",
        kind="scenario",
        citation=_CITATION,
        license=_LICENSE,
        instructions=_INSTRUCTIONS,
        scoring="high_choice_percent",
        scales=scales,
        items=[rec.item for rec in records],
        source_url=_SOURCE_URL,
    )


def write_inventory_yaml(inv: Inventory, out: Path) -> None:
    """Write ``inv`` as an inventory YAML file that :func:`psychometrics.load_inventory` reads back unchanged.

    Parameters
    ----------
    inv : Inventory
        Usually the result of :func:`import_trait`; any inventory works.
    out : pathlib.Path
        The file to write (UTF-8; replaced if it exists). Its folder must exist.

    Returns
    -------
    None

    Raises
    ------
    RuntimeError
        The YAML text would not load back as the same inventory (checked before anything is written).

    Notes
    -----
    Fields left at their default are omitted, except ``version``, which every file carries first; the other
    keys follow the schema's field order. A comment at the top says where the file came from and that
    TRAIT's terms apply when the inventory is an import of TRAIT.
    """
    out = Path(out)
    data: dict[str, Any] = {"version": inv.version, **inv.model_dump(mode="json", exclude_defaults=True)}
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    if Inventory.model_validate(yaml.safe_load(text)) != inv:
        raise RuntimeError(f"{inv.id}: the YAML text does not load back as the same inventory")
    header = ""
    if inv.license == _LICENSE:
        header = ("# Converted from the TRAIT data set by `psychometrics inventories import-trait`.\n"
                  "# TRAIT's terms apply: keep this file for your own research; do not share or publish it.\n")
    out.write_text(header + text, encoding="utf-8")


# Reading ----------------------------------------------------------------------------------------------------


def _read_file(path: Path, problems: _Problems) -> list[_Record]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.add(file, None, None, "not UTF-8 text")
        return []
    except OSError as exc:
        problems.add(file, None, None, f"cannot read: {exc.strerror or exc}")
        return []
    suffix = path.suffix.lower()
    as_json = suffix == ".json" or (suffix not in {".jsonl", ".ndjson"} and text.lstrip().startswith("["))
    return _read_json(text, file, problems) if as_json else _read_jsonl(text, file, problems)


def _read_json(text: str, file: str, problems: _Problems) -> list[_Record]:
    if not text.strip():
        problems.add(file, None, None, "the file is empty")
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.add(file, exc.lineno, None, f"invalid JSON: {exc.msg} (column {exc.colno})")
        return []
    if not isinstance(data, list):
        problems.add(file, 1, None, "expected a JSON list of TRAIT items (the TRAIT.json shape)")
        return []
    records = []
    for position, (line, obj) in enumerate(_with_lines(text), start=1):
        rec = _record(obj, file, line, position, _JSON_FIELDS, problems)
        if rec is not None:
            records.append(rec)
    return records


def _with_lines(text: str) -> list[tuple[int, Any]]:
    """The elements of a valid top-level JSON list, each with the line it starts on."""
    decoder = json.JSONDecoder()
    out: list[tuple[int, Any]] = []
    i = _skip_ws(text, 0) + 1  # past "["
    line, counted = 1, 0
    while True:
        i = _skip_ws(text, i)
        if text[i] == "]":
            return out
        line += text.count("\n", counted, i)
        counted = i
        obj, i = decoder.raw_decode(text, i)
        out.append((line, obj))
        i = _skip_ws(text, i)
        if text[i] == ",":
            i += 1


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _read_jsonl(text: str, file: str, problems: _Problems) -> list[_Record]:
    records = []
    lines = text.split("\n")
    if not text.strip():
        problems.add(file, None, None, "the file is empty")
    for line_no, raw in enumerate(lines, start=1):
        raw = raw.strip()
        if not raw:
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.add(file, line_no, None, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        rec = _record(obj, file, line_no, line_no, _JSONL_FIELDS, problems)
        if rec is not None:
            records.append(rec)
    return records


def _record(obj: Any, file: str, line: int, number: int, fields: tuple[str, ...],
            problems: _Problems) -> _Record | None:
    if not isinstance(obj, dict):
        problems.add(file, line, None, f"expected a JSON object for one TRAIT item, got {type(obj).__name__}")
        return None
    before = len(problems.items)
    values: dict[str, str] = {}
    for field in fields:
        if field not in obj:
            problems.add(file, line, field, f"missing field {field!r}")
        elif not isinstance(obj[field], str) or not obj[field].strip():
            problems.add(file, line, field, f"field {field!r} must be non-empty text (got {obj[field]!r})")
        else:
            values[field] = " ".join(obj[field].split())
    trait = None
    if "personality" in values:
        key = values["personality"].lower()
        trait = _ALIASES.get(key, key)
        if trait not in _TRAITS:
            known = ", ".join(label for _, label, _ in _TRAITS.values())
            problems.add(file, line, "personality",
                         f"unknown personality {values['personality']!r} (expected one of {known})")
    item_id = None
    idx = obj.get("idx")
    if idx is not None:
        if isinstance(idx, bool) or not isinstance(idx, (int, str)) or not str(idx).strip():
            problems.add(file, line, "idx", f"field 'idx' must be a number or non-empty text (got {idx!r})")
        else:
            item_id = str(idx).strip()
    if len(problems.items) > before or trait is None:
        return None
    if item_id is None:
        item_id = f"{_TRAITS[trait][0]}{number}"
    if "question" in fields:
        situation, question = _split_question(values["question"])
    else:
        situation, question = values["situation"], values["query"]
    options = [
        ScenarioOption(text=values["response_high1"], high=True),
        ScenarioOption(text=values["response_low1"], high=False),
        ScenarioOption(text=values["response_high2"], high=True),
        ScenarioOption(text=values["response_low2"], high=False),
    ]
    item = ScenarioItem(id=item_id, situation=situation, question=question, scale=trait, options=options)
    return _Record(file=file, line=line, item=item)


# A sentence ends at . ! or ? (perhaps followed by a closing quote or bracket) and a space.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "prof", "jr", "sr", "vs", "e.g", "i.e"}


def _split_question(text: str) -> tuple[str, str]:
    """Split ``Situation. Final question?`` into situation and question (see :func:`import_trait`, Notes)."""
    if text.endswith("?"):
        for match in reversed(list(_SENTENCE_END.finditer(text))):
            before = text[: match.start()].split()
            word = before[-1].lower() if before else ""
            if text[match.start()] == "." and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())):
                continue  # "Mr. Smith", "J. Smith": not the end of a sentence
            situation, question = text[: match.end()].strip(), text[match.end():].strip()
            if situation and question and not question[0].islower():
                return situation, question
    return text, _DEFAULT_QUESTION
