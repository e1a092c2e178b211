"""SCORING.md §1: the raw value of a line from its aggregate."""

from __future__ import annotations

from fractions import Fraction

import pytest

from service.scoring import Aggregate, Aggregation, aggregate_values, raw_value, raw_value_range

from .builders import LOWER, F, qualitative_kpi, quantitative_kpi


def values(*texts: str) -> list[Fraction]:
    return [Fraction(text) for text in texts]


def test_mean_is_the_arithmetic_mean() -> None:
    kpi = quantitative_kpi(aggregation=Aggregation.MEAN)
    aggregate = aggregate_values(kpi, values("10", "12.5", "15"))
    assert aggregate.n == 3
    assert aggregate.value_sum == F("37.5")
    assert raw_value(kpi, aggregate) == F("12.5")


def test_sum_is_the_exact_sum() -> None:
    kpi = quantitative_kpi(aggregation=Aggregation.SUM)
    assert raw_value(kpi, aggregate_values(kpi, values("0.1", "0.2"))) == F("0.3")


def test_sum_is_zero_when_there_are_no_observations() -> None:
    kpi = quantitative_kpi(aggregation=Aggregation.SUM)
    assert raw_value(kpi, Aggregate(n=0)) == 0


def test_count_is_n_and_zero_when_there_are_no_observations() -> None:
    kpi = quantitative_kpi(aggregation=Aggregation.COUNT, direction=LOWER)
    assert raw_value(kpi, aggregate_values(kpi, values("1", "1", "1"))) == 3
    assert raw_value(kpi, Aggregate(n=0)) == 0


def test_share_at_least_counts_values_at_or_above_the_bound() -> None:
    kpi = quantitative_kpi(aggregation=Aggregation.SHARE_AT_LEAST, param=F(4))
    aggregate = aggregate_values(kpi, values("5", "4", "3.9999", "1"))
    assert aggregate.meeting == 2
    assert raw_value(kpi, aggregate) == 50


def test_share_at_most_counts_values_at_or_below_the_bound() -> None:
    kpi = quantitative_kpi(aggregation=Aggregation.SHARE_AT_MOST, param=F(15))
    aggregate = aggregate_values(kpi, values("15", "14", "15.0001"))
    assert aggregate.meeting == 2
    assert raw_value(kpi, aggregate) == F("66.6667")


def test_the_contract_csat_share_is_90_0485_percent() -> None:
    kpi = quantitative_kpi(aggregation=Aggregation.SHARE_AT_LEAST, param=F(4))
    assert raw_value(kpi, Aggregate(n=412, meeting=371)) == F("90.0485")


def test_percentile_takes_the_value_at_the_nearest_rank_of_the_sorted_values() -> None:
    kpi = quantitative_kpi(aggregation=Aggregation.PERCENTILE, param=F(55))
    observed = [Fraction(v) for v in range(100, 0, -1)]  # 100 down to 1, unsorted
    aggregate = aggregate_values(kpi, observed)
    assert aggregate.value_at_rank == 55
    assert raw_value(kpi, aggregate) == 55


def test_review_mean_is_the_mean_of_the_manager_ratings() -> None:
    kpi = qualitative_kpi()
    assert raw_value(kpi, aggregate_values(kpi, values("4", "5", "5"))) == F("4.6667")


@pytest.mark.parametrize(
    ("aggregation", "param"),
    [
        (Aggregation.MEAN, None),
        (Aggregation.SHARE_AT_LEAST, F(4)),
        (Aggregation.SHARE_AT_MOST, F(4)),
        (Aggregation.PERCENTILE, F(90)),
        (Aggregation.REVIEW_MEAN, None),
    ],
)
def test_aggregations_that_need_data_have_no_raw_value_without_observations(
    aggregation: Aggregation, param: Fraction | None
) -> None:
    kpi = quantitative_kpi(aggregation=aggregation, param=param)
    assert raw_value(kpi, aggregate_values(kpi, [])) is None


def test_raw_value_is_rounded_half_away_to_four_places() -> None:
    kpi = quantitative_kpi(aggregation=Aggregation.MEAN)
    assert raw_value(kpi, Aggregate(n=3, value_sum=F(2))) == F("0.6667")
    assert raw_value(kpi, Aggregate(n=2, value_sum=F("0.0001"))) == F("0.0001")
    assert raw_value(kpi, Aggregate(n=2, value_sum=F("-0.0001"))) == F("-0.0001")


def test_a_percentile_aggregate_without_its_value_at_rank_is_refused() -> None:
    kpi = quantitative_kpi(aggregation=Aggregation.PERCENTILE, param=F(90))
    with pytest.raises(ValueError, match="no value at rank"):
        raw_value(kpi, Aggregate(n=3, value_sum=F(3)))


def test_raw_value_range_of_a_share_is_0_to_100_and_of_a_rating_mean_its_scale() -> None:
    share = quantitative_kpi(aggregation=Aggregation.SHARE_AT_LEAST, param=F(4))
    assert raw_value_range(share) == (F(0), F(100))
    assert raw_value_range(qualitative_kpi()) == (F(1), F(5))
    assert raw_value_range(quantitative_kpi(aggregation=Aggregation.COUNT)) == (F(0), None)
    assert raw_value_range(quantitative_kpi()) == (None, None)
    non_negative_sum = quantitative_kpi(aggregation=Aggregation.SUM, range_min=F(0))
    assert raw_value_range(non_negative_sum) == (F(0), None)
