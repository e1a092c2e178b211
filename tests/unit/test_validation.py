"""SCORING.md §8 (and §3's orders): scorecard and KPI rules checked when saved."""

from __future__ import annotations

from fractions import Fraction

import pytest

from service.scoring import (
    CUSTOMER_SATISFACTION_TAG,
    Aggregation,
    Direction,
    Kpi,
    KpiKind,
    Method,
    Policy,
    Scope,
    ScorecardIssue,
    ScorecardLine,
    check_kpi,
    check_scorecard,
)

from .builders import LOWER, F, bands, binary, linear, qualitative_kpi, quantitative_kpi

POLICY = Policy()
csat_kpi = quantitative_kpi(
    "csat",
    aggregation=Aggregation.SHARE_AT_LEAST,
    param=F(4),
    tags=frozenset({CUSTOMER_SATISFACTION_TAG}),
)
response_kpi = quantitative_kpi("first_response_minutes", direction=LOWER)
completion_kpi = quantitative_kpi("task_completion")
quality_kpi = qualitative_kpi("service_quality")


def csat(weight: int, scope: Scope = Scope.INDIVIDUAL) -> ScorecardLine:
    return linear(csat_kpi, weight=weight, threshold=80, target=92, scope=scope)


def response(weight: int) -> ScorecardLine:
    return linear(response_kpi, weight=weight, threshold=30, target=10, stretch=5)


def completion(weight: int) -> ScorecardLine:
    return linear(completion_kpi, weight=weight, threshold=0, target=100)


def quality(weight: int) -> ScorecardLine:
    return linear(quality_kpi, weight=weight)


def codes(issues: list[ScorecardIssue]) -> list[str]:
    return [issue.code for issue in issues]


def errors_of(*lines: ScorecardLine) -> list[ScorecardIssue]:
    return check_scorecard(lines, POLICY, holder_leads_team=False)[0]


def warnings_of(*lines: ScorecardLine, policy: Policy = POLICY) -> list[ScorecardIssue]:
    return check_scorecard(lines, policy, holder_leads_team=False)[1]


def only(issues: list[ScorecardIssue], code: str) -> ScorecardIssue:
    matching = [issue for issue in issues if issue.code == code]
    assert len(matching) == 1, issues
    return matching[0]


def test_a_balanced_scorecard_has_no_errors_and_no_warnings() -> None:
    assert check_scorecard(
        [csat(40), response(30), quality(30)], POLICY, holder_leads_team=False
    ) == ([], [])


# --- errors ---------------------------------------------------------------------------


def test_scorecard_without_lines_is_an_error() -> None:
    errors, warnings = check_scorecard([], POLICY, holder_leads_team=False)
    assert codes(errors) == ["NO_LINES"]
    assert errors[0].field == "lines"
    assert warnings == []


def test_same_kpi_twice_at_the_same_scope_is_an_error() -> None:
    issue = only(errors_of(csat(40), csat(30), quality(30)), "DUPLICATE_KPI_SCOPE")
    assert (issue.field, issue.line_index) == ("lines[1].kpiCode", 1)


def test_same_kpi_once_per_scope_is_allowed() -> None:
    assert errors_of(csat(35), csat(10, Scope.TEAM), response(25), quality(30)) == []


@pytest.mark.parametrize("weight", [0, -10])
def test_weight_at_or_below_zero_is_an_error(weight: int) -> None:
    issue = only(errors_of(csat(100 - weight), quality(weight)), "WEIGHT_NOT_POSITIVE")
    assert issue.field == "lines[1].weight"


def test_weights_not_adding_up_to_exactly_100_is_an_error() -> None:
    issue = only(errors_of(csat(40), response(30), quality(29)), "WEIGHTS_NOT_100")
    assert issue.field == "lines"
    assert "99" in issue.message


def test_fractional_weights_adding_up_to_exactly_100_are_fine() -> None:
    third = linear(completion_kpi, weight=Fraction(100, 3), threshold=0, target=100)
    lines = [third, linear(response_kpi, weight=Fraction(100, 3), threshold=30, target=10)]
    assert errors_of(*lines, linear(quality_kpi, weight=Fraction(100, 3))) == []


def test_higher_is_better_target_not_above_threshold_is_an_error() -> None:
    line = linear(completion_kpi, threshold=90, target=90)
    issue = only(errors_of(line), "TARGET_NOT_BETTER_THAN_THRESHOLD")
    assert issue.field == "lines[0].target"


def test_higher_is_better_stretch_not_above_target_is_an_error() -> None:
    line = linear(completion_kpi, threshold=50, target=90, stretch=85)
    assert only(errors_of(line), "STRETCH_NOT_BETTER_THAN_TARGET").field == "lines[0].stretch"


def test_lower_is_better_target_above_threshold_is_an_error() -> None:
    line = linear(response_kpi, threshold=10, target=30)
    issue = only(errors_of(line), "TARGET_NOT_BETTER_THAN_THRESHOLD")
    assert "lower" in issue.message


def test_lower_is_better_stretch_above_target_is_an_error() -> None:
    line = linear(response_kpi, threshold=30, target=10, stretch=12)
    assert codes(errors_of(line)) == ["STRETCH_NOT_BETTER_THAN_TARGET"]


def test_lower_is_better_threshold_above_target_above_stretch_is_fine() -> None:
    assert errors_of(linear(response_kpi, threshold=30, target=10, stretch=5)) == []


def test_linear_line_without_threshold_or_target_is_an_error() -> None:
    assert codes(errors_of(linear(completion_kpi, target=90))) == ["THRESHOLD_MISSING"]
    assert codes(errors_of(linear(completion_kpi, threshold=50))) == ["TARGET_MISSING"]


def test_qualitative_linear_line_without_threshold_and_target_uses_its_scale() -> None:
    assert errors_of(linear(quality_kpi)) == []


def test_qualitative_threshold_at_the_top_of_its_scale_is_an_error() -> None:
    issue = only(errors_of(linear(quality_kpi, threshold=5)), "TARGET_NOT_BETTER_THAN_THRESHOLD")
    assert issue.field == "lines[0].target"


def test_binary_line_needs_a_target() -> None:
    line = ScorecardLine(
        kpi=completion_kpi, scope=Scope.INDIVIDUAL, weight=F(100), method=Method.BINARY
    )
    assert codes(errors_of(line)) == ["TARGET_MISSING"]
    assert errors_of(binary(completion_kpi, target=90)) == []


def test_bands_line_without_bands_is_an_error() -> None:
    assert codes(errors_of(bands(completion_kpi, []))) == ["BANDS_EMPTY"]


def test_bands_must_list_the_best_bound_first_for_higher_is_better() -> None:
    issue = only(errors_of(bands(completion_kpi, [(80, 60), (90, 50)])), "BANDS_NOT_ORDERED")
    assert issue.field == "lines[0].bands[1].bound"


def test_bands_must_list_the_lowest_bound_first_for_lower_is_better() -> None:
    assert errors_of(bands(response_kpi, [(5, 100), (10, 70)])) == []
    assert codes(errors_of(bands(response_kpi, [(10, 100), (5, 70)]))) == ["BANDS_NOT_ORDERED"]


def test_equal_band_bounds_are_an_error() -> None:
    assert codes(errors_of(bands(completion_kpi, [(90, 100), (90, 50)]))) == ["BANDS_NOT_ORDERED"]


def test_band_points_rising_down_the_list_is_an_error() -> None:
    issue = only(errors_of(bands(completion_kpi, [(90, 50), (80, 60)])), "BAND_POINTS_RISING")
    assert issue.field == "lines[0].bands[1].points"


def test_equal_band_points_down_the_list_are_fine() -> None:
    assert errors_of(bands(completion_kpi, [(90, 50), (80, 50)])) == []


def test_band_points_must_lie_within_0_and_100_plus_stretch_bonus() -> None:
    assert errors_of(bands(completion_kpi, [(95, 120), (90, 0)])) == []
    too_high = errors_of(bands(completion_kpi, [(95, 121)]))
    assert codes(too_high) == ["BAND_POINTS_OUT_OF_RANGE"]
    assert too_high[0].field == "lines[0].bands[0].points"
    assert codes(errors_of(bands(completion_kpi, [(95, -1)]))) == ["BAND_POINTS_OUT_OF_RANGE"]


def test_qualitative_kpi_at_team_scope_is_an_error() -> None:
    team_quality = linear(quality_kpi, scope=Scope.TEAM)
    assert only(errors_of(team_quality), "QUALITATIVE_AT_TEAM_SCOPE").field == "lines[0].scope"


def test_min_samples_below_one_is_an_error() -> None:
    line = linear(completion_kpi, threshold=0, target=100, min_samples=0)
    assert only(errors_of(line), "MIN_SAMPLES_BELOW_ONE").field == "lines[0].minSamples"


def test_line_messages_name_the_line_counting_from_one() -> None:
    issue = only(errors_of(csat(40), csat(30), quality(30)), "DUPLICATE_KPI_SCOPE")
    assert issue.message.startswith("Line 2 (csat, INDIVIDUAL): ")


def test_every_message_is_a_sentence_saying_what_to_do() -> None:
    broken = [
        csat(40),
        csat(0),
        linear(response_kpi, weight=30, threshold=1, target=2),
        bands(quality_kpi, [], weight=30, scope=Scope.TEAM),
    ]
    errors = errors_of(*broken)
    warnings = warnings_of(csat(100))
    assert (len(errors), len(warnings)) == (5, 4)
    for issue in errors + warnings:
        assert issue.message[0].isupper(), issue.message
        assert issue.message.endswith("."), issue.message
        assert "; " in issue.message or issue.code == "NO_LINES", issue.message
        assert issue.code.replace("_", "").isupper()


# --- warnings ----------------------------------------------------------------------


def test_quantitative_share_off_target_by_more_than_the_tolerance_warns() -> None:
    issue = only(warnings_of(csat(41), completion(40), quality(19)), "QUANT_SHARE_OFF_TARGET")
    assert issue.field == "lines"
    assert "81" in issue.message


def test_quantitative_share_exactly_at_the_tolerance_does_not_warn() -> None:
    assert "QUANT_SHARE_OFF_TARGET" not in codes(warnings_of(csat(40), completion(40), quality(20)))
    assert "QUANT_SHARE_OFF_TARGET" not in codes(warnings_of(csat(40), completion(20), quality(40)))
    assert "QUANT_SHARE_OFF_TARGET" in codes(warnings_of(csat(40), completion(19), quality(41)))


def test_customer_satisfaction_share_outside_its_range_warns() -> None:
    assert "CSAT_SHARE_OUT_OF_RANGE" in codes(warnings_of(csat(39), completion(31), quality(30)))
    assert "CSAT_SHARE_OUT_OF_RANGE" in codes(warnings_of(csat(51), completion(19), quality(30)))


def test_customer_satisfaction_share_at_either_end_of_its_range_does_not_warn() -> None:
    assert "CSAT_SHARE_OUT_OF_RANGE" not in codes(
        warnings_of(csat(50), completion(20), quality(30))
    )
    assert "CSAT_SHARE_OUT_OF_RANGE" not in codes(
        warnings_of(csat(40), completion(30), quality(30))
    )


def test_customer_satisfaction_share_counts_both_scopes() -> None:
    lines = (csat(35), csat(10, Scope.TEAM), completion(25), quality(30))
    assert "CSAT_SHARE_OUT_OF_RANGE" not in codes(warnings_of(*lines))


def test_the_policys_csat_kpi_counts_as_customer_satisfaction_without_the_tag() -> None:
    untagged = linear(completion_kpi, weight=40, threshold=0, target=100)
    lines = (untagged, response(30), quality(30))
    assert "CSAT_SHARE_OUT_OF_RANGE" in codes(warnings_of(*lines))
    policy = Policy(csat_kpi_code="task_completion")
    assert "CSAT_SHARE_OUT_OF_RANGE" not in codes(warnings_of(*lines, policy=policy))


def test_single_line_above_the_maximum_share_warns() -> None:
    issue = only(warnings_of(csat(61), quality(39)), "SINGLE_LINE_OVER_MAX")
    assert (issue.field, issue.line_index) == ("lines[0].weight", 0)
    assert "SINGLE_LINE_OVER_MAX" not in codes(warnings_of(csat(60), quality(40)))


def test_scorecard_without_a_qualitative_line_warns() -> None:
    issue = only(warnings_of(csat(40), completion(30), response(30)), "NO_QUALITATIVE_LINE")
    assert issue.field == "lines"


def test_warnings_do_not_stop_the_save() -> None:
    errors, warnings = check_scorecard([csat(100)], POLICY, holder_leads_team=False)
    assert errors == []
    assert set(codes(warnings)) == {
        "QUANT_SHARE_OFF_TARGET",
        "CSAT_SHARE_OUT_OF_RANGE",
        "SINGLE_LINE_OVER_MAX",
        "NO_QUALITATIVE_LINE",
    }


# --- KPIs ----------------------------------------------------------------------------


def kpi_with(**changes: object) -> Kpi:
    base: dict[str, object] = {
        "code": "k",
        "name": "K",
        "kind": KpiKind.QUANTITATIVE,
        "unit": "",
        "direction": Direction.HIGHER_IS_BETTER,
        "aggregation": Aggregation.MEAN,
    }
    base.update(changes)
    return Kpi(**base)  # type: ignore[arg-type]


def test_a_well_formed_kpi_has_no_issues() -> None:
    assert check_kpi(csat_kpi) == []
    assert check_kpi(quality_kpi) == []
    assert check_kpi(response_kpi) == []


def test_qualitative_kpi_must_be_higher_is_better() -> None:
    kpi = kpi_with(
        kind=KpiKind.QUALITATIVE,
        direction=Direction.LOWER_IS_BETTER,
        aggregation=Aggregation.REVIEW_MEAN,
    )
    assert codes(check_kpi(kpi)) == ["QUALITATIVE_MUST_BE_HIGHER_IS_BETTER"]


def test_qualitative_kpi_must_use_review_mean() -> None:
    kpi = kpi_with(kind=KpiKind.QUALITATIVE, aggregation=Aggregation.MEAN)
    assert codes(check_kpi(kpi)) == ["QUALITATIVE_NEEDS_REVIEW_MEAN"]


def test_review_mean_is_only_for_qualitative_kpis() -> None:
    assert codes(check_kpi(kpi_with(aggregation=Aggregation.REVIEW_MEAN))) == [
        "REVIEW_MEAN_ONLY_FOR_QUALITATIVE"
    ]


@pytest.mark.parametrize("aggregation", [Aggregation.SHARE_AT_LEAST, Aggregation.SHARE_AT_MOST])
def test_share_aggregations_need_their_bound(aggregation: Aggregation) -> None:
    issues = check_kpi(kpi_with(aggregation=aggregation))
    assert codes(issues) == ["SHARE_NEEDS_PARAM"]
    assert issues[0].field == "aggregation_param"


@pytest.mark.parametrize("p", [None, F(0), F("100.5")])
def test_percentile_needs_p_above_0_and_at_most_100(p: Fraction | None) -> None:
    kpi = kpi_with(aggregation=Aggregation.PERCENTILE, aggregation_param=p)
    assert codes(check_kpi(kpi)) == ["PERCENTILE_OUT_OF_RANGE"]


def test_percentile_100_is_allowed() -> None:
    assert check_kpi(kpi_with(aggregation=Aggregation.PERCENTILE, aggregation_param=F(100))) == []


@pytest.mark.parametrize("aggregation", [Aggregation.MEAN, Aggregation.SUM, Aggregation.COUNT])
def test_other_aggregations_take_no_parameter(aggregation: Aggregation) -> None:
    kpi = kpi_with(aggregation=aggregation, aggregation_param=F(3))
    assert codes(check_kpi(kpi)) == ["AGGREGATION_TAKES_NO_PARAM"]


def test_valid_range_minimum_must_be_below_its_maximum() -> None:
    assert codes(check_kpi(kpi_with(range_min=F(5), range_max=F(5)))) == ["RANGE_MIN_NOT_BELOW_MAX"]
    assert check_kpi(kpi_with(range_min=F(1), range_max=F(5))) == []
