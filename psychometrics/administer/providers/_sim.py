r"""Simulated respondents: the ``sim/…`` litellm provider, which answers like a person with known trait levels.

The simulator gives the pipeline a ground truth: plant a trait level, run an audit, and check that scoring,
reliability and validity recover it. It needs no network and no weights and costs microseconds per answer.

Model strings
-------------
``sim/<preset>`` with optional overrides as a query string::

    sim/default
    sim/default?extraversion=1.5&noise=0.5&seed=3
    sim/biased?first_option=0.7
    sim/refuser?refusal=0.3

Presets (:data:`PRESETS`): ``default`` (every trait at 0), ``steady`` (low noise: ``noise=0.1, a=3``),
``biased`` (``first_option=0.8``), ``refuser`` (``refusal=0.5``), ``acquiescent`` (``acquiescence=1``),
``stubborn`` (like ``steady`` but ignores shaping instructions: ``steer=0``).
Parameters (:data:`PARAMETERS`, defaults in brackets):

``<trait>`` [0]
    Latent mean level of a trait, in SD units. Any name that is not a parameter below is a trait level:
    the shared names (``openness``, ``conscientiousness``, ``extraversion``, ``agreeableness``,
    ``neuroticism``, ``machiavellianism``, ``narcissism``, ``psychopathy``) or a scale id (``IE`` for the
    OEJTS). A scale's trait is ``Scale.trait`` of the cell's inventory, else the scale id; a level given for
    the scale id is used when none is given for its trait.
``spread`` [1.0]
    SD of the respondent-to-respondent variation of every trait.
``noise`` [0.5]
    SD of the answer-level jitter of the latent level (what makes items of one scale disagree).
``a`` [1.5]
    Discrimination of the graded-response model.
``span`` [3.0]
    Distance between the lowest and the highest threshold (thresholds are equally spaced, centred on 0).
``item_spread`` [0.3]
    SD of the item locations (each item's own lean, the same for every respondent and seed).
``first_option`` [0]
    Probability of picking the first shown label whatever its content.
``acquiescence`` [0]
    Shift (SD units) of every likert/bipolar answer toward the highest response values, whatever the keying.
``refusal`` [0]
    Probability that a respondent refuses an item.
``outside`` [0]
    Log-prob mode: probability put on tokens that are not labels (to exercise ``mass_outside``).
``steer`` [1]
    How far a shaping instruction (persona ``shape/<trait>/<level>``) moves the targeted trait: level 9 moves
    it ``2·steer`` SD up, level 1 ``2·steer`` SD down (see :func:`shaping_shift`); 0 = ignores shaping.
``spill`` [0]
    How far a shaping instruction moves every *other* trait, in the same units (off-target drift).
``form_shift`` [0]
    Shift (SD units) of every trait on the items of a parallel form (``Inventory.parallel_to``), not on its
    original: a respondent who answers the paraphrase or the translation as a different person would. 0 = both
    forms alike.
``rater_noise`` [0]
    As a rater of interview answers: SD (in response-scale points) of the Gaussian error added to what the rater
    reads in an answer before it is rounded to the nearest response value (see "Interviews" below).
``deterministic`` [0]
    1: at temperature 0 the samples of a prompt repeat each other exactly, as a real model's do (see
    "Temperature 0" below); 0: every sample is a respondent of its own, the simulated stand-in for more
    respondents that the test fixtures rely on.
``seed`` [0]
    Changes every respondent draw, refusal and sampled answer.

The model
---------
A *respondent* is one combination template × order × sample × persona of a cell. Its level on trait
:math:`t` is drawn once, deterministically, from a hash of the respondent, the trait and the seed (for a
shaping persona ``shape/<trait>/<level>[+<base>]``, of the respondent with the base persona instead, so the
same person is moved from level to level):

.. math::

    \theta_{r,t} = \mu_t + s_t(\text{cell}) + \text{spread}\cdot z_{r,t}, \qquad z_{r,t} = \Phi^{-1}(u(\text{seed}, r, t))

where :math:`u` maps a hash to (0, 1) and :math:`s_t` is the shift a shaping instruction in the cell's persona
asks for (:func:`shaping_shift`; 0 without one).
For each answer the level is jittered, :math:`\eta = \theta_{r,t} + \text{noise}\cdot\varepsilon_{r,i}`.
An item of a parallel form (``Inventory.parallel_to``) takes its item location and option weights from the
original item it renders, so a respondent answers both forms alike up to the answer-level jitter, which is
drawn afresh for each form; ``form_shift`` adds to :math:`\theta_{r,t}` on a form's items only.

Likert and bipolar items (graded-response model). With keying :math:`\kappa_i = -1` for reverse-keyed items
(else +1), item location :math:`\delta_i = \text{item\_spread}\cdot z_i` and :math:`K` response values
:math:`v_1 < … < v_K`, the location on the raw response scale is
:math:`\lambda = \kappa_i\eta + \delta_i + \text{acquiescence}` and

.. math::

    P(Y \ge v_k) = \sigma\big(a(\lambda - \tau_k)\big), \quad
    \tau_k = -\tfrac{\text{span}}{2} + (k-2)\tfrac{\text{span}}{K-2}, \quad k = 2…K

(:math:`\tau_2 = 0` when :math:`K = 2`), :math:`P(Y = v_k) = P(Y \ge v_k) - P(Y \ge v_{k+1})`.

Scenario items: :math:`P(\text{high option}) = \sigma\big(a(\eta + \delta_i)\big)`, shared by the item's
high options (the low options share the rest) in proportion to weights :math:`\omega_j = e^{0.5 z_j}` drawn
once per option from a hash of the item and the option number: a fixed, content-bound preference within each
pole, so that the most likely answer is the same option in every order. Acquiescence does not apply.

Response styles mix into the probability of each *shown* label :math:`\ell` (behind it the original value
``label_values[ℓ]``): :math:`p(\ell) = (1 - f)\,P(Y = v(\ell)) + f\,[\ell \text{ is shown first}]`
with :math:`f` = ``first_option``. A respondent refuses item :math:`i` when
:math:`u(\text{seed}, r, i) <` ``refusal`` (the same draw in both modes).

What it returns
---------------
Log-prob mode (``logprobs=True`` in the request): ``choices[0].logprobs.content[0].top_logprobs`` holds every
shown label with :math:`\log\big((1-\text{outside})\,p(\ell)\big)`, plus ``I`` and a newline sharing
``outside``; the content is the most likely label. A refusing respondent puts 0.97 on the token ``As`` (the
content) and the rest on the labels as above, so a refusal shows as mass outside the labels.

Generate mode: a label drawn from :math:`p` with a hash of the cell id and the seed, written in one of several
formats (``3``, ``B) <option text>``, ``**4**``, ``I'd say 2 - Disagree a little``…) chosen the same way, or a
refusal text (``As an AI, I don't have personal opinions.``). A respondent samples from its own answer
distribution; the same cell and sim string always give the same answer.

Temperature 0 with ``deterministic=1`` (log-prob mode always asks for temperature 0; generate mode with
``--temperature 0``): the repeats of a prompt are not new respondents, as with a real model whose computation at
temperature 0 is the same every time. The sample number is left out of every draw (:func:`deterministic_cell`),
so ``--samples 3`` gives three identical copies of each template × order × persona respondent, which the scorer
collapses to one (effective n). A request with a temperature above 0 (or none given, as an API's default of 1)
makes samples differ. Without ``deterministic=1`` every sample is its own respondent at any temperature.

Interviews
----------
An interview question (a cell with ``role="question"``) is answered with a sentence that says how far the
item describes the respondent: the value :math:`v` drawn as in generate mode (:func:`interview_value`, the same
graded-response model, keying and response styles included, first-option bias excepted) is written as the
:data:`AGREEMENT` sentence of its place on the response scale (for five points, one sentence each). A refusing
respondent replies with a refusal text.

As a rater (a cell with ``role="rating"``), the sim reads the answer back from the text of the rater's prompt:
the :data:`AGREEMENT` sentence it finds gives the point :math:`j` of the scale (0…K−1); it reports the point
:math:`\operatorname{clip}(\operatorname{round}(j + \text{rater\_noise}\cdot\varepsilon), 0, K-1)` with
:math:`\varepsilon \sim N(0, 1)` drawn from a hash of the whole rater model string, the answer cell and the
repeat (two rater strings err independently), as ``Rating: <label>``. It refuses with probability ``refusal``,
and says it cannot tell when the prompt holds no sentence it knows (a real model's answer).
With a respondent's true points :math:`j_i` the rating is :math:`R = \operatorname{clip}(\operatorname{round}
(j + \sigma\varepsilon))`; two raters agree, in the population, with
:math:`\rho = \operatorname{Var}(E[R\mid j]) / (\operatorname{Var}(E[R\mid j]) + E[\operatorname{Var}(R\mid j)])`,
which is :math:`\operatorname{Var}(j) / (\operatorname{Var}(j) + \sigma^2)` when rounding and the ends of the
scale do not bite.

What the caller passes
----------------------
``litellm.acompletion(model="sim/…", messages=[{"role": "user", "content": cell.prompt}],
metadata={"psychometrics_cell": cell.model_dump(mode="json")}, …)``. litellm hands ``metadata`` to the provider
in ``litellm_params["metadata"]`` and ``logprobs``/``top_logprobs``/``max_tokens``/``seed`` in
``optional_params``. The sim needs the cell fields ``inventory``, ``item``, ``labels``, ``label_values``
(``option_texts``, ``template``, ``order``, ``sample``, ``persona`` and ``cell_id`` when present); the prompt
itself may be left out of the metadata. Shipped inventories are found by id; an inventory loaded from a user's
file must be made known first with :func:`register_inventory`.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import NormalDist
from typing import Any, Mapping
from urllib.parse import parse_qsl

from psychometrics._format import did_you_mean

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from litellm import CustomLLM  # noqa: E402
from litellm.llms.custom_llm import CustomLLMError  # noqa: E402
from litellm.types.utils import ChatCompletionTokenLogprob, ChoiceLogprobs, TopLogprob, Usage  # noqa: E402

PROVIDER = "sim"

TRAITS = (
    "openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism",
    "machiavellianism", "narcissism", "psychopathy",
)
"""The trait names shared across instruments (any other name is taken as a scale id)."""

PARAMETERS: dict[str, float] = {
    "spread": 1.0,
    "noise": 0.5,
    "a": 1.5,
    "span": 3.0,
    "item_spread": 0.3,
    "first_option": 0.0,
    "acquiescence": 0.0,
    "refusal": 0.0,
    "outside": 0.0,
    "steer": 1.0,
    "spill": 0.0,
    "form_shift": 0.0,
    "rater_noise": 0.0,
    "deterministic": 0.0,
    "seed": 0.0,
}
"""Every parameter that is not a trait level, with its default."""

PRESETS: dict[str, dict[str, float]] = {
    "default": {},
    "steady": {"noise": 0.1, "a": 3.0},
    "biased": {"first_option": 0.8},
    "refuser": {"refusal": 0.5},
    "acquiescent": {"acquiescence": 1.0},
    "stubborn": {"noise": 0.1, "a": 3.0, "steer": 0.0},
}
"""Named starting points; a query string overrides any of their values."""

REFUSALS = (
    "As an AI, I don't have personal opinions.",
    "As an AI language model, I don't have personal experiences or feelings, so I can't rate that statement.",
    "I'm sorry, but I can't answer that: I don't have a personality of my own.",
    "As an AI, I do not have personal traits to describe.",
)
"""Texts a refusing respondent replies with in generate mode."""

REFUSAL_TOKEN = "As"
_REFUSAL_MASS = 0.97
_PROBABILITIES = ("first_option", "refusal", "outside")
_NORMAL = NormalDist()


class SimError(ValueError):
    """A malformed sim model string or a request the sim cannot answer."""


@dataclass(frozen=True)
class SimParams:
    """The parsed ``sim/…`` model string."""

    preset: str
    traits: Mapping[str, float] = field(default_factory=dict)
    spread: float = 1.0
    noise: float = 0.5
    a: float = 1.5
    span: float = 3.0
    item_spread: float = 0.3
    first_option: float = 0.0
    acquiescence: float = 0.0
    refusal: float = 0.0
    outside: float = 0.0
    steer: float = 1.0
    spill: float = 0.0
    form_shift: float = 0.0
    rater_noise: float = 0.0
    deterministic: float = 0.0
    seed: int = 0

    def level(self, trait: str, scale: str) -> float:
        """Latent mean of ``trait`` (falling back to a level given for the scale id, then 0)."""
        if trait in self.traits:
            return self.traits[trait]
        return self.traits.get(scale, 0.0)


@lru_cache(maxsize=256)
def parse_model(model: str) -> SimParams:
    """Parse ``<preset>[?name=value&…]`` (the part after ``sim/``) into :class:`SimParams`.

    Raises
    ------
    SimError
        Unknown preset, a value that is not a number, or a probability outside [0, 1].
    """
    text = model[len(PROVIDER) + 1:] if model.startswith(PROVIDER + "/") else model
    preset, _, query = text.partition("?")
    preset = preset or "default"
    if preset not in PRESETS:
        raise SimError(f"unknown sim preset {preset!r}{did_you_mean(preset, PRESETS)} (valid: {', '.join(PRESETS)})")
    values: dict[str, float] = dict(PARAMETERS)
    values.update(PRESETS[preset])
    traits: dict[str, float] = {}
    for name, raw in parse_qsl(query, keep_blank_values=True):
        try:
            number = float(raw)
        except ValueError:
            raise SimError(f"sim parameter {name}={raw!r} is not a number") from None
        if not math.isfinite(number):
            raise SimError(f"sim parameter {name}={raw!r} is not a finite number")
        if name in PARAMETERS:
            values[name] = number
        elif name and (name[0].isalpha() or name[0] == "_"):
            traits[name] = number
        else:
            raise SimError(f"sim parameter name {name!r} is not a parameter ({', '.join(PARAMETERS)}) "
                           "nor a trait or scale id")
    for name in _PROBABILITIES:
        if not 0.0 <= values[name] <= 1.0:
            raise SimError(f"sim parameter {name}={values[name]} must lie in [0, 1]")
    for name in ("spread", "noise", "item_spread", "span", "rater_noise"):
        if values[name] < 0:
            raise SimError(f"sim parameter {name}={values[name]} must not be negative")
    if values["seed"] != int(values["seed"]):
        raise SimError(f"sim parameter seed={values['seed']} must be a whole number")
    seed = int(values.pop("seed"))
    return SimParams(preset=preset, traits=traits, seed=seed, **values)


# Deterministic randomness ------------------------------------------------------------------------------------

def _uniform(*parts: object) -> float:
    """A number in (0, 1) determined by ``parts`` (BLAKE2b of their text)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 0.5) / 2.0**64


def _normal(*parts: object) -> float:
    return _NORMAL.inv_cdf(_uniform(*parts))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# Items -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _ItemInfo:
    kind: str
    trait: str
    scale: str
    sign: float
    """+1, or −1 for a reverse-keyed likert/bipolar item."""
    values: tuple[int, ...]
    """Likert/bipolar: the response values in increasing order; scenario: option numbers 1…n."""
    high: tuple[bool, ...]
    """Scenario: whether option n expresses the high trait level."""
    share: tuple[float, ...]
    """Scenario: option n's share of its pole's probability (the within-pole preference)."""
    location: float
    """Standard-normal draw for the item's location (scaled by ``item_spread``)."""
    form: bool = False
    """The item belongs to a parallel form (``form_shift`` applies)."""


_INVENTORIES: dict[str, Any] = {}


def register_inventory(inventory: Any) -> None:
    """Make an :class:`~psychometrics.inventory.Inventory` that is not shipped (a user file) known to the sim.

    Cells name their inventory by id; the sim finds shipped inventories by id itself, and any other by this
    registry (a runner calls it for every inventory of a plan).
    """
    _INVENTORIES[inventory.id] = inventory
    _item_info.cache_clear()


@lru_cache(maxsize=None)
def _item_info(inventory: str, item_id: str) -> _ItemInfo:
    from psychometrics.inventory import ScenarioItem, load_inventory

    inv = _INVENTORIES.get(inventory) or load_inventory(inventory)
    item = inv.item(item_id)
    scale = inv.scale(item.scale)
    trait = scale.trait or scale.id
    # An item of a parallel form is its original item in other words: same location, same option preferences.
    anchor = (inv.original_id, item.parallel_item) if inv.original_id else (inv.id, item.id)
    location = _normal("item", *anchor)
    if isinstance(item, ScenarioItem):
        high = tuple(o.high for o in item.options)
        weight = [math.exp(0.5 * _normal("option", *anchor, n)) for n in range(1, len(high) + 1)]
        pole = {h: sum(w for w, hh in zip(weight, high) if hh == h) for h in (True, False)}
        return _ItemInfo(kind="scenario", trait=trait, scale=scale.id, sign=1.0,
                         values=tuple(range(1, len(high) + 1)), high=high,
                         share=tuple(w / pole[h] for w, h in zip(weight, high)), location=location,
                         form=inv.original_id is not None)
    return _ItemInfo(kind=inv.kind, trait=trait, scale=scale.id, sign=-1.0 if item.reverse else 1.0,
                     values=tuple(sorted(inv.values)), high=(), share=(), location=location,
                     form=inv.original_id is not None)


# The respondent ----------------------------------------------------------------------------------------------

SHAPING_RANGE = 2.0
"""SD units the latent level of the targeted trait moves at level 1 or 9 when ``steer`` = 1."""


def shaping_shift(cell: Mapping[str, Any], trait: str, params: SimParams) -> float:
    """How far the cell's shaping instruction moves the latent mean of ``trait`` (SD units).

    The instruction is read from the cell's ``persona`` id, ``shape/<trait>/<level>[+<persona>]`` (see
    :func:`psychometrics.plan.parse_shaping_id`); any other persona (``default/017``, none) moves nothing — a
    biography persona acts only through its own respondent draw. With :math:`L` the level (1–9):

    .. math::

        s_t = \\text{steer}\\cdot 2\\,\\tfrac{L - 5}{4} \\text{ for the targeted trait},\\qquad
        s_u = \\text{spill}\\cdot 2\\,\\tfrac{L - 5}{4} \\text{ for every other trait } u

    so level 9 moves the targeted trait up 2 SD (level 1 down 2 SD) when ``steer`` = 1 (``sim/stubborn``:
    ``steer`` = 0, nothing moves), and ``spill`` > 0 drags the other traits along (off-target drift). Every
    answer follows, in both modes, because :func:`value_probabilities` adds this shift to the respondent's
    mean level.
    """
    persona = cell.get("persona")
    if not isinstance(persona, str) or not persona.startswith("shape/"):
        return 0.0
    from psychometrics.plan import parse_shaping_id

    target = parse_shaping_id(persona)
    if target is None:
        return 0.0
    step = SHAPING_RANGE * (target.level - 5) / 4
    return (params.steer if target.trait == trait else params.spill) * step


def _respondent(cell: Mapping[str, Any]) -> tuple[object, ...]:
    return (cell.get("template"), cell.get("order"), cell.get("sample"), cell.get("persona"))


def _person(cell: Mapping[str, Any]) -> tuple[object, ...]:
    """Whose latent levels these are: the respondent without the shaping instruction.

    A shaping persona ``shape/<trait>/<level>[+<base>]`` moves the same simulated person at every level, so the
    respondent-level draw is keyed by the base persona (``default/017``, or none); the answer-level jitter and
    refusals stay keyed by the full respondent.
    """
    persona = cell.get("persona")
    if isinstance(persona, str) and persona.startswith("shape/"):
        from psychometrics.plan import parse_shaping_id

        target = parse_shaping_id(persona)
        if target is not None:
            persona = target.base
    return (cell.get("template"), cell.get("order"), cell.get("sample"), persona)


def _refuses(params: SimParams, respondent: tuple[object, ...], info_key: tuple[str, str]) -> bool:
    if params.refusal <= 0.0:
        return False
    return _uniform("refuse", params.seed, *respondent, *info_key) < params.refusal


def value_probabilities(params: SimParams, cell: Mapping[str, Any]) -> dict[int, float]:
    """The respondent's probability of each original response value (before response styles)."""
    inventory, item = str(cell["inventory"]), str(cell["item"])
    info = _item_info(inventory, item)
    respondent = _respondent(cell)
    theta = (params.level(info.trait, info.scale) + shaping_shift(cell, info.trait, params)
             + params.spread * _normal("respondent", params.seed, *_person(cell), info.trait)
             + (params.form_shift if info.form else 0.0))
    eta = theta + params.noise * _normal("answer", params.seed, *respondent, inventory, item)
    location = params.item_spread * info.location
    if info.kind == "scenario":
        p_high = _sigmoid(params.a * (eta + location))
        return {v: (p_high if h else 1.0 - p_high) * w for v, h, w in zip(info.values, info.high, info.share)}
    lam = info.sign * eta + location + params.acquiescence
    k = len(info.values)
    if k == 2:
        taus: list[float] = [0.0]
    else:
        step = params.span / (k - 2)
        taus = [-params.span / 2 + j * step for j in range(k - 1)]
    at_least = [1.0] + [_sigmoid(params.a * (lam - tau)) for tau in taus] + [0.0]
    return {v: max(at_least[j] - at_least[j + 1], 0.0) for j, v in enumerate(info.values)}


def label_probabilities(params: SimParams, cell: Mapping[str, Any]) -> list[float]:
    """Probability of each shown label (in shown order), response styles mixed in."""
    probs = value_probabilities(params, cell)
    labels = list(cell["labels"])
    shown = [probs.get(int(v), 0.0) for v in cell["label_values"]]
    if len(shown) != len(labels):
        raise SimError("the cell's labels and label_values differ in length")
    total = sum(shown) or 1.0
    f = params.first_option
    return [(1.0 - f) * p / total + (f if j == 0 else 0.0) for j, p in enumerate(shown)]


# Replies -----------------------------------------------------------------------------------------------------

_FORMATS_PLAIN = ("{label}", "**{label}**", "Answer: {label}", "My answer is {label}.", "{label}.")
_FORMATS_TEXT = ("{label}) {text}", "I'd say {label} - {text}", "{label}. {text}", "**{label}** ({text})")


def _log(p: float) -> float:
    return math.log(p) if p > 1e-300 else -690.0


@dataclass
class SimReply:
    content: str
    top_logprobs: list[tuple[str, float]] | None
    """Log-prob mode: (token, logprob) pairs, most likely first."""
    refused: bool


def answer(params: SimParams, cell: Mapping[str, Any], *, logprobs: bool) -> SimReply:
    """The sim's reply to one cell: top log-probabilities (log-prob mode) or a text (generate mode)."""
    for key in ("inventory", "item", "labels", "label_values"):
        if key not in cell:
            raise SimError(f"the cell metadata lacks {key!r}")
    respondent = _respondent(cell)
    refused = _refuses(params, respondent, (str(cell["inventory"]), str(cell["item"])))
    probs = label_probabilities(params, cell)
    labels = [str(x) for x in cell["labels"]]
    if logprobs:
        refuse_mass = _REFUSAL_MASS if refused else 0.0
        keep = (1.0 - refuse_mass) * (1.0 - params.outside)
        top = [(lab, _log(keep * p)) for lab, p in zip(labels, probs)]
        if refused:
            top.append((REFUSAL_TOKEN, math.log(refuse_mass)))
        rest = (1.0 - refuse_mass) * params.outside
        if rest > 0:
            top += [("I", math.log(0.6 * rest)), ("\n", math.log(0.4 * rest))]
        top.sort(key=lambda t: -t[1])
        return SimReply(content=top[0][0], top_logprobs=top, refused=refused)
    key = cell.get("cell_id") or (*respondent, cell["inventory"], cell["item"], tuple(cell["label_values"]))
    if refused:
        text = REFUSALS[int(_uniform("refusal-text", params.seed, key) * len(REFUSALS))]
        return SimReply(content=text, top_logprobs=None, refused=True)
    u = _uniform("generate", params.seed, key)
    chosen, acc = len(probs) - 1, 0.0
    for j, p in enumerate(probs):
        acc += p
        if u < acc:
            chosen = j
            break
    texts = list(cell.get("option_texts") or [])
    text = str(texts[chosen]) if chosen < len(texts) else ""
    formats = _FORMATS_PLAIN + (_FORMATS_TEXT if text else ())
    fmt = formats[int(_uniform("format", params.seed, key) * len(formats))]
    return SimReply(content=fmt.format(label=labels[chosen], text=text), top_logprobs=None, refused=False)


# Interviews --------------------------------------------------------------------------------------------------

AGREEMENT = (
    "No, that is not me at all; I would say the opposite about myself.",
    "Mostly not; that is rarely true of me.",
    "Partly; I am somewhere in the middle on this.",
    "Yes, mostly; that is often true of me.",
    "Yes, absolutely; that describes me exactly.",
)
"""What a simulated respondent says in an interview, from the lowest point of the response scale to the highest
(a scale of K points uses the sentence nearest to each point's relative place)."""
UNREADABLE = "I cannot tell from this answer."


def _sentence_index(point: int, k: int) -> int:
    return round(point * (len(AGREEMENT) - 1) / (k - 1)) if k > 1 else 0


def interview_value(params: SimParams, cell: Mapping[str, Any]) -> int:
    """The response value a simulated respondent expresses in its interview answer to the cell's item."""
    probs = value_probabilities(params, cell)
    u = _uniform("interview", params.seed, cell.get("cell_id") or _respondent(cell), cell["inventory"], cell["item"])
    acc = 0.0
    values = sorted(probs)
    for v in values:
        acc += probs[v]
        if u < acc:
            return v
    return values[-1]


def planted_level(params: SimParams, cell: Mapping[str, Any]) -> float:
    """The latent level :math:`\theta_{r,t}` of the cell's respondent on the trait of the cell's item (SD units,
    before the answer-level jitter): the truth an interview or an audit should recover."""
    info = _item_info(str(cell["inventory"]), str(cell["item"]))
    return (params.level(info.trait, info.scale) + shaping_shift(cell, info.trait, params)
            + params.spread * _normal("respondent", params.seed, *_person(cell), info.trait)
            + (params.form_shift if info.form else 0.0))


def interview_answer(params: SimParams, cell: Mapping[str, Any]) -> SimReply:
    """The sim's free-text answer to an interview question."""
    if _refuses(params, _respondent(cell), (str(cell["inventory"]), str(cell["item"]))):
        return SimReply(content=REFUSALS[int(_uniform("refusal-text", params.seed, cell.get("cell_id")) * len(REFUSALS))],
                        top_logprobs=None, refused=True)
    values = _item_info(str(cell["inventory"]), str(cell["item"])).values
    point = values.index(interview_value(params, cell))
    return SimReply(content=AGREEMENT[_sentence_index(point, len(values))], top_logprobs=None, refused=False)


def rate_answer(params: SimParams, model: str, cell: Mapping[str, Any], prompt: str) -> SimReply:
    """The sim's rating of the interview answer shown in ``prompt`` (see "Interviews" above)."""
    labels = [str(x) for x in cell["labels"]]
    values = [int(v) for v in cell["label_values"]]
    key = (model, cell.get("rates"), cell.get("sample"))
    if params.refusal > 0 and _uniform("rater-refuses", *key) < params.refusal:
        return SimReply(content=REFUSALS[0], top_logprobs=None, refused=True)
    k = len(values)
    found = [j for j in range(k) if AGREEMENT[_sentence_index(j, k)] in prompt]
    if not found:
        return SimReply(content=UNREADABLE, top_logprobs=None, refused=False)
    ranked = sorted(range(k), key=lambda i: values[i])  # scale points, lowest value first
    read = found[0]
    point = min(k - 1, max(0, round(read + params.rater_noise * _normal("rater", *key))))
    return SimReply(content=f"Rating: {labels[ranked[point]]}", top_logprobs=None, refused=False)


# litellm glue ------------------------------------------------------------------------------------------------

def metadata_value(litellm_params: Mapping[str, Any] | None, optional_params: Mapping[str, Any] | None,
                   name: str) -> Any:
    """The value the caller put in ``metadata[name]`` (None when absent)."""
    for source in (litellm_params or {}, optional_params or {}):
        for key in ("metadata", "litellm_metadata"):
            meta = source.get(key) if isinstance(source, Mapping) else None
            if isinstance(meta, Mapping) and meta.get(name) is not None:
                return meta[name]
    return None


def cell_from_params(litellm_params: Mapping[str, Any] | None, optional_params: Mapping[str, Any] | None) -> Any:
    """The ``psychometrics_cell`` dict the caller put in ``metadata`` (None when absent)."""
    cell = metadata_value(litellm_params, optional_params, "psychometrics_cell")
    return cell if isinstance(cell, Mapping) else None


def prompt_text(messages: list[Any]) -> str:
    """The text of the last user message (the cell's prompt)."""
    for message in reversed(messages or []):
        role = message.get("role") if isinstance(message, Mapping) else getattr(message, "role", None)
        if role == "user":
            content = message.get("content") if isinstance(message, Mapping) else getattr(message, "content", "")
            if isinstance(content, list):  # OpenAI content parts
                return "".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
            return str(content or "")
    return ""


def fill_response(model_response: Any, *, model: str, content: str, top: list[tuple[str, float]] | None,
                  prompt_tokens: int, completion_tokens: int, finish_reason: str = "stop",
                  positions: list[tuple[str, list[tuple[str, float]]]] | None = None) -> Any:
    """Write an OpenAI-shaped answer into litellm's ``ModelResponse`` (shared by both providers).

    ``top`` is the top log-probabilities of a one-token reply (its token is ``content``); ``positions`` instead
    gives every token of a longer reply with the top log-probabilities at its position (``(token, top)``).
    """
    choice = model_response.choices[0]
    choice.message.content = content
    choice.finish_reason = finish_reason
    if positions is None and top is not None:
        positions = [(content, top)]
    if positions is not None:
        choice.logprobs = ChoiceLogprobs(content=[ChatCompletionTokenLogprob(
            token=token, logprob=dict(here).get(token, here[0][1] if here else 0.0), bytes=list(token.encode()),
            top_logprobs=[TopLogprob(token=t, logprob=lp, bytes=list(t.encode())) for t, lp in here],
        ) for token, here in positions])
    model_response.model = model
    model_response.usage = Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                                 total_tokens=prompt_tokens + completion_tokens)
    hidden = getattr(model_response, "_hidden_params", None)
    if isinstance(hidden, dict):
        hidden["response_cost"] = 0.0
    return model_response


def at_temperature_zero(optional_params: Mapping[str, Any] | None) -> bool:
    """Whether the request asks for temperature 0 explicitly (log-prob mode always does). A request without a
    temperature samples, as an API's default temperature (1) does."""
    temperature = (optional_params or {}).get("temperature")
    try:
        return temperature is not None and float(temperature) == 0.0
    except (TypeError, ValueError):
        return False


def deterministic_cell(cell: Mapping[str, Any]) -> dict[str, Any]:
    """The cell as a model at temperature 0 sees it: its sample number makes no difference.

    A real model at temperature 0 returns the same computation for every repeat of a prompt, so the repeats
    (samples) of one template × order × persona are one respondent: the same latent levels, the same jitter and
    the same answer. The sample (and the cell id, which contains it) is dropped from every draw."""
    return {**cell, "sample": 0, "cell_id": None}


class SimProvider(CustomLLM):
    """litellm custom provider for ``sim/<preset>[?name=value&…]``."""

    def completion(self, model: str, messages: list, api_base: str, custom_prompt_dict: dict,  # type: ignore[override]
                   model_response: Any, print_verbose: Any, encoding: Any, api_key: Any, logging_obj: Any,
                   optional_params: dict, acompletion: Any = None, litellm_params: Any = None,
                   logger_fn: Any = None, headers: Any = None, timeout: Any = None, client: Any = None) -> Any:
        try:
            params = parse_model(model)
            cell = cell_from_params(litellm_params, optional_params)
            if cell is None:
                raise SimError("the sim provider needs the cell: pass "
                               "metadata={'psychometrics_cell': cell.model_dump(mode='json')}")
            role = cell.get("role", "item")
            if role == "item" and params.deterministic and at_temperature_zero(optional_params):
                cell = deterministic_cell(cell)
            if role == "question":
                reply = interview_answer(params, cell)
            elif role == "rating":
                reply = rate_answer(params, model, cell, prompt_text(messages))
            else:
                reply = answer(params, cell, logprobs=bool(optional_params.get("logprobs")))
        except (SimError, KeyError, LookupError, ValueError) as exc:
            raise CustomLLMError(status_code=400, message=f"sim: {' '.join(str(exc).split())}") from exc
        prompt = prompt_text(messages) or str(cell.get("prompt", ""))
        completion_tokens = 1 if reply.top_logprobs is not None else max(1, len(reply.content) // 4)
        return fill_response(model_response, model=f"{PROVIDER}/{model}", content=reply.content,
                             top=reply.top_logprobs, prompt_tokens=max(1, len(prompt) // 4),
                             completion_tokens=completion_tokens)

    async def acompletion(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self.completion(*args, **kwargs)
