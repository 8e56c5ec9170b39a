"""litellm, imported lazily and set up for an audit: no price-map download, no chatter, our own retries."""

from __future__ import annotations

import os
from typing import Any

_LITELLM: Any = None


def litellm() -> Any:
    """Import and configure litellm once (3–4 s: only commands that call models pay it)."""
    global _LITELLM
    if _LITELLM is None:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        os.environ.setdefault("LITELLM_LOG", "ERROR")
        import litellm as _lib

        _lib.suppress_debug_info = True
        _lib.drop_params = False
        _lib.num_retries = 0
        _lib.turn_off_message_logging = True
        from psychometrics.administer.providers import register

        register()
        _LITELLM = _lib
    return _LITELLM


def secret_values() -> list[str]:
    """Values of environment variables that look like credentials, to scrub from anything stored or shown."""
    marks = ("KEY", "TOKEN", "SECRET", "PASSWORD")
    return [v for k, v in os.environ.items() if any(m in k.upper() for m in marks) and len(v) >= 8]


def scrub(text: str | None) -> str | None:
    """Remove credential values from ``text`` (error messages can echo request headers)."""
    if not text:
        return text
    for secret in secret_values():
        if secret in text:
            text = text.replace(secret, "[redacted]")
    return text
