"""The evidence rule through the API: statusReason, payroll rows, updatePolicy (SCORING §2-§8)."""

from __future__ import annotations

from datetime import date

from service.usecases.inputs import EmployeeInput
from service.usecases.setup.organisation import upsert_employees
from tests.api.conftest import Api, seed
from tests.integration.scenario import ADMIN, CYCLE

SCORE = """
query($id: String!, $c: String!) {
  employee(externalId: $id) {
    score(cycleCode: $c) {
      status statusReason notEligibleReason evidenceWeight neededWeight total band { code }
      explanation
      lines { scope status evidence effectiveWeight contribution
              whatItWouldTake { kind band observationsNeeded sentence } }
    }
  }
}
"""

RESULTS = """
query($c: String!) {
  cycle(code: $c) {
    results(first: 100) { edges { node {
      employeeExternalId status statusReason notEligibleReason band multiplier
    } } }
  }
}
"""

UPDATE_POLICY = """
mutation($weight: Decimal!, $version: Int) {
  updatePolicy(policy: {minEvidenceWeight: $weight}, expectedVersion: $version,
               reason: "evidence rule") {
    __typename
    ... on PolicySaved { version changed movedScorecards {
      cycleCode positionCode toNoData fromNoData } }
    ... on ValidationError { issues { field message } }
    ... on ConflictError { message }
  }
}
"""


async def add_newcomer() -> None:
    """An agent with no data of their own in the hotline team."""
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                "A9", "New Agent", date(2025, 1, 1), team_code="hotline", position_code="agent"
            )
        ],
    )


async def test_a_score_without_enough_evidence_says_why_in_status_reason(api: Api) -> None:
    await seed(api)
    await add_newcomer()
    body = await api.run(SCORE, {"id": "A9", "c": CYCLE}, as_="admin", lang="zh-CN")
    score = body["data"]["employee"]["score"]
    assert (score["status"], score["statusReason"], score["notEligibleReason"]) == (
        "NO_DATA",
        "NOT_ENOUGH_EVIDENCE",
        None,
    )
    assert (score["evidenceWeight"], score["neededWeight"]) == ("0.00", "50.00")
    assert (score["total"], score["band"]) == (None, None)
    assert score["explanation"].startswith("本人数据尚不足，因此没有总分：有依据的权重为 0 %")
    team_line = next(line for line in score["lines"] if line["scope"] == "TEAM")
    assert (team_line["status"], team_line["evidence"]) == ("SCORED", False)
    assert (team_line["effectiveWeight"], team_line["contribution"]) == (None, None)
    own = score["lines"][0]
    assert own["whatItWouldTake"]["kind"] == "MORE_OBSERVATIONS"
    assert own["whatItWouldTake"]["band"] is None
    assert own["whatItWouldTake"]["sentence"] == "CSAT 还需要 1 条评分才能作为依据。"


async def test_a_scored_employee_has_no_status_reason(api: Api) -> None:
    await seed(api)
    body = await api.run(SCORE, {"id": "A1", "c": CYCLE}, as_="employee")
    score = body["data"]["employee"]["score"]
    assert (score["status"], score["statusReason"]) == ("SCORED", None)
    assert score["evidenceWeight"] == "90.00"


async def test_payroll_rows_carry_the_status_reason_and_the_deprecated_field(api: Api) -> None:
    await seed(api)
    await add_newcomer()
    body = await api.run(RESULTS, {"c": CYCLE}, as_="admin")
    rows = {
        edge["node"]["employeeExternalId"]: edge["node"]
        for edge in body["data"]["cycle"]["results"]["edges"]
    }
    assert (rows["A9"]["statusReason"], rows["A9"]["notEligibleReason"]) == (
        "NOT_ENOUGH_EVIDENCE",
        None,
    )
    assert (rows["A9"]["band"], rows["A9"]["multiplier"]) == (None, None)
    assert (rows["L1"]["statusReason"], rows["L1"]["notEligibleReason"]) == (
        "NO_SCORECARD",
        "NO_SCORECARD",
    )
    assert rows["A1"]["statusReason"] is None


async def test_update_policy_sets_the_minimum_and_lists_the_scorecards_it_moves(api: Api) -> None:
    await seed(api)
    await add_newcomer()
    body = await api.run(UPDATE_POLICY, {"weight": "0", "version": 1}, as_="admin")
    saved = body["data"]["updatePolicy"]
    assert saved["__typename"] == "PolicySaved"
    assert (saved["version"], saved["changed"]) == (2, True)
    assert saved["movedScorecards"] == [
        {"cycleCode": CYCLE, "positionCode": "agent", "toNoData": 0, "fromNoData": 1}
    ]
    stale = await api.run(UPDATE_POLICY, {"weight": "50", "version": 1}, as_="admin")
    assert stale["data"]["updatePolicy"]["__typename"] == "ConflictError"


async def test_a_minimum_over_100_is_refused_naming_the_field(api: Api) -> None:
    await seed(api)
    body = await api.run(UPDATE_POLICY, {"weight": "101"}, as_="admin")
    result = body["data"]["updatePolicy"]
    assert result["__typename"] == "ValidationError"
    assert [issue["field"] for issue in result["issues"]] == ["policy.min_evidence_weight"]
    refused = await api.run(UPDATE_POLICY, {"weight": "0"}, as_="manager")
    # updatePolicy refuses non-admins before it runs, as an error rather than data.
    assert refused["data"] is None
    assert [error["path"] for error in refused["errors"]] == [["updatePolicy"]]
