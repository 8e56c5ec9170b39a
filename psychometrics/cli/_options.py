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
Concurrency = Annotated[int, typer.Option("--concurrency", help="Requests in flight at once.")]
Rpm = Annotated[Optional[float], typer.Option("--rpm", help="At most this many requests per minute.")]
Timeout = Annotated[float, typer.Option("--timeout", help="Seconds per call.")]
Retries = Annotated[int, typer.Option("--retries", help="Retries per cell for 429/5xx/timeouts.")]
ApiBase = Annotated[Optional[str], typer.Option("--api-base", help="Endpoint of an OpenAI-compatible server.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the plan size and call nothing.")]
