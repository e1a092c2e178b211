"""SCORING.md §12: calibration figures, hand-computed."""

from __future__ import annotations

from fractions import Fraction

from service.scoring.calibration import (
    CalibrationFlag,
    PairInput,
    ReviewerFigures,
    band_distribution,
    calibrate,
    capped_p,
    qualitative_points,
    root_units,
)
from service.scoring.types import Policy

from .builders import linear, qualitative_kpi, quantitative_kpi

F = Fraction
THRESHOLD = F(10)


def pairs_of(reviewer: int, gaps: list[Fraction | int], first_employee: int = 1) -> list[PairInput]:
    """Pairs whose quantitative side is 50 and whose gap is as given."""
    return [
        PairInput(reviewer, first_employee + i, F(50) + gap, F(50)) for i, gap in enumerate(gaps)
    ]


def by_reviewer(pairs: list[PairInput]) -> dict[int, ReviewerFigures]:
    return {r.reviewer: r for r in calibrate(pairs, leniency_threshold=THRESHOLD).reviewers}


def test_reviewer_with_five_employees_clear_of_chance_is_lenient() -> None:
    # Gaps 20, 22, 18, 21, 19: mean 20, s² = (0+4+4+1+1)/4 = 5/2. Others: five at 0 and
    # five at -5, so the organisation's gap is (100 + 0 - 25) / 15 = 5 and d = 15 > 10,
    # d² = 225 > 4 · (5/2) / 5 = 2.
    pairs = (
        pairs_of(1, [20, 22, 18, 21, 19])
        + pairs_of(2, [0] * 5, first_employee=10)
        + pairs_of(3, [-5] * 5, first_employee=20)
    )
    figures = calibrate(pairs, leniency_threshold=THRESHOLD)
    assert figures.organisation_gap == 5
    lenient, steady, low = figures.reviewers
    assert (lenient.n, lenient.gap, lenient.variance) == (5, F(20), F(5, 2))
    assert lenient.standard_error == F(1, 2)  # s²/n; reported √0.5 = 0.7071… → 0.71
    assert root_units(F(1, 2)) == 71
    assert lenient.flag is CalibrationFlag.LENIENT
    assert steady.flag is CalibrationFlag.IN_LINE
    # d = -10 exactly is not "more than" 10 below: in line.
    assert low.gap == -5
    assert low.flag is CalibrationFlag.IN_LINE


def test_reviewer_below_the_organisation_by_more_than_the_threshold_is_harsh() -> None:
    # Organisation: (2 + 150 - 100) / 15 = 52/15; reviewer 3's gap is -20, s² = 1/2,
    # so d = -20 - 52/15 < -10 and d² > 4 · (1/2) / 5.
    pairs = (
        pairs_of(1, [0, 1, 0, 1, 0])
        + pairs_of(2, [30] * 5, first_employee=10)
        + pairs_of(3, [-20, -21, -20, -19, -20], first_employee=20)
    )
    figures = by_reviewer(pairs)
    organisation = F(2 + 150 - 100, 15)
    harsh = figures[3]
    assert harsh.organisation_gap == organisation
    assert harsh.flag is CalibrationFlag.HARSH


def test_reviewer_with_four_employees_is_too_few_however_large_the_gap() -> None:
    pairs = pairs_of(1, [40, 41, 40, 39]) + pairs_of(2, [0] * 5, first_employee=10)
    figures = by_reviewer(pairs)
    few = figures[1]
    assert few.n == 4
    assert few.gap == 40
    assert few.flag is CalibrationFlag.TOO_FEW
    # s² = (0+1+0+1)/3 = 2/3; s²/n = 1/6; √(1/6) = 0.408… → 0.41.
    assert few.standard_error == F(1, 6)
    assert root_units(F(1, 6)) == 41


def test_large_gap_that_is_not_clear_of_chance_is_in_line() -> None:
    # Gaps 100, -20, 100, -20, 40: mean 40, s² = 4·3600/4 = 3600, 4s²/n = 2880. The other
    # reviewer's five gaps are 0, so the organisation's gap is 20 and d = 20 > 10, but
    # d² = 400 is not more than 2880.
    pairs = pairs_of(1, [100, -20, 100, -20, 40]) + pairs_of(2, [0] * 5, first_employee=10)
    figures = by_reviewer(pairs)
    noisy = figures[1]
    assert noisy.gap == 40
    assert noisy.organisation_gap == 20
    assert noisy.variance == 3600
    assert noisy.flag is CalibrationFlag.IN_LINE


def test_employees_lacking_one_side_count_nowhere() -> None:
    pairs = [
        *pairs_of(1, [20, 22, 18, 21, 19]),
        PairInput(1, 90, F(80), None),
        PairInput(1, 91, None, F(70)),
        PairInput(4, 92, F(100), None),
    ]
    pairs += pairs_of(2, [0] * 5, first_employee=10)
    figures = calibrate(pairs, leniency_threshold=THRESHOLD)
    reviewers = {r.reviewer: r for r in figures.reviewers}
    assert reviewers[1].n == 5
    assert [p.employee for p in reviewers[1].employees] == [1, 2, 3, 4, 5]
    assert figures.organisation_gap == 10  # (100 + 0) / 10, the lacking pairs left out
    # A reviewer whose only employee lacks a side has n = 0 and no gap.
    assert reviewers[4].n == 0
    assert reviewers[4].gap is None
    assert reviewers[4].flag is CalibrationFlag.TOO_FEW


def test_several_reviewers_of_one_employee_each_count_once() -> None:
    pairs = [PairInput(1, 7, F(90), F(60)), PairInput(2, 7, F(70), F(60))]
    figures = calibrate(pairs, leniency_threshold=THRESHOLD)
    assert figures.organisation_gap == 20  # (30 + 10) / 2
    first, second = figures.reviewers
    assert (first.n, first.gap, second.n, second.gap) == (1, F(30), 1, F(10))
    assert first.standard_error is None
    assert first.flag is CalibrationFlag.TOO_FEW


qualities = qualitative_kpi("service_quality")  # 1-5
communication = qualitative_kpi("communication")


def test_qualitative_points_weigh_only_the_lines_the_reviewer_rated() -> None:
    lines = [
        linear(quantitative_kpi("csat"), weight=70, threshold=80, target=92),
        linear(qualities, weight=20),
        linear(communication, weight=10),
    ]
    # Ratings 4 and 2 on 1-5: p = 75 and 25; (20·75 + 10·25) / 30 = 175/3.
    both = qualitative_points(lines, {1: F(4), 2: F(2)}, stretch_bonus=F(20))
    assert both == F(175, 3)
    assert qualitative_points(lines, {1: F(4)}, stretch_bonus=F(20)) == 75
    assert qualitative_points(lines, {}, stretch_bonus=F(20)) is None


def test_p_above_100_is_capped_on_both_sides() -> None:
    stretched_quality = linear(qualities, weight=30, threshold=1, target=4, stretch=5)
    stretched_csat = linear(
        quantitative_kpi("csat"), weight=70, threshold=80, target=92, stretch=98
    )
    # Rating 5 would be 120 and 4.5 would be 110; CSAT 95 would be 110: all count as 100.
    assert capped_p(stretched_quality, F(5), stretch_bonus=F(20)) == 100
    assert qualitative_points([stretched_quality], {0: F("4.5")}, stretch_bonus=F(20)) == 100
    assert capped_p(stretched_csat, F(95), stretch_bonus=F(20)) == 100
    assert capped_p(stretched_csat, F(86), stretch_bonus=F(20)) == 50


def test_standard_error_rounds_half_away_from_zero_from_the_exact_root() -> None:
    # Two gaps 1/4 apart: s² = (1/4)²/2, s²/n = 1/64, √ = 0.125 exactly → 0.13.
    figures = calibrate(
        [PairInput(1, 1, F(50), F(50)), PairInput(1, 2, F("50.25"), F(50))],
        leniency_threshold=THRESHOLD,
    )
    assert figures.reviewers[0].standard_error == F(1, 64)
    assert root_units(F(1, 64)) == 13
    # Just under the boundary rounds down; 0.135 exactly rounds up to 0.14.
    assert root_units(F(1, 64) - F(1, 10**12)) == 12
    assert root_units(F("0.135") ** 2) == 14
    assert root_units(F(0)) == 0


GUIDE_POLICY = Policy(
    band_guide=(("S", F(10)), ("A", F(20)), ("B", F(40)), ("C", F(20))),
    band_guide_tolerance=F(10),
)


def test_band_guide_warns_a_group_of_five_and_counts_unnamed_bands_as_zero() -> None:
    rows = {r.band: r for r in band_distribution(["S", "S", "B", "B", "D"], GUIDE_POLICY)}
    assert (rows["S"].count, rows["S"].share, rows["S"].warning) == (2, F(40), True)
    assert rows["A"].share == 0
    assert rows["A"].warning
    assert rows["B"].share == 40
    assert not rows["B"].warning
    # D is not named: its guide share is 0 %, and 20 % is more than 10 points off.
    assert rows["D"].guide_share == 0
    assert rows["D"].warning


def test_band_guide_difference_equal_to_the_tolerance_is_not_warned() -> None:
    bands = ["S", "A", "A", "B", "B", "B", "B", "C", "C", "D"]
    rows = {r.band: r for r in band_distribution(bands, GUIDE_POLICY)}
    assert rows["D"].share == 10
    assert rows["D"].guide_share == 0
    assert not any(r.warning for r in rows.values())


def test_band_guide_never_warns_a_group_under_five_or_without_a_guide() -> None:
    assert not any(r.warning for r in band_distribution(["S"] * 4, GUIDE_POLICY))
    unguided = band_distribution(["S"] * 6, Policy())
    assert all(r.guide_share is None and not r.warning for r in unguided)
    assert unguided[0].share == 100
    assert isinstance(unguided[0].share, Fraction)
