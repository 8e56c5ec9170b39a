"""`psychometrics audit`: give inventories to a model and store every answer."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Optional

import typer

from psychometrics.cli import _options as opt
from psychometrics.cli._common import handle_errors, print_json, refuse_twice, writable_out


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _stage(line: str) -> None:
    typer.echo(line, err=True)


class _Stages:
    """The audit's stage lines (printed unless ``quiet``). At the first one — the plan is built and checked, the
    asking starts — a thread imports and compiles what the summary and the report need
    (:func:`psychometrics.report.warm_up`): the process mostly waits for replies then, and the scoring that
    follows no longer starts with seconds of imports."""

    def __init__(self, *, quiet: bool, warm: bool):
        self.quiet = quiet
        self._warm = warm
        self._thread: threading.Thread | None = None

    def __call__(self, line: str) -> None:
        if not self.quiet:
            _stage(line)
        if self._warm and self._thread is None:
            self._warm = _peak_rss_mb() < WARM_UP_MAX_RSS_MB
            if self._warm:
                self._thread = threading.Thread(target=_warm_up, name="psychometrics-warm-up", daemon=True)
                self._thread.start()


WARM_UP_MAX_RSS_MB = 500
"""No head start once the process holds this much (a plan of several hundred thousand cells): its asking takes
minutes, so the seconds of imports do not matter, and their 150 MB would add to the plan's."""


def _peak_rss_mb() -> float:
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def _warm_up() -> None:
    try:
        from psychometrics.report import warm_up

        warm_up()
        import rich.console, rich.table  # noqa: E401, F401 - the summary's tables
    except Exception:  # noqa: BLE001 - only a head start: the summary imports the same modules and reports errors
        pass


def _personas(spec: str | None) -> list[str | None]:
    from psychometrics.plan import persona_ids

    return persona_ids(spec)


_DESIGN_OPTIONS = {"model": "--model", "inventory": "--inventory", "templates": "--templates",
                   "template_file": "--template-file", "orders": "--orders", "samples": "--samples",
                   "temperature": "--temperature", "max_tokens": "--max-tokens", "reasoning_effort": "--reasoning-effort",
                   "mode": "--mode", "prompt_format": "--prompt-format",
                   "run_id": "--run-id", "limit_items": "--limit-items", "personas": "--personas"}
"""Options that define a run's design: a resumed run keeps its own, so giving one with --resume is an error."""


_BATCH_OPTIONS = {"poll_interval": "--poll-interval", "max_poll_interval": "--max-poll-interval",
                  "batch_reask": "--batch-reask", "batch_max_lines": "--batch-max-lines",
                  "batch_max_bytes": "--batch-max-bytes"}
"""Options that only say how batches are asked: without --batch they would do nothing, so giving one is an error."""


def _given(ctx: typer.Context, options: dict[str, str]) -> list[str]:
    sources = {name: ctx.get_parameter_source(name) for name in options}
    return [flag for name, flag in options.items() if sources[name] is not None and sources[name].name != "DEFAULT"]


def _given_with_resume(ctx: typer.Context) -> list[str]:
    return _given(ctx, _DESIGN_OPTIONS)


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
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the reports (created when missing), or the page's file when it ends in .html (one model: the run's report; several: the page of the models side by side, the runs' pages next to it).")] = Path("reports"),
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Give one or more inventories to one or more models under every template × option order × sample × persona."""
    from psychometrics.administer import BatchOptions, audit
    from psychometrics.cli._common import UsageError, UserError

    if not batch and (without := _given(ctx, _BATCH_OPTIONS)):
        raise UsageError(f"{without[0]} needs --batch (it sets how batches are asked; without --batch every cell is "
                         "asked directly)")
    models = model or ["local/gemma-3-270m"]
    refuse_twice("--model", models)  # as shape and compare do
    refuse_twice("--inventory", inventory or [])

    if resume and len(models) > 1:
        raise UserError("--resume takes one run, not several models: re-run the same several-model audit command "
                        "(without --resume) to resume each model's run")
    if resume and (given := _given_with_resume(ctx)):
        raise UserError(f"--resume keeps the run's own design: drop {', '.join(given)} (only where and how to ask — "
                        "--db, --api-base, --concurrency, --rpm, --timeout, --retries, --max-wait, --max-cost, "
                        "--batch and its options — and what to print can change)")
    if report and not dry_run:
        writable_out(out)
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
        log=_Stages(quiet=json_, warm=not dry_run),
        max_cost=max_cost,
        batch=batch,
        batch_options=batch_options if batch else None,
    )
    if len(models) > 1:
        from psychometrics.cli._matrix import audit_several

        from psychometrics.cli._common import command_line

        code = audit_several(models, options, json_=json_, dry_run=dry_run, max_cost=max_cost, report=report,
                             out=out, n_boot=n_boot, seed=seed, value=value.value, rerun=command_line(ctx))
        if code:
            raise typer.Exit(code=code)
        return
    result = audit(model=models[0], **options)  # type: ignore[arg-type]
    from psychometrics.plan import plan_size_summary

    if dry_run:
        print_dry_run(result, plan_size_summary(result.plan), json_=json_, max_cost=max_cost)
        return
    from psychometrics.cli._summary import print_run_summary

    run_id, asked = result.run.run_id, result.tally.requests if result.tally else 0
    del result  # the plan (0.6 KB a cell) is not needed to score: let its memory serve the scoring
    print_run_summary(run_id, db=db, json_=json_, asked=asked, write_report=report, log=None if json_ else _stage,
                      out=out, n_boot=n_boot, seed=seed, value=value.value, timeout=timeout)


def print_dry_run(result, size: dict[str, int], *, json_: bool, max_cost: float | None = None) -> None:
    """The plan's size and the estimate of what asking it costs, as text or JSON."""
    from psychometrics._format import as_given, count, integer, missing, money

    est = result.estimate
    if json_:
        print_json({"run_id": result.run.run_id, "model": result.run.model, "plan": size,
                    "estimate": est.model_dump(mode="json") if est else None})
        return
    names = {"inventories": "inventory", "items": "item", "templates": "template", "orders": "order",
             "samples": "sample", "personas": "persona", "cells": "cell"}
    typer.echo(f"plan for {result.run.model}: " + ", ".join(count(v, names.get(k, k)) for k, v in size.items()))
    if est is not None:
        cost = f"no cost estimate ({est.reason})" if missing(est.cost_usd) else (
            f"estimated cost {money(est.cost_usd)}" + (" at the batch price" if est.batch_price else ""))
        typer.echo(f"{count(est.requests, 'request')}, about {integer(est.prompt_tokens)} prompt tokens and at most "
                   f"{integer(est.completion_tokens)} completion tokens; {cost}")
        if max_cost is not None and not missing(est.cost_usd) and est.cost_usd > max_cost:
            typer.echo(f"the estimate is above --max-cost {as_given(max_cost)}: the audit would stop there (re-run with a "
                       "higher limit to resume)")
    typer.echo("dry run: nothing was asked")
