"""Inventory files are parsed once, by libyaml where PyYAML has it: the same data and line marks as PyYAML's
pure-Python safe parser for every shipped YAML file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from psychometrics._yamlfile import _parse

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for d in ("inventories", "examples", "templates") if (ROOT / d).is_dir()
               for p in (ROOT / d).rglob("*.y*ml"))


def _marks(node) -> list[tuple[str, int, int]]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        out.append((n.tag, n.start_mark.line, n.start_mark.column))
        if isinstance(n.value, list):
            for child in n.value:
                stack.extend(child if isinstance(child, tuple) else (child,))
    return out


def test_every_shipped_yaml_file_is_checked() -> None:
    assert len(FILES) >= 6


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_fast_parse_equals_the_pure_python_parse(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    node, data = _parse(text)
    assert data == yaml.safe_load(text)
    assert _marks(node) == _marks(yaml.compose(text, Loader=yaml.SafeLoader))


def test_a_syntax_error_is_worded_by_the_pure_python_parser() -> None:
    with pytest.raises(yaml.YAMLError) as fast:
        _parse("items:\n  - id: 1\n   text: [unclosed\n")
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.compose("items:\n  - id: 1\n   text: [unclosed\n", Loader=yaml.SafeLoader)
    assert str(fast.value) == str(pure.value)
