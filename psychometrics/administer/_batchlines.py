"""The lines of a provider batch: cells → JSONL request lines, split by the provider's limits; output and error
lines → the same :class:`~psychometrics.store.Response` records the synchronous path stores.

A request line is OpenAI's batch format (``{"custom_id", "method", "url", "body"}``), which litellm's files and
batches functions take for every provider they support; ``custom_id`` is the cell id. The body is what litellm
would send for the cell synchronously (rendered by litellm's ``return_raw_request``, as on the fast path), so a
batch asks exactly what the synchronous path asks.

An output line's body is read as the fast path reads a reply (a plain answer directly, with litellm's
``extract_reasoning_content``; anything else by litellm's ``convert_to_model_response_object``) and then by
:func:`~psychometrics.administer._call.response_from_reply` (the same answer parser, log-prob reading and
statuses); its cost is litellm's ``batch_cost_calculator`` (the provider's batch price where litellm's price
map lists one, else half the synchronous price).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from psychometrics.administer._call import (
    CallOptions,
    NoLogprobs,
    error_response,
    generation_params,
    no_logprobs_reason,
    response_from_reply,
)
from psychometrics.administer._fastpath import _light
from psychometrics.administer._litellm import litellm
from psychometrics.plan import Cell
from psychometrics.store import AnswerMode, Response

ENDPOINT = "/v1/chat/completions"


@dataclass(frozen=True)
class BatchLimits:
    """How much one batch may hold."""

    max_lines: int
    """Request lines per batch (per input file)."""
    max_bytes: int
    """Bytes of the JSONL input file."""


MB = 1024 * 1024
BATCH_LIMITS: dict[str, BatchLimits] = {
    "openai": BatchLimits(50_000, 200 * MB),
    "azure": BatchLimits(100_000, 200 * MB),
}
"""Per provider (litellm's name): OpenAI's Batch API takes up to 50,000 requests in an input file of up to
200 MB; Azure OpenAI's global batch up to 100,000 requests in 200 MB. Every other provider gets OpenAI's limits
(:data:`DEFAULT_LIMITS`); ``--batch-max-lines`` / ``--batch-max-bytes`` set others."""
DEFAULT_LIMITS = BATCH_LIMITS["openai"]


def limits_for(provider: str, max_lines: int | None = None, max_bytes: int | None = None) -> BatchLimits:
    base = BATCH_LIMITS.get(provider, DEFAULT_LIMITS)
    return BatchLimits(max_lines or base.max_lines, max_bytes or base.max_bytes)


class LineTooLarge(ValueError):
    """One request line is larger than a whole batch may be."""


def line_body(opts: CallOptions, mode: AnswerMode) -> dict[str, Any]:
    """The request body of ``mode`` without messages (and with the seed of sample 0), as litellm renders it."""
    params = generation_params(mode, opts.settings, 0)
    bare = opts.model.split("/", 1)[1] if "/" in opts.model else opts.model
    try:
        from litellm.types.utils import CallTypes
        from litellm.utils import return_raw_request

        litellm()
        raw = return_raw_request(CallTypes.completion, {
            "model": opts.model, "messages": [{"role": "user", "content": "x"}], "num_retries": 0,
            **({"api_base": opts.api_base} if opts.api_base else {}),
            **({"api_key": opts.api_key} if opts.api_key else {}), **params})
        body = dict(raw["raw_request_body"])
        body.update(body.pop("extra_body", None) or {})  # the OpenAI SDK merges extra_body into the JSON body
        body.pop("messages")
        return body
    except Exception:  # noqa: BLE001 - litellm cannot render it offline: the OpenAI parameters as they are
        return {"model": bare, **params}


def request_line(cell: Cell, body: dict[str, Any]) -> bytes:
    """One JSONL line (with its newline) asking ``cell``."""
    full = {**body, "messages": [{"role": "user", "content": cell.prompt}]}
    if "seed" in body:
        full["seed"] = cell.sample
    return (json.dumps({"custom_id": cell.cell_id, "method": "POST", "url": ENDPOINT, "body": full}) + "\n").encode()


def split_lines(lines: Iterable[tuple[Cell, bytes]], limits: BatchLimits) -> list[list[tuple[Cell, bytes]]]:
    """Consecutive groups of lines, each within ``limits`` (lines and bytes).

    Raises
    ------
    LineTooLarge
        A single line is larger than ``limits.max_bytes``.
    """
    groups: list[list[tuple[Cell, bytes]]] = []
    current: list[tuple[Cell, bytes]] = []
    size = 0
    for cell, line in lines:
        if len(line) > limits.max_bytes:
            raise LineTooLarge(f"the request line of cell {cell.cell_id} is {len(line)} bytes, more than a batch "
                               f"may hold ({limits.max_bytes} bytes)")
        if current and (len(current) >= limits.max_lines or size + len(line) > limits.max_bytes):
            groups.append(current)
            current, size = [], 0
        current.append((cell, line))
        size += len(line)
    if current:
        groups.append(current)
    return groups


@dataclass
class LineResult:
    response: Response
    no_logprobs: bool = False
    """Log-prob mode and the reply had none: in ``auto`` mode the cell is asked again generating a reply."""


_CUSTOM_ID = re.compile(rb'"custom_id"\s*:\s*"([^"\\]+)"')


@dataclass
class FileLines:
    """The lines of one output or error file."""

    entries: dict[str, dict[str, Any]]
    """Readable lines by ``custom_id``; each also holds ``_where``: ``"batch output line 17"``."""
    broken: dict[str, str]
    """custom_id → why its line could not be read, for lines that are not JSON but still name their cell."""
    unreadable: list[int]
    """Numbers (1-based) of the lines that could not be read at all, not even the cell they are for."""


def read_lines(content: bytes, kind: str = "output") -> FileLines:
    """The lines of an output (``kind="output"``) or error file: readable ones by ``custom_id``, lines that are not
    JSON by the ``custom_id`` they still name (found by its JSON key), and the numbers of lines naming none."""
    lines = FileLines({}, {}, [])
    for number, raw in enumerate(content.splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"batch {kind} line {number}"
        try:
            entry = json.loads(raw)
            lines.entries[str(entry["custom_id"])] = {**entry, "_where": where}
            continue
        except ValueError:
            why = f"{where} is not JSON"
        except (KeyError, TypeError):
            why = f"{where} has no custom_id"
        found = _CUSTOM_ID.search(raw)
        if found:
            lines.broken[found.group(1).decode(errors="replace")] = why
        else:
            lines.unreadable.append(number)
    return lines


def _error_text(entry: dict[str, Any]) -> str:
    """Why the provider did not answer a line, in its own words."""
    error = entry.get("error")
    if isinstance(error, dict) and error.get("code") == "batch_expired":
        return "batch expired before this line ran (batch_expired)"
    if isinstance(error, dict):
        return f"batch line failed: {error.get('message') or error.get('code') or error}"
    if error:
        return f"batch line failed: {error}"
    response = entry.get("response") or {}
    body = response.get("body") if isinstance(response, dict) else None
    message = body.get("error", {}).get("message") if isinstance(body, dict) and isinstance(body.get("error"), dict) else None
    code = response.get("status_code") if isinstance(response, dict) else None
    return f"batch line failed (HTTP {code}): {message or json.dumps(body)[:200]}"


class LineReader:
    """Reads one batch's lines into responses for one run, with litellm's conversion and batch price."""

    def __init__(self, *, run_id: str, opts: CallOptions, provider: str):
        lib = litellm()
        from litellm.litellm_core_utils.llm_response_utils.convert_dict_to_response import (
            convert_to_model_response_object,
        )
        from litellm.cost_calculator import batch_cost_calculator
        from litellm.litellm_core_utils.prompt_templates.common_utils import extract_reasoning_content
        from litellm.types.utils import ModelResponse, Usage

        self._lib, self._convert, self._model_response, self._usage = lib, convert_to_model_response_object, ModelResponse, Usage
        self._batch_cost = batch_cost_calculator
        self._extract_reasoning = extract_reasoning_content
        self._costs: dict[str, float | None] = {}
        self.run_id, self.opts, self.provider = run_id, opts, provider
        self.bare = opts.model.split("/", 1)[1] if opts.model.startswith(provider + "/") else opts.model
        try:
            lib.get_model_info(model=self.bare, custom_llm_provider=provider)
            self._priced = True
        except Exception:  # noqa: BLE001 - not in litellm's price map: no cost, as on the synchronous path
            self._priced = False

    def cost(self, usage: dict[str, Any] | None) -> float | None:
        """litellm's batch price of one reply's tokens (None where litellm has no price), computed once per
        distinct usage."""
        if not self._priced or not isinstance(usage, dict):
            return None
        key = json.dumps(usage, sort_keys=True, default=str)
        if key not in self._costs:
            try:
                prompt, completion = self._batch_cost(
                    usage=self._usage(**usage), model=self.bare, custom_llm_provider=self.provider)
                self._costs[key] = float(prompt) + float(completion)
            except Exception:  # noqa: BLE001 - litellm cannot price this usage
                self._costs[key] = None
        return self._costs[key]

    def read(self, cell: Cell, mode: AnswerMode, entry: dict[str, Any] | None, *,
             missing: str = "the batch returned no line for this cell", attempts: int = 1) -> LineResult:
        """The response of ``cell`` from its output or error line (None: the batch has no line for it, which is
        stored as an error saying ``missing``); ``attempts`` is how many batches have sent the cell's line."""
        model = self.opts.model
        if entry is None:
            return LineResult(error_response(cell, self.run_id, model, mode, missing, attempts))
        response = entry.get("response")
        status = response.get("status_code") if isinstance(response, dict) else None
        body = response.get("body") if isinstance(response, dict) else None
        where = entry.get("_where", "batch output line")
        if entry.get("error") or (status is not None and status != 200):
            return LineResult(error_response(cell, self.run_id, model, mode, _error_text(entry), attempts))
        if not isinstance(body, dict):
            return LineResult(error_response(cell, self.run_id, model, mode,
                                             f"{where} holds no reply body (status {status})", attempts))
        try:
            reply = _light(body, self._extract_reasoning)
            if reply is None:
                reply = self._convert(response_object=json.loads(json.dumps(body)),
                                      model_response_object=self._model_response(), hidden_params={})
            reply._hidden_params["response_cost"] = self.cost(body.get("usage"))
            return LineResult(response_from_reply(cell, self.run_id, model, mode, reply, None, attempts,
                                                  max_tokens=self.opts.settings.max_tokens))
        except NoLogprobs:
            return LineResult(error_response(cell, self.run_id, model, mode,
                                             no_logprobs_reason(cell), attempts), no_logprobs=True)
        except Exception as exc:  # noqa: BLE001 - a line that is no chat completion is an error of that cell
            text = " ".join(str(exc).split())[:200]
            return LineResult(error_response(cell, self.run_id, model, mode,
                                             f"{where} is not a chat completion ({type(exc).__name__}: {text})", attempts))
