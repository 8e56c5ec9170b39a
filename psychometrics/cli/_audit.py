"""`psychometrics audit`: give inventories to a model and store every answer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from psychometrics.cli import _options as opt
from psychometrics.cli._common import handle_errors, print_json, writable_folder


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _stage(line: str) -> None:
    typer.echo(line, err=True)


def _personas(spec: str | None) -> list[str | None]:
    from psychometrics.plan import persona_ids

    return persona_ids(spec)


_DESIGN_OPTIONS = {"model": "--model", "inventory": "--inventory", "templates": "--templates",
                   "template_file": "--template-file", "orders": "--orders", "samples": "--samples",
                   "temperature": "--temperature", "max_tokens": "--max-tokens", "reasoning_effort": "--reasoning-effort",
                   "mode": "--mode", "prompt_format": "--prompt-format",
                   "run_id": "--run-id", "limit_items": "--limit-items", "personas": "--personas"}
"""Options that define a run's design: a resumed run keeps its own, so giving one with --resume is an error."""


def _given_with_resume(ctx: typer.Context) -> list[str]:
    sources = {name: ctx.get_parameter_source(name) for name in _DESIGN_OPTIONS}
    return [flag for name, flag in _DESIGN_OPTIONS.items()
            if sources[name] is not None and sources[name].name != "DEFAULT"]


@handle_errors
def audit_command(
    ctx: typer.Context,
    model: Annotated[Optional[list[str]], typer.Option("--model", "-m", help="litellm model string (repeatable: each model gets the same design in its own run, and one page sets them side by side); default: the embedded Gemma 3 270M.")] = None,
    inventory: Annotated[Optional[list[str]], typer.Option("--inventory", "-i", help="Inventory id or YAML path (repeatable). Default: bfi44.")] = None,
    templates: Annotated[str, typer.Option("--templates", help="'all' or a comma list of template names.")] = "all",
    template_file: Annotated[Optional[list[Path]], typer.Option("--template-file", help="Your own Jinja2 prompt template (repeatable).")] = None,
    orders: opt.Orders = "original,reversed",
    samples: opt.Samples = 1,
    temperature: opt.Temperature = 0.0,
    max_tokens: opt.MaxTokens = 32,
    reasoning_effort: opt.ReasoningEffort = None,
    mode: opt.Mode = opt.ModeChoice.auto,
    prompt_format: opt.PromptFormat = opt.PromptFormatChoice.auto,
    concurrency: opt.Concurrency = 8,
    rpm: opt.Rpm = None,
    timeout: opt.Timeout = 60.0,
    retries: opt.Retries = 4,
    max_wait: opt.MaxWait = None,
    api_base: opt.ApiBase = None,
    db: opt.Db = None,
    run_id: Annotated[Optional[str], typer.Option("--run-id", help="Name the run (default: derived from model and design).")] = None,
    resume: Annotated[Optional[str], typer.Option("--resume", help="Resume this run: ask only its missing cells.")] = None,
    limit_items: Annotated[Optional[int], typer.Option("--limit-items", help="Only the first N items of each inventory.")] = None,
    personas: Annotated[Optional[str], typer.Option("--personas", help="Persona axis: SET (every biography, e.g. 'default'), SET:N (a seeded sample of N), persona ids, 'none'; comma list.")] = None,
    dry_run: opt.DryRun = False,
    max_cost: opt.MaxCost = None,
    batch: opt.Batch = False,
    poll_interval: opt.PollInterval = 10.0,
    max_poll_interval: opt.MaxPollInterval = 300.0,
    batch_reask: opt.BatchReask = opt.ReaskChoice.batch,
    batch_max_lines: opt.BatchMaxLines = None,
    batch_max_bytes: opt.BatchMaxBytes = None,
    n_boot: opt.NBoot = 1000,
    seed: opt.Seed = 0,
    value: opt.Value = opt.ValueChoice.value,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write the report <run_id>.html into --out at the end.")] = True,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report (created when missing).")] = Path("reports"),
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Give one or more inventories to one or more models under every template × option order × sample × persona."""
    from psychometrics.administer import BatchOptions, audit
    from psychometrics.cli._common import UserError

    models = model or ["local/gemma-3-270m"]

    if resume and len(models) > 1:
        raise UserError("--resume takes one run, not several models: re-run the same several-model audit command "
                        "(without --resume) to resume each model's run")
    if resume and (given := _given_with_resume(ctx)):
        raise UserError(f"--resume keeps the run's own design: drop {', '.join(given)} (only where and how to ask — "
                        "--db, --api-base, --concurrency, --rpm, --timeout, --retries, --max-wait, --max-cost, "
                        "--batch and its options — and what to print can change)")
    if report and not dry_run:
        writable_folder(out)
    batch_options = BatchOptions(poll_interval=poll_interval, max_poll_interval=max_poll_interval, retries=retries,
                                 reask=batch_reask.value, max_lines=batch_max_lines,  # type: ignore[arg-type]
                                 max_bytes=batch_max_bytes)
    options = dict(
        inventories=inventory or ["bfi44"],
        templates="all" if templates.strip() == "all" else _split([templates]),
        orders=_split([orders]),
        samples=samples,
        temperature=temperature,
        max_tokens=max_tokens,
        reasoning_effort=reasoning_effort and reasoning_effort.value,  # type: ignore[arg-type]
        mode=mode.value,  # type: ignore[arg-type]
        prompt_format=prompt_format.value,  # type: ignore[arg-type]
        concurrency=concurrency,
        rpm=rpm,
        timeout=timeout,
        retries=retries,
        max_wait=max_wait,
        api_base=api_base,
        db=db,
        run_id=run_id,
        resume=resume,
        limit_items=limit_items,
        template_files=[str(p) for p in template_file or []],
        personas=_personas(personas),
        dry_run=dry_run,
        progress=not json_,
        log=None if json_ else _stage,
        max_cost=max_cost,
        batch=batch,
        batch_options=batch_options if batch else None,
    )
    if len(models) > 1:
        from psychometrics.cli._matrix import audit_several

        code = audit_several(models, options, json_=json_, dry_run=dry_run, max_cost=max_cost, report=report,
                             out=out, n_boot=n_boot, seed=seed, value=value.value)
        if code:
            raise typer.Exit(code=code)
        return
    result = audit(model=models[0], **options)  # type: ignore[arg-type]
    from psychometrics.plan import plan_size_summary

    size = plan_size_summary(result.plan)
    if dry_run:
        print_dry_run(result, size, json_=json_, max_cost=max_cost)
        return
    from psychometrics.cli._summary import print_run_summary

    print_run_summary(result.run.run_id, db=db, json_=json_, asked=result.tally.requests if result.tally else 0,
                      write_report=report, log=None if json_ else _stage, out=out,
                      n_boot=n_boot, seed=seed, value=value.value)


def print_dry_run(result, size: dict[str, int], *, json_: bool, max_cost: float | None = None) -> None:
    """The plan's size and the estimate of what asking it costs, as text or JSON."""
    from psychometrics._format import count, integer, missing, money

    est = result.estimate
    if json_:
        print_json({"run_id": result.run.run_id, "model": result.run.model, "plan": size,
                    "estimate": est.model_dump(mode="json") if est else None})
        return
    names = {"inventories": "inventory", "items": "item", "templates": "template", "orders": "order",
             "samples": "sample", "personas": "persona", "cells": "cell"}
    typer.echo(f"plan for {result.run.model}: " + ", ".join(count(v, names.get(k, k)) for k, v in size.items()))
    if est is not None:
        cost = f"no cost estimate ({est.reason})" if missing(est.cost_usd) else f"estimated cost {money(est.cost_usd)}"
        typer.echo(f"{count(est.requests, 'request')}, about {integer(est.prompt_tokens)} prompt tokens and at most "
                   f"{integer(est.completion_tokens)} completion tokens; {cost}")
        if max_cost is not None and not missing(est.cost_usd) and est.cost_usd > max_cost:
            typer.echo(f"the estimate is above --max-cost {money(max_cost)}: the audit would stop there (re-run with a "
                       "higher limit to resume)")
    typer.echo("dry run: nothing was asked")
