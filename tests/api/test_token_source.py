"""An INTEGRATION token bound to one source records that source's rows only: rows
claiming another are row errors, and nothing else changes."""

from __future__ import annotations

import pytest

from service.errors import ValidationFailed
from service.models import ApiToken, AuditEntry, Observation
from service.usecases.accounts.auth import create_token_for
from tests.api.conftest import Api, seed
from tests.integration.scenario import ADMIN

RECORD = """
mutation($rows: [ObservationInput!]!, $mode: IngestMode! = ALL_OR_NOTHING) {
  recordObservations(observations: $rows, mode: $mode) {
    __typename
    ... on IngestReport { accepted duplicates rejected { index field code message } }
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


def observation(i: int, source: str) -> dict[str, str]:
    return {
        "kpiCode": "frt",
        "value": "12",
        "occurredAt": "2026-02-03T10:00:00+08:00",
        "source": source,
        "employeeExternalId": "A1",
        "externalId": f"bound-{i}",
    }


async def bound_token(api: Api, source: str = "tickets") -> None:
    issued = await create_token_for(
        actor=ADMIN, email="survey-tool@example.com", name="tickets only", source=source
    )
    api.tokens["bound"] = issued.token


async def test_a_bound_token_records_rows_of_its_source(api: Api) -> None:
    await seed(api)
    await bound_token(api)
    before = await Observation.all().count()

    body = await api.run(RECORD, {"rows": [observation(1, " tickets ")]}, as_="bound")

    assert body["data"]["recordObservations"] == {
        "__typename": "IngestReport",
        "accepted": 1,
        "duplicates": 0,
        "rejected": [],
    }
    assert await Observation.all().count() == before + 1


async def test_rows_claiming_another_source_are_refused_and_nothing_is_written(
    api: Api,
) -> None:
    await seed(api)
    await bound_token(api)
    before = await Observation.all().count()
    audits = await AuditEntry.exclude(action="record_import_failure").count()

    body = await api.run(
        RECORD,
        {"rows": [observation(1, "tickets"), observation(2, "survey"), observation(3, "Tickets")]},
        as_="bound",
    )

    report = body["data"]["recordObservations"]
    assert report["accepted"] == 0
    assert [(r["index"], r["field"], r["code"]) for r in report["rejected"]] == [
        (1, "source", "SOURCE_NOT_ALLOWED"),
        (2, "source", "SOURCE_NOT_ALLOWED"),
    ]
    assert "'tickets' only, not 'survey'" in report["rejected"][0]["message"]
    assert await Observation.all().count() == before
    # Only the failed import's own record was written (docs/day-with-fairscore.md).
    assert await AuditEntry.exclude(action="record_import_failure").count() == audits


async def test_keep_valid_writes_only_the_rows_of_the_bound_source(api: Api) -> None:
    await seed(api)
    await bound_token(api)
    before = await Observation.all().count()

    body = await api.run(
        RECORD,
        {"rows": [observation(1, "survey"), observation(2, "tickets")], "mode": "KEEP_VALID"},
        as_="bound",
    )

    report = body["data"]["recordObservations"]
    assert report["accepted"] == 1
    assert [r["index"] for r in report["rejected"]] == [0]
    written = await Observation.filter(external_id__startswith="bound-")
    assert [o.source for o in written] == ["tickets"]
    assert await Observation.all().count() == before + 1


async def test_feedback_claiming_another_source_is_refused_too(api: Api) -> None:
    await seed(api)
    await bound_token(api, source="survey-tool")
    before = await Observation.all().count()

    body = await api.run(
        FEEDBACK,
        {
            "rows": [
                {
                    "rating": "5",
                    "channel": "ONLINE_SURVEY",
                    "occurredAt": "2026-02-03T10:00:00+08:00",
                    "source": "kiosk",
                    "employeeExternalId": "A1",
                    "externalId": "fb-bound-1",
                }
            ]
        },
        as_="bound",
    )

    report = body["data"]["recordFeedback"]
    assert report["accepted"] == 0
    assert [(r["field"], r["code"]) for r in report["rejected"]] == [
        ("source", "SOURCE_NOT_ALLOWED")
    ]
    assert await Observation.all().count() == before


async def test_an_unbound_integration_token_records_any_source(api: Api) -> None:
    await seed(api)
    body = await api.run(
        RECORD, {"rows": [observation(1, "survey"), observation(2, "tickets")]}, as_="integration"
    )
    assert body["data"]["recordObservations"]["accepted"] == 2


async def test_the_token_list_shows_what_a_token_is_bound_to(api: Api) -> None:
    await seed(api)
    await bound_token(api)

    body = await api.run("{ viewer { tokens { name source } } }", as_="bound")

    assert sorted((t["name"], t["source"]) for t in body["data"]["viewer"]["tokens"]) == [
        ("test", None),
        ("tickets only", "tickets"),
    ]


@pytest.mark.parametrize(
    ("email", "source", "code"),
    [
        ("admin@example.com", "tickets", "NOT_INTEGRATION"),
        ("a1@example.com", "tickets", "NOT_INTEGRATION"),
        ("survey-tool@example.com", "   ", "REQUIRED"),
        ("survey-tool@example.com", "x" * 65, "TOO_LONG"),
    ],
)
async def test_binding_a_token_is_refused_unless_it_is_an_integrations_and_names_a_source(
    api: Api, email: str, source: str, code: str
) -> None:
    await seed(api)
    tokens = await ApiToken.all().count()

    with pytest.raises(ValidationFailed) as refused:
        await create_token_for(actor=ADMIN, email=email, source=source)

    assert [(i.field, i.code) for i in refused.value.issues] == [("source", code)]
    assert await ApiToken.all().count() == tokens
