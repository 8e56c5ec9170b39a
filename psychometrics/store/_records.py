"""Typed records for stored runs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from psychometrics.plan import Design

RunStatus = Literal["running", "finished", "interrupted", "failed"]


class Run(BaseModel):
    """One audit of one model."""

    model_config = ConfigDict(extra="forbid")
    version: int = 1
    run_id: str
    model: str
    api_base: str | None = None
    """The endpoint, with any user:password part removed."""
    design: Design
    status: RunStatus = "running"
    created_at: float
    finished_at: float | None = None
    wall_s: float = 0.0
    """Seconds spent administering, summed over every session of the run (resumes included)."""
    n_cells: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    """Responses by status (ok, refused, invalid, error)."""
    mode_used: str | None = None
    """``logprobs`` or ``generate``: what the provider actually gave."""
    cost_usd: float = 0.0
    versions: dict[str, str] = Field(default_factory=dict)
    """Versions of psychometrics, Python and the libraries that produced the run."""
