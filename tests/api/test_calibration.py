"""Calibration over GraphQL (SCORING §12): who sees what, and the record's mutation."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from tortoise.connection import get_connection

from service.usecases.inputs import ReviewInput
from service.usecases.review.calibration import calibration_document, calibration_for_cycle
from service.usecases.scoring.ingest import submit_reviews
from service.usecases.setup.cycles import transition_cycle
from tests.api.conftest import Api, seed
from tests.integration.scenario import ADMIN, CYCLE

CALIBRATION = """
query Calibration($cycle: String!, $team: String!) {
  cycle(code: $cycle) {
    calibration { reviewers { reviewer n flag employees { employee { externalId } gap } }
                  bandGuide { team { code } reviewer band count } }
  }
  team(code: $team) {
    calibration(cycleCode: $cycle) {
      reviewers { reviewer n employees { employee { externalId } } }
    }
  }
}
"""

CYCLE_CALIBRATION = """
query CycleCalibration($cycle: String!) {
  cycle(code: $cycle) {
    calibration { reviewers { reviewer n flag employees { employee { externalId } gap } }
                  bandGuide { team { code } reviewer band count } }
  }
}
"""
TEAM_CALIBRATION = """
query TeamCalibration($cycle: String!, $team: String!) {
  team(code: $team) {
    calibration(cycleCode: $cycle) {
      reviewers { reviewer n employees { employee { externalId } } }
    }
  }
}
"""


async def review_ready(api: Api) -> None:
    """The seeded cycle in REVIEW; the lead rated A1-A4, the admin rates F1 (Field)."""
    await seed(api)
    await submit_reviews(
        actor=ADMIN,
        reviews=[ReviewInput(CYCLE, "F1", "quality", "admin@example.com", "MANAGER", "3")],
    )
    await transition_cycle(actor=ADMIN, cycle_code=CYCLE, to="REVIEW")


def listed(calibration: dict[str, Any]) -> dict[str, set[str]]:
    return {
        r["reviewer"]: {e["employee"]["externalId"] for e in r["employees"]}
        for r in calibration["reviewers"]
    }


async def test_an_admin_sees_every_reviewer_and_everyone_they_rated(api: Api) -> None:
    await review_ready(api)
    body = await api.run(CALIBRATION, {"cycle": CYCLE, "team": "field"}, as_="admin")
    assert "errors" not in body, body["errors"]
    cycle = body["data"]["cycle"]["calibration"]
    assert listed(cycle) == {
        "lead@example.com": {"A1", "A2", "A3", "A4"},
        "admin@example.com": {"F1"},
    }
    assert {r["flag"] for r in cycle["reviewers"]} == {"TOO_FEW"}
    # The Field team's view: only the reviewer who rated someone there.
    assert listed(body["data"]["team"]["calibration"]) == {"admin@example.com": {"F1"}}


async def test_a_manager_sees_only_their_teams_reviewers_and_people(api: Api) -> None:
    await review_ready(api)
    body = await api.run(CALIBRATION, {"cycle": CYCLE, "team": "hotline"}, as_="manager")
    assert "errors" not in body, body["errors"]
    cycle = body["data"]["cycle"]["calibration"]
    assert listed(cycle) == {"lead@example.com": {"A1", "A2", "A3", "A4"}}
    assert {row["team"]["code"] for row in cycle["bandGuide"] if row["team"]} == {"hotline"}
    assert {row["reviewer"] for row in cycle["bandGuide"] if row["reviewer"]} == {
        "lead@example.com"
    }
    assert listed(body["data"]["team"]["calibration"]) == listed(cycle)
    other = await api.run(CALIBRATION, {"cycle": CYCLE, "team": "field"}, as_="manager")
    assert "FORBIDDEN" in [e["extensions"]["code"] for e in other["errors"]]
    assert "F1" not in str(other["data"])


async def test_employees_see_no_calibration_at_all(api: Api) -> None:
    await review_ready(api)
    for who in ("employee", "colleague", "outsider"):
        body = await api.run(CALIBRATION, {"cycle": CYCLE, "team": "hotline"}, as_=who)
        codes = {e["extensions"]["code"] for e in body["errors"]}
        assert codes == {"FORBIDDEN"}, (who, body["errors"])
        assert "reviewer" not in str(body["data"]) or body["data"] is None
    record = await api.run(
        '{ cycle(code: "' + CYCLE + '") { calibrationRecord { notes } } }', as_="employee"
    )
    assert {e["extensions"]["code"] for e in record["errors"]} == {"FORBIDDEN"}


async def test_an_integration_token_reads_no_calibration(api: Api) -> None:
    await review_ready(api)
    body = await api.run(CALIBRATION, {"cycle": CYCLE, "team": "hotline"}, as_="integration")
    assert body["errors"]
    assert "lead@example.com" not in str(body["data"])


async def test_calibration_of_an_active_cycle_is_a_clear_client_error(api: Api) -> None:
    await seed(api)
    body = await api.run(CALIBRATION, {"cycle": CYCLE, "team": "hotline"}, as_="admin")
    (error, *_rest) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "in Review" in error["message"]


SAVE = """
mutation Save($cycle: String!, $version: Int!) {
  saveCalibrationRecord(cycleCode: $cycle, attendees: "HR, Lena", notes: "Lena is lenient",
                        decisions: "re-rate A1", expectedVersion: $version) {
    __typename
    ... on CalibrationRecordSaved { version changed }
    ... on ConflictError { message }
  }
}
"""


async def test_the_record_is_saved_by_an_admin_and_refused_to_a_manager(api: Api) -> None:
    await review_ready(api)
    refused = await api.run(SAVE, {"cycle": CYCLE, "version": 0}, as_="manager")
    assert refused.get("errors") or (
        refused["data"]["saveCalibrationRecord"]["__typename"] == "AccessDeniedError"
    )
    saved = await api.run(SAVE, {"cycle": CYCLE, "version": 0}, as_="admin")
    assert saved["data"]["saveCalibrationRecord"] == {
        "__typename": "CalibrationRecordSaved",
        "version": 1,
        "changed": True,
    }
    stale = await api.run(SAVE, {"cycle": CYCLE, "version": 0}, as_="admin")
    assert stale["data"]["saveCalibrationRecord"]["__typename"] == "ConflictError"


async def test_update_policy_sets_and_clears_the_band_guide(api: Api) -> None:
    await seed(api)
    mutation = """
    mutation P($guide: [BandGuideShareInput!]) {
      updatePolicy(policy: {bandGuide: $guide, leniencyThreshold: "12.5"}) {
        __typename ... on PolicySaved { version } ... on ValidationError { issues { field } }
      }
    }"""
    bad = await api.run(mutation, {"guide": [{"band": "Z", "share": "10"}]}, as_="admin")
    assert bad["data"]["updatePolicy"]["__typename"] == "ValidationError"
    assert bad["data"]["updatePolicy"]["issues"] == [{"field": "policy.band_guide.Z"}]
    ok = await api.run(mutation, {"guide": [{"band": "A", "share": "20"}]}, as_="admin")
    assert ok["data"]["updatePolicy"]["__typename"] == "PolicySaved"
    from tortoise.connection import get_connection

    from service.usecases.setup.policy import load_policy

    policy, _version = await load_policy(get_connection("default"))
    assert policy.band_guide == (("A", Fraction(20)),)
    assert policy.leniency_threshold == Fraction("12.5")
    cleared = await api.run(mutation, {"guide": []}, as_="admin")
    assert cleared["data"]["updatePolicy"]["__typename"] == "PolicySaved"
    policy, _version = await load_policy(get_connection("default"))
    assert policy.band_guide is None


async def test_cycle_calibration_costs_the_same_queries_for_more_people(api: Api) -> None:
    from datetime import date

    from service.usecases.inputs import EmployeeInput, FeedbackInput, ObservationInput
    from service.usecases.scoring.ingest import record_feedback, record_observations
    from service.usecases.setup.organisation import upsert_employees
    from tests.counting import counted_queries

    async def both_views() -> list[dict[str, Any]]:
        # One request per view: the two top-level fields of one request resolve
        # concurrently, so whether their loads share a batch would depend on timing.
        return [
            await api.run(document, {"cycle": CYCLE, "team": "hotline"}, as_="admin")
            for document in (CYCLE_CALIBRATION, TEAM_CALIBRATION)
        ]

    await review_ready(api)
    # Once first: the token's last use is written only now and then.
    await both_views()
    with counted_queries() as few:
        bodies = await both_views()
    assert all("errors" not in body for body in bodies)
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                f"B{i}", f"Agent B{i}", date(2021, 1, 1), team_code="hotline", position_code="agent"
            )
            for i in range(1, 9)
        ],
    )
    # Enough evidence to be scored (as the seed gives A1-A4), so they enter the views.
    newcomers = [f"B{i}" for i in range(1, 9)]
    await record_feedback(
        actor=ADMIN,
        feedback=[
            FeedbackInput(
                rating=str(2 + i % 4),
                channel=("ONLINE_SURVEY", "PHONE_CALLBACK", "FACE_TO_FACE")[i % 3],
                occurred_at=f"2026-02-{1 + i % 27:02d}T09:00:00+08:00",
                source="survey",
                employee_external_id=newcomers[i % 8],
                external_id=f"b-s{i}",
            )
            for i in range(8 * 6)
        ],
    )
    await record_observations(
        actor=ADMIN,
        observations=[
            ObservationInput(
                kpi_code="frt",
                value=str(4 + i % 30),
                source="tickets",
                occurred_at=f"2026-03-{1 + i % 27:02d}T09:00:00Z",
                employee_external_id=newcomers[i % 8],
                external_id=f"b-t{i}",
            )
            for i in range(8 * 3)
        ],
    )
    await submit_reviews(
        actor=ADMIN,
        reviews=[
            ReviewInput(CYCLE, person, "quality", "lead@example.com", "MANAGER", "4")
            for person in newcomers
        ],
    )
    with counted_queries() as many:
        again = await both_views()
    assert all("errors" not in body for body in again)

    def people(body: dict[str, Any]) -> int:
        reviewers = body["data"]["cycle"]["calibration"]["reviewers"]
        return sum(len(r["employees"]) for r in reviewers)

    assert people(again[0]) == people(bodies[0]) + 8  # the views did grow
    assert len(many) == len(few), sorted(set(few) ^ set(many))


FIGURES = """
query Figures($cycle: String!) {
  cycle(code: $cycle) {
    calibration {
      reviewers { reviewer gap standardError organisationGap
                  employees { employee { externalId } qualitative quantitative gap } }
      bandGuide { team { code } reviewer band share guideShare }
    }
  }
}
"""


async def test_the_api_reports_the_figures_of_the_calibration_document(api: Api) -> None:
    """One formatting of the figures: the API's equal the CLI's and the admin's."""
    await review_ready(api)
    body = await api.run(FIGURES, {"cycle": CYCLE}, as_="admin")
    assert "errors" not in body, body["errors"]
    shown = body["data"]["cycle"]["calibration"]
    view = await calibration_for_cycle(get_connection("default"), actor=ADMIN, cycle_code=CYCLE)
    document = calibration_document(view)
    assert [
        (
            r["reviewer"],
            r["gap"],
            r["standardError"],
            r["organisationGap"],
            [
                (e["employee"]["externalId"], e["qualitative"], e["quantitative"], e["gap"])
                for e in r["employees"]
            ],
        )
        for r in shown["reviewers"]
    ] == [
        (
            r["reviewer"],
            r["gap"],
            r["standard_error"],
            r["organisation_gap"],
            [
                (e["employee"], e["qualitative"], e["quantitative"], e["gap"])
                for e in r["employees"]
            ],
        )
        for r in document["reviewers"]
    ]
    assert [
        (
            (row["team"] or {}).get("code"),
            row["reviewer"],
            row["band"],
            row["share"],
            row["guideShare"],
        )
        for row in shown["bandGuide"]
    ] == [
        (row["team"], row["reviewer"], row["band"], row["share"], row["guide_share"])
        for row in document["band_guide"]
    ]
    assert any(r["standardError"] is not None for r in shown["reviewers"])
