"""SCORING.md §11 by hand: the SMART letters, the comparable previous cycle, progress
and status around the due day in the organisation's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from service.scoring.goals import (
    GoalMeasure,
    GoalStatus,
    SmartResult,
    check_achievable,
    check_measurable,
    check_relevant,
    check_specific,
    check_time_bound,
    goal_progress,
    has_cjk,
    smart_message,
)
from service.scoring.periods import CycleSpan, comparable_previous_cycle
from service.scoring.types import Aggregation, Direction, Kpi, KpiKind

F = Fraction
SHANGHAI = "Asia/Shanghai"


PARAMS = {
    Aggregation.SHARE_AT_LEAST: F(4),
    Aggregation.SHARE_AT_MOST: F(2),
    Aggregation.PERCENTILE: F(90),
}


def kpi(
    aggregation: Aggregation,
    direction: Direction = Direction.HIGHER_IS_BETTER,
    *,
    low: str | None = None,
    high: str | None = None,
    name: str = "Customer satisfaction",
    name_zh: str = "客户满意度",
) -> Kpi:
    rated = aggregation is Aggregation.REVIEW_MEAN
    return Kpi(
        code="k",
        name=name,
        name_zh=name_zh,
        kind=KpiKind.QUALITATIVE if rated else KpiKind.QUANTITATIVE,
        unit="",
        direction=direction,
        aggregation=aggregation,
        aggregation_param=PARAMS.get(aggregation),
        range_min=None if low is None else F(low),
        range_max=None if high is None else F(high),
    )


# --- S ---------------------------------------------------------------------------


def test_specific_needs_eight_code_points_after_trimming() -> None:
    assert check_specific("  Do more ", ()).result is SmartResult.ERROR  # 7
    assert check_specific("  Do more! ", ()).result is SmartResult.OK  # 8


def test_specific_needs_only_four_code_points_with_a_han_character() -> None:
    assert check_specific("提高满意", ()).result is SmartResult.OK
    assert check_specific("提高满", ()).code == "TITLE_TOO_SHORT"


@pytest.mark.parametrize("title", ["ひらがな", "カタカナ", "한국어로", "CSAT高"])
def test_hiragana_katakana_hangul_and_mixed_titles_count_as_cjk(title: str) -> None:
    assert has_cjk(title)
    assert check_specific(title, ()).result is SmartResult.OK


def test_specific_refuses_more_than_two_hundred_code_points() -> None:
    assert check_specific("x" * 200, ()).result is SmartResult.OK
    assert check_specific("x" * 201, ()).code == "TITLE_TOO_LONG"


def test_specific_refuses_the_kpi_name_in_either_language_case_folded() -> None:
    names = ("Customer Satisfaction", "客户满意度")
    assert check_specific("customer satisfaction", names).code == "TITLE_IS_KPI_NAME"
    assert check_specific(" 客户满意度 ", names).code == "TITLE_IS_KPI_NAME"
    assert check_specific("CUSTOMER SATISFACTION to 92 %", names).result is SmartResult.OK
    # Case folding, not lower-casing: the German sharp s folds to "ss".
    assert check_specific("STRASSE REPAIRS", ("straße repairs",)).code == "TITLE_IS_KPI_NAME"


# --- M ---------------------------------------------------------------------------


def test_a_share_target_lies_between_0_and_100() -> None:
    measure = GoalMeasure(kpi=kpi(Aggregation.SHARE_AT_LEAST))
    assert check_measurable(measure, F(100)).result is SmartResult.OK
    assert check_measurable(measure, F(0)).result is SmartResult.OK
    assert check_measurable(measure, F("100.01")).code == "TARGET_OUT_OF_RANGE"
    assert check_measurable(measure, F(-1)).code == "TARGET_OUT_OF_RANGE"


def test_mean_and_percentile_targets_lie_in_the_kpis_valid_range() -> None:
    mean = GoalMeasure(kpi=kpi(Aggregation.MEAN, low="1", high="5"))
    assert check_measurable(mean, F(5)).result is SmartResult.OK
    assert check_measurable(mean, F("5.5")).code == "TARGET_OUT_OF_RANGE"
    assert check_measurable(mean, F("0.5")).code == "TARGET_OUT_OF_RANGE"
    unbounded = GoalMeasure(kpi=kpi(Aggregation.PERCENTILE, Direction.LOWER_IS_BETTER))
    assert check_measurable(unbounded, F(-10_000)).result is SmartResult.OK


def test_a_count_target_is_a_whole_number_of_at_least_zero() -> None:
    count = GoalMeasure(kpi=kpi(Aggregation.COUNT, Direction.LOWER_IS_BETTER))
    assert check_measurable(count, F(0)).result is SmartResult.OK
    assert check_measurable(count, F(3)).result is SmartResult.OK
    assert check_measurable(count, F("2.5")).code == "TARGET_NOT_WHOLE"
    assert check_measurable(count, F(-1)).code == "TARGET_OUT_OF_RANGE"


def test_a_sum_target_is_at_least_zero_only_when_the_range_starts_at_zero_or_above() -> None:
    bounded = GoalMeasure(kpi=kpi(Aggregation.SUM, low="0"))
    assert check_measurable(bounded, F(-1)).code == "TARGET_OUT_OF_RANGE"
    assert check_measurable(bounded, F("2.5")).result is SmartResult.OK
    free = GoalMeasure(kpi=kpi(Aggregation.SUM, low="-5"))
    assert check_measurable(free, F(-100)).result is SmartResult.OK


def test_a_manual_target_lies_in_its_range_when_it_has_one() -> None:
    ranged = GoalMeasure(unit="visits", range_min=F(0), range_max=F(10))
    assert check_measurable(ranged, F(10)).result is SmartResult.OK
    assert check_measurable(ranged, F(11)).code == "TARGET_OUT_OF_RANGE"
    assert check_measurable(GoalMeasure(unit="visits"), F(10**6)).result is SmartResult.OK


def test_measurable_refuses_no_measure_no_target_and_a_review_mean_kpi() -> None:
    assert check_measurable(None, F(1)).code == "NO_MEASURE"
    assert check_measurable(GoalMeasure(kpi=kpi(Aggregation.MEAN)), None).code == "NO_TARGET"
    reviewed = GoalMeasure(kpi=kpi(Aggregation.REVIEW_MEAN))
    assert check_measurable(reviewed, F(4)).code == "REVIEW_MEAN_KPI"


# --- A ---------------------------------------------------------------------------


def test_achievable_warns_when_the_target_beats_the_best_previous_value() -> None:
    higher = GoalMeasure(kpi=kpi(Aggregation.SHARE_AT_LEAST))
    found = check_achievable(higher, F(96), None, F("95.5"))
    assert (found.result, found.code) == (SmartResult.WARNING, "TARGET_BEYOND_BEST")
    # Equal to the best is not beating it ("more than" is strict).
    assert check_achievable(higher, F("95.5"), None, F("95.5")).result is SmartResult.OK
    lower = GoalMeasure(kpi=kpi(Aggregation.PERCENTILE, Direction.LOWER_IS_BETTER))
    assert check_achievable(lower, F(4), None, F(5)).code == "TARGET_BEYOND_BEST"
    assert check_achievable(lower, F(6), None, F(5)).result is SmartResult.OK


def test_achievable_warns_when_the_target_is_on_the_wrong_side_of_the_baseline() -> None:
    higher = GoalMeasure(kpi=kpi(Aggregation.SHARE_AT_LEAST))
    assert check_achievable(higher, F(80), F(85), None).code == "TARGET_WORSE_THAN_BASELINE"
    assert check_achievable(higher, F(85), F(85), None).result is SmartResult.OK
    lower = GoalMeasure(unit="min", direction=Direction.LOWER_IS_BETTER)
    assert check_achievable(lower, F(12), F(10), None).code == "TARGET_WORSE_THAN_BASELINE"
    assert check_achievable(lower, F(8), F(10), None).result is SmartResult.OK


# --- R ---------------------------------------------------------------------------


def test_relevant_needs_the_kpi_on_the_scorecard() -> None:
    measure = GoalMeasure(kpi=kpi(Aggregation.MEAN))
    assert (
        check_relevant(
            measure,
            scorecard_kpi_codes=frozenset({"k"}),
            related_kpi_code=None,
            serves_team_goal=False,
            team_goal=False,
        ).result
        is SmartResult.OK
    )
    assert (
        check_relevant(
            measure,
            scorecard_kpi_codes=frozenset({"other"}),
            related_kpi_code=None,
            serves_team_goal=False,
            team_goal=True,
        ).code
        == "KPI_NOT_ON_TEAM_SCORECARD"
    )


def test_a_manual_goal_is_relevant_through_a_team_goal_or_a_scorecard_kpi() -> None:
    manual = GoalMeasure(unit="visits")
    codes = frozenset({"k"})

    def check(related: str | None, serves: bool) -> str:
        return check_relevant(
            manual,
            scorecard_kpi_codes=codes,
            related_kpi_code=related,
            serves_team_goal=serves,
            team_goal=False,
        ).code

    assert check(None, True) == "OK"
    assert check("k", False) == "OK"
    assert check("other", False) == "KPI_NOT_ON_OWNER_SCORECARD"
    assert check(None, False) == "MANUAL_NAMES_NOTHING"


# --- T ---------------------------------------------------------------------------


def test_time_bound_needs_a_due_date_inside_the_cycle_and_not_in_the_past() -> None:
    def check(due: date | None, changed: bool = True) -> str:
        return check_time_bound(
            due,
            cycle_starts_on=date(2026, 1, 1),
            cycle_ends_on=date(2026, 3, 31),
            today=date(2026, 2, 10),
            due_changed=changed,
        ).code

    assert check(date(2026, 3, 31)) == "OK"
    assert check(date(2026, 2, 10)) == "OK"  # today itself
    assert check(date(2026, 4, 1)) == "DUE_OUTSIDE_CYCLE"
    assert check(date(2026, 2, 9)) == "DUE_IN_THE_PAST"
    # An unchanged due date that has passed is no error (the goal was due then).
    assert check(date(2026, 2, 9), changed=False) == "OK"
    assert check(None) == "NO_DUE_DATE"


def test_every_finding_has_a_sentence_in_both_languages() -> None:
    found = check_measurable(GoalMeasure(kpi=kpi(Aggregation.SHARE_AT_LEAST)), F(120))
    assert smart_message(found, "en") == (
        "The target 120 is outside the values the measure can take (0 to 100)."
    )
    assert smart_message(found, "zh-CN") == "目标值 120 超出了该衡量可取的范围（0 至 100）。"
    free = check_measurable(GoalMeasure(unit="x", range_min=F(0)), F(-1))
    assert smart_message(free, "en").endswith("(0 to no limit).")


# --- the comparable previous cycle -------------------------------------------------


def cycle(code: str, first: date, last: date, finalized: bool = True) -> CycleSpan:
    return CycleSpan(code, first, last, finalized)


def test_the_comparable_previous_cycle_is_the_latest_finalized_one_of_similar_length() -> None:
    q2 = cycle("2026-Q2", date(2026, 4, 1), date(2026, 6, 30), False)  # 91 days
    q1 = cycle("2026-Q1", date(2026, 1, 1), date(2026, 3, 31))  # 90 days
    march = cycle("2026-03", date(2026, 3, 1), date(2026, 3, 31))  # 31 days: too short
    q4 = cycle("2025-Q4", date(2025, 10, 1), date(2025, 12, 31))
    open_q1b = cycle("2026-Q1b", date(2026, 1, 1), date(2026, 3, 31), False)
    assert comparable_previous_cycle(q2, [q4, march, q1, open_q1b]) == q1
    assert comparable_previous_cycle(q2, [march, open_q1b]) is None


def test_length_within_three_days_and_ties_by_code_point_order() -> None:
    this = cycle("C", date(2026, 4, 1), date(2026, 4, 30), False)  # 30 days
    a = cycle("b-early", date(2026, 3, 1), date(2026, 3, 30))  # 30 days
    b = cycle("B-late", date(2026, 2, 27), date(2026, 3, 30))  # 32 days, same end
    too_long = cycle("A", date(2026, 2, 25), date(2026, 3, 31))  # 35 days
    # "B" (0x42) sorts before "b" (0x62) in code points.
    assert comparable_previous_cycle(this, [a, b, too_long]) == b
    overlapping = cycle("D", date(2026, 3, 5), date(2026, 4, 3))
    assert comparable_previous_cycle(this, [overlapping]) is None


# --- progress and status -----------------------------------------------------------

CYCLE_START = date(2026, 1, 1)
DUE = date(2026, 1, 10)  # D = 10 days from the cycle's first day


def at_local(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(SHANGHAI))


def progress(
    measure: GoalMeasure,
    *,
    target: str,
    current: str | None,
    baseline: str | None = None,
    at: datetime,
    accepted_on: date = CYCLE_START,
    due_on: date = DUE,
) -> tuple[str, GoalStatus]:
    found = goal_progress(
        measure=measure,
        target=F(target),
        baseline=None if baseline is None else F(baseline),
        current=None if current is None else F(current),
        due_on=due_on,
        accepted_on=accepted_on,
        cycle_starts_on=CYCLE_START,
        at=at,
        timezone=SHANGHAI,
    )
    return found.reported, found.status


COUNT_UP = GoalMeasure(kpi=kpi(Aggregation.COUNT))
SUM_UP = GoalMeasure(kpi=kpi(Aggregation.SUM, low="0"))
COUNT_DOWN = GoalMeasure(kpi=kpi(Aggregation.COUNT, Direction.LOWER_IS_BETTER))
SHARE_UP = GoalMeasure(kpi=kpi(Aggregation.SHARE_AT_LEAST))
MEAN_UP = GoalMeasure(kpi=kpi(Aggregation.MEAN, low="1", high="5"))
P90_DOWN = GoalMeasure(kpi=kpi(Aggregation.PERCENTILE, Direction.LOWER_IS_BETTER))
MANUAL_UP = GoalMeasure(unit="visits")
MANUAL_DOWN = GoalMeasure(unit="min", direction=Direction.LOWER_IS_BETTER)


def test_no_current_value_is_progress_zero() -> None:
    # Day 3 of 10: elapsed 20, progress 0: 20 - 0 is not more than 25.
    assert progress(SHARE_UP, target="90", current=None, at=at_local(date(2026, 1, 3))) == (
        "0.00",
        GoalStatus.ON_TRACK,
    )
    # Day 5: elapsed 40 - 0 > 25.
    assert progress(SHARE_UP, target="90", current=None, at=at_local(date(2026, 1, 5)))[1] is (
        GoalStatus.AT_RISK
    )


def test_cumulative_higher_is_current_over_target() -> None:
    day6 = at_local(date(2026, 1, 6))  # E = 5, elapsed 50
    assert progress(COUNT_UP, target="30", current="7", at=day6) == ("23.33", GoalStatus.AT_RISK)
    assert progress(COUNT_UP, target="30", current="8", at=day6) == ("26.67", GoalStatus.ON_TRACK)
    assert progress(SUM_UP, target="2.5", current="2.5", at=day6) == ("100.00", GoalStatus.ACHIEVED)
    assert progress(COUNT_UP, target="30", current="45", at=day6) == ("100.00", GoalStatus.ACHIEVED)


def test_cumulative_higher_with_a_target_of_zero_is_all_or_nothing() -> None:
    day2 = at_local(date(2026, 1, 2))
    assert progress(COUNT_UP, target="0", current="0", at=day2) == ("100.00", GoalStatus.ACHIEVED)
    free_sum = GoalMeasure(kpi=kpi(Aggregation.SUM))
    assert progress(free_sum, target="-2", current="-3", at=day2) == ("0.00", GoalStatus.ON_TRACK)
    assert progress(free_sum, target="-2", current="-1", at=day2) == ("100.00", GoalStatus.ACHIEVED)


def test_cumulative_lower_follows_the_calendar_until_the_target_is_passed() -> None:
    day4 = at_local(date(2026, 1, 4))  # E = 3 of 10: elapsed 30
    assert progress(COUNT_DOWN, target="2", current="2", at=day4) == ("30.00", GoalStatus.ON_TRACK)
    assert progress(COUNT_DOWN, target="2", current="3", at=day4) == ("0.00", GoalStatus.MISSED)
    # Achieved only once the due day has ended.
    due_day = at_local(DUE, 23, 59)
    assert progress(COUNT_DOWN, target="2", current="1", at=due_day) == (
        "90.00",
        GoalStatus.ON_TRACK,
    )
    after = at_local(date(2026, 1, 11), 0, 0)
    assert progress(COUNT_DOWN, target="2", current="1", at=after) == (
        "100.00",
        GoalStatus.ACHIEVED,
    )


def test_other_measures_move_from_the_baseline_to_the_target() -> None:
    day6 = at_local(date(2026, 1, 6))  # elapsed 50
    # (88 - 80) / (92 - 80) = 66.666... -> 66.67
    assert progress(SHARE_UP, target="92", baseline="80", current="88", at=day6) == (
        "66.67",
        GoalStatus.ON_TRACK,
    )
    # Below the baseline is clamped to 0.
    assert progress(SHARE_UP, target="92", baseline="80", current="70", at=day6) == (
        "0.00",
        GoalStatus.AT_RISK,
    )
    # Lower is better: (12 - 10) / (8 - 10) ... current 9: (9 - 10) / (8 - 10) = 50 %.
    assert progress(P90_DOWN, target="8", baseline="10", current="9", at=day6) == (
        "50.00",
        GoalStatus.ON_TRACK,
    )
    assert progress(MANUAL_DOWN, target="8", baseline="10", current="8", at=day6) == (
        "100.00",
        GoalStatus.ACHIEVED,
    )
    assert progress(MEAN_UP, target="4.5", baseline="4", current="4.1", at=day6) == (
        "20.00",
        GoalStatus.AT_RISK,
    )


def test_a_baseline_on_the_wrong_side_or_equal_to_the_target_is_all_or_nothing() -> None:
    day2 = at_local(date(2026, 1, 2))
    # Baseline 95 already beats the target 90: progress jumps only once 90 is met.
    assert progress(SHARE_UP, target="90", baseline="95", current="89", at=day2) == (
        "0.00",
        GoalStatus.ON_TRACK,
    )
    assert progress(SHARE_UP, target="90", baseline="95", current="90", at=day2) == (
        "100.00",
        GoalStatus.ACHIEVED,
    )
    assert progress(MANUAL_UP, target="5", baseline="5", current="4", at=day2)[0] == "0.00"
    assert progress(MANUAL_UP, target="5", current="6", at=day2)[0] == "100.00"


def test_status_around_the_due_day_in_the_organisations_time_zone() -> None:
    # The due day 10 January ends at 16:00 UTC (midnight in Shanghai).
    last_minute = datetime(2026, 1, 10, 15, 59, tzinfo=UTC)
    first_minute_after = datetime(2026, 1, 10, 16, 0, tzinfo=UTC)
    assert progress(SHARE_UP, target="90", baseline="80", current="89", at=last_minute) == (
        "90.00",
        GoalStatus.ON_TRACK,
    )
    assert progress(SHARE_UP, target="90", baseline="80", current="89", at=first_minute_after) == (
        "90.00",
        GoalStatus.MISSED,
    )
    # Met on the last minute: achieved, and still achieved after.
    assert progress(SHARE_UP, target="90", current="90", at=first_minute_after)[1] is (
        GoalStatus.ACHIEVED
    )


def test_elapsed_counts_from_acceptance_and_risk_needs_more_than_the_margin() -> None:
    # Accepted on 6 January: start 6th, D = 5 days; on the 8th E = 2, elapsed 40.
    day8 = at_local(date(2026, 1, 8))
    accepted = date(2026, 1, 6)
    assert progress(
        SHARE_UP, target="90", baseline="80", current="81.5", at=day8, accepted_on=accepted
    ) == ("15.00", GoalStatus.ON_TRACK)  # 40 - 15 = 25: not more than 25
    assert progress(
        SHARE_UP, target="90", baseline="80", current="81.4", at=day8, accepted_on=accepted
    ) == ("14.00", GoalStatus.AT_RISK)
    # Accepted after the due date: start is the due date (D = 1).
    late = goal_progress(
        measure=SHARE_UP,
        target=F(90),
        baseline=None,
        current=None,
        due_on=DUE,
        accepted_on=date(2026, 2, 1),
        cycle_starts_on=CYCLE_START,
        at=at_local(DUE),
        timezone=SHANGHAI,
    )
    assert late.elapsed == 0
    # Accepted before the cycle: start is the cycle's first day.
    early = goal_progress(
        measure=SHARE_UP,
        target=F(90),
        baseline=None,
        current=None,
        due_on=DUE,
        accepted_on=date(2025, 12, 1),
        cycle_starts_on=CYCLE_START,
        at=at_local(date(2025, 12, 20)),
        timezone=SHANGHAI,
    )
    assert early.elapsed == 0
