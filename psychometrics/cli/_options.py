"""Options that several commands take, declared once so their flags and help read the same everywhere."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

Db = Annotated[Optional[str], typer.Option(
    "--db", help="Database URL (default sqlite:///psychometrics.db or $PSYCHOMETRICS_DB).")]
Orders = Annotated[str, typer.Option("--orders", help="Comma list of original, reversed, rotated, swapped; or 'all'.")]
Samples = Annotated[int, typer.Option("--samples", help="Repeated samples per prompt.")]
Temperature = Annotated[float, typer.Option("--temperature", help="Sampling temperature (generate mode).")]
MaxTokens = Annotated[int, typer.Option(
    "--max-tokens", help="Token budget of a generated reply, reasoning included (a reasoning model needs hundreds "
    "to thousands).")]
ReasoningEffort = Annotated[Optional[str], typer.Option(
    "--reasoning-effort", help="none, minimal, low, medium, high, xhigh or max: passed to providers that take it "
    "(litellm's reasoning_effort).")]
MaxWait = Annotated[Optional[float], typer.Option(
    "--max-wait", help="Longest wait in seconds a server may ask for (Retry-After, rate-limit reset) before the "
    "run stops [default: 600].")]
Mode = Annotated[str, typer.Option("--mode", help="auto, logprobs or generate.")]
PromptFormat = Annotated[str, typer.Option(
    "--prompt-format", help="auto, chat or completion (raw text to /v1/completions, for a base model behind a "
                            "server); auto chooses by provider.")]
Concurrency = Annotated[int, typer.Option(
    "--concurrency", help="Most requests in flight at once; below it the audit paces itself at the rate limit the "
    "provider states and after 429s.")]
Rpm = Annotated[Optional[float], typer.Option("--rpm", help="At most this many requests per minute.")]
Timeout = Annotated[float, typer.Option("--timeout", help="Seconds per call.")]
Retries = Annotated[int, typer.Option("--retries", help="Retries per cell for 429/5xx/timeouts.")]
ApiBase = Annotated[Optional[str], typer.Option("--api-base", help="Endpoint of an OpenAI-compatible server.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the plan size and call nothing.")]
Batch = Annotated[bool, typer.Option(
    "--batch", help="Ask through the provider's batch API (half the price, separate rate limits; results within "
    "the provider's window, up to 24 h). The batches are stored on the run: re-running the command picks them up.")]
PollInterval = Annotated[float, typer.Option(
    "--poll-interval", help="--batch: seconds before the first poll of a batch; it grows by half while nothing "
    "changes, up to --max-poll-interval.")]
MaxPollInterval = Annotated[float, typer.Option(
    "--max-poll-interval", help="--batch: longest wait between polls, in seconds.")]
BatchReask = Annotated[str, typer.Option(
    "--batch-reask", help="--batch: ask cells whose batch line failed or expired again in a new 'batch' or 'sync' "
    "(synchronously); --retries rounds.")]
BatchMaxLines = Annotated[Optional[int], typer.Option(
    "--batch-max-lines", help="--batch: request lines per batch [default: the provider's limit, 50,000 for OpenAI].")]
BatchMaxBytes = Annotated[Optional[int], typer.Option(
    "--batch-max-bytes", help="--batch: bytes per batch input file [default: the provider's limit, 200 MB for "
    "OpenAI].")]
