"""SCORING.md §§2, 4, 5, 6: from aggregates to a total, a band and what it would take."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from service.scoring import (
    AdjustmentOverCap,
    Aggregate,
    Aggregation,
    IncentiveBand,
    LineStatus,
    Policy,
    Scope,
    ScorecardLine,
    ScoreResult,
    ScoreStatus,
    WhatItWouldTake,
    WhatItWouldTakeKind,
    band_for,
    check_adjustment,
    score,
)

from .builders import LOWER, F, bands, binary, linear, mean_of, qualitative_kpi, quantitative_kpi

POLICY = Policy()
csat_kpi = quantitative_kpi("csat", aggregation=Aggregation.SHARE_AT_LEAST, param=F(4))
response_kpi = quantitative_kpi("first_response_minutes", direction=LOWER, unit="min")
quality_kpi = qualitative_kpi("service_quality")
complaints_kpi = quantitative_kpi("complaints", direction=LOWER, aggregation=Aggregation.COUNT)
score_kpi = quantitative_kpi("task_completion")  # a plain 0-100 mean

CONTRACT_LINES = (
    linear(csat_kpi, weight=40, threshold=80, target=92),
    linear(response_kpi, weight=30, threshold=30, target=10, stretch=5),
    linear(quality_kpi, weight=30),
)
CONTRACT_AGGREGATES = (Aggregate(n=412, meeting=371), mean_of(15, n=10), mean_of("3.5", n=2))


def scored(
    lines: tuple[ScorecardLine, ...] | list[ScorecardLine],
    aggregates: tuple[Aggregate, ...] | list[Aggregate],
    adjustments: list[Fraction] | None = None,
    policy: Policy = POLICY,
) -> ScoreResult:
    return score(
        lines=lines,
        aggregates=aggregates,
        adjustments=adjustments or [],
        policy=policy,
        leads_team=False,
    )


def contract_score(*aggregates: Aggregate) -> ScoreResult:
    return scored(CONTRACT_LINES, aggregates or CONTRACT_AGGREGATES)


def plain_line(weight: int) -> ScorecardLine:
    """A 0-100 line: p equals the raw value, so totals are easy to read."""
    return linear(score_kpi, weight=weight, threshold=0, target=100)


def wit(result: ScoreResult, index: int) -> WhatItWouldTake:
    found = result.lines[index].what_it_would_take
    assert found is not None
    return found


# --- §4 total ---------------------------------------------------------------------------


def test_total_is_the_exact_sum_of_contributions_reported_half_away_to_two_places() -> None:
    result = contract_score()
    assert [line.contribution for line in result.lines] == [F("33.495"), F("22.5"), F("18.75")]
    assert result.total == F("74.745")
    assert result.reported_total == Decimal("74.75")
    assert str(result.reported_total) == "74.75"


def test_contribution_is_effective_weight_times_p_over_100() -> None:
    line = contract_score().lines[0]
    assert line.normalized == F("1004.85") / 12
    assert line.effective_weight == 40
    assert line.contribution == F("33.495")


def test_adjustments_are_added_to_the_sum_of_contributions() -> None:
    result = scored([plain_line(100)], [mean_of(50)], adjustments=[F("2.5"), F(-1)])
    assert result.adjustments_total == F("1.5")
    assert result.total == F("51.5")


def test_total_is_clamped_at_100_plus_stretch_bonus() -> None:
    line = linear(score_kpi, weight=100, threshold=0, target=50, stretch=60)
    result = scored([line], [mean_of(70)], adjustments=[F(5)])
    assert result.lines[0].normalized == 120
    assert result.total == 120


def test_total_is_clamped_at_zero() -> None:
    result = scored([plain_line(100)], [mean_of(3)], adjustments=[F(-10)])
    assert result.total == 0
    assert result.reported_total == Decimal("0.00")


def test_a_line_count_and_aggregate_count_that_differ_are_refused() -> None:
    with pytest.raises(ValueError, match="aggregates"):
        scored([plain_line(100)], [])


# --- §2 not enough data -------------------------------------------------------------------


def test_line_with_fewer_observations_than_min_samples_is_insufficient_data() -> None:
    lines = [linear(score_kpi, weight=50, threshold=0, target=100, min_samples=3), plain_line(50)]
    result = scored(lines, [mean_of(90, n=2), mean_of(60)])
    first = result.lines[0]
    assert first.status is LineStatus.INSUFFICIENT_DATA
    assert first.raw_value == 90  # shown, but not scored
    assert (first.normalized, first.effective_weight, first.contribution) == (None, None, None)


def test_weights_of_scored_lines_are_scaled_up_in_proportion_to_add_up_to_100() -> None:
    result = contract_score(Aggregate(n=0), mean_of(15, n=10), mean_of("3.5", n=2))
    assert [line.effective_weight for line in result.lines] == [None, 50, 50]
    assert result.total == F("37.5") + F("31.25")


def test_uneven_re_weighting_stays_exact() -> None:
    lines = [plain_line(40), plain_line(35), plain_line(25)]
    result = scored(lines, [Aggregate(n=0), mean_of(100), mean_of(100)])
    assert result.lines[1].effective_weight == Fraction(350, 6)
    assert sum(line.effective_weight or 0 for line in result.lines) == 100
    assert result.total == 100


@pytest.mark.parametrize("aggregation", [Aggregation.SUM, Aggregation.COUNT])
def test_sum_and_count_lines_are_scored_even_with_no_observations(
    aggregation: Aggregation,
) -> None:
    kpi = quantitative_kpi("complaints", direction=LOWER, aggregation=aggregation)
    line = linear(kpi, weight=100, threshold=5, target=0, min_samples=3)
    # The evidence rule off: alone, such a line is never evidence (test_evidence.py).
    result = scored([line], [Aggregate(n=0)], policy=Policy(min_evidence_weight=Fraction(0)))
    assert result.lines[0].status is LineStatus.SCORED
    assert result.lines[0].raw_value == 0
    assert result.total == 100


def test_no_scored_line_gives_no_data_with_no_total_band_or_what_it_would_take() -> None:
    result = contract_score(Aggregate(n=0), Aggregate(n=0), Aggregate(n=0))
    assert result.status is ScoreStatus.NO_DATA
    assert (result.total, result.reported_total, result.band, result.next_band) == (
        None,
        None,
        None,
        None,
    )
    assert all(line.status is LineStatus.INSUFFICIENT_DATA for line in result.lines)
    assert all(line.what_it_would_take is None for line in result.lines)


def test_qualitative_line_result_carries_its_scale_as_threshold_and_target() -> None:
    line = contract_score().lines[2].line
    assert (line.threshold, line.target) == (F(1), F(5))


# --- §5 band and next band ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reported", "band"),
    [
        ("100.00", "S"),
        ("95.00", "S"),
        ("94.99", "A"),
        ("85.00", "A"),
        ("84.99", "B"),
        ("70.00", "B"),
        ("69.99", "C"),
        ("60.00", "C"),
        ("59.99", "D"),
        ("0.00", "D"),
    ],
)
def test_band_is_checked_from_the_top_at_default_floors(reported: str, band: str) -> None:
    assert band_for(Decimal(reported), POLICY).code == band


def test_band_is_read_from_the_reported_total_not_the_exact_one() -> None:
    result = scored([plain_line(100)], [mean_of("84.995")])
    assert result.total == F("84.995")
    assert result.reported_total == Decimal("85.00")
    assert result.band is not None
    assert (result.band.code, result.band.multiplier) == ("A", F("1.2"))


def test_next_band_says_the_points_missing_from_the_reported_total() -> None:
    result = contract_score()
    assert result.band is not None
    assert result.band.code == "B"
    assert result.next_band is not None
    assert result.next_band.code == "A"
    assert result.next_band.points_needed == Decimal("10.25")
    assert str(result.next_band.points_needed) == "10.25"


def test_top_band_has_no_next_band_and_lines_say_nothing_about_it() -> None:
    lines = [plain_line(60), linear(score_kpi, weight=40, threshold=0, target=100, min_samples=2)]
    result = scored(lines, [mean_of(96), mean_of(10)])
    assert result.band is not None
    assert result.band.code == "S"
    assert result.next_band is None
    assert [line.what_it_would_take for line in result.lines] == [None, None]


def test_policy_bands_replace_the_defaults() -> None:
    policy = Policy(bands=(IncentiveBand("PASS", F(50), F(1)), IncentiveBand("FAIL", F(0), F(0))))
    result = scored([plain_line(100)], [mean_of(40)], policy=policy)
    assert result.band is not None
    assert result.band.code == "FAIL"
    assert result.next_band is not None
    assert (result.next_band.code, result.next_band.points_needed) == ("PASS", Decimal("10.00"))


# --- adjustments and their cap ----------------------------------------------------------------


def test_adjustment_within_the_cap_is_accepted() -> None:
    check_adjustment(existing=[F(4), F(-1)], amount=F(7), cap=F(10))  # net exactly 10


def test_adjustment_taking_the_net_sum_past_the_cap_is_refused() -> None:
    with pytest.raises(AdjustmentOverCap):
        check_adjustment(existing=[F(4)], amount=F("6.01"), cap=F(10))


def test_negative_adjustment_taking_the_net_sum_past_minus_the_cap_is_refused() -> None:
    with pytest.raises(AdjustmentOverCap):
        check_adjustment(existing=[F(-5)], amount=F(-6), cap=F(10))


def test_adjustment_over_cap_is_a_value_error() -> None:
    assert issubclass(AdjustmentOverCap, ValueError)


def test_zero_adjustment_is_refused() -> None:
    with pytest.raises(ValueError, match="non-zero"):
        check_adjustment(existing=[], amount=F(0), cap=F(10))


def test_adjustments_already_made_stand_when_the_cap_is_lowered() -> None:
    # Net +8 under an old cap; the cap is now 5. Moving toward zero is allowed...
    check_adjustment(existing=[F(8)], amount=F(-1), cap=F(5))
    # ...moving further out is not, nor swinging past the other side.
    with pytest.raises(AdjustmentOverCap):
        check_adjustment(existing=[F(8)], amount=F(1), cap=F(5))
    with pytest.raises(AdjustmentOverCap):
        check_adjustment(existing=[F(8)], amount=F(-14), cap=F(5))


# --- §6 what it would take ------------------------------------------------------------------------


def test_what_it_would_take_gives_the_nearest_raw_value_reaching_the_next_band() -> None:
    result = contract_score()
    quality = wit(result, 2)
    assert quality.kind is WhatItWouldTakeKind.RAW_VALUE
    assert quality.band_code == "A"
    # Exactly 4.866666...: rounded up, the way that still reaches A.
    assert quality.raw_value == F("4.8667")


def test_lower_is_better_raw_value_is_rounded_down_so_it_still_reaches() -> None:
    response = wit(contract_score(), 1)
    assert response.kind is WhatItWouldTakeKind.RAW_VALUE
    assert response.raw_value == F("7.7083")  # exactly 7.708333...


def test_line_that_alone_cannot_reach_says_the_most_points_it_can_add() -> None:
    csat = wit(contract_score(), 0)
    assert csat.kind is WhatItWouldTakeKind.CANNOT_REACH
    assert csat.band_code == "A"
    assert csat.max_points == F("6.505")  # 40 % of (100 - 83.7375)
    assert csat.raw_value is None


def test_insufficient_data_line_says_how_many_more_observations_it_needs() -> None:
    lines = [linear(score_kpi, weight=50, threshold=0, target=100, min_samples=5), plain_line(50)]
    result = scored(lines, [mean_of(90, n=2), mean_of(60)])
    more = wit(result, 0)
    assert more.kind is WhatItWouldTakeKind.MORE_OBSERVATIONS
    assert more.observations_needed == 3


def test_what_it_would_take_aims_half_a_cent_below_the_floor_that_rounding_reaches() -> None:
    # 50 % x 99.99 + 20 = 69.995, reported 70.00: band B.
    lines = [plain_line(50), linear(complaints_kpi, weight=50, threshold=10, target=0)]
    result = scored(lines, [mean_of(80), Aggregate(n=6)])
    assert result.reported_total == Decimal("60.00")
    assert wit(result, 0).raw_value == F("99.99")


def test_count_line_needs_a_whole_number() -> None:
    lines = [plain_line(50), linear(complaints_kpi, weight=50, threshold=10, target=0)]
    result = scored(lines, [mean_of(80), Aggregate(n=6)])
    complaints = wit(result, 1)
    assert complaints.kind is WhatItWouldTakeKind.RAW_VALUE
    assert complaints.raw_value == 4  # 4.001 would do; complaints come whole


def test_bands_line_jumps_to_the_nearest_bound_that_suffices() -> None:
    banded = bands(score_kpi, [(95, 100), (90, 80), (80, 50)], weight=50)
    result = scored([banded, plain_line(50)], [mean_of(85), mean_of(70)])
    assert result.reported_total == Decimal("60.00")
    assert wit(result, 0).raw_value == 90


def test_binary_line_needs_its_target() -> None:
    result = scored(
        [binary(score_kpi, target=90, weight=50), plain_line(50)], [mean_of(85), mean_of(100)]
    )
    assert result.reported_total == Decimal("50.00")
    assert wit(result, 0).raw_value == 90


def test_team_line_says_what_the_team_would_need() -> None:
    team_line = linear(score_kpi, weight=50, threshold=0, target=100, scope=Scope.TEAM)
    result = scored([team_line, plain_line(50)], [mean_of(60, n=40), mean_of(60)])
    needed = wit(result, 0)
    assert needed.kind is WhatItWouldTakeKind.RAW_VALUE
    assert needed.raw_value == F("79.99")  # the team's mean, not one person's


def test_raw_value_outside_the_kpis_valid_range_cannot_reach() -> None:
    # A share cannot pass 100 %, so the stretch at 110 % is out of reach.
    share = linear(csat_kpi, weight=50, threshold=50, target=90, stretch=110)
    result = scored([share, plain_line(50)], [Aggregate(n=100, meeting=95), mean_of(70)])
    assert result.band is not None
    assert result.band.code == "A"
    csat = wit(result, 0)
    assert csat.kind is WhatItWouldTakeKind.CANNOT_REACH
    assert csat.max_points == F("2.5")  # 50 % of (p at 100 % = 110, less 105)


def test_qualitative_line_asks_for_a_rating_on_its_scale_or_says_it_cannot_reach() -> None:
    lines = [linear(quality_kpi, weight=50), plain_line(50)]
    result = scored(lines, [mean_of(4), mean_of(80)])
    assert result.reported_total == Decimal("77.50")
    quality = wit(result, 0)
    assert quality.kind is WhatItWouldTakeKind.RAW_VALUE
    assert quality.raw_value == F("4.5996")  # p 89.99: 77.50 + 7.495 reports 85.00
    # Weighted 20 %, even a perfect 5 adds only 5 points to 79.00: short of 85.
    lines_far = [linear(quality_kpi, weight=20), plain_line(80)]
    far = wit(scored(lines_far, [mean_of(4), mean_of(80)]), 0)
    assert far.kind is WhatItWouldTakeKind.CANNOT_REACH
    assert far.max_points == 5


def test_line_at_its_maximum_says_nothing() -> None:
    result = contract_score(Aggregate(n=412, meeting=371), mean_of(5, n=10), mean_of("3.5", n=2))
    assert result.lines[1].normalized == 120
    assert result.lines[1].what_it_would_take is None
    assert wit(result, 0).kind is WhatItWouldTakeKind.CANNOT_REACH


def test_cannot_reach_points_are_counted_before_the_clamp() -> None:
    # Adjustments of -10 keep the total at 0 until the line gives 10 points back.
    result = scored([plain_line(100)], [mean_of(3)], adjustments=[F(-10)])
    assert result.total == 0
    assert wit(result, 0).raw_value == F("69.995")


def test_same_inputs_give_the_same_result() -> None:
    assert contract_score() == contract_score()


# --- §0 and §1 exactness --------------------------------------------------------------------------


def test_every_computed_number_is_an_exact_fraction() -> None:
    result = contract_score()
    assert isinstance(result.total, Fraction)
    for line in result.lines:
        for number in (line.raw_value, line.normalized, line.effective_weight, line.contribution):
            assert isinstance(number, Fraction)


def test_scoring_uses_the_raw_value_rounded_to_four_places() -> None:
    line = linear(score_kpi, weight=100, threshold=0, target=1)
    result = scored([line], [Aggregate(n=3, value_sum=F(2))])  # mean 0.666...
    assert result.lines[0].raw_value == F("0.6667")
    assert result.lines[0].normalized == F("66.67")
