"""Parallel forms: an inventory that renders another one's items in other words or another language.

A form names its original (``parallel_to``), how it was made (``relation``), its ``language`` and, on every
item, the original item it renders (``parallel_item``). :func:`parallel_problems` checks that the mapping is
one to one and keeps what scoring relies on — scale, keying, response scale — so that an answer to a form's
item can be set beside the answer to its original item on the same response scale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from psychometrics.inventory._model import Inventory, Problem

Relation = Literal["paraphrase", "translation"]
"""``paraphrase``: the same items reworded in the same language; ``translation``: rendered in another language."""

_ALNUM = "[a-z0-9]"
LANGUAGE_TAG = re.compile(
    r"^(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}"  # ISO 639 language, up to three extended-language subtags
    r"(?:-[a-z]{4})?"  # script (Latn, Hant)
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region (BR, 419)
    rf"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"  # variants (1996, fonipa)
    rf"(?:-[a-wyz0-9](?:-{_ALNUM}{{2,8}})+)*"  # extensions (u-nu-latn)
    rf"(?:-x(?:-{_ALNUM}{{1,8}})+)?"  # private use
    rf"|x(?:-{_ALNUM}{{1,8}})+)$",  # a private-use tag on its own
    re.IGNORECASE,
)
"""The shape of a BCP 47 language tag (RFC 5646, section 2.1), without the grandfathered irregular tags.

Primary language subtags of 4–8 letters are reserved by RFC 5646 and none is registered, so only the 2–3 letter
ISO 639 codes are accepted: ``English`` or ``german`` is caught as a mistake rather than passed as a tag. The
shape is checked, not membership of the IANA registry."""


def language_problem(tag: str) -> str | None:
    """Why ``tag`` is not a BCP 47 language tag, or None when its shape is right."""
    if LANGUAGE_TAG.match(tag):
        return None
    return (f"language {tag!r} is not a BCP 47 language tag: give a 2–3 letter ISO 639 code, optionally with "
            "script, region and variants (e.g. en, de, pt-BR, zh-Hant-TW)")


def primary_language(tag: str) -> str:
    """The primary language subtag, lower-cased (``pt`` for ``pt-BR``)."""
    return tag.split("-", 1)[0].lower()


@dataclass(frozen=True)
class Original:
    """The original a form was checked against."""

    id: str
    """The original's inventory id."""
    ref: str
    """How to load it again: a shipped id or an absolute path."""


def _find_original(form: Inventory, folder: Path | None) -> tuple[Inventory | None, str, str | None]:
    """Load the original named by ``form.parallel_to``: (the inventory, how to load it again, or a problem)."""
    from psychometrics._yamlfile import DataFileError, read_yaml
    from psychometrics.inventory._load import load_inventory, shipped_files

    name = str(form.parallel_to)
    shipped = shipped_files()
    if name in shipped:
        path, ref = shipped[name], name
    else:
        path = Path(name) if folder is None or Path(name).is_absolute() else folder / name
        if not path.is_file():
            where = f"no file {path}" if folder is not None else f"no file {name!r}"
            return None, name, (f"parallel_to {name!r} is neither a shipped inventory ({', '.join(shipped)}) nor a "
                                f"file ({where}); give a shipped id or a path relative to this file")
        path = path.resolve()
        ref = str(path)
    try:
        data, _ = read_yaml(path)
    except DataFileError as exc:
        return None, ref, f"the original {name!r} does not load: {exc.problems[0]}"
    if isinstance(data, dict) and data.get("parallel_to") is not None:
        return None, ref, (f"{name!r} is itself a parallel form (of {data['parallel_to']!r}): map onto the original "
                           "instead")
    try:
        return load_inventory(ref), ref, None
    except DataFileError as exc:
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        return None, ref, f"the original {name!r} does not load: {exc.problems[0]}{more}"


def _header_problems(form: Inventory, original: Inventory) -> list[Problem]:
    problems: list[Problem] = []
    if form.kind != original.kind:
        problems.append((("kind",), f"kind {form.kind!r} differs from {original.id}'s {original.kind!r}"))
    if form.scoring != original.scoring:
        problems.append((("scoring",), f"scoring {form.scoring!r} differs from {original.id}'s {original.scoring!r}"))
    mine, theirs = form.values, original.values
    if len(mine) != len(theirs):
        problems.append((("response_options",),
                         f"{len(mine)} response options where {original.id} has {len(theirs)}: a parallel form keeps "
                         "the number of options"))
    elif mine != theirs:
        problems.append((("response_options",),
                         f"response values {mine} differ from {original.id}'s {theirs}: answers must compare on the "
                         "original response scale"))
    if form.language and original.language:
        if form.relation == "translation" and form.language.lower() == original.language.lower():
            problems.append((("language",), f"a translation must differ in language from {original.id} "
                                            f"({original.language})"))
        if form.relation == "paraphrase" and primary_language(form.language) != primary_language(original.language):
            problems.append((("language",), f"a paraphrase keeps the language of {original.id} ({original.language}); "
                                            "use relation: translation"))
    return problems


def _scale_problems(form: Inventory, original: Inventory) -> list[Problem]:
    problems: list[Problem] = []
    theirs = {s.id: s for s in original.scales}
    for i, scale in enumerate(form.scales):
        match = theirs.get(scale.id)
        if match is None:
            problems.append((("scales", i, "id"), f"scale {scale.id!r} is not a scale of {original.id} "
                                                  f"(its scales: {', '.join(theirs)})"))
            continue
        for field in ("trait", "constant", "letters"):
            if getattr(scale, field) != getattr(match, field):
                problems.append((("scales", i, field),
                                 f"scale {scale.id!r}: {field} {_show(getattr(scale, field))} differs from "
                                 f"{original.id}'s {_show(getattr(match, field))}"))
    missing = [s for s in theirs if s not in {s.id for s in form.scales}]
    if missing:
        problems.append((("scales",), f"{_some('scale', missing)} of {original.id} {_are(missing)} missing"))
    return problems


def _some(noun: str, names: list[str]) -> str:
    return f"{noun}{'s' if len(names) > 1 else ''} {', '.join(names)}"


def _are(names: list[str]) -> str:
    return "is" if len(names) == 1 else "are"


def _show(value: object) -> str:
    if value is None:
        return "(none)"
    if hasattr(value, "model_dump"):
        return ", ".join(f"{k} {v}" for k, v in value.model_dump().items())
    return repr(value) if isinstance(value, str) else str(value)


def _pattern(item: object) -> str:
    return "".join("H" if o.high else "L" for o in item.options)  # type: ignore[attr-defined]


def _item_problems(form: Inventory, original: Inventory) -> list[Problem]:
    problems: list[Problem] = []
    theirs = {it.id: it for it in original.items}
    mapped: dict[str, str] = {}
    for i, item in enumerate(form.items):
        target = item.parallel_item
        if target is None:
            problems.append((("items", i), f"item {item.id!r} needs parallel_item: the id of the {original.id} item "
                                           "it renders"))
            continue
        match = theirs.get(target)
        if match is None:
            problems.append((("items", i, "parallel_item"),
                             f"item {item.id!r} maps to {target!r}, which is not an item of {original.id}"))
            continue
        if target in mapped:
            problems.append((("items", i, "parallel_item"),
                             f"items {mapped[target]!r} and {item.id!r} both map to {original.id} item {target!r}"))
            continue
        mapped[target] = item.id
        if item.scale != match.scale:
            problems.append((("items", i, "scale"), f"item {item.id!r} is on scale {item.scale!r} but {original.id} "
                                                    f"item {target!r} is on {match.scale!r}"))
        if type(item) is not type(match):
            continue  # the kinds differ; reported once for the inventory
        if hasattr(item, "options"):
            if _pattern(item) != _pattern(match):
                problems.append((("items", i, "options"),
                                 f"item {item.id!r} has high/low options {_pattern(item)} but {original.id} item "
                                 f"{target!r} has {_pattern(match)}: keep every option in its original's position"))
        elif item.reverse != match.reverse:  # type: ignore[union-attr]
            keyed = "is reverse-keyed" if item.reverse else "is not reverse-keyed"  # type: ignore[union-attr]
            problems.append((("items", i, "reverse"), f"item {item.id!r} {keyed} but {original.id} item {target!r} "
                                                      f"{'is not' if item.reverse else 'is'}"))  # type: ignore[union-attr]
    missing = [it.id for it in original.items if it.id not in mapped]
    if missing:
        problems.append((("items",), f"{original.id} {_some('item', missing)} {'has' if len(missing) == 1 else 'have'} "
                                     "no counterpart: a parallel form renders every item of its original"))
    return problems


def parallel_problems(form: Inventory, folder: Path | None) -> tuple[list[Problem], Original | None]:
    """Everything wrong with ``form``'s declaration as a parallel form, and the original it was checked against.

    Parameters
    ----------
    form : Inventory
        Any inventory; one without ``parallel_to`` is checked only for stray form fields.
    folder : pathlib.Path or None
        The folder of ``form``'s file: a ``parallel_to`` that is not a shipped id is a path relative to it
        (to the working directory when None).

    Returns
    -------
    (problems, original)
        ``problems``: field path and message for each problem; ``original``: the original's id and how to load
        it, None when ``form`` is not a form or the original cannot be loaded.
    """
    problems: list[Problem] = []
    if form.language is not None and (reason := language_problem(form.language)):
        problems.append((("language",), reason))
    if form.parallel_to is None:
        if form.relation is not None:
            problems.append((("relation",), "relation needs parallel_to: the original this form renders"))
        problems += [(("items", i, "parallel_item"), f"item {it.id!r} has parallel_item but the file has no "
                                                     "parallel_to")
                     for i, it in enumerate(form.items) if it.parallel_item is not None]
        return problems, None
    for field in ("relation", "language"):
        if getattr(form, field) is None:
            problems.append((("parallel_to",), f"a parallel form needs {field}: "
                             + ("paraphrase or translation" if field == "relation" else "a BCP 47 tag (e.g. en, de)")))
    original, ref, problem = _find_original(form, folder)
    if original is None:
        return problems + [(("parallel_to",), str(problem))], None
    problems += _header_problems(form, original) + _scale_problems(form, original) + _item_problems(form, original)
    return problems, Original(id=original.id, ref=ref)
