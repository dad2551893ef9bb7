"""WCAG 2.2 non-text contrast (1.4.11): every marker and line colour the charts draw with has at least
3:1 against each background it is drawn on (plot white, the map's land, Mexico's fill, the sea)."""
from __future__ import annotations

import pytest

from dashboard.figures.status_map import MEXICO_FILL
from dashboard.figures.theme import BACKGROUNDS, MEASURE_COLORS, OKABE_ITO, STATUS_STYLE
from dashboard.figures.waits import MODE_STYLE


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(int(h[i:i + 2], 16) / 255) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_on_known_pairs():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast("#F0E442", "#ffffff") < 1.4  # the Okabe-Ito yellow this project no longer uses


COLOURS = {**{f"status {k}": str(v["color"]) for k, v in STATUS_STYLE.items()},
           **{f"series {i}": c for i, c in enumerate(OKABE_ITO)},
           **{f"measure {k}": c for k, c in MEASURE_COLORS.items()},
           **{f"waits mode {k}": v["color"] for k, v in MODE_STYLE.items()}}


@pytest.mark.parametrize("name", sorted(COLOURS))
def test_every_marker_and_line_colour_has_3_to_1(name):
    assert MEXICO_FILL in BACKGROUNDS
    worst = min(BACKGROUNDS, key=lambda bg: contrast(COLOURS[name], bg))
    assert contrast(COLOURS[name], worst) >= 3.0, (name, COLOURS[name], worst, round(contrast(COLOURS[name], worst), 2))
