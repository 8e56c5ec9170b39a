"""Schedule plans: which model versions to audit, with which design, and when a change counts as drift.

A plan is a declarative YAML file validated like an inventory (pydantic, ``extra="forbid"``, frozen, with a
``version``); :func:`load_schedule_plan` reports every problem as ``file:line: message``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from psychometrics._record import Record
from psychometrics._yamlfile import report_problems
from psychometrics.plan import Mode, PromptFormat, ReasoningEffort
from psychometrics.store import LIBPQ_REFUSED, POSTGRES_SCHEMES, is_libpq_keywords

SCHEDULE_PLAN_VERSION = 1
"""Version of the schedule plan format."""

_CUSTOM_PREFIXES = ("sim/", "local/")
"""Providers that run in-process: the plan's default ``api_base`` never applies to them."""

ReliabilityCoefficient = Literal["alpha", "omega"]
"""Which internal-consistency coefficient the reliability-drop check uses."""
BaselineRule = str
"""``previous`` or the model name of one listed or discovered version."""


def _check_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PydanticCustomError("url", "must be an http(s) URL such as http://127.0.0.1:8000/v1 (got {value})",
                                  {"value": repr(value)})
    return value


def _resolve_inventory(name: str, info: ValidationInfo) -> str:
    base = (info.context or {}).get("base_dir")
    if base is not None and name.endswith((".yaml", ".yml")) and not Path(name).is_absolute():
        return str((Path(base) / name).resolve())
    return name


InventoryRef = Annotated[str, AfterValidator(_resolve_inventory)]
"""A shipped inventory id, or a YAML path (a relative path is relative to the plan file's folder)."""


class ModelEntry(Record):
    """One model version to audit."""

    model: str = Field(min_length=1)
    """litellm model string, e.g. ``openai/gpt-4o-2024-08-06`` or ``sim/steady?extraversion=2``."""
    api_base: str | None = None
    """Endpoint of an OpenAI-compatible server. Left out: the plan's ``api_base``; ``null``: no endpoint."""

    @field_validator("api_base")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return _check_url(v)


class DesignSpec(Record):
    """What every version is asked: the same design for all, so their scores can be compared."""

    templates: list[str] | Literal["all"] = "all"
    """``all`` or a list of prompt template names."""
    orders: list[str] = Field(default_factory=lambda: ["original", "reversed"], min_length=1)
    """Option orders (``original``, ``reversed``, ``rotated``, ``swapped`` or ``all``). The order-sensitivity
    check needs ``original`` and ``reversed``."""
    samples: int = Field(1, ge=1)
    """Repeated samples per prompt."""
    mode: Mode = "auto"
    """``auto``, ``logprobs`` or ``generate``."""
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    """Sampling temperature (generate mode)."""
    max_tokens: int = Field(32, ge=1)
    """Token budget of a generated answer, reasoning included (a reasoning model needs hundreds to thousands)."""
    reasoning_effort: ReasoningEffort | None = None
    """Passed to providers that take it (litellm's ``reasoning_effort``); left out: the provider's default."""
    prompt_format: PromptFormat = "auto"
    """``auto``, ``chat`` (the prompt as a chat message) or ``completion`` (raw text to ``/v1/completions``, for
    base models behind a server); ``auto`` chooses by provider, as ``audit --prompt-format``."""
    limit_items: int | None = Field(None, ge=1)
    """Only the first N items of each inventory (for smoke tests; leave out for real audits)."""
    personas: str | None = None
    """Persona axis, as ``audit --personas``: ``default`` (every biography of a shipped set), ``default:N`` (a
    seeded sample of N), persona ids (``default/017``), ``none``; comma list. Left out: no persona."""

    @field_validator("templates")
    @classmethod
    def _templates(cls, v: list[str] | str) -> list[str] | str:
        if isinstance(v, list) and not v:
            raise PydanticCustomError("templates", "give 'all' or at least one template name")
        return v


class Limits(Record):
    """How fast to ask; none of this changes the design or the run id."""

    concurrency: int = Field(8, ge=1)
    """Requests in flight at once."""
    rpm: float | None = Field(None, gt=0, allow_inf_nan=False)
    """At most this many requests per minute."""
    timeout: float = Field(60.0, gt=0, allow_inf_nan=False)
    """Seconds per call."""
    retries: int = Field(4, ge=0)
    """Retries per cell for 429/5xx/timeouts."""
    max_wait: float | None = Field(None, gt=0, allow_inf_nan=False)
    """Longest wait in seconds a server may ask for (Retry-After, rate-limit reset) before a version's audit
    stops; left out: 600."""
    batch: bool = False
    """Ask through the provider's batch API (``audit --batch``): half the price, answers within the provider's
    window (up to 24 h); failed or expired lines are asked again in new batches, ``retries`` rounds."""
    poll_interval: float = Field(10.0, gt=0, allow_inf_nan=False)
    """With ``batch``: seconds before the first poll of a batch (it grows by half while nothing changes)."""


class Discover(Record):
    """Versions found on an OpenAI-compatible ``/v1/models`` endpoint."""

    api_base: str
    """The endpoint, e.g. ``http://127.0.0.1:8000/v1``; ``GET {api_base}/models`` lists the models."""
    match: str = "*"
    """Shell-style glob on the model id (``fnmatch``, case-sensitive), e.g. ``assistant-*``."""
    api_key_env: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """Name of an environment variable holding a bearer token for the listing (the key itself never goes in the
    plan)."""
    timeout: float = Field(10.0, gt=0)
    """Seconds to wait for the listing."""

    @field_validator("api_base")
    @classmethod
    def _url(cls, v: str) -> str:
        return _check_url(v) or v


class Thresholds(Record):
    """How large a change must be to count as drift (and its 95% CI must exclude 0)."""

    scale_shift: float = Field(0.3, gt=0)
    """Mean scale-score change, in points of a 1–5 scale (a range of 4). Every other scale gets the same share
    of its own score range: ``scale_shift / 4 × (score_max − score_min)`` — 7.5 points on a 0–100 percent
    scenario scale at 0.3, 2.4 points on an OEJTS sum (range 32). The two fields below override that."""
    scale_shift_percent: float | None = Field(None, gt=0)
    """Threshold for percentage-scored scenario scales, in percentage points (overrides the scaled value)."""
    scale_shift_sum: float | None = Field(None, gt=0)
    """Threshold for signed-sum scales (OEJTS), in score points (overrides the scaled value)."""
    reliability_drop: float = Field(0.10, gt=0, le=1)
    """Drop of the reliability coefficient (baseline − version)."""
    reliability_coefficient: ReliabilityCoefficient = "alpha"
    """``alpha`` (Cronbach's α, Feldt interval) or ``omega`` (McDonald's ω, bootstrap interval)."""
    order_sensitivity_rise: float = Field(0.2, gt=0, le=1)
    """Rise of the share of original/reversed answer pairs that flip across the scale midpoint."""


class SchedulePlan(Record):
    """A schedule plan: audit every version of a model with one design and compare each with its baseline."""

    version: Literal[1] = SCHEDULE_PLAN_VERSION
    """Version of this file format."""
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=80)
    """Name of the plan (letters, digits, ``.``, ``_``, ``-``); the default output folder is ``reports/<name>``."""
    db: str | None = None
    """Database URL; a relative ``sqlite:///`` path is relative to the plan file's folder. Default: the
    ``--db`` option, else ``$PSYCHOMETRICS_DB``, else ``sqlite:///psychometrics.db``."""
    inventories: list[InventoryRef] = Field(min_length=1)
    """Inventory ids or YAML paths (relative paths are relative to the plan file's folder)."""
    design: DesignSpec = Field(default_factory=DesignSpec)
    """The design every version is audited with."""
    api_base: str | None = None
    """Default endpoint for listed models that do not give their own (never applied to ``sim/`` or ``local/``)."""
    models: list[ModelEntry] = Field(default_factory=list)
    """Explicit versions, oldest first: a model string or ``{model, api_base}``."""
    discover: Discover | None = None
    """Versions found on an endpoint; they come after the listed ones, ordered by ``created``, then id."""
    baseline: BaselineRule = "previous"
    """``previous``: each version against the one before it; or a model string: every other version against
    that one."""
    thresholds: Thresholds = Field(default_factory=Thresholds)
    """When a change counts as drift."""
    limits: Limits = Field(default_factory=Limits)
    """Concurrency, rate limit, timeout and retries."""

    @field_validator("models", mode="before")
    @classmethod
    def _model_strings(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [{"model": x} if isinstance(x, str) else x for x in v]
        return v

    @field_validator("api_base")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return _check_url(v)

    @field_validator("db")
    @classmethod
    def _db(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None or v.split("://", 1)[0].lower() in POSTGRES_SCHEMES:
            return v
        if is_libpq_keywords(v):
            raise PydanticCustomError("db", LIBPQ_REFUSED)
        if "://" in v and not v.startswith("sqlite:///"):
            raise PydanticCustomError("db", "unsupported database URL {url}: use sqlite:///FILE or postgresql://…",
                                      {"url": repr(v)})
        path = Path(v[len("sqlite:///"):] if v.startswith("sqlite:///") else v)
        base = (info.context or {}).get("base_dir")
        if base is not None and not path.is_absolute():
            path = Path(base) / path
        return f"sqlite:///{path}"

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> "SchedulePlan":
        problems = plan_problems(self)
        report_problems(problems, info, whole="plan")
        return self

    # -- views -------------------------------------------------------------------------------------------------

    def listed(self) -> list[ModelEntry]:
        """The listed versions with the plan's default ``api_base`` applied where an entry gives none."""
        out = []
        for entry in self.models:
            if "api_base" in entry.model_fields_set or entry.model.startswith(_CUSTOM_PREFIXES):
                out.append(entry)
            else:
                out.append(ModelEntry(model=entry.model, api_base=self.api_base))
        return out

    def design_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`psychometrics.administer.audit` for the design and limits."""
        from psychometrics.plan import persona_ids

        d, lim = self.design, self.limits
        return {
            "inventories": list(self.inventories), "templates": d.templates, "orders": list(d.orders),
            "samples": d.samples, "mode": d.mode, "temperature": d.temperature, "max_tokens": d.max_tokens,
            "reasoning_effort": d.reasoning_effort, "prompt_format": d.prompt_format,
            "limit_items": d.limit_items, "concurrency": lim.concurrency,
            "rpm": lim.rpm, "timeout": lim.timeout, "retries": lim.retries, "max_wait": lim.max_wait,
            "personas": persona_ids(d.personas), "batch": lim.batch, "batch_options": self._batch_options(),
        }

    def _batch_options(self) -> Any:
        if not self.limits.batch:
            return None
        from psychometrics.administer import BatchOptions

        interval = self.limits.poll_interval
        return BatchOptions(poll_interval=interval, max_poll_interval=max(interval, 300.0),
                            retries=self.limits.retries)


Problem = tuple[tuple[str | int, ...], str]


def plan_problems(plan: SchedulePlan) -> list[Problem]:
    """What field types cannot catch: versions to audit, duplicates, inventories and the design."""
    problems: list[Problem] = []
    if not plan.models and plan.discover is None:
        problems.append(((), "give the versions to audit: 'models', 'discover' or both"))
    seen: set[tuple[str, str | None]] = set()
    for i, entry in enumerate(plan.listed()):
        key = (entry.model, entry.api_base)
        if key in seen:
            problems.append((("models", i), f"model {entry.model!r} is listed twice"))
        seen.add(key)
    problems += _batch_problems(plan)
    if plan.baseline != "previous" and plan.discover is None and plan.baseline not in {m.model for m in plan.models}:
        problems.append((("baseline",), f"baseline {plan.baseline!r} is neither 'previous' nor a listed model"))
    from psychometrics._yamlfile import DataFileError
    from psychometrics.inventory import Inventory, load_inventory

    invs: list[Inventory] = []
    for i, name in enumerate(plan.inventories):
        try:
            invs.append(load_inventory(name))
        except DataFileError as exc:
            problems.append((("inventories", i), f"inventory {name!r} is malformed: {exc.problems[0]}"))
        except LookupError as exc:
            problems.append((("inventories", i), " ".join(str(exc).split())))
        if name in plan.inventories[:i]:
            problems.append((("inventories", i), f"inventory {name!r} is listed twice"))
    from psychometrics.plan import persona_ids

    try:
        persona_ids(plan.design.personas)
    except (LookupError, ValueError) as exc:
        problems.append((("design", "personas"), " ".join(str(exc).split())))
    if invs and len(invs) == len(plan.inventories) and len(set(plan.inventories)) == len(plan.inventories):
        from psychometrics.plan import build_plan

        d = plan.design
        try:  # a one-item, one-sample plan checks templates and orders against every inventory's kind
            build_plan(model="sim/default", inventories=invs, templates=d.templates, orders=d.orders, samples=1,
                       limit_items=1)
        except ValueError as exc:
            message = " ".join(str(exc).split())
            loc: tuple[str | int, ...] = ("design", "orders") if "order" in message else ("design", "templates")
            problems.append((loc, message))
    return problems


def _batch_problems(plan: SchedulePlan) -> list[Problem]:
    """``limits.batch`` with a listed model whose provider has no batch API (``sim/``, ``local/``, or a provider
    litellm has no batch functions for): refused here, not when its audit starts."""
    if not plan.limits.batch:
        return []
    from psychometrics.administer import BATCH_PROVIDERS

    problems: list[Problem] = []
    for i, entry in enumerate(plan.models):
        prefix = entry.model.split("/", 1)[0] if "/" in entry.model else None
        if prefix is None or prefix in BATCH_PROVIDERS:
            continue
        why = "it runs in this process" if entry.model.startswith(_CUSTOM_PREFIXES) else "litellm has none for it"
        problems.append((("models", i), f"limits.batch is true but {entry.model!r} has no batch API ({why}); batches "
                                        f"go to {', '.join(BATCH_PROVIDERS)}: drop batch or this model"))
    return problems


def load_schedule_plan(path: str | Path) -> SchedulePlan:
    """Load and validate a schedule plan file.

    Raises
    ------
    DataFileError
        The file is missing or malformed; one ``file:line: problem`` per problem.
    """
    from psychometrics._yamlfile import validate_file

    p = Path(path)
    return validate_file(SchedulePlan, p, context={"base_dir": p.resolve().parent})


_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str, *, limit: int = 60) -> str:
    """A file-name-safe form of ``text``."""
    return (_SLUG.sub("-", text).strip("-.") or "x")[:limit]
