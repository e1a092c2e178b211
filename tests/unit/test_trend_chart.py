"""The change since the comparable previous cycle is signed and rounded once; the trend
chart reads without the picture (title, description, axis titles) and breaks its line
where a cycle has no total."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from admin.charts import LinePoint, Reference, line_chart
from service.usecases.scoring.trends import clamp_last, signed_points


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        (Fraction(16, 5), "+3.20"),
        (Fraction("-13.3333"), "-13.33"),
        (Fraction("18.33335"), "+18.33"),
        (Fraction("0.005"), "+0.01"),  # half away from zero
        (Fraction("-0.005"), "-0.01"),
        (Fraction("0.004"), "0.00"),
        (Fraction("-0.004"), "0.00"),
        (Fraction(0), "0.00"),
    ],
)
def test_a_change_is_signed_with_two_places_rounded_half_away_from_zero(
    change: Fraction, shown: str
) -> None:
    assert signed_points(change) == shown


def test_a_trend_reaches_back_six_cycles_unless_told_and_never_past_twenty_four() -> None:
    assert (clamp_last(None), clamp_last(2), clamp_last(100), clamp_last(-1)) == (6, 2, 24, 0)


def test_the_trend_chart_has_a_title_a_description_axis_titles_and_breaks_at_a_gap() -> None:
    svg = str(
        line_chart(
            [
                LinePoint("2026-08", "80.00", "80.00 (B)"),
                LinePoint("2026-09", "90.00", "90.00 (A)"),
                LinePoint("2026-10", None, "no total"),
                LinePoint("2026-11", "60.00", "60.00 (C)"),
            ],
            chart_id="trend",
            title="Totals",
            desc="2026-08: 80.00 (B); …",
            x_title="Cycle",
            y_title="Total points",
            references=[Reference("B", "70")],
        )
    )
    assert '<title id="trend-title">Totals</title>' in svg
    assert '<desc id="trend-desc">' in svg
    assert ">Cycle<" in svg
    assert ">Total points<" in svg
    assert re.findall(r'data-value="([^"]+)"', svg) == ["80.00", "90.00", "60.00"]
    # One line through August and September; November stands alone after the gap.
    (line,) = re.findall(r'<polyline class="series" fill="none" points="([^"]+)"', svg)
    assert len(line.split()) == 2
    assert 'data-label="B"' in svg
    assert "style=" not in svg  # the Content-Security-Policy forbids inline styles
