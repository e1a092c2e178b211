"""The documents real clients send (graphql/operations) are valid, and do what they say
when sent over HTTP by the user they are written for, against seeded data."""

from __future__ import annotations

import ast
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from graphql import OperationDefinitionNode, parse, validate
from service.api.ids import global_id
from service.api.schema import create_schema
from service.models import Employee, IngestRequest, Observation
from service.usecases.people.goals import set_goal
from tests.api.conftest import PASSWORD, Api, make_settings, seed
from tests.api.live import live_client, live_server, live_settings, rate, until_subscribed
from tests.integration.goal_scenario import CLOCK, csat_goal
from tests.integration.scenario import ADMIN, CYCLE

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"
MANAGER_SEES = {"L1", "A1", "A2", "A3", "A4"}
EVERYONE = MANAGER_SEES | {"F1"}
# seed(): feedback row i goes to agents[i % 5] with comment "visit {i}", 6 rows each;
# first-response observations likewise, 3 each. A1 is agents[0].
A1_COMMENTS = {f"visit {i}" for i in range(30) if i % 5 == 0}


@cache
def operation(name: str) -> str:
    """The text of graphql/operations/<name>.graphql."""
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


def operation_files() -> list[Path]:
    return sorted(OPERATIONS.glob("*.graphql"))


def line(score: dict[str, Any], code: str, scope: str = "INDIVIDUAL") -> dict[str, Any]:
    (found,) = [x for x in score["lines"] if x["kpi"]["code"] == code and x["scope"] == scope]
    assert isinstance(found, dict)
    return found


def feedback_row(external_id: str, rating: str = "5", employee: str = "A1") -> dict[str, Any]:
    return {
        "rating": rating,
        "channel": "PHONE_CALLBACK",
        "occurredAt": "2026-03-10T10:00:00+08:00",
        "source": "callback-survey",
        "employeeExternalId": employee,
        "externalId": external_id,
        "comment": "called back, solved",
    }


async def my_score(api: Api, who: str = "employee") -> dict[str, Any]:
    body = await api.run(operation("MyScore"), {"cycleCode": CYCLE}, as_=who)
    assert "errors" not in body, body["errors"]
    score: dict[str, Any] = body["data"]["viewer"]["employee"]["score"]
    return score


# --- every document: valid, one named operation, and exercised below -----------------


@pytest.mark.parametrize("path", operation_files(), ids=lambda p: p.name)
def test_each_operation_document_is_one_named_operation_valid_against_the_schema(
    path: Path,
) -> None:
    document = parse(path.read_text(encoding="utf-8"))
    schema = create_schema(make_settings())._schema
    assert validate(schema, document) == []
    (definition,) = document.definitions
    assert isinstance(definition, OperationDefinitionNode)
    assert definition.name is not None
    assert definition.name.value == path.stem
    assert definition.variable_definitions, "clients pass values as variables, not inline"


def test_no_operation_document_is_left_untested() -> None:
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    exercised = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "operation"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    on_disk = {path.stem for path in operation_files()}
    assert on_disk, "graphql/operations holds no documents"
    assert on_disk - exercised == set(), "documents no test sends"
    assert exercised - on_disk == set(), "tests name documents that do not exist"


def test_the_contract_folder_holds_no_python(project_root: Path) -> None:
    assert list((project_root / "graphql").rglob("*.py")) == []


# --- reading ---------------------------------------------------------------------------


async def test_login_returns_a_token_that_signs_the_next_request_in(api: Api) -> None:
    await seed(api)
    body = await api.run(operation("Login"), {"email": "a1@example.com", "password": PASSWORD})
    result = body["data"]["login"]
    assert result["__typename"] == "LoginSuccess"
    assert result["expiresAt"]
    api.tokens["fresh"] = result["token"]
    viewer = await api.run("{ viewer { email employee { externalId } } }", as_="fresh")
    assert viewer["data"]["viewer"] == {
        "email": "a1@example.com",
        "employee": {"externalId": "A1"},
    }


async def test_login_with_a_wrong_password_is_a_sign_in_error_as_data(api: Api) -> None:
    await seed(api)
    body = await api.run(operation("Login"), {"email": "a1@example.com", "password": "nope"})
    assert body["data"]["login"]["__typename"] == "SignInError"
    assert body["data"]["login"]["message"]
    assert "errors" not in body


async def test_my_score_shows_the_employees_own_lines_with_their_sample_sizes(api: Api) -> None:
    await seed(api)
    score = await my_score(api)
    assert score["status"] == "SCORED"
    assert (score["statusReason"], score["evidenceWeight"], score["neededWeight"]) == (
        None,
        "90.00",
        "50.00",
    )
    # The team line is A1's score but not A1's evidence: A1 leads no team.
    assert [x["evidence"] for x in score["lines"]] == [True, False, True, True, True]
    assert [(x["kpi"]["code"], x["scope"]) for x in score["lines"]] == [
        ("csat", "INDIVIDUAL"),
        ("csat", "TEAM"),
        ("frt", "INDIVIDUAL"),
        ("complaints", "INDIVIDUAL"),
        ("quality", "INDIVIDUAL"),
    ]
    assert line(score, "csat")["sampleSize"] == 6
    assert line(score, "csat", "TEAM")["sampleSize"] == 24  # A1..A4, 6 ratings each
    assert line(score, "frt")["sampleSize"] == 3
    for each in score["lines"]:
        assert each["explanation"]
        if each["aggregation"] != "REVIEW_MEAN":  # reviews are not observations
            assert sum(s["count"] for s in each["sources"]) == each["sampleSize"]
    csat_channels = {s["channel"] for s in line(score, "csat")["sources"]}
    assert csat_channels <= {"ONLINE_SURVEY", "PHONE_CALLBACK", "FACE_TO_FACE"}
    quality = line(score, "quality")
    assert {(r["kind"], Decimal(r["rating"]), r["counts"]) for r in quality["reviews"]} == {
        ("MANAGER", Decimal(4), True),
        ("SELF", Decimal(5), False),
    }
    contributions = sum(Decimal(x["contribution"] or "0") for x in score["lines"])
    assert abs(Decimal(score["total"]) - contributions) <= Decimal("0.05")
    assert score["band"]["code"]
    assert score["adjustments"] == []
    assert score["appeals"] == []


async def test_my_score_explanations_are_in_chinese_when_the_client_asks_for_it(
    api: Api,
) -> None:
    await seed(api)
    body = await api.run(operation("MyScore"), {"cycleCode": CYCLE}, as_="employee", lang="zh-CN")
    score = body["data"]["viewer"]["employee"]["score"]
    english = await my_score(api)
    assert score["total"] == english["total"]
    assert score["explanation"] != english["explanation"]
    assert any("分" in x["explanation"] for x in score["lines"])


async def test_my_score_for_a_cycle_that_does_not_exist_is_null(api: Api) -> None:
    await seed(api)
    body = await api.run(operation("MyScore"), {"cycleCode": "1999-Q1"}, as_="employee")
    assert body["data"]["viewer"]["employee"]["score"] is None


async def test_line_observations_pages_through_the_employees_own_ratings_only(
    api: Api,
) -> None:
    await seed(api)
    seen: list[dict[str, Any]] = []
    after = None
    pages = 0
    while True:
        body = await api.run(
            operation("LineObservations"),
            {"externalId": "A1", "cycleCode": CYCLE, "first": 4, "after": after},
            as_="manager",
        )
        csat = line(body["data"]["employee"]["score"], "csat")
        seen += [edge["node"] for edge in csat["observations"]["edges"]]
        pages += 1
        page = csat["observations"]["pageInfo"]
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]
    assert pages == 2
    assert {node["comment"] for node in seen} == A1_COMMENTS
    assert len({node["id"] for node in seen}) == len(seen) == csat["sampleSize"]
    moments = [node["occurredAt"] for node in seen]
    assert moments == sorted(moments)
    team_line = line(body["data"]["employee"]["score"], "csat", "TEAM")
    assert team_line["observations"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["errors"][0]["path"][-1] == "observations"


async def test_line_observations_of_a_colleague_are_refused_to_an_employee(api: Api) -> None:
    await seed(api)
    body = await api.run(
        operation("LineObservations"), {"externalId": "A2", "cycleCode": CYCLE}, as_="employee"
    )
    assert body["data"]["employee"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert "visit" not in str(body)


async def test_team_overview_gives_the_manager_the_summary_and_members_best_first(
    api: Api,
) -> None:
    await seed(api)
    body = await api.run(
        operation("TeamOverview"), {"teamCode": "hotline", "cycleCode": CYCLE}, as_="manager"
    )
    assert "errors" not in body, body["errors"]
    team, cycle = body["data"]["team"], body["data"]["cycle"]
    assert team["lead"]["externalId"] == "L1"
    nodes = cycle["scores"]["nodes"]
    assert {n["employee"]["externalId"] for n in nodes} == MANAGER_SEES
    scored = [n for n in nodes if n["status"] == "SCORED"]
    assert team["summary"]["scored"] == len(scored) == 4
    assert sum(c["count"] for c in team["summary"]["bandCounts"]) == 4
    mean = sum((Fraction(n["total"]) for n in scored), Fraction(0)) / len(scored)
    assert abs(Fraction(team["summary"]["average"]) - mean) <= Fraction(1, 100)
    totals = [Decimal(n["total"]) for n in scored]
    assert totals == sorted(totals, reverse=True)
    assert nodes[: len(scored)] == scored  # the unscored come last
    assert [x["kpi"] for x in team["summary"]["lines"]] == ["csat"]
    assert team["summary"]["lines"][0]["sampleSize"] == 24


async def test_team_overview_is_refused_to_a_member_of_a_team_under_five_scored(
    api: Api,
) -> None:
    await seed(api)
    body = await api.run(
        operation("TeamOverview"), {"teamCode": "hotline", "cycleCode": CYCLE}, as_="employee"
    )
    assert body["data"]["team"]["summary"] is None
    assert body["data"]["team"]["code"] == "hotline"  # the rest of the answer stays
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["errors"][0]["path"] == ["team", "summary"]
    assert "A2" not in str(body)


async def test_team_heatmap_gives_the_manager_every_members_lines_best_first(api: Api) -> None:
    await seed(api)
    body = await api.run(
        operation("TeamHeatmap"), {"teamCode": "hotline", "cycleCode": CYCLE}, as_="manager"
    )
    assert "errors" not in body, body["errors"]
    rows = body["data"]["team"]["heatmap"]
    assert {r["employee"]["externalId"] for r in rows} == {"L1", "A1", "A2", "A3", "A4"}
    agents = [r for r in rows if r["position"] == "agent"]
    totals = [Decimal(r["total"]) for r in agents if r["status"] == "SCORED"]
    assert totals == sorted(totals, reverse=True)
    assert [(x["kpi"], x["scope"]) for x in agents[0]["lines"]] == [
        ("csat", "INDIVIDUAL"),
        ("csat", "TEAM"),
        ("frt", "INDIVIDUAL"),
        ("complaints", "INDIVIDUAL"),
        ("quality", "INDIVIDUAL"),
    ]
    (lead,) = [r for r in rows if r["position"] == "lead"]
    assert (lead["status"], lead["statusReason"], lead["lines"]) == (
        "NOT_ELIGIBLE",
        "NO_SCORECARD",
        [],
    )
    by_name = await api.run(
        operation("TeamHeatmap"),
        {"teamCode": "hotline", "cycleCode": CYCLE, "sort": "name", "descending": False},
        as_="admin",
    )
    names = [r["employee"]["name"] for r in by_name["data"]["team"]["heatmap"]]
    assert names == ["Agent 1", "Agent 2", "Agent 3", "Agent 4", "Lena Lead"]


async def test_team_heatmap_is_refused_to_an_employee_of_the_team(api: Api) -> None:
    await seed(api)
    body = await api.run(
        operation("TeamHeatmap"), {"teamCode": "hotline", "cycleCode": CYCLE}, as_="employee"
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert "A2" not in str(body["data"])


async def test_my_trend_holds_the_cycle_and_no_change_without_a_comparable_previous_one(
    api: Api,
) -> None:
    await seed(api)
    body = await api.run(operation("MyTrend"), {"cycleCode": CYCLE}, as_="employee")
    assert "errors" not in body, body["errors"]
    trend = body["data"]["viewer"]["employee"]["trend"]
    (point,) = trend["points"]
    assert (point["cycle"]["code"], point["status"]) == (CYCLE, "SCORED")
    score = await my_score(api)
    assert (point["total"], point["band"]) == (score["total"], score["band"]["code"])
    csat = next(k for k in trend["kpis"] if (k["kpi"], k["scope"]) == ("csat", "INDIVIDUAL"))
    assert csat["values"] == [
        {
            "cycle": CYCLE,
            "rawValue": line(score, "csat")["rawValue"],
            "sampleSize": 6,
            "status": "SCORED",
        }
    ]
    assert trend["change"] is None


async def test_cycle_leaderboard_pages_best_first_without_gaps_or_repeats(api: Api) -> None:
    await seed(api)
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        body = await api.run(
            operation("CycleLeaderboard"),
            {"cycleCode": CYCLE, "first": 2, "after": after},
            as_="admin",
        )
        scores = body["data"]["cycle"]["scores"]
        rows += [edge["node"] for edge in scores["edges"]]
        if not scores["pageInfo"]["hasNextPage"]:
            break
        after = scores["pageInfo"]["endCursor"]
    people = [r["employee"]["externalId"] for r in rows]
    assert sorted(people) == sorted(EVERYONE)
    assert all((r["status"] == "SCORED") == (r["statusReason"] is None) for r in rows)
    ranks = [Decimal(r["total"]) if r["total"] is not None else Decimal(-1) for r in rows]
    assert ranks == sorted(ranks, reverse=True)
    by_team = await api.run(
        operation("CycleLeaderboard"), {"cycleCode": CYCLE, "teamCode": "field"}, as_="admin"
    )
    field = by_team["data"]["cycle"]["scores"]["edges"]
    assert [e["node"]["employee"]["externalId"] for e in field] == ["F1"]


async def test_payroll_results_list_everyone_for_the_admin_by_external_id(api: Api) -> None:
    await seed(api)
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        body = await api.run(
            operation("PayrollResults"),
            {"cycleCode": CYCLE, "first": 4, "after": after},
            as_="admin",
        )
        results = body["data"]["cycle"]["results"]
        rows += [edge["node"] for edge in results["edges"]]
        if not results["pageInfo"]["hasNextPage"]:
            break
        after = results["pageInfo"]["endCursor"]
    people = [r["employeeExternalId"] for r in rows]
    assert people == sorted(EVERYONE)
    for row in rows:
        if row["status"] == "SCORED":
            assert None not in (row["total"], row["band"], row["multiplier"])
            assert row["statusReason"] is None
        else:
            assert (row["total"], row["multiplier"]) == (None, None)
            assert row["statusReason"] is not None  # why there is no total
    employee = await api.run(operation("PayrollResults"), {"cycleCode": CYCLE}, as_="employee")
    nodes = employee["data"]["cycle"]["results"]["edges"]
    assert [e["node"]["employeeExternalId"] for e in nodes] == ["A1"]


async def test_my_history_lists_the_employees_cycles_newest_first(api: Api) -> None:
    await seed(api)
    await api.run(
        operation("SetUpCycle"),
        {
            "cycle": {
                "code": "2026-Q2",
                "name": "Q2 2026",
                "startsOn": "2026-04-01",
                "endsOn": "2026-06-30",
            },
            "cycleCode": "2026-Q2",
            "positionCode": "agent",
            "lines": [{"kpiCode": "csat", "weight": "100", "threshold": "80", "target": "92"}],
        },
        as_="admin",
    )
    moved = await api.run(
        operation("TransitionCycle"), {"cycleCode": "2026-Q2", "to": "ACTIVE"}, as_="admin"
    )
    assert moved["data"]["transitionCycle"]["state"] == "ACTIVE"
    first = await api.run(operation("MyHistory"), {"first": 1}, as_="employee")
    scores = first["data"]["viewer"]["employee"]["scores"]
    assert [e["node"]["cycle"]["code"] for e in scores["edges"]] == ["2026-Q2"]
    assert scores["pageInfo"]["hasNextPage"] is True
    rest = await api.run(
        operation("MyHistory"),
        {"first": 10, "after": scores["pageInfo"]["endCursor"]},
        as_="employee",
    )
    older = rest["data"]["viewer"]["employee"]["scores"]
    assert [e["node"]["cycle"]["code"] for e in older["edges"]] == [CYCLE]
    assert older["pageInfo"]["hasNextPage"] is False
    assert older["edges"][0]["node"]["total"] == (await my_score(api))["total"]


# --- ingest ------------------------------------------------------------------------------


async def test_record_feedback_retried_under_the_same_key_returns_the_first_report_writing_nothing(
    api: Api,
) -> None:
    await seed(api)
    variables = {
        "feedback": [feedback_row("cb-1"), feedback_row("cb-2", "3")],
        "idempotencyKey": "k-1",
    }
    first = await api.run(operation("RecordFeedback"), variables, as_="integration")
    report = first["data"]["recordFeedback"]
    assert report == {
        "__typename": "IngestReport",
        "accepted": 2,
        "duplicates": 0,
        "late": 0,
        "rejected": [],
    }
    observations, requests = await Observation.all().count(), await IngestRequest.all().count()
    assert line(await my_score(api), "csat")["sampleSize"] == 8

    again = await api.run(operation("RecordFeedback"), variables, as_="integration")
    assert again["data"]["recordFeedback"] == report
    assert await Observation.all().count() == observations
    assert await IngestRequest.all().count() == requests
    assert line(await my_score(api), "csat")["sampleSize"] == 8


async def test_record_feedback_with_another_payload_under_a_used_key_is_a_conflict(
    api: Api,
) -> None:
    await seed(api)
    await api.run(
        operation("RecordFeedback"),
        {"feedback": [feedback_row("cb-1")], "idempotencyKey": "k-1"},
        as_="integration",
    )
    before = await Observation.all().count()
    body = await api.run(
        operation("RecordFeedback"),
        {"feedback": [feedback_row("cb-1", "2")], "idempotencyKey": "k-1"},
        as_="integration",
    )
    assert body["data"]["recordFeedback"]["__typename"] == "ConflictError"
    assert body["data"]["recordFeedback"]["message"]
    assert await Observation.all().count() == before


async def test_record_feedback_all_or_nothing_names_the_bad_row_and_field_and_writes_nothing(
    api: Api,
) -> None:
    await seed(api)
    before = await Observation.all().count()
    body = await api.run(
        operation("RecordFeedback"),
        {"feedback": [feedback_row("cb-1"), feedback_row("cb-2", employee="NOBODY")]},
        as_="integration",
    )
    report = body["data"]["recordFeedback"]
    assert report["__typename"] == "IngestReport"
    assert report["accepted"] == 0
    assert [(r["row"], r["field"], r["code"]) for r in report["rejected"]] == [
        (1, "employeeExternalId", "UNKNOWN_EMPLOYEE")
    ]
    assert await Observation.all().count() == before


async def test_record_feedback_with_an_unusable_idempotency_key_is_a_validation_error(
    api: Api,
) -> None:
    await seed(api)
    before = await Observation.all().count()
    body = await api.run(
        operation("RecordFeedback"),
        {"feedback": [feedback_row("cb-1")], "idempotencyKey": "k" * 129},
        as_="integration",
    )
    result = body["data"]["recordFeedback"]
    assert result["__typename"] == "ValidationError"
    assert [(i["field"], i["row"]) for i in result["issues"]] == [("idempotencyKey", None)]
    assert await Observation.all().count() == before


async def test_record_feedback_keep_valid_keeps_the_good_rows_and_reports_the_others(
    api: Api,
) -> None:
    await seed(api)
    body = await api.run(
        operation("RecordFeedback"),
        {
            "feedback": [feedback_row("cb-1"), feedback_row("cb-2", employee="NOBODY")],
            "mode": "KEEP_VALID",
        },
        as_="integration",
    )
    report = body["data"]["recordFeedback"]
    assert report["__typename"] == "IngestReport"
    assert report["accepted"] == 1
    assert [(r["row"], r["field"]) for r in report["rejected"]] == [(1, "employeeExternalId")]
    assert line(await my_score(api), "csat")["sampleSize"] == 7


async def test_record_feedback_is_refused_to_an_employee_token(api: Api) -> None:
    await seed(api)
    before = await Observation.all().count()
    body = await api.run(
        operation("RecordFeedback"), {"feedback": [feedback_row("cb-1")]}, as_="employee"
    )
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await Observation.all().count() == before


async def test_record_observations_moves_the_line_it_feeds(api: Api) -> None:
    await seed(api)
    rows = [
        {
            "kpiCode": "frt",
            "value": "6.5",
            "occurredAt": "2026-03-20T09:30:00+08:00",
            "source": "tickets",
            "employeeExternalId": "A1",
            "externalId": f"ticket-{n}",
        }
        for n in range(2)
    ]
    body = await api.run(
        operation("RecordObservations"),
        {"observations": rows, "idempotencyKey": "tickets-2026-03-20"},
        as_="integration",
    )
    assert body["data"]["recordObservations"]["accepted"] == 2
    assert line(await my_score(api), "frt")["sampleSize"] == 5
    unknown = await api.run(
        operation("RecordObservations"),
        {"observations": [{**rows[0], "kpiCode": "nope", "externalId": "ticket-9"}]},
        as_="integration",
    )
    result = unknown["data"]["recordObservations"]
    assert (result["__typename"], result["accepted"]) == ("IngestReport", 0)
    assert [(r["row"], r["field"]) for r in result["rejected"]] == [(0, "kpiCode")]
    assert line(await my_score(api), "frt")["sampleSize"] == 5


# --- setup -------------------------------------------------------------------------------


async def test_set_up_cycle_creates_the_cycle_and_saves_its_scorecard_in_one_request(
    api: Api,
) -> None:
    await seed(api)
    lines = [
        {"kpiCode": "csat", "weight": "60", "threshold": "80", "target": "92"},
        {"kpiCode": "quality", "weight": "40"},
    ]
    body = await api.run(
        operation("SetUpCycle"),
        {
            "cycle": {
                "code": "2026-Q2",
                "name": "Q2 2026",
                "startsOn": "2026-04-01",
                "endsOn": "2026-06-30",
            },
            "cycleCode": "2026-Q2",
            "positionCode": "agent",
            "lines": lines,
        },
        as_="admin",
    )
    created, saved = body["data"]["createCycle"], body["data"]["setScorecard"]
    assert (created["__typename"], created["code"], created["state"]) == (
        "Cycle",
        "2026-Q2",
        "DRAFT",
    )
    assert (saved["__typename"], saved["version"], saved["changed"]) == (
        "ScorecardSaved",
        1,
        True,
    )
    edit = {
        "cycleCode": "2026-Q2",
        "positionCode": "agent",
        "lines": [{**lines[0], "weight": "70"}, {**lines[1], "weight": "30"}],
        "expectedVersion": 1,
    }
    edited = await api.run(operation("SetScorecard"), edit, as_="admin")
    assert edited["data"]["setScorecard"]["version"] == 2
    stale = await api.run(
        operation("SetScorecard"),
        {**edit, "lines": [{**lines[0], "weight": "50"}, {**lines[1], "weight": "50"}]},
        as_="admin",
    )
    assert stale["data"]["setScorecard"]["__typename"] == "ConflictError"
    card = await api.run(
        '{ cycle(code: "2026-Q2") { scorecards { version lines { kpi weight } } } }', as_="admin"
    )
    (scorecard,) = card["data"]["cycle"]["scorecards"]
    assert scorecard["version"] == 2
    assert [(x["kpi"], Decimal(x["weight"])) for x in scorecard["lines"]] == [
        ("csat", Decimal(70)),
        ("quality", Decimal(30)),
    ]


async def test_set_up_cycle_by_a_manager_is_denied_as_data_and_creates_nothing(
    api: Api,
) -> None:
    await seed(api)
    body = await api.run(
        operation("SetUpCycle"),
        {
            "cycle": {"code": "X", "name": "X", "startsOn": "2026-04-01", "endsOn": "2026-06-30"},
            "cycleCode": "X",
            "positionCode": "agent",
            "lines": [{"kpiCode": "csat", "weight": "100"}],
        },
        as_="manager",
    )
    assert body["data"]["createCycle"]["__typename"] == "AccessDeniedError"
    assert body["data"]["setScorecard"]["__typename"] in ("AccessDeniedError", "NotFoundError")
    cycles = await api.run("{ cycles { nodes { code } } }", as_="admin")
    assert [c["code"] for c in cycles["data"]["cycles"]["nodes"]] == [CYCLE]


async def test_transition_cycle_refuses_skipping_a_state(api: Api) -> None:
    await seed(api)
    body = await api.run(
        operation("TransitionCycle"), {"cycleCode": CYCLE, "to": "FINALIZED"}, as_="admin"
    )
    assert body["data"]["transitionCycle"]["__typename"] == "InvalidStateError"
    state = await api.run('{ cycle(code: "2026-Q1") { state } }', as_="admin")
    assert state["data"]["cycle"]["state"] == "ACTIVE"


# --- appeals -----------------------------------------------------------------------------


async def test_an_accepted_appeal_with_an_adjustment_moves_the_total(api: Api) -> None:
    await seed(api)
    before = await my_score(api)
    filed = await api.run(
        operation("FileAppeal"),
        {"cycleCode": CYCLE, "reason": "Two calls were logged against me by mistake", "line": 3},
        as_="employee",
    )
    appeal = filed["data"]["fileAppeal"]
    assert (appeal["__typename"], appeal["line"], appeal["state"]) == ("Appeal", 3, "OPEN")
    resolved = await api.run(
        operation("ResolveAppeal"),
        {
            "id": appeal["id"],
            "outcome": "ACCEPTED",
            "note": "Confirmed with the ticket log",
            "adjustmentPoints": "2",
        },
        as_="manager",
    )
    answer = resolved["data"]["resolveAppeal"]
    assert (answer["__typename"], answer["state"]) == ("Appeal", "ACCEPTED")
    assert answer["resolvedAt"]
    after = await my_score(api)
    assert Decimal(after["total"]) == Decimal(before["total"]) + 2
    assert [a["points"] for a in after["adjustments"]] == ["2.00"]
    assert [(a["line"], a["state"], a["resolutionNote"]) for a in after["appeals"]] == [
        (3, "ACCEPTED", "Confirmed with the ticket log")
    ]


async def test_an_employee_cannot_resolve_their_own_appeal(api: Api) -> None:
    await seed(api)
    filed = await api.run(
        operation("FileAppeal"), {"cycleCode": CYCLE, "reason": "Too low"}, as_="employee"
    )
    appeal_id = filed["data"]["fileAppeal"]["id"]
    body = await api.run(
        operation("ResolveAppeal"),
        {"id": appeal_id, "outcome": "ACCEPTED", "note": "fine by me", "adjustmentPoints": "5"},
        as_="employee",
    )
    assert body["data"]["resolveAppeal"]["__typename"] == "AccessDeniedError"
    score = await my_score(api)
    assert score["adjustments"] == []
    assert [a["state"] for a in score["appeals"]] == ["OPEN"]


async def test_an_employee_cannot_file_an_appeal_for_a_colleague(api: Api) -> None:
    await seed(api)
    body = await api.run(
        operation("FileAppeal"),
        {"cycleCode": CYCLE, "reason": "on their behalf", "employeeExternalId": "A2"},
        as_="employee",
    )
    assert body["data"]["fileAppeal"]["__typename"] == "AccessDeniedError"


# --- tokens ------------------------------------------------------------------------------


async def test_a_revoked_token_no_longer_signs_requests_in(api: Api) -> None:
    await seed(api)
    login = await api.run(operation("Login"), {"email": "a1@example.com", "password": PASSWORD})
    api.tokens["phone"] = login["data"]["login"]["token"]
    listed = await api.run("{ viewer { tokens { id createdAt } } }", as_="employee")
    tokens = listed["data"]["viewer"]["tokens"]
    assert len(tokens) == 2
    newest = max(tokens, key=lambda t: t["createdAt"])
    body = await api.run(operation("RevokeToken"), {"id": newest["id"]}, as_="employee")
    assert body["data"]["revokeToken"] == {"__typename": "Done", "ok": True}
    response = await api.post("{ viewer { email } }", as_="phone")
    assert response.status_code == 401
    still = await api.run("{ viewer { email } }", as_="employee")
    assert still["data"]["viewer"]["email"] == "a1@example.com"


async def test_an_employee_cannot_revoke_someone_elses_token(api: Api) -> None:
    await seed(api)
    listed = await api.run("{ viewer { tokens { id } } }", as_="colleague")
    (token,) = listed["data"]["viewer"]["tokens"]
    body = await api.run(operation("RevokeToken"), {"id": token["id"]}, as_="employee")
    assert body["data"]["revokeToken"]["__typename"] in ("AccessDeniedError", "NotFoundError")
    response = await api.post("{ viewer { email } }", as_="colleague")
    assert response.status_code == 200


async def test_decimals_everywhere_have_the_fixed_places_the_scalar_promises(api: Api) -> None:
    await seed(api)
    score = await my_score(api)
    assert line(score, "csat")["weight"] == "35.00"  # score lines already do
    card = await api.run(
        '{ cycle(code: "2026-Q1") { scorecards { lines { weight threshold } } } }', as_="admin"
    )
    first = card["data"]["cycle"]["scorecards"][0]["lines"][0]
    assert (first["weight"], first["threshold"]) == ("35.00", "80.0000")
    # A rating is an input on the KPI's scale, reported like raw values (4 places).
    assert {r["rating"] for r in line(score, "quality")["reviews"]} == {"4.0000", "5.0000"}
    body = await api.run(
        operation("LineObservations"), {"externalId": "A1", "cycleCode": CYCLE}, as_="employee"
    )
    values = [
        e["node"]["value"]
        for e in line(body["data"]["employee"]["score"], "csat")["observations"]["edges"]
    ]
    assert values
    assert all(v.endswith(".0000") for v in values)


async def test_cycle_calibration_lists_a_managers_reviewers_with_their_people(api: Api) -> None:
    from tests.api.test_calibration import review_ready

    await review_ready(api)
    body = await api.run(operation("CycleCalibration"), {"cycleCode": CYCLE}, as_="manager")
    assert "errors" not in body, body["errors"]
    cycle = body["data"]["cycle"]
    assert cycle["state"] == "REVIEW"
    assert cycle["calibrationRecord"] is None
    (lead,) = cycle["calibration"]["reviewers"]
    assert (lead["reviewer"], lead["n"], lead["flag"]) == ("lead@example.com", 4, "TOO_FEW")
    assert {e["employee"]["externalId"] for e in lead["employees"]} == MANAGER_SEES - {"L1"}
    for row in lead["employees"]:
        # Rated 4 on a 1-5 scale: p = 75; the gap is exact before it is rounded.
        assert row["qualitative"] == "75.00"
        gap = Decimal(row["qualitative"]) - Decimal(row["quantitative"])
        assert abs(Decimal(row["gap"]) - gap) <= Decimal("0.01")
    mean_gap = sum((Fraction(e["gap"]) for e in lead["employees"]), Fraction(0)) / 4
    assert abs(Fraction(lead["gap"]) - mean_gap) <= Fraction(1, 100)
    assert lead["standardError"] is not None
    hotline = [
        r
        for r in cycle["calibration"]["bandGuide"]
        if r["team"] is not None and r["team"]["code"] == "hotline"
    ]
    assert sum(r["count"] for r in hotline) == len(lead["employees"])
    assert all(r["guideShare"] is None and r["warning"] is False for r in hotline)


# --- shadow scorecards and pilots (SCORING §13) ----------------------------------------

SHADOW_LINES_INPUT = [
    {"kpiCode": "csat", "weight": "45", "threshold": "80", "target": "92", "stretch": "98"},
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
    {"kpiCode": "quality", "weight": "20"},
]


async def test_an_admin_deletes_a_shadow_scorecard_from_the_version_read(api: Api) -> None:
    await seed(api)
    saved = {"cycleCode": CYCLE, "positionCode": "agent", "lines": SHADOW_LINES_INPUT}
    await api.run(operation("SetShadowScorecard"), saved, as_="admin")
    variables = {"cycleCode": CYCLE, "positionCode": "agent", "expectedVersion": 1}
    refused = await api.run(operation("DeleteShadowScorecard"), variables, as_="manager")
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stale = await api.run(
        operation("DeleteShadowScorecard"), {**variables, "expectedVersion": 2}, as_="admin"
    )
    assert stale["data"]["deleteShadowScorecard"]["__typename"] == "ConflictError"
    deleted = await api.run(operation("DeleteShadowScorecard"), variables, as_="admin")
    assert "errors" not in deleted, deleted
    result = deleted["data"]["deleteShadowScorecard"]
    assert (result["__typename"], result["code"], result["shadowScorecards"]) == (
        "Cycle",
        CYCLE,
        [],
    )
    again = await api.run(operation("DeleteShadowScorecard"), variables, as_="admin")
    assert again["data"]["deleteShadowScorecard"]["__typename"] == "NotFoundError"


async def test_an_admin_tries_a_shadow_scorecard_and_promotes_it(api: Api) -> None:
    await seed(api)
    variables = {"cycleCode": CYCLE, "positionCode": "agent", "lines": SHADOW_LINES_INPUT}
    refused = await api.run(operation("SetShadowScorecard"), variables, as_="manager")
    assert refused.get("errors") or (
        refused["data"]["setShadowScorecard"]["__typename"] == "AccessDeniedError"
    )
    saved = await api.run(operation("SetShadowScorecard"), variables, as_="admin")
    assert "errors" not in saved, saved
    result = saved["data"]["setShadowScorecard"]
    assert (result["__typename"], result["version"], result["changed"]) == (
        "ScorecardSaved",
        1,
        True,
    )
    stale = await api.run(
        operation("SetShadowScorecard"),
        {**variables, "lines": SHADOW_LINES_INPUT[::-1], "expectedVersion": 0},
        as_="admin",
    )
    assert stale["data"]["setShadowScorecard"]["__typename"] == "ConflictError"
    body = await api.run(
        operation("ShadowReport"), {"cycleCode": CYCLE, "positionCode": "agent"}, as_="manager"
    )
    assert "errors" not in body, body["errors"]
    cycle = body["data"]["cycle"]
    assert cycle["shadowScorecards"][0]["position"]["code"] == "agent"
    report = cycle["shadowReport"]
    assert {r["employee"]["externalId"] for r in report["rows"]} == MANAGER_SEES - {"L1"}
    for row in report["rows"]:
        if row["liveTotal"] is not None and row["shadowTotal"] is not None:
            gap = Decimal(row["shadowTotal"]) - Decimal(row["liveTotal"])
            assert abs(Decimal(row["change"]) - gap) <= Decimal("0.01")
        assert row["moves"] == (
            (row["liveBand"] or row["liveStatus"]) != (row["shadowBand"] or row["shadowStatus"])
        )
    assert sum(cell["count"] for cell in report["shiftMatrix"]) == len(report["rows"])
    promoted = await api.run(
        operation("PromoteShadowScorecard"),
        {
            "cycleCode": CYCLE,
            "newCycleCode": "2026-Q2",
            "name": "Q2 2026",
            "startsOn": "2026-04-01",
            "endsOn": "2026-06-30",
        },
        as_="admin",
    )
    cycle = promoted["data"]["promoteShadowScorecard"]
    assert (cycle["__typename"], cycle["state"]) == ("Cycle", "DRAFT")
    (card,) = cycle["scorecards"]
    assert card["lines"][0] == {"kpi": "csat", "scope": "INDIVIDUAL", "weight": "45.00"}


async def test_an_admin_reads_a_pilot_report_and_rolls_the_pilot_out(api: Api) -> None:
    from tests.api.test_shadow import pilot_ready

    await pilot_ready(api)
    body = await api.run(operation("PilotReport"), {"cycleCode": "2026-03"}, as_="manager")
    assert "errors" not in body, body["errors"]
    cycle = body["data"]["cycle"]
    assert [t["code"] for t in cycle["pilotTeams"]] == ["hotline"]
    report = cycle["pilotReport"]
    assert report["previousCycle"] is None
    assert [line["kpi"]["code"] for line in report["lines"]] == ["complaints", "csat", "frt"]
    for line in report["lines"]:
        assert line["gap"] is None
        assert line["pilotPreviousN"] is None
        assert line["pilotValue"] is None or len(line["pilotValue"].split(".")[1]) == 4
    rolled = await api.run(
        operation("RollOutPilot"),
        {
            "cycleCode": "2026-03",
            "newCycleCode": "2026-04",
            "name": "April",
            "startsOn": "2026-04-01",
            "endsOn": "2026-04-30",
        },
        as_="admin",
    )
    cycle = rolled["data"]["rollOutPilot"]
    assert (cycle["__typename"], cycle["state"], cycle["pilotTeams"]) == ("Cycle", "DRAFT", [])
    assert [c["position"]["code"] for c in cycle["scorecards"]] == ["agent"]
    again = await api.run(
        operation("RollOutPilot"),
        {
            "cycleCode": "2026-03",
            "newCycleCode": "2026-04",
            "name": "April",
            "startsOn": "2026-04-01",
            "endsOn": "2026-04-30",
        },
        as_="admin",
    )
    refusal = again["data"]["rollOutPilot"]
    assert refusal["__typename"] == "ValidationError"
    assert refusal["issues"][0]["field"] == "newCycleCode"


# --- goals (SCORING §11) -----------------------------------------------------------------


def goal_input(**changes: Any) -> dict[str, Any]:
    return {
        "cycleCode": CYCLE,
        "title": "Raise CSAT to 90 %",
        "measure": {"kpiCode": "csat", "scope": "INDIVIDUAL"},
        "target": "90",
        "dueOn": "2026-03-31",
        "employeeExternalId": "A1",
    } | changes


async def test_a_manager_sets_a_goal_that_fails_m_fixes_it_and_the_employee_sees_it(
    goal_api: Api,
) -> None:
    await seed(goal_api)
    refused = await goal_api.run(
        operation("SetGoal"), {"goal": goal_input(target="120")}, as_="manager"
    )
    result = refused["data"]["setGoal"]
    assert result["__typename"] == "GoalNotSmartError"
    assert [(c["letter"], c["result"]) for c in result["smart"]] == [
        ("S", "OK"),
        ("M", "ERROR"),
        ("A", "OK"),
        ("R", "OK"),
        ("T", "OK"),
    ]
    assert [(i["field"], i["code"]) for i in result["issues"]] == [
        ("target", "SMART_M_TARGET_OUT_OF_RANGE")
    ]
    saved = await goal_api.run(operation("SetGoal"), {"goal": goal_input()}, as_="manager")
    goal = saved["data"]["setGoal"]["goal"]
    assert (goal["state"], goal["target"], goal["version"]) == ("ACCEPTED", "90", 1)
    mine = await goal_api.run(
        operation("MyGoals"), {"cycleCode": CYCLE}, as_="employee", lang="zh-CN"
    )
    [card] = mine["data"]["viewer"]["employee"]["goals"]
    assert card["title"] == "Raise CSAT to 90 %"
    assert card["smart"][0]["message"] == "符合。"
    # Seeded ratings: A1's share of 4s and 5s is below 90, no baseline: progress 0; on the
    # pinned day (the day it was accepted) no time has passed: on track.
    assert (card["progress"], card["status"]) == ("0.00", "ON_TRACK")
    assert card["currentValue"] is not None


async def test_an_employee_proposes_and_the_manager_returns_then_accepts(goal_api: Api) -> None:
    await seed(goal_api)
    proposed = await goal_api.run(operation("SetGoal"), {"goal": goal_input()}, as_="employee")
    goal = proposed["data"]["setGoal"]["goal"]
    assert goal["state"] == "PROPOSED"
    returned = await goal_api.run(
        operation("DecideGoal"),
        {"goalId": goal["id"], "decision": "RETURN", "note": "Aim for 92"},
        as_="manager",
    )
    assert returned["data"]["decideGoal"]["state"] == "RETURNED"
    changed = await goal_api.run(
        operation("SetGoal"),
        {
            "goal": goal_input(
                goalId=goal["id"], target="92", title="Raise CSAT to 92 %", employeeExternalId=None
            ),
            "expectedVersion": 2,
        },
        as_="employee",
    )
    assert changed["data"]["setGoal"]["goal"]["state"] == "PROPOSED"
    stale = await goal_api.run(
        operation("SetGoal"),
        {"goal": goal_input(goalId=goal["id"], employeeExternalId=None), "expectedVersion": 1},
        as_="employee",
    )
    assert stale["data"]["setGoal"]["__typename"] == "ConflictError"
    by_self = await goal_api.run(
        operation("DecideGoal"), {"goalId": goal["id"], "decision": "ACCEPT"}, as_="employee"
    )
    assert by_self["data"]["decideGoal"]["__typename"] == "AccessDeniedError"
    accepted = await goal_api.run(
        operation("DecideGoal"), {"goalId": goal["id"], "decision": "ACCEPT"}, as_="manager"
    )
    assert accepted["data"]["decideGoal"]["state"] == "ACCEPTED"
    assert accepted["data"]["decideGoal"]["acceptedOn"] == "2026-01-05"


async def test_reporting_a_manual_goals_value_moves_its_progress(goal_api: Api) -> None:
    await seed(goal_api)
    manual = goal_input(
        title="Visit twelve key customers",
        measure={"unit": "visits", "direction": "HIGHER_IS_BETTER", "relatedKpiCode": "csat"},
        target="12",
        baseline="0",
    )
    saved = await goal_api.run(operation("SetGoal"), {"goal": manual}, as_="manager")
    goal_id = saved["data"]["setGoal"]["goal"]["id"]
    body = await goal_api.run(
        operation("ReportGoalValue"),
        {"goalId": goal_id, "value": "3", "note": "visit log"},
        as_="employee",
    )
    result = body["data"]["reportGoalValue"]
    assert (result["currentValue"], result["progress"]) == ("3.0000", "25.00")
    assert result["updates"]["nodes"] == [
        {"value": "3", "note": "visit log", "reportedBy": "a1@example.com"}
    ]
    colleague = await goal_api.run(
        operation("ReportGoalValue"),
        {"goalId": goal_id, "value": "5", "note": "x"},
        as_="colleague",
    )
    assert colleague["data"]["reportGoalValue"]["__typename"] == "NotFoundError"


async def test_team_goals_show_the_goals_serving_them_to_the_manager(goal_api: Api) -> None:
    await seed(goal_api)
    team_goal = goal_input(
        title="Hotline CSAT to 90 %",
        measure={"kpiCode": "csat", "scope": "TEAM"},
        employeeExternalId=None,
        teamCode="hotline",
    )
    saved = await goal_api.run(operation("SetGoal"), {"goal": team_goal}, as_="manager")
    team_goal_id = saved["data"]["setGoal"]["goal"]["id"]
    serving = goal_input(
        title="Call back every unhappy customer",
        measure={"unit": "calls", "direction": "HIGHER_IS_BETTER"},
        target="20",
        parentGoalId=team_goal_id,
    )
    await goal_api.run(operation("SetGoal"), {"goal": serving}, as_="manager")
    body = await goal_api.run(
        operation("TeamGoals"), {"teamCode": "hotline", "cycleCode": CYCLE}, as_="manager"
    )
    [goal] = body["data"]["team"]["goals"]
    assert [g["owner"]["externalId"] for g in goal["servingGoals"]] == ["A1"]
    # The seed scores fewer than five of the hotline: a member gets FORBIDDEN.
    member = await goal_api.run(
        operation("TeamGoals"), {"teamCode": "hotline", "cycleCode": CYCLE}, as_="employee"
    )
    assert member["data"]["team"] is None
    assert [e["extensions"]["code"] for e in member["errors"]] == ["FORBIDDEN"]


# --- check-ins and feedback notes (people side) ---------------------------------------------


async def record_check_in_for_a1(api: Api, **variables: Any) -> dict[str, Any]:
    body = await api.run(
        operation("RecordCheckIn"),
        {
            "employeeExternalId": "A1",
            "heldOn": "2026-03-19",
            "sharedNotes": "Good month on the phones.",
            "privateNotes": "Ask about the night shifts.",
            "discussedLines": [1],
            "actionItems": [
                {"text": "Read the refund guide", "ownerExternalId": "A1", "dueOn": "2026-04-01"}
            ],
        }
        | variables,
        as_="manager",
    )
    result: dict[str, Any] = body["data"]["recordCheckIn"]
    return result


async def test_record_check_in_keeps_the_score_and_my_check_ins_hides_the_private_notes(
    api: Api,
) -> None:
    await seed(api)
    recorded = await record_check_in_for_a1(api)
    assert recorded["__typename"] == "CheckIn", recorded
    assert recorded["privateNotes"] == "Ask about the night shifts."
    score = await my_score(api)
    assert recorded["score"]["total"] == score["total"]
    assert [x["discussed"] for x in recorded["score"]["lines"]][:2] == [True, False]

    body = await api.run(operation("MyCheckIns"), {}, as_="employee")
    assert "errors" not in body, body
    me = body["data"]["viewer"]["employee"]
    (check_in,) = [edge["node"] for edge in me["checkIns"]["edges"]]
    assert check_in["sharedNotes"] == "Good month on the phones."
    assert check_in["privateNotes"] is None
    assert check_in["score"]["total"] == score["total"]
    assert [i["text"] for i in me["nextCheckIn"]["openActionItems"]] == ["Read the refund guide"]
    assert me["nextCheckIn"]["lastHeldOn"] == "2026-03-19"
    assert me["nextCheckIn"]["dueOn"] == "2026-04-02"


async def test_record_check_in_keeps_the_goals_discussed_and_give_feedback_ties_a_goal(
    api: Api,
) -> None:
    await seed(api)
    goal = (await set_goal(actor=ADMIN, goal=csat_goal("A1"), clock=CLOCK)).goal
    goal_id = global_id("Goal", goal.id)
    recorded = await record_check_in_for_a1(api, discussedGoals=[goal_id])
    assert [(g["goalId"], g["title"], g["discussed"]) for g in recorded["goals"]] == [
        (goal_id, "Raise CSAT to 90 %", True)
    ]
    body = await api.run(operation("MyCheckIns"), {}, as_="employee")
    (check_in,) = [e["node"] for e in body["data"]["viewer"]["employee"]["checkIns"]["edges"]]
    assert [(g["goalId"], g["cycleCode"], g["discussed"]) for g in check_in["goals"]] == [
        (goal_id, CYCLE, True)
    ]
    given = await api.run(
        operation("GiveFeedback"),
        {"employeeExternalId": "A1", "kind": "PRAISE", "text": "On track", "goalId": goal_id},
        as_="manager",
    )
    assert given["data"]["giveFeedbackNote"]["goal"]["id"] == goal_id


async def test_record_check_in_carries_open_items_and_closes_the_ones_named(api: Api) -> None:
    await seed(api)
    first = await record_check_in_for_a1(api, heldOn="2026-03-05")
    (item,) = first["actionItems"]
    second = await record_check_in_for_a1(api, heldOn="2026-03-19", actionItems=[])
    assert [(i["id"], i["closedAt"]) for i in second["carriedActionItems"]] == [(item["id"], None)]
    third = await record_check_in_for_a1(
        api, heldOn="2026-03-20", actionItems=[], closeActionItems=[item["id"]]
    )
    (closed,) = third["carriedActionItems"]
    assert closed["closedAt"] is not None


async def test_record_check_in_outside_the_managers_teams_is_denied_as_data(api: Api) -> None:
    await seed(api)
    outside = await record_check_in_for_a1(api, employeeExternalId="F1", actionItems=[])
    assert outside["__typename"] == "AccessDeniedError"
    body = await api.run(
        operation("RecordCheckIn"),
        {"employeeExternalId": "A2", "heldOn": "2026-03-19"},
        as_="employee",
    )
    assert body["data"]["recordCheckIn"]["__typename"] == "AccessDeniedError"


async def test_acknowledge_check_in_is_the_persons_once_with_a_comment(api: Api) -> None:
    await seed(api)
    recorded = await record_check_in_for_a1(api)
    variables = {"checkInId": recorded["id"], "comment": "Thanks, agreed."}
    by_colleague = await api.run(operation("AcknowledgeCheckIn"), variables, as_="colleague")
    assert by_colleague["data"]["acknowledgeCheckIn"]["__typename"] == "AccessDeniedError"
    done = await api.run(operation("AcknowledgeCheckIn"), variables, as_="employee")
    answer = done["data"]["acknowledgeCheckIn"]
    assert answer["__typename"] == "CheckIn"
    assert answer["acknowledgementComment"] == "Thanks, agreed."
    again = await api.run(operation("AcknowledgeCheckIn"), variables, as_="employee")
    assert again["data"]["acknowledgeCheckIn"]["__typename"] == "InvalidStateError"


async def test_give_feedback_ties_a_managers_note_to_a_line_and_refuses_a_colleague(
    api: Api,
) -> None:
    await seed(api)
    variables = {
        "employeeExternalId": "A1",
        "kind": "PRAISE",
        "text": "Calm with the angry caller",
        "cycleCode": CYCLE,
        "line": 1,
    }
    given = (await api.run(operation("GiveFeedback"), variables, as_="manager"))["data"]
    note = given["giveFeedbackNote"]
    assert note["__typename"] == "FeedbackNote", note
    assert (note["kind"], note["line"], note["cycleCode"]) == ("PRAISE", 1, CYCLE)
    by_colleague = await api.run(
        operation("GiveFeedback"),
        {"employeeExternalId": "A1", "kind": "PRAISE", "text": "Hi"},
        as_="colleague",
    )
    assert by_colleague["data"]["giveFeedbackNote"]["__typename"] == "AccessDeniedError"
    comment = await Observation.filter(employee__external_id="A1", comment__isnull=False).first()
    assert comment is not None
    on_comment = await api.run(
        operation("GiveFeedback"),
        {
            "employeeExternalId": "A1",
            "kind": "SUGGESTION",
            "text": "Offer the callback sooner",
            "observationId": global_id("Observation", comment.id),
        },
        as_="manager",
    )
    assert on_comment["data"]["giveFeedbackNote"]["observation"]["comment"] == comment.comment


async def test_hide_feedback_note_is_for_admins_and_keeps_the_reason_for_them(api: Api) -> None:
    await seed(api)
    given = await api.run(
        operation("GiveFeedback"),
        {"employeeExternalId": "A1", "kind": "SUGGESTION", "text": "rude words"},
        as_="manager",
    )
    note_id = given["data"]["giveFeedbackNote"]["id"]
    variables = {"feedbackNoteId": note_id, "reason": "Abusive language"}
    by_manager = await api.run(operation("HideFeedbackNote"), variables, as_="manager")
    assert by_manager["data"] is None or by_manager["data"]["hideFeedbackNote"] is None
    assert by_manager["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    hidden = await api.run(operation("HideFeedbackNote"), variables, as_="admin")
    assert hidden["data"]["hideFeedbackNote"] == {
        "__typename": "FeedbackNote",
        "id": note_id,
        "hidden": True,
        "hiddenReason": "Abusive language",
    }
    seen = await api.run(
        '{ employee(externalId: "A1") { feedbackNotes { nodes { id } } } }', as_="employee"
    )
    assert seen["data"]["employee"]["feedbackNotes"]["nodes"] == []


# --- development plans (docs/development.md) ----------------------------------------


async def _catalogue() -> None:
    from service.usecases.people.training import CourseInput, save_course
    from tests.integration.scenario import ADMIN

    for course in (
        CourseInput("csat-basics", "Delighting callers", "让来电者满意", ("csat",), 90, "WORKSHOP"),
        CourseInput("fast-reply", "Answering fast", "快速响应", ("frt",), 60, "ONLINE"),
    ):
        await save_course(actor=ADMIN, course=course)


async def test_development_suggestions_are_the_lines_leaving_most_points_with_tagged_courses(
    api: Api,
) -> None:
    await seed(api)
    await _catalogue()
    score = await my_score(api)
    expected = sorted(
        (
            (-(Decimal(x["effectiveWeight"]) - Decimal(x["contribution"])), i, x["kpi"]["code"])
            for i, x in enumerate(score["lines"])
            if x["scope"] == "INDIVIDUAL"
            and x["status"] == "SCORED"
            and Decimal(x["effectiveWeight"]) > Decimal(x["contribution"])
        )
    )[:3]
    assert expected, "the seed leaves points on A1's table"
    body = await api.run(
        operation("DevelopmentSuggestions"), {"externalId": "A1"}, as_="employee", lang="zh-CN"
    )
    assert "errors" not in body, body["errors"]
    found = body["data"]["employee"]["developmentSuggestions"]
    assert (found["cycleCode"], found["status"]) == (CYCLE, "SCORED")
    assert [(s["kpi"]["code"], Decimal(s["pointsLeft"])) for s in found["suggestions"]] == [
        (code, -negative) for negative, _i, code in expected
    ]
    tagged = {"csat": ["csat-basics"], "frt": ["fast-reply"]}
    for suggestion in found["suggestions"]:
        courses = suggestion["courses"]
        assert [c["code"] for c in courses] == tagged.get(suggestion["kpi"]["code"], [])
        assert all(c["localizedTitle"] in ("让来电者满意", "快速响应") for c in courses)
    body = await api.run(operation("DevelopmentSuggestions"), {"externalId": "A1"}, as_="colleague")
    assert body["data"]["employee"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_add_development_item_takes_a_suggestion_into_the_employees_own_plan(
    api: Api,
) -> None:
    await seed(api)
    await _catalogue()
    item = {
        "action": "COURSE",
        "dueOn": "2099-03-31",
        "focusKpiCode": "frt",
        "courseCode": "fast-reply",
    }
    body = await api.run(operation("AddDevelopmentItem"), {"item": item}, as_="employee")
    added = body["data"]["addDevelopmentItem"]
    assert added["__typename"] == "DevelopmentItem", added
    assert (
        added["focusKpi"]["code"],
        added["course"]["code"],
        added["ownerExternalId"],
        added["status"],
    ) == (
        "frt",
        "fast-reply",
        "A1",
        "PLANNED",
    )
    refused = await api.run(
        operation("AddDevelopmentItem"),
        {"item": item, "employeeExternalId": "A1"},
        as_="colleague",
    )
    assert refused["data"]["addDevelopmentItem"]["__typename"] == "AccessDeniedError"
    bad = await api.run(
        operation("AddDevelopmentItem"), {"item": {**item, "courseCode": None}}, as_="employee"
    )
    result = bad["data"]["addDevelopmentItem"]
    assert result["__typename"] == "ValidationError"
    assert [i["field"] for i in result["issues"]] == ["courseCode"]


async def test_my_development_plan_lists_the_items_and_the_courses_attended(api: Api) -> None:
    from datetime import date

    from service.usecases.people.development import ItemInput, add_development_item
    from service.usecases.people.training import record_attendance
    from tests.integration.scenario import ADMIN

    await seed(api)
    await _catalogue()
    await add_development_item(
        actor=ADMIN,
        employee_external_id="A1",
        item=ItemInput(
            action="SHADOWING",
            due_on=date(2099, 1, 31),
            focus_skill="Calming angry callers",
            shadowing_external_id="A2",
            owner_external_id="L1",
        ),
    )
    await record_attendance(
        actor=ADMIN,
        course_code="csat-basics",
        employee_external_id="A1",
        attended_on=date(2026, 2, 3),
    )
    body = await api.run(
        operation("MyDevelopmentPlan"), {"withAttendance": True}, as_="employee", lang="zh-CN"
    )
    assert "errors" not in body, body["errors"]
    me = body["data"]["viewer"]["employee"]
    (item,) = me["developmentPlan"]["items"]
    assert (item["focusKind"], item["focusSkill"], item["action"]) == (
        "SKILL",
        "Calming angry callers",
        "SHADOWING",
    )
    assert (item["shadowingName"], item["ownerExternalId"], item["effect"]) == (
        "Agent 2",
        "L1",
        None,
    )
    assert me["coursesAttended"] == [
        {
            "course": {
                "id": me["coursesAttended"][0]["course"]["id"],
                "code": "csat-basics",
                "localizedTitle": "让来电者满意",
            },
            "attendedOn": "2026-02-03",
            "note": "",
        }
    ]
    body = await api.run(operation("MyDevelopmentPlan"), {"withAttendance": False}, as_="colleague")
    assert body["data"]["viewer"]["employee"]["developmentPlan"] is None


# --- live: subscriptions over a real WebSocket ----------------------------------------


async def test_score_changed_follows_the_one_employee_it_names(db: str) -> None:
    async with (
        live_server(live_settings()) as server,
        httpx.AsyncClient(base_url=server.http) as client,
    ):
        api = Api(client)
        await seed(api)
        followed = global_id("Employee", (await Employee.get(external_id="A2")).id)
        async with live_client(server.ws, api.tokens["manager"]) as live:
            operation_id = await live.subscribe(
                operation("ScoreChanged"), {"cycleCode": CYCLE, "employeeId": followed}
            )
            await until_subscribed(server.app)
            await rate(api, "A1", "1")
            await rate(api, "A2", "1")
            score = (await live.next_payload(operation_id))["data"]["scoreChanged"]
            assert score["employee"]["id"] == followed
            assert score["state"] == "PROVISIONAL"
            await live.nothing_for(0.5)


async def test_team_changed_gives_the_manager_the_new_summary(db: str) -> None:
    async with (
        live_server(live_settings()) as server,
        httpx.AsyncClient(base_url=server.http) as client,
    ):
        api = Api(client)
        await seed(api)
        async with live_client(server.ws, api.tokens["manager"]) as live:
            operation_id = await live.subscribe(
                operation("TeamChanged"), {"cycleCode": CYCLE, "teamCode": "hotline"}
            )
            await until_subscribed(server.app)
            await rate(api, "A4", "5")
            summary = (await live.next_payload(operation_id))["data"]["teamChanged"]
            query = await api.run(
                """query ($cycle: String!) { team(code: "hotline") {
                     summary(cycleCode: $cycle) { inScope scored average } } }""",
                {"cycle": CYCLE},
                as_="manager",
            )
            expected = query["data"]["team"]["summary"]
            assert {k: summary[k] for k in expected} == expected


async def test_give_recognition_thanks_a_colleague_and_the_team_wall_shows_it(api: Api) -> None:
    await seed(api)
    given = await api.run(
        operation("GiveRecognition"),
        {
            "employeeExternalId": "A1",
            "message": "Took my callbacks while I was ill",
            "kpiCode": "csat",
            "valueTag": "teamwork",
        },
        as_="colleague",
    )
    recognition = given["data"]["giveRecognition"]
    assert recognition["__typename"] == "Recognition", recognition
    assert (recognition["visibility"], recognition["kpiCode"], recognition["receiverName"]) == (
        "PUBLIC",
        "csat",
        "Agent 1",
    )
    itself = await api.run(
        operation("GiveRecognition"),
        {"employeeExternalId": "A2", "message": "Me"},
        as_="colleague",
    )
    assert itself["data"]["giveRecognition"]["issues"][0]["field"] == "employeeExternalId"
    wall = await api.run(operation("TeamWall"), {"teamCode": "hotline", "first": 5}, as_="employee")
    assert "errors" not in wall, wall
    nodes = wall["data"]["team"]["recognitions"]["nodes"]
    assert [(n["message"], n["giverName"], n["valueTag"]) for n in nodes] == [
        ("Took my callbacks while I was ill", "Agent 2", "teamwork")
    ]
    assert wall["data"]["team"]["recognitions"]["pageInfo"]["hasNextPage"] is False
    outsider = await api.run(operation("TeamWall"), {"teamCode": "hotline"}, as_="outsider")
    assert outsider["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- role models and best practice (docs/role-models.md) --------------------------------


async def test_a_manager_reads_the_role_models_and_a_colleague_thanks_a_note(api: Api) -> None:
    from tests.api.test_role_models import role_model_api

    await role_model_api(api)
    board = await api.run(
        operation("RoleModels"), {"teamCode": "hotline", "cycleCode": "2026-02"}, as_="manager"
    )
    assert "errors" not in board, board["errors"]
    models = board["data"]["team"]["roleModels"]
    assert (models["fromCycleCode"], models["view"]) == ("2026-01", "FULL")
    assert [m["rank"] for m in models["lines"][0]["roleModels"]] == [1, 1, 3, 3]
    refused = await api.run(
        operation("ShareBestPractice"), {"kpiCode": "csat", "text": "Me too"}, as_="colleague"
    )
    assert refused["data"]["shareBestPractice"]["issues"][0]["code"] == "NOT_A_ROLE_MODEL"
    shared = await api.run(
        operation("ShareBestPractice"),
        {"kpiCode": "csat", "text": "Repeat the question", "authorExternalId": "A1"},
        as_="manager",
    )
    note = shared["data"]["shareBestPractice"]
    assert (note["__typename"], note["kpi"]["code"]) == ("BestPracticeNote", "csat")
    thanked = await api.run(operation("ThankBestPractice"), {"noteId": note["id"]}, as_="colleague")
    assert thanked["data"]["thankBestPractice"]["thanks"] == 1
    again = await api.run(operation("ThankBestPractice"), {"noteId": note["id"]}, as_="colleague")
    assert again["data"]["thankBestPractice"]["__typename"] == "InvalidStateError"
    notes = await api.run(
        operation("BestPracticeForKpi"), {"kpiCode": "csat", "first": 5}, as_="colleague"
    )
    (read,) = notes["data"]["bestPractice"]
    assert (read["text"], read["thanks"], read["thankedByMe"], read["author"]) == (
        "Repeat the question",
        1,
        True,
        None,
    )
