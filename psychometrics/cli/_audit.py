"""`psychometrics audit`: give inventories to a model and store every answer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from psychometrics.cli import _options as opt
from psychometrics.cli._common import handle_errors, print_json


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _personas(spec: str | None) -> list[str | None]:
    from psychometrics.plan import persona_ids

    return persona_ids(spec)


@handle_errors
def audit_command(
    model: Annotated[str, typer.Option("--model", "-m", help="litellm model string; default: the embedded Gemma 3 270M.")] = "local/gemma-3-270m",
    inventory: Annotated[Optional[list[str]], typer.Option("--inventory", "-i", help="Inventory id or YAML path (repeatable). Default: bfi44.")] = None,
    templates: Annotated[str, typer.Option("--templates", help="'all' or a comma list of template names.")] = "all",
    template_file: Annotated[Optional[list[Path]], typer.Option("--template-file", help="Your own Jinja2 prompt template (repeatable).")] = None,
    orders: opt.Orders = "original,reversed",
    samples: opt.Samples = 1,
    temperature: opt.Temperature = 0.0,
    max_tokens: opt.MaxTokens = 32,
    reasoning_effort: opt.ReasoningEffort = None,
    mode: opt.Mode = "auto",
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
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write reports/<run_id>.html at the end.")] = True,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Give one or more inventories to one model under every template × option order × sample × persona."""
    from psychometrics.administer import audit
    result = audit(
        model=model,
        inventories=inventory or ["bfi44"],
        templates="all" if templates.strip() == "all" else _split([templates]),
        orders=_split([orders]),
        samples=samples,
        temperature=temperature,
        max_tokens=max_tokens,
        reasoning_effort=reasoning_effort,  # type: ignore[arg-type]
        mode=mode,  # type: ignore[arg-type]
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
        progress=not json_ and sys.stderr.isatty(),
    )
    from psychometrics.plan import plan_size_summary

    size = plan_size_summary(result.plan)
    if dry_run:
        if json_:
            print_json({"run_id": result.run.run_id, "model": result.run.model, "plan": size})
        else:
            typer.echo(f"plan for {result.run.model}: " + ", ".join(f"{v} {k}" for k, v in size.items()))
            typer.echo("dry run: nothing was asked")
        return
    from psychometrics.cli._summary import print_run_summary

    print_run_summary(result.run.run_id, db=db, json_=json_, asked=result.tally.requests if result.tally else 0,
                      write_report=report)
