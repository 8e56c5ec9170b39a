"""Number formatting and the hand-built SVG charts."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from psychometrics import _format
from psychometrics._format import band, coef, interval, num, pct, pvalue, seconds
from psychometrics.report import _svg
from tests.report.conftest import PAYLOAD


@pytest.mark.parametrize("x, expected", [
    (0.4999, "unacceptable"), (0.5, "poor"), (0.5999, "poor"), (0.6, "questionable"), (0.7, "acceptable"),
    (0.8, "good"), (0.8999, "good"), (0.9, "excellent"), (1.0, "excellent"), (-0.3, "unacceptable"),
    (math.nan, None), (None, None),
])
def test_psyborgs_bands(x, expected):
    assert band(x) == expected


def test_numbers():
    assert num(1.234) == "1.23"
    assert num(-0.5) == "−0.50"
    assert num(-0.001) == "0.00"  # no negative zero
    assert num(0.25, signed=True) == "+0.25"
    assert num(math.nan) == num(None) == num(float("inf")) == "—"
    assert coef(0.834) == ".83" and coef(-0.12) == "−.12" and coef(1.0) == "1.00"
    assert pvalue(0.0004) == "< .001" and pvalue(0.0042) == ".004" and pvalue(0.41) == ".410"
    assert pvalue(0.999) == ".999" and pvalue(0.9996) == "1.000" and pvalue(math.nan) == "—"
    assert pct(0.125, 1) == "12.5%"
    assert interval(0.1, 0.2) == "[0.10, 0.20]" and interval(math.nan, 0.2) == ""
    assert seconds(3.21) == "3.2 s" and seconds(192) == "3 min 12 s"


def _xml(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def _texts(root: ET.Element) -> str:
    return " ".join("".join(el.itertext()) for el in root.iter())


def test_chart_text_is_escaped():
    rows = [_svg.DotRow(label=PAYLOAD, value=3.0, ci_low=2.5, ci_high=3.5, note=PAYLOAD, reason=PAYLOAD),
            _svg.DotRow(label="missing", value=math.nan, reason=PAYLOAD)]
    charts = [
        _svg.dot_whisker(rows, lo=1, hi=5, mid=3),
        _svg.reliability_chart([_svg.CoefRow(label=PAYLOAD, points=[_svg.CoefPoint("α", 0.8, 0.7, 0.9)])]),
        _svg.heatmap([PAYLOAD], [(PAYLOAD, [PAYLOAD])], [[3.0]], lows=[1], highs=[5], label=PAYLOAD),
        _svg.distribution_bar([(1, 2), (2, 0)], {1: "#000000"}, extra=[(PAYLOAD, 1)], label=PAYLOAD),
        _svg.paired_dots([_svg.PairRow(label=PAYLOAD, a=2, b=4)], lo=1, hi=5),
    ]
    for chart in charts:
        text = str(chart)
        assert "<script" not in text and "<img" not in text
        root = _xml(chart)  # well-formed XML: nothing leaked into the markup
        assert root.tag.endswith("svg")
        assert not any(el.tag.endswith(("script", "img", "foreignObject")) for el in root.iter())
        assert not any(k.startswith("on") for el in root.iter() for k in el.attrib)


def test_dot_whisker_places_and_clamps():
    root = _xml(_svg.dot_whisker([_svg.DotRow("a", 5.5, 4.9, 6.1)], lo=1, hi=5, width=720))
    circle = next(el for el in root.iter() if el.tag.endswith("circle"))
    assert float(circle.get("cx")) == pytest.approx(720 - 80)  # clamped to the right edge of the plot


def test_heatmap_marks_missing_cells():
    text = str(_svg.heatmap(["s"], [("t", ["original", "reversed"])], [[2.0, math.nan]], lows=[1], highs=[5],
                            counts=[[3, 0]]))
    assert "no score" in text and "(n = 3)" in text


def test_nice_ticks():
    assert _svg.nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert _svg.nice_ticks(8, 40)[0] >= 8 and _svg.nice_ticks(8, 40)[-1] <= 40


def test_distribution_bar_without_answers():
    assert "no answers" in str(_svg.distribution_bar([], {}))


def test_paired_dots_marker_ids_are_unique():
    a = str(_svg.paired_dots([_svg.PairRow("x", 1, 3)], lo=1, hi=5))
    b = str(_svg.paired_dots([_svg.PairRow("x", 1, 3)], lo=1, hi=5))
    ids_a = {el.get("id") for el in _xml(a).iter() if el.get("id")}
    ids_b = {el.get("id") for el in _xml(b).iter() if el.get("id")}
    assert ids_a and not ids_a & ids_b


@pytest.mark.parametrize(("value", "text"), [
    (63.2, "63rd"), (1.4, "1st"), (2, "2nd"), (11.2, "11th"), (12, "12th"), (13, "13th"), (21, "21st"),
    (22.4, "22nd"), (50, "50th"), (0.4, "<1st"), (0.0, "<1st"), (99.6, ">99th"), (99.4, "99th"),
    (float("nan"), _format.DASH), (None, _format.DASH),
])
def test_percentiles_read_as_ordinals(value, text):
    assert _format.percentile(value) == text


def test_the_examples_in_the_formatting_module_hold() -> None:
    import doctest

    from psychometrics import _format

    result = doctest.testmod(_format)
    assert result.attempted >= 6 and result.failed == 0
