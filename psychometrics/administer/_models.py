"""``audit_models()``: the same design given to several models, each into its own stored, resumable run."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from psychometrics.administer._audit import (_CUSTOM_PROVIDERS, AuditError, AuditResult, CostLimitError, audit,
                                             check_ready, complete)

if TYPE_CHECKING:
    from psychometrics.score import AuditScores, RunMatrix

_ONE_RUN_OPTIONS = {"run_id": "--run-id", "resume": "--resume"}
"""Options that name one run, so they cannot apply to several models at once."""


@dataclass
class ModelAudits:
    """What :func:`audit_models` did: one run per model, the models whose audit stopped with an error, and the
    matrix across all of them (:meth:`matrix`)."""

    models: list[str]
    """The models, in the order given."""
    run_ids: dict[str, str] = field(default_factory=dict)
    """Model → its stored run (failed ones included: their answers are kept and re-running resumes them)."""
    results: dict[str, AuditResult] = field(default_factory=dict)
    """Model → its :class:`AuditResult`, for every audit that ended without an error."""
    failures: dict[str, str] = field(default_factory=dict)
    """Model → why its audit stopped (the :class:`AuditError` message)."""
    over_budget: list[str] = field(default_factory=list)
    """The models among :attr:`failures` stopped by ``max_cost`` (:class:`CostLimitError`): re-running them with the
    same limit stops again at once, so they resume only with a higher one."""
    unfinished: list[str] = field(default_factory=list)
    """Models not audited to the end because Ctrl-C stopped the call (see :class:`AuditsInterrupted`): the one
    being asked (its answers so far are stored) and those not started. Re-running the call resumes them."""
    db: str | None = None
    """The store the runs are in."""

    @property
    def ok(self) -> bool:
        """Whether every model's audit ended without an error."""
        return not self.failures

    def matrix(self, *, n_boot: int = 1000, seed: int | None = 0,
               scores: dict[str, AuditScores] | None = None) -> RunMatrix:
        """Every stored run side by side (:func:`psychometrics.score.run_matrix`), failures noted per run.

        Raises
        ------
        AuditError
            No run was stored (every model failed before asking).
        """
        from psychometrics.score import run_matrix

        runs = [self.run_ids[m] for m in self.models if m in self.run_ids]
        if not runs:
            raise AuditError("no model's run was stored: " + "; ".join(self.failures.values()))
        failures = {self.run_ids[m]: why for m, why in self.failures.items() if m in self.run_ids}
        return run_matrix(runs, db=self.db, n_boot=n_boot, seed=seed, scores=scores, failures=failures)


class AuditsInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`audit_models`: :attr:`done` holds the runs that ended before it, and in
    :attr:`ModelAudits.unfinished` the models that did not (a ``KeyboardInterrupt``, so it stops a program as
    Ctrl-C does)."""

    def __init__(self, done: ModelAudits):
        super().__init__(f"interrupted: {', '.join(done.unfinished)} not finished")
        self.done = done


_AUDIT_OPTIONS = frozenset(inspect.signature(audit).parameters) - {"model", "inventories", "log"}
"""The options :func:`audit_models` passes to :func:`audit`."""


def _check_call(models: Any, inventories: Any, options: dict[str, Any]) -> None:
    """A clear TypeError for a misused call (a bare string where a list belongs, an option audit() lacks)."""
    for name, value in (("models", models), ("inventories", inventories)):
        if isinstance(value, str) or not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
            raise TypeError(f"audit_models(): {name} must be a list of strings, e.g. [{value!r}], not "
                            f"{type(value).__name__} {value!r}")
    unknown = sorted(set(options) - _AUDIT_OPTIONS)
    if unknown:
        from psychometrics._format import did_you_mean

        hints = "".join(did_you_mean(u, _AUDIT_OPTIONS) for u in unknown)
        raise TypeError(f"audit_models(): unknown option {', '.join(unknown)}{hints}: it takes the options of "
                        "audit() (scoring options such as n_boot go to ModelAudits.matrix())")


def audit_models(models: Sequence[str], inventories: Sequence[str] = ("bfi44",), *,
                 log: Callable[[str], None] | None = None, **options: Any) -> ModelAudits:
    """Administer the same design to each of ``models``, one after the other, each into its own run.

    ``options`` are those of :func:`audit` (templates, orders, samples, db, …) and apply to every model. Every
    model is checked before anything is asked (unknown model or provider, missing key, unreachable endpoint,
    bad option): a problem with any of them raises before the first question. Each run is stored and resumable
    on its own (the same call resumes every run); a model whose audit then stops with an :class:`AuditError`
    (no answer at all, an endpoint that refuses every request, the cost limit) is recorded in
    :attr:`ModelAudits.failures` and the others go on. A model whose run is already complete is not contacted
    (its endpoint may be gone: the stored run is used). ``api_base`` applies to the models that are asked at an
    endpoint (not ``sim/`` or ``local/`` ones). ``log`` receives "model 2 of 3: …" before each audit, then
    :func:`audit`'s stage lines.

    >>> done = audit_models(["sim/steady", "sim/biased"], ["bfi44"], db="sqlite:///runs.db")  # doctest: +SKIP
    >>> done.matrix().to_frame()  # doctest: +SKIP

    Raises
    ------
    TypeError
        ``models`` or ``inventories`` not a list of strings (a bare string), or an option :func:`audit` lacks.
    AuditsInterrupted
        Ctrl-C: its ``done`` holds what ended before it.
    AuditError
        No model, a model given twice, ``api_base`` with no model that uses an endpoint, an option that names one
        run (``run_id``, ``resume``), or a model that cannot be audited (every problem of every model, in one
        message); nothing was asked.
    """
    _check_call(models, inventories, options)
    models = [m.strip() for m in models]
    if not models or not all(models):
        raise AuditError("give at least one model")
    twice = list(dict.fromkeys(m for m in models if models.count(m) > 1))
    if twice:
        raise AuditError(f"--model {', '.join(twice)} is given twice: give each once")
    one_run = [flag for name, flag in _ONE_RUN_OPTIONS.items() if options.get(name)]
    if one_run and len(models) > 1:
        raise AuditError(f"{' and '.join(one_run)} {'names' if len(one_run) == 1 else 'name'} one run: with "
                         "several models each run is named after its model and design, and re-running the same "
                         "command (without --resume) resumes every one of them")
    dry_run = bool(options.pop("dry_run", False))
    api_base = options.pop("api_base", None)
    if api_base and all(_own_provider(m) for m in models):
        raise AuditError(f"--api-base: none of {', '.join(models)} is asked at an endpoint (sim/ and local/ models "
                         "run here)")
    per_model = {m: {**options, "api_base": None if _own_provider(m) else api_base} for m in models}
    planned: dict[str, AuditResult] = {}
    problems = []
    for model in models:
        try:
            planned[model] = audit(model, inventories, dry_run=True, **per_model[model])
            if not dry_run and not options.get("resume") and not complete(planned[model], options.get("db")):
                check_ready(model, planned[model].run.design.settings, api_base=per_model[model]["api_base"])
        except AuditError as exc:
            problems.append(str(exc) if model in str(exc) else f"{model}: {exc}")
    if problems:
        raise AuditError("; ".join(dict.fromkeys(problems)) + ("" if len(models) == 1 else
                                                               " (nothing was asked of any model)"))
    done = ModelAudits(models=models, db=options.get("db"))
    if dry_run:
        done.results = planned
        return done
    say = log or (lambda line: None)
    for i, model in enumerate(models, 1):
        if len(models) > 1:
            say(f"model {i} of {len(models)}: {model}")
        try:
            result = audit(model, inventories, log=log, **per_model[model])
        except KeyboardInterrupt:
            done.unfinished = models[i - 1:]
            raise AuditsInterrupted(done) from None
        except AuditError as exc:
            done.failures[model] = str(exc)
            if isinstance(exc, CostLimitError):
                done.over_budget.append(model)
            run_id = exc.run_id or planned[model].run.run_id
            if _stored(run_id, done.db):
                done.run_ids[model] = run_id
            say(f"{model} failed: {exc}")
            continue
        done.results[model] = result
        done.run_ids[model] = result.run.run_id
    return done


def _own_provider(model: str) -> bool:
    """Whether ``model`` runs in this process (``sim/``, ``local/``), asked at no endpoint."""
    return model.split("/", 1)[0] in _CUSTOM_PROVIDERS and "/" in model


def _stored(run_id: str, db: str | None) -> bool:
    from psychometrics.store import Store, StoreError

    try:
        with Store(db, create=False) as store:
            return store.has_run(run_id)
    except (StoreError, LookupError, FileNotFoundError):
        return False
