"""SCORING.md §3: the normalised line score p, in both directions."""

from __future__ import annotations

from fractions import Fraction

import pytest

from service.scoring import (
    Aggregation,
    ScorecardLine,
    effective_line,
    least_raw_value_scoring,
    max_normalized,
    normalize,
)

from .builders import LOWER, F, bands, binary, linear, qualitative_kpi, quantitative_kpi

BONUS = F(20)
higher_kpi = quantitative_kpi("csat", aggregation=Aggregation.MEAN)
lower_kpi = quantitative_kpi("first_response_minutes", direction=LOWER, unit="min")


def score_of(line: ScorecardLine, raw: str | int, bonus: Fraction = BONUS) -> Fraction:
    return normalize(line, Fraction(raw), stretch_bonus=bonus)


# --- LINEAR, higher is better ---------------------------------------------------

higher_linear = linear(higher_kpi, threshold=80, target=92, stretch=98)


def test_higher_is_better_linear_scores_zero_at_and_below_threshold() -> None:
    assert score_of(higher_linear, 80) == 0
    assert score_of(higher_linear, 12) == 0


def test_higher_is_better_linear_is_proportional_between_threshold_and_target() -> None:
    assert score_of(higher_linear, 86) == 50
    assert score_of(higher_linear, "90.0485") == F("1004.85") / 12


def test_higher_is_better_linear_scores_100_at_target() -> None:
    assert score_of(higher_linear, 92) == 100


def test_higher_is_better_linear_adds_the_bonus_in_proportion_up_to_stretch() -> None:
    assert score_of(higher_linear, 95) == 110
    assert score_of(higher_linear, 98) == 120
    assert score_of(higher_linear, 99) == 120


def test_linear_without_stretch_stops_at_100_beyond_target() -> None:
    assert score_of(linear(higher_kpi, threshold=80, target=92), 99) == 100


def test_stretch_bonus_comes_from_the_policy() -> None:
    assert score_of(higher_linear, 98, bonus=F(10)) == 110
    assert score_of(higher_linear, 95, bonus=F(0)) == 100


# --- LINEAR, lower is better ----------------------------------------------------

lower_linear = linear(lower_kpi, threshold=30, target=10, stretch=5)


def test_lower_is_better_kpi_scores_zero_at_threshold() -> None:
    assert score_of(lower_linear, 30) == 0
    assert score_of(lower_linear, 45) == 0


def test_lower_is_better_linear_is_proportional_between_threshold_and_target() -> None:
    assert score_of(lower_linear, 15) == 75


def test_lower_is_better_kpi_scores_100_at_target() -> None:
    assert score_of(lower_linear, 10) == 100


def test_lower_is_better_linear_earns_the_bonus_below_target_up_to_stretch() -> None:
    assert score_of(lower_linear, "7.5") == 110
    assert score_of(lower_linear, 5) == 120
    assert score_of(lower_linear, 0) == 120


# --- BANDS ------------------------------------------------------------------------

higher_bands = bands(higher_kpi, [(95, 110), (90, 100), (80, 60)])
lower_bands = bands(lower_kpi, [(5, 100), (10, 70), (20, 30)])


def test_higher_is_better_bands_give_the_points_of_the_first_bound_met() -> None:
    assert score_of(higher_bands, 96) == 110
    assert score_of(higher_bands, 95) == 110
    assert score_of(higher_bands, "94.9999") == 100
    assert score_of(higher_bands, 80) == 60


def test_higher_is_better_bands_give_zero_when_no_bound_is_met() -> None:
    assert score_of(higher_bands, "79.9999") == 0


def test_lower_is_better_bands_give_the_points_of_the_first_bound_met() -> None:
    assert score_of(lower_bands, 3) == 100
    assert score_of(lower_bands, 10) == 70
    assert score_of(lower_bands, "10.0001") == 30
    assert score_of(lower_bands, 21) == 0


# --- BINARY -----------------------------------------------------------------------


def test_higher_is_better_binary_scores_100_when_it_meets_the_target_else_zero() -> None:
    line = binary(higher_kpi, target=90)
    assert score_of(line, 90) == 100
    assert score_of(line, 100) == 100
    assert score_of(line, "89.9999") == 0


def test_lower_is_better_binary_scores_100_at_or_below_the_target_else_zero() -> None:
    line = binary(lower_kpi, target=10)
    assert score_of(line, 10) == 100
    assert score_of(line, 2) == 100
    assert score_of(line, "10.0001") == 0


# --- qualitative defaults -----------------------------------------------------------


def test_qualitative_line_defaults_to_linear_from_scale_bottom_to_top() -> None:
    line = effective_line(linear(qualitative_kpi()))
    assert (line.threshold, line.target) == (F(1), F(5))
    assert score_of(linear(qualitative_kpi()), 3) == 50


def test_qualitative_line_uses_the_kpi_scale_when_it_has_one() -> None:
    line = effective_line(linear(qualitative_kpi(range_min=F(0), range_max=F(10))))
    assert (line.threshold, line.target) == (F(0), F(10))


def test_qualitative_line_keeps_the_threshold_and_target_it_says() -> None:
    line = effective_line(linear(qualitative_kpi(), threshold=2, target=4))
    assert (line.threshold, line.target) == (F(2), F(4))


def test_quantitative_and_banded_qualitative_lines_are_scored_as_written() -> None:
    quantitative = linear(higher_kpi, threshold=80, target=92)
    assert effective_line(quantitative) is quantitative
    banded = bands(qualitative_kpi(), [(4, 100)])
    assert effective_line(banded) is banded


def test_linear_without_target_is_refused_when_scored() -> None:
    with pytest.raises(ValueError, match="no target"):
        score_of(linear(higher_kpi, threshold=80), 90)


# --- maximum and inverse -----------------------------------------------------------


def test_max_normalized_is_100_plus_bonus_only_with_a_stretch() -> None:
    assert max_normalized(higher_linear, stretch_bonus=BONUS) == 120
    assert max_normalized(linear(higher_kpi, threshold=1, target=2), stretch_bonus=BONUS) == 100
    assert max_normalized(higher_bands, stretch_bonus=BONUS) == 110
    assert max_normalized(binary(higher_kpi, target=1), stretch_bonus=BONUS) == 100


def test_least_raw_value_scoring_inverts_linear_in_both_directions() -> None:
    assert least_raw_value_scoring(higher_linear, F(50), stretch_bonus=BONUS) == 86
    assert least_raw_value_scoring(higher_linear, F(110), stretch_bonus=BONUS) == 95
    assert least_raw_value_scoring(lower_linear, F(75), stretch_bonus=BONUS) == 15
    assert least_raw_value_scoring(lower_linear, F(110), stretch_bonus=BONUS) == F("7.5")


def test_least_raw_value_scoring_jumps_to_the_nearest_band_bound_that_suffices() -> None:
    assert least_raw_value_scoring(higher_bands, F(61), stretch_bonus=BONUS) == 90
    assert least_raw_value_scoring(lower_bands, F(30), stretch_bonus=BONUS) == 20
    assert least_raw_value_scoring(binary(lower_kpi, target=10), F(1), stretch_bonus=BONUS) == 10


def test_least_raw_value_scoring_refuses_more_than_the_maximum() -> None:
    with pytest.raises(ValueError, match="cannot score"):
        least_raw_value_scoring(higher_bands, F(111), stretch_bonus=BONUS)
