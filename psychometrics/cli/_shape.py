"""`psychometrics shape`: steer a model to nine levels of each trait and measure how far it follows."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from psychometrics._format import coef, num, pct
from psychometrics.cli import _options as opt
from psychometrics.cli._common import handle_errors, is_page, refuse_twice, writable_out


def _split(value: str) -> list[str]:
    return [x.strip() for x in value.split(",") if x.strip()]


@handle_errors
def shape_command(
    model: Annotated[Optional[list[str]], typer.Option("--model", "-m", help="litellm model string (one: shape each model with a "
                                                     "command of its own); default: the embedded Gemma 3 270M.")] = None,
    inventory: Annotated[Optional[list[str]], typer.Option("--inventory", "-i", help="Inventory id or YAML path (repeatable: one shaping run and page per inventory). Default: bfi44; sd3 for the dark triad.")] = None,
    traits: Annotated[str, typer.Option("--traits", help="'all' or a comma list of traits the inventory measures.")] = "all",
    levels: Annotated[int, typer.Option("--levels", help="Shaping levels: 9 (all), 5, 3 or 2 (evenly spaced, both extremes).")] = 9,
    personas: Annotated[Optional[str], typer.Option("--personas", help="Cross every level with N biographies (a seeded sample of the default set), or SET[:N].")] = None,
    templates: Annotated[str, typer.Option("--templates", help="'all' or a comma list of template names (the same default as audit).")] = "all",
    orders: opt.Orders = "original,reversed",
    samples: opt.Samples = 1,
    temperature: opt.Temperature = 0.0,
    max_tokens: opt.MaxTokens = 32,
    reasoning_effort: opt.ReasoningEffort = None,
    mode: opt.Mode = opt.ModeChoice.auto,
    prompt_format: opt.PromptFormat = opt.PromptFormatChoice.auto,
    value: opt.Value = opt.ValueChoice.value,
    concurrency: opt.Concurrency = 8,
    rpm: opt.Rpm = None,
    timeout: opt.Timeout = 60.0,
    retries: opt.Retries = 4,
    max_wait: opt.MaxWait = None,
    api_base: opt.ApiBase = None,
    db: opt.Db = None,
    run_id: Annotated[Optional[str], typer.Option("--run-id", help="Name the run (default: derived from model and design; the same command resumes it).")] = None,
    limit_items: Annotated[Optional[int], typer.Option("--limit-items", help="Only the first N items of the inventory (taken in turn from each scale).")] = None,
    dry_run: opt.DryRun = False,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write reports/shape-<run_id>.html at the end.")] = True,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report (created when missing), or the report's file when it ends in .html.")] = Path("reports"),
    json_: Annotated[bool, typer.Option("--json", help="Print the ShapingResult as JSON.")] = False,
) -> None:
    """Ask the model to take on each of nine levels (extremely low … extremely high) of each trait, give it the
    inventory at every level, and report how closely the scores follow (Spearman ρ), what else moves, and
    whether refusals rise."""
    from psychometrics.cli._common import UsageError, UserError
    from psychometrics.shape import shape, shaping_personas

    models = model or ["local/gemma-3-270m"]
    refuse_twice("--model", models)
    if len(models) > 1:
        raise UsageError(f"shape takes one --model (got {', '.join(models)}): run one shape command per model")
    model = models[0]
    inventories = inventory or ["bfi44"]
    refuse_twice("--inventory", inventories)
    if run_id and len(inventories) > 1:
        raise UserError("--run-id names one run: with several inventories each shaping run is named after its model "
                        "and design (re-running the same command resumes them)")
    per_inventory = _traits_per_inventory(inventories, traits)  # every inventory checked before anything is asked
    if report and not dry_run:
        if is_page(out) and len(per_inventory) > 1:
            raise UsageError(f"--out {out} names one page, but {len(per_inventory)} inventories give one shaping "
                             "report each: give a folder")
        writable_out(out)

    template_arg = "all" if templates.strip() == "all" else _split(templates)
    if dry_run:
        from psychometrics.administer import audit
        from psychometrics.cli._audit import print_dry_run
        from psychometrics.plan import plan_size_summary

        for inv, inv_traits in per_inventory.items():
            ids = shaping_personas(inv_traits, levels, personas)
            res = audit(model=model, inventories=[inv], templates=template_arg, orders=_split(orders),
                        samples=samples, temperature=temperature, max_tokens=max_tokens,
                        reasoning_effort=reasoning_effort and reasoning_effort.value,  # type: ignore[arg-type]
                        mode=mode.value, limit_items=limit_items, prompt_format=prompt_format.value,  # type: ignore[arg-type]
                        personas=ids, dry_run=True, api_base=api_base)
            print_dry_run(res, plan_size_summary(res.plan), json_=json_)
        return

    results = []
    for inv, inv_traits in per_inventory.items():
        result = shape(
            model=model, inventory=inv, traits=inv_traits, levels=levels, personas=personas, templates=template_arg,
            orders=_split(orders), samples=samples, temperature=temperature, max_tokens=max_tokens,
            reasoning_effort=reasoning_effort and reasoning_effort.value, mode=mode.value,  # type: ignore[arg-type]
            prompt_format=prompt_format.value, concurrency=concurrency,  # type: ignore[arg-type]
            rpm=rpm, timeout=timeout, retries=retries, max_wait=max_wait, api_base=api_base, db=db, run_id=run_id,
            limit_items=limit_items, value=value.value,  # type: ignore[arg-type]
            progress=not json_,
        )
        path = None
        if report:
            from psychometrics.shape import write_shaping_report

            path = write_shaping_report(result, out)
        results.append((result, path))
    if json_:
        if len(results) == 1:
            sys.stdout.write(results[0][0].to_json() + "\n")
        else:
            sys.stdout.write("[" + ",\n".join(r.to_json() for r, _ in results) + "]\n")
        return
    for result, path in results:
        _print_result(result, path)


def _traits_per_inventory(inventories: list[str], traits: str) -> dict[str, list[str]]:
    """The traits to shape with each inventory: ``all`` of each one's, or those of the named traits it measures
    (a named trait that no inventory measures is an error).

    Raises
    ------
    ValueError
        An inventory without shaping markers, or a trait none of the inventories measures.
    """
    from psychometrics.shape import shaping_traits

    if traits.strip() == "all" or len(inventories) == 1:
        return {inv: shaping_traits(inv, traits) for inv in inventories}
    named = _split(traits)
    valid = {inv: shaping_traits(inv, "all") for inv in inventories}
    unknown = [t for t in named if not any(t in v for v in valid.values())]
    if unknown:
        every = sorted({t for v in valid.values() for t in v})
        raise ValueError(f"--traits: {', '.join(unknown)} is measured by none of {', '.join(inventories)} "
                         f"(valid: {', '.join(every)})")
    out = {inv: [t for t in named if t in valid[inv]] for inv in inventories}
    return {inv: ts for inv, ts in out.items() if ts}


def _print_result(result, path) -> None:  # type: ignore[no-untyped-def]
    """The terminal summary of one shaping run."""
    from rich.console import Console

    from psychometrics.cli._summary import _table

    console = Console()
    counts = ", ".join(f"{result.counts.get(k, 0)} {k}" for k in ("ok", "refused", "invalid", "error"))
    console.print(f"shaping run [bold]{result.run_id}[/bold]  model {result.model}  inventory {result.inventory}")
    console.print(f"{result.n_cells} answers ({counts}); {result.n_respondents} respondents, "
                  f"{result.respondents_per_level} per trait and level; wall {num(result.wall_s, 1)} s")
    lo, hi = (result.levels[0], result.levels[-1]) if result.levels else ("—", "—")
    table = _table("trait", "ρ [95% CI]", "n", "within", f"median {lo}→{hi}", "Δ", "drift", "refusals↑",
                   title="Shaping: measured score against target level")
    notes: list[str] = []
    for t in result.traits:
        rises = {True: "yes", False: "no", None: "—"}[t.refusal.rises]
        table.add_row(
            t.trait, f"{coef(t.rho.value)} [{coef(t.rho.ci_low)}, {coef(t.rho.ci_high)}]", str(t.rho.n),
            coef(t.rho_within.median), f"{num(t.median_low, 1)}→{num(t.median_high, 1)}", pct(t.diff_share),
            coef(t.drift_mean_abs_rho), rises,
        )
        for why in (t.rho.reason, t.diff_reason):
            if why:
                notes.append(f"{t.trait}: {why}")
    console.print(table)
    for note in notes:
        console.print(f"  • {note}", markup=False, highlight=False)
    console.print("ρ: Spearman, target level × respondent score (pooled); within: median ρ within each "
                  "template×order×sample×biography; Δ: median change lowest→highest level as share of the range; "
                  "drift: mean |ρ| of the other traits with the level", highlight=False)
    if path is not None:
        console.print(f"report: {path}")
