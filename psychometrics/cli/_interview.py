"""`psychometrics interview`: ask each item as an open question and have rater models place the answers on the
item's response scale (the InCharacter design)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from psychometrics.cli import _options as opt
from psychometrics.cli._common import handle_errors, writable_folder


def _stage(line: str) -> None:
    typer.echo(line, err=True)


@handle_errors
def interview_command(
    model: Annotated[str, typer.Option("--model", "-m", help="The interviewed model (litellm model string, sim/…, local/…).")],
    rater: Annotated[list[str], typer.Option("--rater", "-r", help="A rater model that places every answer on the item's response scale (repeatable; at least one).")],
    inventory: Annotated[Optional[list[str]], typer.Option("--inventory", "-i", help="Likert or bipolar inventory id or YAML path (repeatable). Default: bfi44.")] = None,
    question_template: Annotated[Optional[Path], typer.Option("--question-template", help="Your own Jinja2 question template (default: templates/interview/question.j2).")] = None,
    rater_template: Annotated[Optional[Path], typer.Option("--rater-template", help="Your own Jinja2 rater prompt (default: templates/interview/rater.j2).")] = None,
    samples: opt.Samples = 1,
    personas: Annotated[Optional[str], typer.Option("--personas", help="Persona axis: SET, SET:N, persona ids, 'none'; comma list (as for audit).")] = None,
    repeats: Annotated[int, typer.Option("--repeats", help="Ratings per rater per answer (2 or more: intra-rater reliability; use --rater-temperature > 0).")] = 1,
    temperature: opt.Temperature = 0.0,
    max_tokens: Annotated[int, typer.Option("--max-tokens", help="Token budget of an interview answer.")] = 160,
    rater_mode: Annotated[opt.ModeChoice, typer.Option("--rater-mode", help="How a rating is read: auto (the label probabilities where the rater gives log-probs, else a generated reply), logprobs or generate.")] = opt.ModeChoice.auto,
    rater_prompt_format: Annotated[opt.PromptFormatChoice, typer.Option("--rater-prompt-format", help="How the rater prompt reaches the raters: auto, chat or completion (raw text the rater continues).")] = opt.PromptFormatChoice.auto,
    rater_temperature: Annotated[float, typer.Option("--rater-temperature", help="Sampling temperature of generated ratings.")] = 0.0,
    rater_max_tokens: Annotated[int, typer.Option("--rater-max-tokens", help="Token budget of a generated rating.")] = 48,
    limit_items: Annotated[Optional[int], typer.Option("--limit-items", help="Only the first N items of each inventory (taken in turn from each scale).")] = None,
    self_report: Annotated[Optional[str], typer.Option("--self-report", help="The self-report run to compare with [default: the newest finished audit of the same model and inventory in the database].")] = None,
    concurrency: opt.Concurrency = 4,
    timeout: opt.Timeout = 120.0,
    retries: opt.Retries = 4,
    api_base: opt.ApiBase = None,
    db: opt.Db = None,
    run_id: Annotated[Optional[str], typer.Option("--run-id", help="Name the run (default: derived from model and design; re-running the same command resumes it).")] = None,
    n_boot: opt.NBoot = 1000,
    seed: opt.Seed = 0,
    report: Annotated[bool, typer.Option("--report/--no-report", help="Write the report <run_id>.html into --out at the end.")] = True,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report (created when missing).")] = Path("reports"),
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Interview a model: each item as an open question, each answer rated by one or more rater models; scored
    from the ratings, with inter-rater reliability and agreement with a self-report run."""
    from psychometrics.administer import interview
    from psychometrics.cli._audit import _personas
    from psychometrics.cli._summary import print_run_summary

    if report:
        writable_folder(out)
    result = interview(
        model, inventory or ["bfi44"], rater, question_template=question_template, rater_template=rater_template,
        samples=samples, personas=_personas(personas), repeats=repeats, temperature=temperature,
        max_tokens=max_tokens, rater_mode=rater_mode.value, rater_prompt_format=rater_prompt_format.value, rater_temperature=rater_temperature, rater_max_tokens=rater_max_tokens,
        limit_items=limit_items, db=db, run_id=run_id, api_base=api_base, concurrency=concurrency, timeout=timeout,
        retries=retries, progress=not json_, log=None if json_ else _stage)
    print_run_summary(result.run.run_id, db=db, json_=json_, asked=sum(result.asked.values()), write_report=report,
                      log=None if json_ else _stage, out=out, n_boot=n_boot, seed=seed, self_report=self_report,
                      timeout=timeout)
