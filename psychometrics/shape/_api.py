"""``shape()``: ask a model to take on each level of each trait, administer the inventory, measure how far it follows.

A shaping run is a normal audit (stored, resumable: the same call resumes it) whose persona axis is the
shaping levels: persona ``shape/<trait>/<level>`` renders the level sentence of
``inventories/shaping/markers.yaml`` through the templates' ``persona`` hook, and
``shape/<trait>/<level>+default/017`` puts it after a biography.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from psychometrics.plan import load_markers, resolve_levels
from psychometrics.shape._model import ShapingResult, ValueColumn

if TYPE_CHECKING:
    from psychometrics.inventory import Inventory

DEFAULT_TEMPLATES = "all"
"""The templates of a shaping run by default: every template of the inventory's kind, as ``audit``'s default (each
template is another respondent at every level)."""
DEFAULT_ORDERS = ("original", "reversed")


def shaping_traits(inventory: Inventory | str, traits: Sequence[str] | str = "all") -> list[str]:
    """The traits to shape: ``"all"`` = every trait of the inventory's scales that has markers, in scale order.

    Raises
    ------
    ValueError
        A named trait that the inventory does not measure or that has no markers (the message lists the
        valid ones).
    """
    from psychometrics.inventory import Inventory, load_inventory

    inv = inventory if isinstance(inventory, Inventory) else load_inventory(inventory)
    markers = load_markers()
    measured = [s.trait or s.id for s in inv.scales]
    valid = [t for t in measured if t in markers.traits]
    if isinstance(traits, str):
        traits = valid if traits.strip() == "all" else [t.strip() for t in traits.split(",") if t.strip()]
    if not valid:
        raise ValueError(f"{inv.id} measures no trait with shaping markers ({', '.join(measured)}); markers exist "
                         f"for {', '.join(markers.traits)}")
    out: list[str] = []
    for t in traits:
        if t not in valid:
            raise ValueError(f"cannot shape {t!r} with {inv.id} (valid: {', '.join(valid)})")
        if t not in out:
            out.append(t)
    if not out:
        raise ValueError("no trait given")
    return out


def shaping_personas(traits: Sequence[str], levels: int | Sequence[int] = 9,
                     personas: int | str | Sequence[str] | None = None, *, seed: int = 0) -> list[str]:
    """The persona ids of a shaping run: trait × level (× biography), e.g. ``shape/extraversion/7+default/017``.

    ``personas``: None (no biographies), a number N (a seeded sample of N from the ``default`` set), a
    specification ``SET`` / ``SET:N`` (see :func:`psychometrics.plan.persona_ids`), or a list of persona ids.
    """
    from psychometrics.plan import PersonaError, persona_ids, shaping_id

    lv = resolve_levels(levels if isinstance(levels, int) else list(levels))
    bases: list[str | None]
    if personas is None or personas == 0:
        bases = [None]
    elif isinstance(personas, int) and not isinstance(personas, bool):
        bases = list(persona_ids(f"default:{personas}", seed=seed))
    elif isinstance(personas, str):
        spec = f"default:{personas}" if personas.strip().isdigit() else personas
        bases = list(persona_ids(spec, seed=seed))
    else:
        bases = list(personas)
    for b in bases:
        if b is not None and b.startswith("shape/"):
            raise PersonaError(f"a biography persona is expected, not a shaping persona ({b!r})")
    return [shaping_id(t, level, b) for t in traits for level in lv for b in bases]


def shape(
    model: str = "local/gemma-3-270m",
    inventory: str = "bfi44",
    *,
    traits: Sequence[str] | str = "all",
    levels: int | Sequence[int] = 9,
    personas: int | str | Sequence[str] | None = None,
    templates: Sequence[str] | str = DEFAULT_TEMPLATES,
    orders: Sequence[str] = DEFAULT_ORDERS,
    samples: int = 1,
    temperature: float = 0.0,
    max_tokens: int = 32,
    reasoning_effort: str | None = None,
    mode: str = "auto",
    prompt_format: str = "auto",
    concurrency: int = 8,
    rpm: float | None = None,
    timeout: float = 60.0,
    retries: int = 4,
    max_wait: float | None = None,
    api_base: str | None = None,
    db: str | None = None,
    run_id: str | None = None,
    limit_items: int | None = None,
    value: ValueColumn = "value",
    progress: bool = False,
    seed: int = 0,
) -> ShapingResult:
    """Shape ``model`` to every level of every trait, administer ``inventory`` at each, and measure the result.

    For each trait × level (× biography, when ``personas`` is given) the whole inventory is asked under every
    template × order × sample, so the targeted trait and every other trait are measured at each level. The run
    is stored like any audit (``run_id`` derived from model and design, so the same call resumes it).

    Parameters
    ----------
    model
        litellm model string (``sim/steady``, ``local/gemma-3-270m``, ``openai/…``).
    inventory
        One inventory id or path (``bfi44``; ``sd3`` for the dark triad).
    traits
        ``"all"`` (every trait of the inventory with markers), a comma string or a list.
    levels
        9 (all levels), 5, 3 or 2 (evenly spaced subsets with both extremes), or an explicit list.
    personas
        None, N (a seeded sample of N ``default`` biographies, crossed with every level), ``SET[:N]`` or ids.
    value
        Score answers by the chosen option (``value``) or by the log-prob expectation (``expected_value``).

    Other parameters are those of :func:`psychometrics.administer.audit`.

    Returns
    -------
    ShapingResult
    """
    from psychometrics.administer import audit

    trait_list = shaping_traits(inventory, traits)
    persona_list = shaping_personas(trait_list, levels, personas, seed=seed)
    result = audit(
        model=model, inventories=[inventory], templates=templates, orders=orders, samples=samples,
        temperature=temperature, max_tokens=max_tokens, reasoning_effort=reasoning_effort,  # type: ignore[arg-type]
        mode=mode, prompt_format=prompt_format,  # type: ignore[arg-type]
        concurrency=concurrency, rpm=rpm, timeout=timeout, retries=retries, max_wait=max_wait, api_base=api_base, db=db,
        run_id=run_id, limit_items=limit_items, personas=persona_list, progress=progress,
    )
    return shaping_result(result.run.run_id, db=db, traits=trait_list,
                          levels=resolve_levels(levels if isinstance(levels, int) else list(levels)), value=value)


def shaping_result(run_id: str, *, db: str | None = None, inventory: str | None = None,
                   traits: Sequence[str] | None = None, levels: Sequence[int] | None = None,
                   value: ValueColumn = "value", ci: float = 0.95) -> ShapingResult:
    """Analyse a stored shaping run (any run whose personas include ``shape/<trait>/<level>`` ids).

    Raises
    ------
    ValueError
        The run has no shaping personas for the inventory.
    """
    from psychometrics.inventory import load_inventory
    from psychometrics.plan import parse_shaping_id
    from psychometrics.shape._metrics import shaping_metrics
    from psychometrics.store import Store

    with Store(db, create=False) as store:
        run = store.get_run(run_id)
        frame = store.responses_frame(run_id)
    inv_id = inventory or run.design.inventories[0]
    inv = load_inventory(inv_id)
    traits_out = shaping_metrics(frame, inv, traits=traits, levels=levels, value=value, ci=ci)
    targets = [parse_shaping_id(p) for p in run.design.personas]
    bases = sorted({t.base for t in targets if t is not None and t.base})
    levels_used = sorted({lv.level for t in traits_out for lv in t.levels})
    part = frame[frame["inventory"] == inv.id]
    shaped = part[part["persona"].map(lambda p: parse_shaping_id(p) is not None)]
    respondents = shaped[["template", "order", "sample", "persona"]].drop_duplicates()
    per_level = respondents.groupby("persona").size()
    plan_templates = sorted(set(shaped["template"]))
    plan_orders = sorted(set(shaped["order"]))
    counts = {str(k): int(v) for k, v in shaped["status"].value_counts().items()}
    return ShapingResult(
        run_id=run_id, model=run.model, inventory=inv.id, levels=levels_used, traits=traits_out,
        templates=plan_templates, orders=plan_orders, samples=run.design.samples, personas=bases,
        n_respondents=len(respondents),
        respondents_per_level=int(per_level.max() * max(1, len(bases))) if len(per_level) else 0,
        value_column=value, n_cells=len(shaped), counts=counts, wall_s=run.wall_s,
    )
