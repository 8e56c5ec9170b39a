"""Find model versions on an OpenAI-compatible ``/v1/models`` endpoint."""

from __future__ import annotations

import fnmatch
import json
import os
import urllib.error
import urllib.request


from psychometrics._record import Record
from psychometrics.schedule._plan import Discover, ModelEntry


class ScheduleError(ValueError):
    """The schedule cannot run: no versions, an endpoint that cannot be listed, an unknown baseline."""


class DiscoveredModel(Record):
    """One entry of the ``/v1/models`` listing that matched the plan's glob."""


    id: str
    """The model id the server gives."""
    created: int | None = None
    """The ``created`` Unix time the server gives (``None`` when absent)."""

    def entry(self, api_base: str) -> ModelEntry:
        """The version to audit: ``openai/<id>`` on ``api_base``."""
        return ModelEntry(model=f"openai/{self.id}", api_base=api_base)


def _safe(url: str) -> str:
    from psychometrics.administer import sanitize_api_base

    return sanitize_api_base(url) or url


def list_models(spec: Discover) -> list[DiscoveredModel]:
    """``GET {api_base}/models``; the models whose id matches ``spec.match``, ordered by ``created`` then id.

    A model without ``created`` sorts as if created at time 0. Raises :class:`ScheduleError` when the endpoint
    cannot be reached or does not answer with an OpenAI-style listing.
    """
    url = spec.api_base.rstrip("/") + "/models"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if spec.api_key_env:
        key = os.environ.get(spec.api_key_env)
        if not key:
            raise ScheduleError(f"discover.api_key_env: the environment variable {spec.api_key_env} is not set")
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=spec.timeout) as reply:  # noqa: S310 - http(s) checked by the plan
            body = reply.read()
    except urllib.error.HTTPError as exc:
        raise ScheduleError(f"cannot list models at {_safe(url)}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ScheduleError(f"cannot list models at {_safe(url)}: {reason}") from None
    try:
        data = json.loads(body)
        rows = data["data"]
        found = [DiscoveredModel(id=str(r["id"]), created=_int(r.get("created"))) for r in rows]
    except (ValueError, KeyError, TypeError):
        raise ScheduleError(f"{_safe(url)} did not answer with an OpenAI model listing ({{\"data\": [{{\"id\": …}}]}})") from None
    matched = [m for m in found if fnmatch.fnmatchcase(m.id, spec.match)]
    return sorted({m.id: m for m in matched}.values(), key=lambda m: (m.created or 0, m.id))


def _int(x: object) -> int | None:
    try:
        return None if x is None else int(x)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
