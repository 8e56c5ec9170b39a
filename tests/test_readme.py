"""README claims that the code can check: the `sim/` presets with their true trait levels (the table is generated
from the sim provider's own presets, ``python -m tests.test_readme`` prints it), the output excerpt (the command
run again), where runs are stored, and the report screenshot it shows."""

from __future__ import annotations

import re
from pathlib import Path

from psychometrics.administer.providers._sim import PARAMETERS, PRESETS, TRAITS, parse_model
from psychometrics.store import DEFAULT_DB

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXAMPLES = ("steady?extraversion=1.5", "default?agreeableness=-1&neuroticism=1")
"""Models with levels set, shown under the presets."""


def _general(x: float) -> str:
    return f"{x:g}".replace("-", "−")


def presets_table() -> str:
    """The README's table of ``sim/`` models: each preset and example with its true trait levels (SD units of the
    respondent population, from :func:`parse_model`) and the parameters it changes from the defaults."""
    lines = ["| model | true trait levels (latent mean, SD units) | differs from the defaults |", "|---|---|---|"]
    for name in [*PRESETS, *EXAMPLES]:
        params = parse_model(name)
        set_levels = {t: params.level(t, t) for t in TRAITS if params.level(t, t) != 0}
        levels = ", ".join(f"{t} {_general(v)}" for t, v in set_levels.items())
        levels = f"{levels}; every other trait 0" if levels else "0 on every trait"
        changed = [f"{k} {_general(getattr(params, k))}" for k in PARAMETERS
                   if k != "seed" and getattr(params, k) != PARAMETERS[k]]
        lines.append(f"| `sim/{name}` | {levels} | {', '.join(changed) or '—'} |")
    return "\n".join(lines)


def test_the_sim_presets_table_is_the_one_the_code_gives():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- sim-presets -->\n(.*?)\n\n", text, re.S)
    assert block, "README.md has no <!-- sim-presets --> table"
    assert block.group(1).strip() == presets_table(), "regenerate with: python -m tests.test_readme"


def test_the_output_excerpt_is_what_the_command_prints(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from psychometrics.cli import app

    text = README.read_text(encoding="utf-8")
    block = re.search(r'The start of what `psychometrics audit --model "([^"]+)" --inventory (\w+)` printed'
                      r'.*?```text\n(.*?)```', text, re.S)
    assert block, "README.md has no output excerpt"
    model, inventory, excerpt = block.groups()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["audit", "--model", model, "--inventory", inventory], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    printed = [line.rstrip() for line in result.stdout.splitlines()]
    for line in excerpt.splitlines():
        if line == "…" or "wall" in line:  # the elision and the measured wall time
            continue
        assert line in printed, f"README line not printed: {line!r}"


def test_the_readme_says_where_runs_are_stored():
    text = README.read_text(encoding="utf-8")
    path = DEFAULT_DB.removeprefix("sqlite:///")
    assert f"`{path}`" in text and "PSYCHOMETRICS_DB" in text and "--db" in text


def test_the_report_screenshot_is_committed_and_a_png():
    text = README.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    assert images, "README.md shows no screenshot"
    for image in images:
        data = (ROOT / image).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, image


if __name__ == "__main__":
    print(presets_table())
