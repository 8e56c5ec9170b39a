"""The project's own litellm providers: ``sim/…`` (simulated respondents) and ``local/…`` (the embedded model).

Call :func:`register` once before ``litellm.acompletion``; it is idempotent. Importing this package is cheap:
litellm is imported by :func:`register` (and the provider modules), llama_cpp only on the first ``local/`` call.

What a caller passes (both providers)::

    await litellm.acompletion(
        model="sim/default",                      # or "local/gemma-3-270m", "local/smollm2-135m-instruct"
        messages=[{"role": "user", "content": cell.prompt}],
        metadata={"psychometrics_cell": cell.model_dump(mode="json"),    # the prompt may be excluded
                  "psychometrics_prompt_format": "chat"},                # local/: "completion" skips a chat template
        max_tokens=3, temperature=0, logprobs=True, top_logprobs=20,     # log-prob mode
        # or: max_tokens=32, temperature=T, seed=cell.sample             # generate mode
    )

litellm hands ``metadata`` to a custom provider as ``litellm_params["metadata"]`` and ``logprobs``,
``top_logprobs``, ``max_tokens``, ``temperature`` and ``seed`` as ``optional_params``. A reply carries
``choices[0].message.content``, ``choices[0].logprobs.content[0].top_logprobs`` (log-prob mode: every shown
label, with the label text as its token, plus the most likely other tokens), ``usage`` and
``_hidden_params["response_cost"] == 0.0``. Configuration errors (unknown preset, missing cell metadata,
missing ``local`` extra) are raised with ``status_code`` 400 so that a runner does not retry them.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["LOCAL_MODELS", "PROVIDERS", "check_model", "register", "register_inventory"]

PROVIDERS = ("sim", "local")
"""The provider prefixes registered with litellm."""

LOCAL_MODELS = ("gemma-3-270m", "smollm2-135m-instruct")
"""Models the ``local/`` provider embeds: Gemma 3 270M (a base model, the default) and SmolLM2-135M-Instruct (a
chat model); see :mod:`psychometrics.administer.providers._local`."""


def register() -> None:
    """Register the ``sim`` and ``local`` providers in ``litellm.custom_provider_map`` (idempotent).

    A provider name that is already registered (by an earlier call, or by the caller with its own handler) is
    left as it is.
    """
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm
    from litellm.utils import custom_llm_setup

    from psychometrics.administer.providers._local import LocalProvider
    from psychometrics.administer.providers._sim import SimProvider

    handlers: dict[str, Any] = {"sim": SimProvider, "local": LocalProvider}
    present = {entry.get("provider") for entry in litellm.custom_provider_map}
    for name, factory in handlers.items():
        if name not in present:
            litellm.custom_provider_map.append({"provider": name, "custom_handler": factory()})
    custom_llm_setup()


def check_model(model: str) -> None:
    """Check a ``sim/…`` or ``local/…`` model string before anything is asked (its preset or embedded model name
    and every setting), so that a typo fails at once rather than as one stored error per cell.

    Raises
    ------
    ValueError
        The provider's own message: the unknown name with the valid ones (and the nearest, if one is close), or
        the malformed setting.
    """
    prefix = model.split("/", 1)[0]
    if prefix == "sim":
        from psychometrics.administer.providers._sim import parse_model
    elif prefix == "local":
        from psychometrics.administer.providers._local import parse_model  # type: ignore[assignment]
    else:
        raise ValueError(f"{model!r} is not a sim/ or local/ model")
    parse_model(model)


def register_inventory(inventory: Any) -> None:
    """Make a non-shipped inventory (loaded from a user's file) known to the ``sim`` provider by its id.

    The sim looks items up by the cell's ``inventory`` id; shipped ids it loads itself. A runner calls this for
    every inventory of a plan (harmless for shipped ones).
    """
    from psychometrics.administer.providers._sim import register_inventory as _register

    _register(inventory)
