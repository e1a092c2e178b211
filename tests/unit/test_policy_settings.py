"""Policy settings as stored: an older policy reads the calibration defaults (§12)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from service.errors import ValidationFailed
from service.scoring.types import Policy
from service.usecases.setup.policy import policy_from_data, policy_to_data, validate_policy_data


def test_a_policy_stored_before_calibration_reads_its_defaults() -> None:
    stored = policy_to_data(Policy())
    for name in ("leniency_threshold", "band_guide", "band_guide_tolerance"):
        del stored[name]
    policy = policy_from_data(stored)
    assert policy.leniency_threshold == 10
    assert policy.band_guide_tolerance == 10
    assert policy.band_guide is None


def test_a_band_guide_round_trips_exactly() -> None:
    data = validate_policy_data({"band_guide": {"A": "20.5", "B": 50}})
    assert data["band_guide"] == {"A": "20.5", "B": "50"}
    policy = policy_from_data(data)
    assert policy.band_guide == (("A", Fraction("20.5")), ("B", Fraction(50)))
    assert policy_to_data(policy)["band_guide"] == {"A": "20.5", "B": "50"}


@pytest.mark.parametrize(
    ("guide", "field"),
    [
        ({"Z": "10"}, "policy.band_guide.Z"),
        ({"A": "120"}, "policy.band_guide.A"),
        ({"A": "60", "B": "50"}, "policy.band_guide"),
        ({"A": "ten"}, "policy.band_guide.A"),
        ("A=10", "policy.band_guide"),
    ],
)
def test_a_bad_band_guide_is_refused_naming_the_band(guide: object, field: str) -> None:
    with pytest.raises(ValidationFailed) as failed:
        validate_policy_data({"band_guide": guide})
    assert [issue.field for issue in failed.value.issues] == [field]


def test_a_negative_leniency_threshold_is_refused() -> None:
    with pytest.raises(ValidationFailed) as failed:
        validate_policy_data({"leniency_threshold": "-1"})
    assert [issue.field for issue in failed.value.issues] == ["policy.leniency_threshold"]


def test_a_policy_stored_before_check_ins_reads_their_defaults() -> None:
    stored = policy_to_data(Policy())
    del stored["check_in_interval_days"], stored["colleague_feedback_notes"]
    policy = policy_from_data(stored)
    assert policy.check_in_interval_days == 14
    assert policy.colleague_feedback_notes is False


def test_the_check_in_settings_round_trip_and_stay_out_of_a_cycles_snapshot() -> None:
    from service.usecases.scoring.finalize import policy_snapshot

    data = validate_policy_data({"check_in_interval_days": "21", "colleague_feedback_notes": "yes"})
    assert (data["check_in_interval_days"], data["colleague_feedback_notes"]) == (21, True)
    policy = policy_from_data(data)
    assert (policy.check_in_interval_days, policy.colleague_feedback_notes) == (21, True)
    assert policy_to_data(policy)["check_in_interval_days"] == 21
    assert "check_in_interval_days" not in policy_snapshot(policy)
    assert "colleague_feedback_notes" not in policy_snapshot(policy)


@pytest.mark.parametrize("days", ["0", "-3", "two weeks", "1.5", "400", True])
def test_a_check_in_interval_that_is_not_1_to_366_whole_days_is_refused(days: object) -> None:
    with pytest.raises(ValidationFailed) as failed:
        validate_policy_data({"check_in_interval_days": days})
    assert [issue.field for issue in failed.value.issues] == ["policy.check_in_interval_days"]


def test_whether_colleagues_give_feedback_notes_must_be_yes_or_no() -> None:
    with pytest.raises(ValidationFailed) as failed:
        validate_policy_data({"colleague_feedback_notes": "sometimes"})
    assert [issue.field for issue in failed.value.issues] == ["policy.colleague_feedback_notes"]


def test_a_policy_stored_before_recognition_reads_three_a_week() -> None:
    stored = policy_to_data(Policy())
    del stored["recognitions_per_colleague_per_week"]
    assert policy_from_data(stored).recognitions_per_colleague_per_week == 3


def test_the_recognition_limit_round_trips_and_stays_out_of_a_cycles_snapshot() -> None:
    from service.usecases.scoring.finalize import policy_snapshot

    data = validate_policy_data({"recognitions_per_colleague_per_week": "5"})
    policy = policy_from_data(data)
    assert policy.recognitions_per_colleague_per_week == 5
    assert policy_to_data(policy)["recognitions_per_colleague_per_week"] == 5
    assert "recognitions_per_colleague_per_week" not in policy_snapshot(policy)


@pytest.mark.parametrize("most", ["0", "-1", "three", "2.5", "51", True])
def test_a_recognition_limit_that_is_not_1_to_50_is_refused_naming_the_field(most: object) -> None:
    with pytest.raises(ValidationFailed) as failed:
        validate_policy_data({"recognitions_per_colleague_per_week": most})
    assert [issue.field for issue in failed.value.issues] == [
        "policy.recognitions_per_colleague_per_week"
    ]
