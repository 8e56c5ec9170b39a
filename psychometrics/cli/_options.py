"""Options that several commands take, declared once so their flags and help read the same everywhere."""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import Annotated, Optional

import typer

Db = Annotated[Optional[str], typer.Option(
    "--db", help="Database URL (default sqlite:///psychometrics.db or $PSYCHOMETRICS_DB).")]
ORDER_CHOICES = ("original", "reversed", "rotated", "rotated-K", "swapped", "all")
"""The option orders a user may name (``rotated-K``: the one cyclic shift K, e.g. ``rotated-2``)."""


def _orders(value: str) -> str:
    """A comma list of order names, each one of :data:`ORDER_CHOICES`; a usage error (exit 2) names the others."""
    names = [x.strip() for x in str(value).split(",") if x.strip()]
    bad = [n for n in names if n not in ORDER_CHOICES[:-1] + ("all",) or n == "rotated-K"]
    bad = [n for n in bad if not re.fullmatch(r"rotated-[1-9]\d*", n)]
    if "rotated-K" in bad:
        raise typer.BadParameter("rotated-K takes a number for K, the shift: e.g. rotated-2")
    if not names or bad:
        raise typer.BadParameter(f"{', '.join(map(repr, bad or [value]))} is not one of "
                                 f"{', '.join(map(repr, ORDER_CHOICES))} (a comma list of them)")
    return ",".join(names)


# A comma list, not an Enum: `--orders original,reversed` stays valid; the metavar lists the choices in --help and
# a value outside them is a usage error, as an Enum's would be.
Orders = Annotated[str, typer.Option(
    "--orders", parser=_orders, metavar="<" + "|".join(ORDER_CHOICES) + ">,…",
    help="Option orders, a comma list: original, reversed, rotated (every cyclic shift), rotated-K (one shift), "
         "swapped (scenario items), all.")]
Samples = Annotated[int, typer.Option("--samples", help="Repeated samples per prompt.")]
Temperature = Annotated[float, typer.Option("--temperature", help="Sampling temperature (generate mode).")]
MaxTokens = Annotated[int, typer.Option(
    "--max-tokens", help="Token budget of a generated reply, reasoning included (a reasoning model needs hundreds "
    "to thousands).")]
class ModeChoice(str, enum.Enum):
    auto = "auto"
    logprobs = "logprobs"
    generate = "generate"


class EffortChoice(str, enum.Enum):
    none = "none"
    minimal = "minimal"
    low = "low"
    medium = "medium"
    high = "high"
    xhigh = "xhigh"
    max = "max"


class ValueChoice(str, enum.Enum):
    value = "value"
    expected_value = "expected_value"


ReasoningEffort = Annotated[Optional[EffortChoice], typer.Option(
    "--reasoning-effort", help="Passed to providers that take it (litellm's reasoning_effort).")]
MaxWait = Annotated[Optional[float], typer.Option(
    "--max-wait", help="Longest wait in seconds a server may ask for (Retry-After, rate-limit reset) before the "
    "run stops [default: 600].")]
Mode = Annotated[ModeChoice, typer.Option(
    "--mode", help="How an answer is read: log-probabilities of the option labels, a generated reply, or auto (log-probs "
    "where the provider gives them).")]
Value = Annotated[ValueChoice, typer.Option(
    "--value", help="Score each answer by the chosen option (value) or by the expectation over the option "
    "probabilities (expected_value, log-prob mode).")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap resamples.")]
NBoot = Annotated[int, typer.Option("--n-boot", min=0, help="Bootstrap resamples for the λ6, ω and split-half "
                                    "intervals (0: none).")]


class PromptFormatChoice(str, enum.Enum):
    auto = "auto"
    chat = "chat"
    completion = "completion"


class ReaskChoice(str, enum.Enum):
    batch = "batch"
    sync = "sync"


PromptFormat = Annotated[PromptFormatChoice, typer.Option(
    "--prompt-format", help="auto, chat or completion (raw text to /v1/completions, for a base model behind a "
                            "server); auto chooses by provider.")]
Concurrency = Annotated[int, typer.Option(
    "--concurrency", help="Most requests in flight at once; below it the audit paces itself at the rate limit the "
    "provider states and after 429s (the embedded local/ models keep at least 64 in flight: they evaluate the waiting "
    "prompts in batches).")]
Rpm = Annotated[Optional[float], typer.Option("--rpm", help="At most this many requests per minute.")]
Timeout = Annotated[float, typer.Option("--timeout", help="Seconds per call (an embedded local/ model's: the "
    "evaluation of the request's group, not the wait for the model; groups are sized to take about half of it at the "
    "rate measured so far, and a request that outlasts it is retried with its result kept).")]
Retries = Annotated[int, typer.Option("--retries", help="Retries per cell for 429/5xx/timeouts. A 429 that says "
                                      "when to come back (Retry-After and the like) is waited out without using one "
                                      "(at most 50 such waits a cell, within --max-wait in all).")]
ApiBase = Annotated[Optional[str], typer.Option("--api-base", help="Endpoint of an OpenAI-compatible server.")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Print the plan size, the requests, estimated tokens and cost (litellm's local price map), "
    "and call nothing.")]
MaxCost = Annotated[Optional[float], typer.Option(
    "--max-cost", metavar="USD", help="Stop taking new prompts once the run has cost this many US dollars (the "
    "answers so far are stored; re-running resumes).")]
Out = Annotated[Optional[Path], typer.Option(
    "--out", "-o", help="Folder for the HTML page, named after the run (created when missing; a path ending in "
    ".html names the file itself) [default: reports].")]
Batch = Annotated[bool, typer.Option(
    "--batch", help="Ask through the provider's batch API (half the price, separate rate limits; results within "
    "the provider's window, up to 24 h). The batches are stored on the run: re-running the command picks them up.")]
PollInterval = Annotated[float, typer.Option(
    "--poll-interval", help="--batch: seconds before the first poll of a batch; it grows by half while nothing "
    "changes, up to --max-poll-interval.")]
MaxPollInterval = Annotated[float, typer.Option(
    "--max-poll-interval", help="--batch: longest wait between polls, in seconds.")]
BatchReask = Annotated[ReaskChoice, typer.Option(
    "--batch-reask", help="--batch: ask cells whose batch line failed or expired again in a new 'batch' or 'sync' "
    "(synchronously); --retries rounds.")]
BatchMaxLines = Annotated[Optional[int], typer.Option(
    "--batch-max-lines", help="--batch: request lines per batch [default: the provider's limit, 50,000 for OpenAI].")]
BatchMaxBytes = Annotated[Optional[int], typer.Option(
    "--batch-max-bytes", help="--batch: bytes per batch input file [default: the provider's limit, 200 MB for "
    "OpenAI].")]
