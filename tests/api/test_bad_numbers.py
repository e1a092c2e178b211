"""Numbers cannot stall the server (issue 9, section 1): every number is read as text
first, a number past what the store holds is a field or row error, data dated in the
future is refused, and none of it changes the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.connection import get_connection

from service.api.ids import global_id
from service.models import Observation
from tests.api.conftest import Api, seed
from tests.conftest import TABLES
from tests.integration.scenario import CYCLE

ADJUST = """
mutation($points: Decimal!, $who: String! = "A2") {
  adjustScore(cycleCode: "2026-Q1", employeeExternalId: $who, points: $points, reason: "r") {
    __typename
    ... on ValidationError { issues { field code message } }
    ... on AccessDeniedError { message }
  }
}
"""

REVIEW = """
mutation($rating: Decimal!, $who: String! = "A2", $kind: ReviewKind! = MANAGER) {
  submitReview(cycleCode: "2026-Q1", employeeExternalId: $who, kpiCode: "quality",
               kind: $kind, rating: $rating) {
    __typename
    ... on ValidationError { issues { field code message row } }
  }
}
"""

RECORD = """
mutation($rows: [ObservationInput!]!, $mode: IngestMode! = ALL_OR_NOTHING) {
  recordObservations(observations: $rows, mode: $mode) {
    __typename
    ... on IngestReport { accepted rejected { index field code message } }
  }
}
"""

FEEDBACK = """
mutation($rows: [FeedbackInput!]!) {
  recordFeedback(feedback: $rows) {
    __typename
    ... on IngestReport { accepted rejected { index field code message } }
  }
}
"""

SCORECARD = """
mutation($lines: [ScorecardLineInput!]!) {
  setScorecard(cycleCode: "2026-Q1", positionCode: "agent", lines: $lines, reason: "r") {
    __typename
    ... on ValidationError { issues { field code message } }
  }
}
"""

POLICY = """
mutation($cap: Decimal!) {
  updatePolicy(policy: {adjustmentCap: $cap}) {
    __typename
    ... on ValidationError { issues { field code message } }
  }
}
"""

KPIS = """
mutation($max: Decimal!) {
  upsertKpis(kpis: [{code: "big", name: "Big", kind: QUANTITATIVE,
                     direction: HIGHER_IS_BETTER, aggregation: MEAN, rangeMax: $max}]) {
    __typename
    ... on ValidationError { issues { field code message } }
  }
}
"""

# What Python says when asked to print or read an int of thousands of digits.
PYTHON_INTERNALS = ("set_int_max_str_digits", "Exceeds the limit", "Traceback", "decimal.")


async def database_state() -> list[Any]:
    """Row counts of every table and the stored totals: equal before and after means
    nothing was written. The record of a failed import (and its audit row) is left out:
    it is written on purpose, in its own transaction (docs/day-with-fairscore.md)."""
    conn = get_connection("default")
    counts = []
    for table in (*TABLES, "employee", "team", "position"):
        if table == "import_failure":
            continue
        where = " WHERE action <> 'record_import_failure'" if table == "audit_entry" else ""
        rows = await conn.execute_query_dict(f"SELECT COUNT(*) AS n FROM {table}{where}")
        counts.append((table, int(rows[0]["n"])))
    totals = await conn.execute_query_dict(
        "SELECT id, total_cents FROM score ORDER BY id",
    )
    return [counts, [(int(r["id"]), r["total_cents"]) for r in totals]]


def issue_of(result: dict[str, Any]) -> dict[str, Any]:
    assert result["__typename"] == "ValidationError", result
    (issue,) = result["issues"]
    return dict(issue)


def no_internals(body: dict[str, Any]) -> None:
    text = str(body)
    assert not any(marker in text for marker in PYTHON_INTERNALS), text


def observation(value: str, *, occurred_at: str = "2026-02-03T10:00:00+08:00") -> dict[str, str]:
    return {
        "kpiCode": "complaints",
        "value": value,
        "occurredAt": occurred_at,
        "source": "desk",
        "employeeExternalId": "A1",
    }


async def test_a_huge_exponent_in_an_adjustment_is_refused_by_the_text_check(api: Api) -> None:
    await seed(api)
    before = await database_state()
    body = await api.run(ADJUST, {"points": "1e10000000"}, as_="manager")
    issue = issue_of(body["data"]["adjustScore"])
    # TOO_LARGE is only given by the text check in service.usecases.parsing, before any
    # Decimal is made; that check reads a length, a regular expression and the exponent.
    assert (issue["field"], issue["code"]) == ("points", "TOO_LARGE")
    assert "1e10000000 is too large" in issue["message"]
    assert "at most 12 digits before the decimal point" in issue["message"]
    assert await database_state() == before


async def test_a_huge_exponent_in_a_review_is_a_row_error_and_writes_nothing(api: Api) -> None:
    await seed(api)
    before = await database_state()
    body = await api.run(REVIEW, {"rating": "1e999990"}, as_="manager")
    issue = issue_of(body["data"]["submitReview"])
    assert (issue["field"], issue["code"], issue["row"]) == ("rating", "TOO_LARGE", 0)
    assert await database_state() == before


async def test_permission_is_decided_before_the_number_is_read(api: Api) -> None:
    await seed(api)
    before = await database_state()
    adjust = await api.run(ADJUST, {"points": "1e10000000"}, as_="employee")
    assert adjust["data"]["adjustScore"]["__typename"] == "AccessDeniedError"
    review = await api.run(REVIEW, {"rating": "1e999990", "who": "A1"}, as_="colleague")
    assert issue_of(review["data"]["submitReview"])["code"] == "NOT_A_MANAGER"
    assert await database_state() == before


async def test_a_number_past_the_store_is_a_field_error_at_every_entry(api: Api) -> None:
    await seed(api)
    before = await database_state()
    adjust = await api.run(ADJUST, {"points": "99999999999999999999"}, as_="manager")
    assert issue_of(adjust["data"]["adjustScore"])["code"] == "TOO_LARGE"
    lines = [{"kpiCode": "csat", "weight": "100", "threshold": "3e15", "target": "92"}]
    card = await api.run(SCORECARD, {"lines": lines}, as_="admin")
    assert issue_of(card["data"]["setScorecard"])["field"] == "lines[0].threshold"
    assert issue_of(card["data"]["setScorecard"])["code"] == "TOO_LARGE"
    policy = await api.run(POLICY, {"cap": "1e20"}, as_="admin")
    assert issue_of(policy["data"]["updatePolicy"])["field"] == "policy.adjustment_cap"
    kpis = await api.run(KPIS, {"max": "99999999999999999999"}, as_="admin")
    assert issue_of(kpis["data"]["upsertKpis"])["field"] == "rangeMax"
    for body in (adjust, card, policy, kpis):
        no_internals(body)
    assert await database_state() == before


async def test_a_complaint_value_past_the_store_is_a_row_error(api: Api) -> None:
    await seed(api)
    before = await Observation.all().count()
    rows = [observation("1"), observation("1e20")]
    body = await api.run(RECORD, {"rows": rows, "mode": "KEEP_VALID"}, as_="integration")
    report = body["data"]["recordObservations"]
    assert report["accepted"] == 1
    assert [(r["index"], r["field"], r["code"]) for r in report["rejected"]] == [
        (1, "value", "TOO_LARGE")
    ]
    assert await Observation.all().count() == before + 1


async def test_a_whole_number_of_thousands_of_digits_shows_no_python_internals(api: Api) -> None:
    await seed(api)
    before = await database_state()
    digits = "9" * 5000
    # As a literal: the scalar keeps the source text instead of calling int() on it.
    literal = await api.run(
        f'mutation {{ adjustScore(cycleCode: "{CYCLE}", employeeExternalId: "A2", '
        f'points: {digits}, reason: "r") {{ __typename '
        "... on ValidationError { issues { field code message } } } }",
        as_="manager",
    )
    issue = issue_of(literal["data"]["adjustScore"])
    assert issue["field"] == "points"
    assert "too long for a number" in issue["message"]
    assert len(issue["message"]) < 300  # the value is quoted, not repeated
    no_internals(literal)
    # As a string in the variables.
    variable = await api.run(ADJUST, {"points": digits}, as_="manager")
    assert issue_of(variable["data"]["adjustScore"])["field"] == "points"
    no_internals(variable)
    # As a JSON number in the variables: the JSON reader keeps its text too.
    body = json.dumps({"query": ADJUST, "variables": {"points": 0}}).replace(
        '"points": 0', f'"points": {digits}'
    )
    response = await api.client.post(
        "/graphql",
        content=body,
        headers={
            "content-type": "application/json",
            "authorization": f"Bearer {api.tokens['manager']}",
        },
    )
    assert response.status_code == 200
    assert issue_of(response.json()["data"]["adjustScore"])["field"] == "points"
    no_internals(response.json())
    assert await database_state() == before


async def test_an_id_past_its_column_is_not_an_id_rather_than_an_unexpected_error(
    api: Api,
) -> None:
    await seed(api)
    before = await database_state()
    # Appeals have 32-bit keys: on PostgreSQL this id used to reach the query and fail.
    body = await api.run(
        'mutation($id: ID!) { resolveAppeal(id: $id, outcome: REJECTED, note: "n") '
        "{ __typename } }",
        {"id": global_id("Appeal", 2**40)},
        as_="manager",
    )
    (error,) = body["errors"]
    assert error["message"].endswith("is not an id this API gave out.")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert await database_state() == before


async def test_observations_dated_past_the_clock_skew_are_refused(api: Api) -> None:
    await seed(api)
    before = await database_state()
    soon = datetime.now(UTC) + timedelta(minutes=1)  # within the default 5 minutes
    later = datetime.now(UTC) + timedelta(minutes=10)
    rows = [
        observation("1", occurred_at=soon.isoformat()),
        observation("1", occurred_at=later.isoformat()),
        observation("1", occurred_at="2027-05-30T09:00:00+08:00"),
    ]
    strict = await api.run(RECORD, {"rows": rows}, as_="integration")
    report = strict["data"]["recordObservations"]
    assert report["accepted"] == 0
    assert [(r["index"], r["field"], r["code"]) for r in report["rejected"]] == [
        (1, "occurredAt", "IN_THE_FUTURE"),
        (2, "occurredAt", "IN_THE_FUTURE"),
    ]
    assert "has not happened yet" in report["rejected"][1]["message"]
    assert await database_state() == before
    kept = await api.run(RECORD, {"rows": rows, "mode": "KEEP_VALID"}, as_="integration")
    assert kept["data"]["recordObservations"]["accepted"] == 1


async def test_moments_at_the_edge_of_the_calendar_are_row_errors(api: Api) -> None:
    await seed(api)
    before = await database_state()
    rows = [
        observation("1", occurred_at="0001-01-01T00:00:00+14:00"),
        observation("1", occurred_at="9999-12-31T23:59:59-14:00"),
    ]
    body = await api.run(RECORD, {"rows": rows}, as_="integration")
    report = body["data"]["recordObservations"]
    assert [(r["index"], r["code"]) for r in report["rejected"]] == [
        (0, "INVALID_TIME"),
        (1, "IN_THE_FUTURE"),
    ]
    assert "is before 1900; check the year" in report["rejected"][0]["message"]
    assert await database_state() == before


async def test_feedback_dated_in_the_future_is_refused(api: Api) -> None:
    await seed(api)
    before = await database_state()
    row = {
        "rating": "5",
        "channel": "ONLINE_SURVEY",
        "occurredAt": "2027-05-30T09:00:00+08:00",
        "source": "survey",
        "employeeExternalId": "A1",
    }
    body = await api.run(FEEDBACK, {"rows": [row]}, as_="integration")
    report = body["data"]["recordFeedback"]
    assert [(r["field"], r["code"]) for r in report["rejected"]] == [
        ("occurredAt", "IN_THE_FUTURE")
    ]
    assert await database_state() == before
