"""The plan of an interview: each item as an open question (answer cells), and each answer read by each rater
(rating cells), from the Jinja2 templates in ``templates/interview/`` (see its README).

Answer cells are known before anything is asked; rating cells only once the answers are stored, since the
rater's prompt holds the answer. A rating cell's id holds the rater, the repeat, the prompt and the id of the
answer cell it reads (:func:`~psychometrics.plan.cell_id` with ``rates``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2

from psychometrics._paths import data_dir
from psychometrics._yamlfile import DataFileError, FileProblem
from psychometrics.inventory import Inventory, Item, LikertItem
from psychometrics.plan._build import PersonaSpec, _inventories, _limited, _personas, cell_id
from psychometrics.plan._model import Cell, Design, GenerationSettings, InterviewDesign, Plan
from psychometrics.plan._render import _new_env, _sentinel, labels_for, option_texts, option_values, statement

INTERVIEW_KINDS: tuple[str, ...] = ("likert", "bipolar")
"""Item kinds an interview asks (scenario options are actions, not a graded scale)."""
SHIPPED = {"question": "question.j2", "rater": "rater.j2"}


def interview_dir() -> Path:
    """The folder of the shipped interview templates (``templates/interview``)."""
    return data_dir("templates") / "interview"


def _context(inventory: Inventory, item: Item, persona: str | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {"inventory": inventory, "item": item, "kind": inventory.kind, "persona": persona}
    if isinstance(item, LikertItem):
        context["statement"] = statement(inventory, item)
    return context


def _render(template: jinja2.Template, context: dict[str, Any]) -> str:
    return template.render(context).lstrip().rstrip("\r\n")


def _scale(inventory: Inventory, item: Item) -> list[tuple[str, str, int]]:
    """(label, text, value) of every point of the item's response scale, in the original order."""
    texts = option_texts(inventory, item)
    return list(zip(labels_for(inventory.kind, len(texts)), texts, option_values(inventory, item)))


def load_interview_template(role: str, path: str | Path | None = None) -> jinja2.Template:
    """The shipped ``question`` or ``rater`` template, or a user's file checked for that role.

    Raises
    ------
    DataFileError
        A user's file that is missing, does not parse, or does not render what its role needs (the question:
        the item; the rater's prompt: the question, the answer, every option text and label), naming the file
        and, where known, the line.
    """
    if role not in SHIPPED:
        raise ValueError(f"unknown interview template role {role!r} (valid: {', '.join(SHIPPED)})")
    if path is None or str(path) == role:
        return _new_env(jinja2.FileSystemLoader(str(interview_dir()))).get_template(SHIPPED[role])
    return _validated(Path(path), role)


def _validated(path: Path, role: str) -> jinja2.Template:
    file = str(path)

    def fail(message: str, line: int | None = None) -> DataFileError:
        return DataFileError([FileProblem(file=file, line=line, field=None, message=message)])

    if not path.is_file():
        raise fail("no such template file")
    try:
        template = _new_env(jinja2.FileSystemLoader(str(path.parent.resolve()))).get_template(path.name)
    except jinja2.TemplateSyntaxError as exc:
        raise fail(f"Jinja2 syntax error: {exc.message}", exc.lineno) from None
    except UnicodeDecodeError:
        raise fail("not UTF-8 text") from None
    for kind in INTERVIEW_KINDS:
        inventory, item = _sentinel(kind)  # type: ignore[arg-type]
        context = _context(inventory, item, "Sentinel persona preamble.")
        required = ({"the left pole": item.left, "the right pole": item.right} if kind == "bipolar"  # type: ignore[union-attr]
                    else {"the item text": item.text})  # type: ignore[union-attr]
        if role == "rater":
            scale = _scale(inventory, item)
            context.update(question="Sentinel question asked?", answer="Sentinel answer given.",
                           options=[{"label": lab, "text": text} for lab, text, _ in scale],
                           labels=[lab for lab, _, _ in scale])
            required = {"the question": "Sentinel question asked?", "the answer": "Sentinel answer given.",
                        **{f"option {lab} ({text!r})": text for lab, text, _ in scale}}
        try:
            out = _render(template, context)
        except jinja2.UndefinedError as exc:
            raise fail(f"the template names something that is not there: {exc.message}",
                       getattr(exc, "lineno", None)) from None
        except Exception as exc:  # a filter or expression failing on real data
            raise fail(f"rendering failed: {type(exc).__name__}: {exc}") from None
        missing = [what for what, text in required.items() if text.lower() not in out.lower()]
        if role == "rater":
            missing += [f"label {lab!r}" for lab, _, _ in _scale(inventory, item) if lab not in out]
        if missing:
            raise fail(f"the rendered {kind} {role} prompt lacks {', '.join(missing)}")
    return template


def build_interview_plan(
    *,
    model: str,
    inventories: Sequence[Inventory | str | Path],
    design: InterviewDesign,
    samples: int = 1,
    personas: Sequence[PersonaSpec] = (None,),
    settings: GenerationSettings | None = None,
    limit_items: int | None = None,
    endpoint: str | None = None,
) -> Plan:
    """The answer cells of an interview: every item × sample × persona as an open question to ``model``.

    Each cell has ``role="question"``, no labels (the reply is free text), template = the question template's
    name (``question`` or the file's name without ``.j2``) and order ``original``. The rating cells follow once
    the answers are stored (:func:`rating_cells`).

    Raises
    ------
    ValueError
        An unknown inventory, an item kind an interview does not ask (scenario), or a bad count.
    DataFileError
        A user's question template that does not render an item.
    """
    settings = settings if settings is not None else GenerationSettings(mode="generate", max_tokens=160)
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ValueError(f"samples must be a whole number ≥ 1 (got {samples!r})")
    invs = _inventories(inventories)
    for inv in invs:
        if inv.kind not in INTERVIEW_KINDS:
            raise ValueError(f"inventory {inv.id!r} has {inv.kind} items: an interview asks "
                             f"{' or '.join(INTERVIEW_KINDS)} items")
    template = load_interview_template("question", design.question_template)
    name = template_name(design.question_template)
    cells: list[Cell] = []
    for persona_name, preamble in _personas(personas):
        for inv in invs:
            for it in _limited(inv, limit_items):
                prompt = _render(template, _context(inv, it, preamble))
                for sample in range(samples):
                    cells.append(Cell(
                        cell_id=cell_id(model=model, inventory=inv.id, item=it.id, template=name, order="original",
                                        sample=sample, persona=persona_name, settings=settings, prompt=prompt,
                                        label_values=[], endpoint=endpoint),
                        inventory=inv.id, item=it.id, scale=it.scale, template=name, order="original",
                        sample=sample, persona=persona_name, prompt=prompt, labels=[], label_values=[],
                        role="question"))
    full = Design(inventories=[inv.id for inv in invs], templates=[name], orders=["original"], samples=samples,
                  personas=[p for p, _ in _personas(personas)], settings=settings, limit_items=limit_items,
                  interview=design)
    return Plan(model=model, design=full, cells=cells)


def template_name(spec: str) -> str:
    """The name a template is known by: ``question``/``rater``, or a user file's name without ``.j2``."""
    return spec if spec in SHIPPED else Path(spec).name.removesuffix(".j2")


def rating_cells(
    answer: Cell,
    answer_text: str,
    *,
    inventory: Inventory,
    rater: str,
    template: jinja2.Template,
    template_name: str,
    repeats: int,
    settings: GenerationSettings,
    endpoint: str | None = None,
) -> list[Cell]:
    """The cells in which ``rater`` reads one answer: one per repeat (``sample`` 0…repeats−1).

    The prompt shows the question, the answer and the item's response scale in its original order; the reply is
    parsed like any answer (labels, label values and option texts of the item). ``persona`` is the answer's.
    """
    item = inventory.item(answer.item)
    scale = _scale(inventory, item)
    context = _context(inventory, item)
    context.update(question=answer.prompt, answer=answer_text,
                   options=[{"label": lab, "text": text} for lab, text, _ in scale],
                   labels=[lab for lab, _, _ in scale])
    prompt = _render(template, context)
    labels, texts, values = ([s[i] for s in scale] for i in range(3))
    return [Cell(
        cell_id=cell_id(model=rater, inventory=inventory.id, item=item.id, template=template_name, order="original",
                        sample=repeat, persona=answer.persona, settings=settings, prompt=prompt,
                        label_values=values, endpoint=endpoint, rates=answer.cell_id),
        inventory=inventory.id, item=item.id, scale=item.scale, template=template_name, order="original",
        sample=repeat, persona=answer.persona, prompt=prompt, labels=labels, label_values=values,
        option_texts=texts, role="rating", rates=answer.cell_id,
    ) for repeat in range(repeats)]
