"""``interview()``: each item as an open question to one model, each answer read by one or more rater models.

Two phases of one stored, resumable run. First the answer cells (free text, stored like any response); then,
from the stored answers, the rating cells (answer × rater × repeat), each asked of its rater and parsed like
any answer. Re-running the same call resumes: a stored answer or rating is never asked again (see
:mod:`psychometrics.plan._interview` for what identifies a cell).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from psychometrics._format import command, count
from psychometrics.administer._audit import (
    AuditError,
    OptionError,
    _check_key,
    _check_options,
    _logprobs_supported,
    _check_reachable,
    _load_embedded,
    _provider,
    _versions,
    default_run_id,
    endpoint_identity,
    env_api_base,
    resolve_prompt_format,
    sanitize_api_base,
)
from psychometrics.administer._call import CallOptions
from psychometrics.administer._retry import DEFAULT_MAX_WAIT, RetryPolicy
from psychometrics.administer._runner import Tally, administer, progress_printer
from psychometrics.inventory import load_inventory
from psychometrics.plan import (
    Cell,
    GenerationSettings,
    InterviewDesign,
    PROMPT_FORMATS,
    Mode,
    Plan,
    PersonaSpec,
    build_interview_plan,
    load_interview_template,
    rating_cells,
    template_name,
)
from psychometrics.store import Run, Store, db_option


@dataclass
class InterviewResult:
    """What :func:`interview` did: the stored run, its answer and rating cells, and what this session asked."""

    run: Run
    """The run as stored (its design holds the interview: raters, templates, repeats)."""
    plan: Plan
    """The answer cells (one open question per item × sample × persona)."""
    ratings: list[Cell]
    """The rating cells built from the stored answers (answer × rater × repeat)."""
    asked: dict[str, int] = field(default_factory=dict)
    """Requests this session made, by model (the interviewed model and each rater)."""
    already_answered: int = 0
    """Cells (answers and ratings) answered before this session."""
    db: str | None = None

    def score(self, *, self_report: str | None = None, n_boot: int = 1000, seed: int | None = 0):  # noqa: ANN201
        """Score the interview (see :func:`psychometrics.score.score`): scales from the ratings, inter-rater
        reliability and agreement with a self-report run (``self_report``, or found in the same store)."""
        from psychometrics.score import score

        return score(self.run, db=self.db, n_boot=n_boot, seed=seed, self_report=self_report)


def _check_raters(model: str, raters: Sequence[str]) -> list[str]:
    raters = [r.strip() for r in raters if r and r.strip()]
    if not raters:
        raise AuditError("no rater given: name at least one rater model with --rater (e.g. --rater sim/default or "
                         "--rater local/smollm2-135m-instruct)")
    twice = sorted({r for r in raters if raters.count(r) > 1})
    if twice:
        raise AuditError(f"rater {twice[0]!r} is given twice: give each rater once, and --repeats N for repeated "
                         "ratings by one rater")
    return raters


def interview(
    model: str,
    inventories: Sequence[str | Path] = ("bfi44",),
    raters: Sequence[str] = (),
    *,
    question_template: str | Path | None = None,
    rater_template: str | Path | None = None,
    samples: int = 1,
    personas: Sequence[PersonaSpec] = (None,),
    repeats: int = 1,
    temperature: float = 0.0,
    max_tokens: int = 160,
    rater_mode: Mode = "auto",
    rater_prompt_format: str = "auto",
    rater_temperature: float = 0.0,
    rater_max_tokens: int = 48,
    limit_items: int | None = None,
    db: str | None = None,
    run_id: str | None = None,
    api_base: str | None = None,
    concurrency: int = 4,
    timeout: float = 120.0,
    retries: int = 4,
    max_wait: float | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> InterviewResult:
    """Interview ``model`` on the items of ``inventories`` and have every rater place every answer on the item's
    response scale; store everything in one run.

    Parameters
    ----------
    model
        The interviewed model (a litellm model string, ``sim/…`` or ``local/…``), reached at ``api_base`` if given.
    inventories
        Likert or bipolar inventories (ids or YAML paths).
    raters
        Rater models, each reading every answer (at least one; each once). A rater is reached at its provider's
        own endpoint (or the one litellm reads from the environment).
    question_template, rater_template
        Paths of the user's own Jinja2 templates (default: ``templates/interview/question.j2`` and ``rater.j2``).
    samples, personas, limit_items
        As for :func:`audit`: the respondents are sample × persona.
    repeats
        Ratings per rater per answer (≥ 2 gives intra-rater reliability; needs ``rater_temperature`` > 0: at 0
        every repeat is the same rating, and ``OptionError`` is raised).
    temperature, max_tokens
        Generation settings of the answers (free text: a budget of a few sentences).
    rater_mode
        How a rating is read. ``auto`` (the default): from the probabilities of the scale's labels after the
        rater prompt (the log-prob path of self-report items, :func:`audit` ``mode``) where the rater's provider
        gives log-probs, else (and for a rating whose log-probs name no label) from a generated reply read by
        the answer parser; with ``repeats`` ≥ 2 it generates, since a log-prob reading does not vary.
        ``logprobs`` or ``generate`` force one way.
    rater_prompt_format
        How the rater prompt reaches each rater (as :func:`audit`'s ``prompt_format``): ``auto`` (chat where the
        model has a chat template, except an embedded rater read by log-probs, which gets ``completion``),
        ``chat``, or ``completion`` (raw text the model continues after ``Answer: ``; a small chat model read by
        log-probs puts most of its mass on the labels this way).
    rater_temperature, rater_max_tokens
        Generation settings of generated ratings (parsed like any generated answer).

    Returns
    -------
    InterviewResult

    Raises
    ------
    AuditError
        A bad option, no rater or a rater given twice, an unknown model or rater, a missing key or an unreachable
        endpoint (before anything is asked); or, after asking, no answer or no rating could be read (what was
        asked is stored).
    ValueError
        An unknown inventory, or one whose items an interview does not ask (scenario).
    DataFileError
        A user's template that does not render what it must show.
    """
    raters = _check_raters(model, raters)
    if not isinstance(repeats, int) or repeats < 1:
        raise AuditError(f"--repeats must be at least 1 (got {repeats})")
    if not 0 <= rater_temperature <= 2:
        raise AuditError(f"--rater-temperature must be between 0 and 2 (got {rater_temperature:g})")
    if rater_mode not in ("auto", "logprobs", "generate"):
        raise AuditError(f"--rater-mode must be auto, logprobs or generate (got {rater_mode!r})")
    if rater_prompt_format not in PROMPT_FORMATS:
        raise OptionError(f"--rater-prompt-format must be {', '.join(PROMPT_FORMATS)} (got {rater_prompt_format!r})")
    if rater_mode == "logprobs" and repeats > 1:
        raise AuditError("--rater-mode logprobs reads the same rating on every repeat: use --rater-mode generate "
                         f"(with --rater-temperature > 0) for --repeats {repeats}")
    if repeats > 1 and rater_temperature == 0:
        raise OptionError(f"--repeats {repeats} at --rater-temperature 0 repeats the same rating: give "
                          "--rater-temperature > 0")
    if rater_mode == "auto" and repeats > 1:
        rater_mode = "generate"
    if rater_max_tokens < 1:
        raise AuditError(f"--rater-max-tokens must be at least 1 (got {rater_max_tokens})")
    max_wait = DEFAULT_MAX_WAIT if max_wait is None else max_wait
    _check_options(samples, concurrency, None, timeout, retries, temperature, limit_items, max_tokens, max_wait)
    design = InterviewDesign(
        question_template=str(question_template) if question_template else "question",
        rater_template=str(rater_template) if rater_template else "rater", raters=raters, repeats=repeats,
        rater_settings=GenerationSettings(mode=rater_mode, temperature=rater_temperature, max_tokens=rater_max_tokens,
                                          prompt_format=rater_prompt_format))
    rater_prompt = load_interview_template("rater", design.rater_template)  # a bad file fails before anything
    invs = {inv.id: inv for inv in (load_inventory(i) for i in inventories)}
    api_base = api_base or env_api_base(model)
    endpoint = endpoint_identity(api_base, model)
    settings = GenerationSettings(mode="generate", temperature=temperature, max_tokens=max_tokens)
    plan = build_interview_plan(model=model, inventories=list(invs.values()), design=design, samples=samples,
                                personas=personas, settings=settings, limit_items=limit_items, endpoint=endpoint)
    plan = plan.model_copy(update={"design": plan.design.model_copy(update={
        "inventories": [str(i) for i in inventories], "personas": list(personas)})})
    run_id = run_id or default_run_id(model, plan.design, api_base)
    asking = {model: _asking(model, api_base)}
    for rater in raters:
        if rater not in asking:
            asking[rater] = _asking(rater, env_api_base(rater), role="rater")
        try:
            resolve_prompt_format(rater_prompt_format, rater, asking[rater][0])
        except AuditError as exc:
            raise AuditError(f"--rater-prompt-format: {exc}") from None
    say = log or (lambda line: None)
    for who, (provider, _, _) in asking.items():
        if provider == "local":  # a model that cannot load stops the interview with its reason, before anything
            _load_embedded(who)
        if provider == "sim":
            from psychometrics.administer.providers._sim import register_inventory

            for inv in invs.values():
                register_inventory(inv)
    with Store(db) as store:
        if store.has_run(run_id):
            run = store.get_run(run_id)
            if run.model != model or run.design.interview is None:
                raise AuditError(f"run {run_id!r} is not an interview of {model!r}: name another --run-id")
        else:
            run = Run(run_id=run_id, model=model, api_base=sanitize_api_base(api_base), design=plan.design,
                      created_at=time.time(), versions=_versions(model))
        from psychometrics.store import running_here

        run = run.model_copy(update={"status": "running", "design": plan.design, **running_here()})
        store.save_run(run)
        store.set_run_cells(run_id, [c.cell_id for c in plan.cells])
        started = time.monotonic()
        asked: dict[str, int] = {}
        before = 0
        status = "interrupted"
        ratings: list[Cell] = []
        try:
            before += _phase(store, run_id, plan.cells, 0, model, asking[model], settings, "answers", say, asked,
                             concurrency=concurrency, timeout=timeout, retries=retries, max_wait=max_wait,
                             progress=progress)
            answers = {r.cell_id: r for r in store.iter_responses(run_id) if r.rates is None and r.status == "ok"}
            if not answers:
                raise AuditError(_none_read(store, run_id, "answer", command("runs", "export", run_id, *db_option(db))))
            name = template_name(design.rater_template)
            by_rater: dict[str, list[Cell]] = {}
            for rater in raters:
                for cell in plan.cells:
                    if cell.cell_id in answers:
                        by_rater.setdefault(rater, []).extend(rating_cells(
                            cell, _answer_text(answers[cell.cell_id].raw_text), inventory=invs[cell.inventory],
                            rater=rater, template=rater_prompt, template_name=name, repeats=repeats,
                            settings=design.rater_settings, endpoint=endpoint_identity(asking[rater][1], rater)))
            ratings = [c for cells in by_rater.values() for c in cells]
            store.set_run_cells(run_id, [c.cell_id for c in plan.cells] + [c.cell_id for c in ratings], replace=True)
            offset = len(plan.cells)
            for rater, cells in by_rater.items():
                before += _phase(store, run_id, cells, offset, rater, asking[rater],
                                 _rater_settings(design.rater_settings, asking[rater][0]),
                                 f"ratings by {rater}", say, asked, concurrency=concurrency, timeout=timeout,
                                 retries=retries, max_wait=max_wait, progress=progress)
                offset += len(cells)
            counts = store.status_counts(run_id)
            read = sum(1 for r in store.iter_responses(run_id) if r.rates is not None and r.status == "ok")
            if not read:
                raise AuditError(_none_read(store, run_id, "rating", command("runs", "export", run_id, *db_option(db)))
                                 + "; try another rater, --rater-template, --rater-prompt-format completion (a small "
                                 "chat model read by log-probs) or --rater-max-tokens")
            status = "finished"
        except AuditError:
            status = "failed"
            raise
        finally:
            counts = store.status_counts(run_id)
            run = run.model_copy(update={
                "status": status, "wall_s": run.wall_s + time.monotonic() - started, "counts": counts,
                "n_cells": len(plan.cells) + len(ratings), "cost_usd": store.run_cost(run_id),
                "mode_used": _mode_used(store, run_id),
                **({"finished_at": time.time()} if status == "finished" else {})})
            store.save_run(run)
    return InterviewResult(run=run, plan=plan, ratings=ratings, asked=asked, already_answered=before, db=db)


def _rater_settings(settings: GenerationSettings, provider: str) -> GenerationSettings:
    """The settings a rater is asked with: ``--rater-prompt-format auto`` is ``completion`` for an embedded rater
    read by log-probs, chat template or not. In chat format a small embedded chat model (SmolLM2-135M-Instruct)
    answers the rater prompt with a preamble, and its first tokens hold almost none of the labels' mass; continuing
    the raw prompt after ``Answer: ``, all 20 ratings of the real run in docs/interview.md were read. The cell's
    identity keeps ``auto`` (this is how ``auto`` is resolved, as :func:`resolve_prompt_format` does for audits)."""
    if settings.prompt_format == "auto" and provider == "local" and settings.mode != "generate":
        return settings.model_copy(update={"prompt_format": "completion"})
    return settings


def _rates_by_logprobs(settings: GenerationSettings, model: str, provider: str) -> bool:
    """Whether ``auto`` starts with log-probs: where the provider gives them, except the ``sim/`` rater, which
    only writes its rating (a request for log-probs would be one wasted call before the switch)."""
    return settings.mode != "generate" and provider != "sim" and _logprobs_supported(model, provider)


def _mode_used(store: Store, run_id: str) -> str:
    """The modes of the run's replies joined with ``+`` as ``score`` names them (``generate+logprobs`` when
    ratings were read from log-probs; the answers are always generated)."""
    return "+".join(sorted({str(r.mode) for r in store.iter_responses(run_id) if r.status != "error"} or {"generate"}))


def _answer_text(raw: str | None) -> str:
    from psychometrics.administer._parse import split_reasoning

    return split_reasoning(raw or "")[0].strip()


def _none_read(store: Store, run_id: str, what: str, export: str) -> str:
    rows = [r for r in store.iter_responses(run_id) if (r.rates is not None) == (what == "rating")]
    by = {s: sum(1 for r in rows if r.status == s) for s in ("refused", "invalid", "error")}
    first = next((r.error for r in rows if r.status != "ok" and r.error), None)
    return (f"run {run_id} has no {what} that could be read: of its {len(rows)} {what} cells {by['refused']} were "
            f"refused, {by['invalid']} hold no {what} and {by['error']} ended in an error (first: {first}); the "
            f"replies are stored ({export})")


def _asking(model: str, api_base: str | None, role: str = "model") -> tuple[str, str | None, str | None]:
    """(provider, api_base, api_key) of a model, checked before anything is asked."""
    try:
        provider = _provider(model, api_base)
        _check_reachable(api_base)
        key = _check_key(model, provider, api_base)
    except AuditError as exc:
        raise AuditError(f"--rater: {exc}" if role == "rater" else str(exc)) from None
    return provider, api_base, key


def _phase(store: Store, run_id: str, cells: list[Cell], offset: int, model: str, asking: tuple[str, str | None, str | None],
           settings: GenerationSettings, what: str, say: Callable[[str], None], asked: dict[str, int], *,
           concurrency: int, timeout: float, retries: int, max_wait: float, progress: bool) -> int:
    """Ask the cells of one model that have no stored answer; returns how many were answered before. ``offset``
    is the position of the first of ``cells`` among the run's cells (where other processes on the run claim)."""
    provider, api_base, api_key = asking
    answered = store.answered(c.cell_id for c in cells)
    missing = [c for c in cells if c.cell_id not in answered]
    if not missing:
        say(f"{what}: nothing to ask ({count(len(cells), 'cell')} answered)")
        return len(answered)
    say(f"{what}: asking {count(len(missing), 'prompt')}" + (f" ({len(answered)} already answered)" if answered else ""))
    prompt_as = resolve_prompt_format(settings.prompt_format, model, provider)
    opts = CallOptions(model=model, settings=settings, api_base=api_base, api_key=api_key, timeout=timeout,
                       prompt_format=prompt_as)
    update, close = progress_printer(len(cells), len(answered), enabled=progress)
    leases = store.leases(run_id)  # other processes on this run share these cells
    leases.prepare((c.cell_id, offset + i) for i, c in enumerate(cells) if c.cell_id not in answered)
    try:
        tally: Tally = asyncio.run(administer(
            missing, store=store, run_id=run_id, opts=opts, mode=settings.mode,
            logprobs_supported=_rates_by_logprobs(settings, model, provider),
            concurrency=concurrency, policy=RetryPolicy(retries=retries, max_wait=max_wait), on_response=update,
            leases=leases))
    finally:
        close()
    asked[model] = asked.get(model, 0) + tally.requests
    if tally.fallbacks:
        say(f"{what}: {count(tally.fallbacks, 'reading')} of the label probabilities named no label; generated instead")
    if tally.stopped is not None:
        from psychometrics.administer._endpoint import explain

        raise AuditError(explain(tally.stopped, model=model, provider=provider, api_base=api_base, api_key=api_key,
                                 resume_with="the same psychometrics interview command"))
    return len(answered)
