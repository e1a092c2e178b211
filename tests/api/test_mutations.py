"""Mutations return their results or their errors as data, and change nothing on error."""

from __future__ import annotations

from pathlib import Path

from service.models import Observation, Scorecard, ShadowScorecard, Team
from tests.api.conftest import Api, seed
from tests.integration.scenario import CYCLE

UPSERT_TEAMS = """
mutation($teams: [TeamInput!]!) {
  upsertTeams(teams: $teams) {
    __typename
    ... on UpsertReport { created updated unchanged }
    ... on ValidationError { message issues { field code row message } }
    ... on AccessDeniedError { message }
  }
}
"""

SET_SCORECARD = """
mutation($lines: [ScorecardLineInput!]!, $version: Int, $reason: String) {
  setScorecard(cycleCode: "2026-Q1", positionCode: "agent", lines: $lines,
               expectedVersion: $version, reason: $reason) {
    __typename
    ... on ScorecardSaved { version changed warnings }
    ... on ValidationError { issues { field code } }
    ... on ConflictError { message }
  }
}
"""

LINES = [
    {"kpiCode": "csat", "weight": "35", "threshold": "80", "target": "92", "stretch": "98"},
    {"kpiCode": "csat", "scope": "TEAM", "weight": "10", "threshold": "80", "target": "92"},
    {"kpiCode": "frt", "weight": "15", "threshold": "30", "target": "10", "stretch": "5"},
    {
        "kpiCode": "complaints",
        "weight": "10",
        "method": "BANDS",
        "bands": [
            {"bound": "0", "points": "100"},
            {"bound": "1", "points": "80"},
            {"bound": "3", "points": "40"},
        ],
    },
    {"kpiCode": "quality", "weight": "30", "target": "4"},
]

RECORD = """
mutation($rows: [ObservationInput!]!, $key: String, $mode: IngestMode! = ALL_OR_NOTHING) {
  recordObservations(observations: $rows, idempotencyKey: $key, mode: $mode) {
    __typename
    ... on IngestReport { accepted duplicates late rejected { index field code message } }
    ... on ConflictError { message }
  }
}
"""


def observation(i: int, employee: str = "A1", value: str = "12") -> dict[str, str]:
    return {
        "kpiCode": "frt",
        "value": value,
        "occurredAt": "2026-02-03T10:00:00+08:00",
        "source": "tickets",
        "employeeExternalId": employee,
        "externalId": f"api-{i}",
    }


async def test_a_bad_row_is_named_by_index_and_field_and_nothing_is_written(api: Api) -> None:
    await seed(api)
    body = await api.run(
        UPSERT_TEAMS,
        {
            "teams": [
                {"code": "new", "name": "New team"},
                {"code": "broken", "name": "Broken", "parentCode": "missing"},
            ]
        },
        as_="admin",
    )
    result = body["data"]["upsertTeams"]
    assert result["__typename"] == "ValidationError"
    assert [(i["row"], i["field"]) for i in result["issues"]] == [(1, "parent")]
    assert not await Team.filter(code="new").exists()


async def test_only_admins_may_set_up_the_organisation(api: Api) -> None:
    await seed(api)
    body = await api.run(UPSERT_TEAMS, {"teams": [{"code": "x", "name": "X"}]}, as_="manager")
    assert body["data"]["upsertTeams"]["__typename"] == "AccessDeniedError"


async def test_a_scorecard_saved_from_an_old_version_is_a_conflict(api: Api) -> None:
    await seed(api)
    first = await api.run(
        SET_SCORECARD, {"lines": LINES, "version": 1, "reason": "quality target 4"}, as_="admin"
    )
    assert first["data"]["setScorecard"]["__typename"] == "ScorecardSaved"
    assert first["data"]["setScorecard"]["version"] == 2
    second = await api.run(
        SET_SCORECARD,
        {
            "lines": [*LINES[:-1], {"kpiCode": "quality", "weight": "30", "target": "3"}],
            "version": 1,
            "reason": "again",
        },
        as_="admin",
    )
    assert second["data"]["setScorecard"]["__typename"] == "ConflictError"
    assert (await Scorecard.get(position__code="agent")).version == 2


SET_SHADOW = """
mutation($lines: [ScorecardLineInput!]!, $version: Int) {
  setShadowScorecard(cycleCode: "2026-Q1", positionCode: "agent", lines: $lines,
                     expectedVersion: $version) {
    __typename
    ... on ScorecardSaved { version changed warnings }
    ... on ConflictError { message }
  }
}
"""


async def test_a_shadow_scorecard_is_saved_and_conflicts_like_a_live_one(api: Api) -> None:
    await seed(api)
    first = await api.run(SET_SHADOW, {"lines": LINES}, as_="admin")
    saved = first["data"]["setShadowScorecard"]
    assert (saved["__typename"], saved["version"], saved["changed"]) == ("ScorecardSaved", 1, True)
    same = await api.run(SET_SHADOW, {"lines": LINES, "version": 1}, as_="admin")
    assert same["data"]["setShadowScorecard"]["changed"] is False
    stale = await api.run(
        SET_SHADOW,
        {
            "lines": [*LINES[:-1], {"kpiCode": "quality", "weight": "30", "target": "3"}],
            "version": 0,
        },
        as_="admin",
    )
    assert stale["data"]["setShadowScorecard"]["__typename"] == "ConflictError"
    assert (await ShadowScorecard.get(position__code="agent")).version == 1


async def test_retrying_with_the_same_key_returns_the_first_report_and_writes_nothing(
    api: Api,
) -> None:
    await seed(api)
    before = await Observation.all().count()
    rows = [observation(1), observation(2)]
    first = await api.run(RECORD, {"rows": rows, "key": "batch-7"}, as_="integration")
    again = await api.run(RECORD, {"rows": rows, "key": "batch-7"}, as_="integration")
    assert first["data"] == again["data"]
    assert first["data"]["recordObservations"]["accepted"] == 2
    assert await Observation.all().count() == before + 2
    changed = await api.run(RECORD, {"rows": [observation(3)], "key": "batch-7"}, as_="integration")
    assert changed["data"]["recordObservations"]["__typename"] == "ConflictError"
    assert await Observation.all().count() == before + 2


async def test_keep_valid_writes_the_good_rows_and_reports_the_bad(api: Api) -> None:
    await seed(api)
    rows = [observation(1), observation(2, employee="nobody"), observation(3, value="1.23456")]
    strict = await api.run(RECORD, {"rows": rows}, as_="integration")
    assert strict["data"]["recordObservations"]["accepted"] == 0
    kept = await api.run(RECORD, {"rows": rows, "mode": "KEEP_VALID"}, as_="integration")
    report = kept["data"]["recordObservations"]
    assert report["accepted"] == 1
    assert [(r["index"], r["field"]) for r in report["rejected"]] == [
        (1, "employeeExternalId"),
        (2, "value"),
    ]


async def test_a_manager_adjusts_and_the_returned_score_shows_it(api: Api) -> None:
    await seed(api)
    body = await api.run(
        f'mutation {{ adjustScore(cycleCode: "{CYCLE}", employeeExternalId: "A2", points: "3", '
        'reason: "mentored two new agents") { __typename ... on Score { adjustmentsTotal '
        "adjustments { points reason } } } }",
        as_="manager",
    )
    score = body["data"]["adjustScore"]
    assert score["adjustmentsTotal"] == "3.00"
    assert score["adjustments"] == [{"points": "3.00", "reason": "mentored two new agents"}]
    own = await api.run(
        f'mutation {{ adjustScore(cycleCode: "{CYCLE}", employeeExternalId: "L1", points: "3", '
        'reason: "me") { __typename } }',
        as_="manager",
    )
    assert own["data"]["adjustScore"]["__typename"] == "AccessDeniedError"


def test_domain_errors_become_data_in_one_place() -> None:
    """Mutations map DomainError through `errors_as_data` (service/api/errors.py), not
    each in its own try/except; `login` alone maps its own union (sign-in errors)."""
    api_dir = Path(__file__).resolve().parents[2] / "service" / "api"
    handlers = {
        path.relative_to(api_dir).as_posix(): path.read_text(encoding="utf-8").count(
            "except DomainError"
        )
        for path in api_dir.rglob("*.py")
    }
    assert {name: n for name, n in handlers.items() if n} == {
        "errors.py": 1,
        "accounts/auth.py": 1,
    }


def test_access_guards_are_field_extensions_not_calls_in_resolvers() -> None:
    """Fields say who may call them with `Requires` (readers(), admins(), ...) in their
    decorator; a resolver reads the checked actor and never checks again itself."""
    api_dir = Path(__file__).resolve().parents[2] / "service" / "api"
    calls = {
        path.relative_to(api_dir).as_posix():
            sum(path.read_text(encoding="utf-8").count(f"context.require_{who}()")
                for who in ("actor", "reader", "admin", "ingester"))
        for path in api_dir.rglob("*.py")
    }  # fmt: skip
    assert {name: n for name, n in calls.items() if n} == {}
