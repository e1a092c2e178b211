"""SCORING.md §13: shadow scorecards beside the live ones, hand-computed."""

from __future__ import annotations

from fractions import Fraction

from service.scoring import Aggregate, Aggregation, Policy, ScoreStatus
from service.scoring.shadow import (
    ShadowRow,
    Side,
    not_eligible,
    shadow_side,
    summarise_shadow,
)

from .builders import linear, quantitative_kpi

F = Fraction
POLICY = Policy(min_evidence_weight=F(0))
CSAT = quantitative_kpi("csat", aggregation=Aggregation.MEAN, range_min=F(1), range_max=F(5))
SPEED = quantitative_kpi("speed", aggregation=Aggregation.MEAN)


def scored(total: Fraction | int, band: str, multiplier: str) -> Side:
    return Side(ScoreStatus.SCORED, None, F(total), band, F(multiplier))


def test_shadow_side_scores_the_same_aggregates_on_the_shadow_lines() -> None:
    # CSAT mean 4.5 on 1..5 (t 3, g 5): p = 75; speed mean 40 (t 0, g 50): p = 80.
    # Live 50/50 would be 77.5; the shadow weighs CSAT 80 and speed 20: 60 + 16 = 76.
    lines = [
        linear(CSAT, weight=80, threshold=3, target=5),
        linear(SPEED, weight=20, threshold=0, target=50),
    ]
    side = shadow_side(
        lines=lines,
        aggregates=[Aggregate(2, F(9)), Aggregate(1, F(40))],
        adjustments=[],
        policy=POLICY,
        leads_team=False,
    )
    assert (side.status, side.total, side.band, side.multiplier) == (
        ScoreStatus.SCORED,
        F(76),
        "B",
        F("1.0"),
    )


def test_live_adjustments_are_carried_into_the_shadow_as_made_and_the_total_clamped() -> None:
    # p = 100 × (4.9 - 3) / 2 = 95; adjustments +3 and +4 (7, within the default cap)
    # give 102. Then +9 more (16 in all, past today's cap of 10): as made, not re-capped,
    # 95 + 16 = 111; the total is clamped at 100 + stretch bonus = 120 only beyond it.
    lines = [linear(CSAT, weight=100, threshold=3, target=5)]
    aggregates = [Aggregate(10, F(49))]
    side = shadow_side(
        lines=lines,
        aggregates=aggregates,
        adjustments=[F(3), F(4), F(9)],
        policy=POLICY,
        leads_team=False,
    )
    assert side.total == F(111)
    assert side.band == "S"
    clamped = shadow_side(
        lines=lines,
        aggregates=aggregates,
        adjustments=[F(30)],
        policy=POLICY,
        leads_team=False,
    )
    assert clamped.total == F(120)
    floor = shadow_side(
        lines=lines,
        aggregates=aggregates,
        adjustments=[F(-100)],
        policy=POLICY,
        leads_team=False,
    )
    assert (floor.total, floor.band) == (F(0), "D")


def test_a_shadow_without_a_scored_line_is_no_data_and_keeps_the_adjustments_unapplied() -> None:
    lines = [linear(CSAT, weight=100, threshold=3, target=5, min_samples=3)]
    side = shadow_side(
        lines=lines,
        aggregates=[Aggregate(2, F(10))],
        adjustments=[F(5)],
        policy=POLICY,
        leads_team=False,
    )
    assert (side.status, side.reason, side.total, side.band) == (
        ScoreStatus.NO_DATA,
        "NO_SCORED_LINE",
        None,
        None,
    )
    assert side.bucket == "NO_DATA"


def test_change_is_shadow_minus_live_exact_and_only_for_people_scored_both_ways() -> None:
    row = ShadowRow(1, scored(F(2501, 30), "C", "0.8"), scored(F(861, 10), "A", "1.2"))
    # 86.1 - 83.3666… = 2.7333…: exact, reported 2.73 by whoever shows it.
    assert row.change == F(861, 10) - F(2501, 30) == F(41, 15)
    assert row.moves
    no_data = ShadowRow(2, Side(ScoreStatus.NO_DATA, "NO_SCORED_LINE"), scored(70, "B", "1.0"))
    assert no_data.change is None
    assert no_data.moves


def test_shift_matrix_counts_bands_and_statuses_on_both_sides() -> None:
    rows = [
        ShadowRow(1, scored(90, "A", "1.2"), scored(96, "S", "1.5")),  # A -> S
        ShadowRow(2, scored(88, "A", "1.2"), scored(86, "A", "1.2")),  # A -> A
        ShadowRow(3, scored(72, "B", "1.0"), Side(ScoreStatus.NO_DATA, "NOT_ENOUGH_EVIDENCE")),
        ShadowRow(4, Side(ScoreStatus.NO_DATA, "NO_SCORED_LINE"), scored(61, "C", "0.8")),
        ShadowRow(5, not_eligible("NO_SCORECARD"), scored(50, "D", "0.5")),
        ShadowRow(6, not_eligible("EMPLOYED_TOO_FEW_DAYS"), not_eligible("EMPLOYED_TOO_FEW_DAYS")),
    ]
    summary = summarise_shadow(rows, POLICY)
    assert summary.categories == ("S", "A", "B", "C", "D", "NO_DATA", "NOT_ELIGIBLE")
    assert len(summary.shift_matrix) == 49
    assert summary.count("A", "S") == 1
    assert summary.count("A", "A") == 1
    assert summary.count("B", "NO_DATA") == 1
    assert summary.count("NO_DATA", "C") == 1
    assert summary.count("NOT_ELIGIBLE", "D") == 1
    assert summary.count("NOT_ELIGIBLE", "NOT_ELIGIBLE") == 1
    assert sum(cell.count for cell in summary.shift_matrix) == 6
    # Mean change over the two scored both ways: (6 + -2) / 2 = 2.
    assert summary.mean_change == 2
    # Bonus budget: live 1.2 + 1.2 + 1.0 = 3.4; shadow 1.5 + 1.2 + 0.8 + 0.5 = 4.0.
    assert summary.live_multiplier_sum == F("3.4")
    assert summary.shadow_multiplier_sum == F("4.0")
    assert [row.employee_id for row in summary.rows if row.moves] == [1, 3, 4, 5]


def test_nobody_scored_both_ways_has_no_mean_change() -> None:
    rows = [ShadowRow(1, not_eligible("NOT_IN_SCOPE"), not_eligible("NOT_IN_SCOPE"))]
    summary = summarise_shadow(rows, POLICY)
    assert summary.mean_change is None
    assert summary.live_multiplier_sum == summary.shadow_multiplier_sum == 0


def test_a_band_the_policy_no_longer_has_still_gets_its_row_in_the_matrix() -> None:
    rows = [ShadowRow(1, scored(99, "X", "2"), scored(99, "S", "1.5"))]
    summary = summarise_shadow(rows, POLICY)
    assert summary.categories == ("S", "A", "B", "C", "D", "X", "NO_DATA", "NOT_ELIGIBLE")
    assert summary.count("X", "S") == 1
