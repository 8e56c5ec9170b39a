"""Prompt templates: find, load, validate and render the Jinja2 files in ``templates/prompts/<kind>/<name>.j2``.

What a template receives
------------------------
``inventory``
    The :class:`~psychometrics.inventory.Inventory` (``name``, ``instructions``, ``stem`` — ``stem`` may be None).
``item``
    The item: ``.text`` (likert), ``.left`` / ``.right`` (bipolar), ``.situation`` / ``.question`` (scenario).
``options``
    The options in the order shown, each a mapping with ``label`` and ``text``.
``labels``
    The labels in the order shown (``1``, ``2``, … or ``A``, ``B``, …). Labels never move; the order moves the
    meaning behind them.
``persona``
    A preamble to put first, or None.
``kind``
    ``likert``, ``bipolar`` or ``scenario``.
``statement`` (likert only)
    The inventory's stem joined to the item text (``I see myself as someone who is talkative.``), or the item
    text alone when the inventory has no stem.

Templates run with ``StrictUndefined``: naming a variable that is not there fails loudly instead of printing
nothing. The rendered text is stripped of leading whitespace and of trailing newlines only: a shipped template
for digit labels ends with ``Answer: `` (with the space) because the Gemma tokenizer writes ``Answer: 3`` as
``Answer``, ``:``, `` ``, ``3`` — after the space the next token is the label itself. Letter labels are single
tokens with their space (`` B``), so those templates end with ``Answer:``.

Bipolar option texts
--------------------
A bipolar item has two poles and a row of numbered points between them. Bare numbers mean little to a model, so
each point gets a text built from the poles: for five points ``Exactly like: <left>``, ``Somewhat like: <left>``,
``In between``, ``Somewhat like: <right>``, ``Exactly like: <right>`` (see :func:`bipolar_option_texts` for
other lengths). The inventory's own ``response_options`` give the values; their labels are not shown.

Reversing the points of a bipolar item is the same as swapping its poles, and the plan shows it that way: under
the ``reversed`` order the template receives the item with ``left`` and ``right`` exchanged, so the question
names the right-hand pole first and label 1 reads ``Exactly like: <right>`` — which maps back to the highest
value. Instructions such as "choose 1 if you are like the first description" stay true.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from psychometrics._paths import data_dir
from psychometrics._yamlfile import DataFileError, FileProblem
from psychometrics.inventory import (
    BipolarItem,
    Inventory,
    Item,
    Kind,
    LikertItem,
    ResponseOption,
    Scale,
    ScenarioItem,
    ScenarioOption,
)

KINDS: tuple[str, ...] = ("likert", "bipolar", "scenario")

_DEGREES: dict[int, list[str]] = {
    1: ["More like"],
    2: ["Exactly like", "Somewhat like"],
    3: ["Exactly like", "Mostly like", "Slightly like"],
    4: ["Exactly like", "Mostly like", "Somewhat like", "Slightly like"],
}


def prompts_dir() -> Path:
    """The folder of shipped prompt templates (``templates/prompts``)."""
    return data_dir("templates") / "prompts"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown item kind {kind!r} (valid: {', '.join(KINDS)})")


def _new_env(loader: jinja2.BaseLoader) -> jinja2.Environment:
    return jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )


@lru_cache(maxsize=None)
def _shipped_env(folder: Path) -> jinja2.Environment:
    return _new_env(jinja2.FileSystemLoader(str(folder)))


def list_templates(kind: Kind) -> list[str]:
    """Names of the shipped templates for items of ``kind``, sorted."""
    _check_kind(kind)
    folder = prompts_dir() / kind
    return sorted(p.stem for p in folder.glob("*.j2")) if folder.is_dir() else []


def load_template(kind: Kind, name: str) -> jinja2.Template:
    """The shipped template ``name`` for items of ``kind``.

    Raises
    ------
    ValueError
        No such template; the one-line message lists the valid names.
    """
    _check_kind(kind)
    names = list_templates(kind)
    if name not in names:
        raise ValueError(f"unknown template {name!r} for {kind} items (valid: {', '.join(names) or 'none'})")
    return _shipped_env(prompts_dir()).get_template(f"{kind}/{name}.j2")


# Options --------------------------------------------------------------------------------------------------


def labels_for(kind: Kind, k: int) -> list[str]:
    """The labels shown for ``k`` options: digits ``1…k`` for likert and bipolar, letters ``A…`` for scenario."""
    if kind == "scenario":
        if k > 26:
            raise ValueError(f"scenario items can have at most 26 options (has {k})")
        return list(string.ascii_uppercase[:k])
    return [str(i) for i in range(1, k + 1)]


def bipolar_option_texts(left: str, right: str, k: int) -> list[str]:
    """Texts for the ``k`` points between two poles, lowest value first.

    The ``k // 2`` points on each side are named by degree, strongest at the ends (2 per side: ``Exactly like``,
    ``Somewhat like``; 3: ``Exactly``, ``Mostly``, ``Slightly like``; 4: adds ``Somewhat like``; one per side:
    ``More like``); an odd ``k`` has ``In between`` at the centre. Beyond four per side the degree is numbered.

    Examples
    --------
    >>> bipolar_option_texts("makes lists", "relies on memory", 5)  # doctest: +NORMALIZE_WHITESPACE
    ['Exactly like: makes lists', 'Somewhat like: makes lists', 'In between',
     'Somewhat like: relies on memory', 'Exactly like: relies on memory']
    """
    if k < 2:
        raise ValueError(f"a bipolar item needs at least two points (has {k})")
    per_side = k // 2
    degrees = _DEGREES.get(per_side) or [f"Like (degree {per_side - j} of {per_side})" for j in range(per_side)]
    lefts = [f"{d}: {left}" for d in degrees]
    rights = [f"{d}: {right}" for d in reversed(degrees)]
    return lefts + (["In between"] if k % 2 else []) + rights


def option_texts(inventory: Inventory, item: Item) -> list[str]:
    """The option texts of ``item`` in their original order."""
    if isinstance(item, ScenarioItem):
        return [o.text for o in item.options]
    if isinstance(item, BipolarItem):
        return bipolar_option_texts(item.left, item.right, len(inventory.response_options))
    return [o.label for o in inventory.response_options]


def option_values(inventory: Inventory, item: Item) -> list[int]:
    """The value stored for each original option: the response value, or the option number 1… (scenario)."""
    if isinstance(item, ScenarioItem):
        return list(range(1, len(item.options) + 1))
    return [o.value for o in inventory.response_options]


def statement(inventory: Inventory, item: LikertItem) -> str:
    """The stem joined to the item text, ending in a full stop.

    A trailing ellipsis on the stem is dropped, and the item's first letter is lowered when the stem does not
    end a sentence (``I see myself as someone who...`` + ``Is talkative`` → ``… who is talkative.``).
    """
    text = item.text.strip()
    stem = (inventory.stem or "").strip()
    if stem:
        stem = re.sub(r"(\.\.\.|…)$", "", stem).rstrip()
        if not stem.endswith((".", "?", "!", ":")) and len(text) > 1 and text[0].isupper() and text[1].islower():
            text = text[0].lower() + text[1:]
        text = f"{stem} {text}"
    if not text.endswith((".", "?", "!", "…")):
        text += "."
    return text


def render_prompt(
    template: jinja2.Template,
    *,
    inventory: Inventory,
    item: Item,
    options: Sequence[tuple[str, str]],
    persona: str | None = None,
) -> str:
    """Render one prompt. ``options`` are ``(label, text)`` pairs in the order shown."""
    context: dict[str, Any] = {
        "inventory": inventory,
        "item": item,
        "kind": inventory.kind,
        "options": [{"label": label, "text": text} for label, text in options],
        "labels": [label for label, _ in options],
        "persona": persona,
    }
    if isinstance(item, LikertItem):
        context["statement"] = statement(inventory, item)
    text = template.render(context)
    return text.lstrip().rstrip("\r\n")


# Validation of user templates -----------------------------------------------------------------------------

_SENTINEL_OPTIONS = ["Sentinel option alpha", "Sentinel option bravo", "Sentinel option charlie",
                     "Sentinel option delta", "Sentinel option echo"]


def _sentinel(kind: Kind) -> tuple[Inventory, Item]:
    scale = Scale(id="sentinel", name="Sentinel scale")
    common: dict[str, Any] = dict(id="sentinel", name="Sentinel inventory", citation="none", license="none",
                                  instructions="Sentinel instructions for the respondent.", scales=[scale])
    if kind == "scenario":
        item: Item = ScenarioItem(
            id="s1", scale="sentinel", situation="Sentinel situation text.", question="Sentinel question text?",
            options=[ScenarioOption(text=t, high=h) for t, h in zip(_SENTINEL_OPTIONS[:4], (True, False, True, False))],
        )
        inv = Inventory(kind="scenario", scoring="high_choice_percent", items=[item], **common)
        return inv, item
    response_options = [ResponseOption(value=i + 1, label=t) for i, t in enumerate(_SENTINEL_OPTIONS)]
    if kind == "bipolar":
        item = BipolarItem(id="b1", scale="sentinel", left="sentinel left pole", right="sentinel right pole")
    else:
        item = LikertItem(id="l1", scale="sentinel", text="sentinel item text")
    inv = Inventory(kind=kind, stem="Sentinel stem:", response_options=response_options, items=[item], **common)
    return inv, item


def _template_line(exc: BaseException, filename: str) -> int | None:
    line = getattr(exc, "lineno", None)
    if isinstance(line, int):
        return line
    tb = exc.__traceback__
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            found = tb.tb_lineno
        tb = tb.tb_next
    return found


def _has_token(text: str, token: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", text) is not None


def validate_template_file(path: str | Path, kind: Kind) -> jinja2.Template:
    """Check a user-supplied template for items of ``kind`` and return it compiled.

    The file must parse as Jinja2 and render a sentinel item (with no persona, and with one), and the output
    must contain the item's text (bipolar: both poles; scenario: situation and question), every option text and
    every label.

    Raises
    ------
    DataFileError
        Naming the file and, for syntax errors and undefined variables, the line.
    """
    _check_kind(kind)
    path = Path(path)
    file = str(path)

    def fail(message: str, line: int | None = None) -> DataFileError:
        return DataFileError([FileProblem(file=file, line=line, field=None, message=message)])

    if not path.is_file():
        raise fail("no such template file")
    env = _new_env(jinja2.FileSystemLoader(str(path.parent.resolve())))
    try:
        template = env.get_template(path.name)
    except jinja2.TemplateSyntaxError as exc:
        raise fail(f"Jinja2 syntax error: {exc.message}", exc.lineno) from None
    except UnicodeDecodeError:
        raise fail("not UTF-8 text") from None
    filename = template.filename or file
    inventory, item = _sentinel(kind)
    texts = option_texts(inventory, item)
    labels = labels_for(kind, len(texts))
    pairs = list(zip(labels, texts))
    outputs = []
    for persona in (None, "Sentinel persona preamble."):
        try:
            outputs.append(render_prompt(template, inventory=inventory, item=item, options=pairs, persona=persona))
        except jinja2.UndefinedError as exc:
            raise fail(f"the template names something that is not there: {exc.message}",
                       _template_line(exc, filename)) from None
        except Exception as exc:  # a filter or expression failing on real data
            raise fail(f"rendering failed: {type(exc).__name__}: {exc}", _template_line(exc, filename)) from None
    out = outputs[0]
    low = out.lower()
    if isinstance(item, ScenarioItem):
        required = {"the situation": item.situation, "the question": item.question}
    elif isinstance(item, BipolarItem):
        required = {"the left pole": item.left, "the right pole": item.right}
    else:
        required = {"the item text": item.text}
    missing = [what for what, text in required.items() if text.lower() not in low]
    missing += [f"option {label} ({text!r})" for label, text in pairs if text.lower() not in low]
    residue = out
    for text in [*required.values(), *texts]:
        residue = re.sub(re.escape(text), " ", residue, flags=re.IGNORECASE)
    missing += [f"label {label!r}" for label in labels if not _has_token(residue, label)]
    if missing:
        raise fail(f"the rendered {kind} prompt lacks {', '.join(missing)}")
    return template
