"""Who may see a team's heatmap and trend, and a person's trend: the access matrix
(admin / manager of the team / manager of another team / the employee / a colleague)."""

from __future__ import annotations

import pytest

from service.models import User
from service.usecases.accounts.auth import actor_for, issue_token
from service.usecases.inputs import TeamInput
from service.usecases.setup.organisation import upsert_teams
from tests.api.conftest import Api, seed
from tests.integration.scenario import ADMIN, CYCLE

TEAM = """
query Team($cycle: String!) {
  team(code: "hotline") {
    heatmap(cycleCode: $cycle) { employee { externalId } }
    trend(cycleCode: $cycle) { points { total } }
  }
}
"""
PERSON = """
query Person($cycle: String!) {
  employee(externalId: "A1") { trend(cycleCode: $cycle) { points { total } } }
}
"""


async def seed_with_other_manager(api: Api) -> None:
    """F1 leads the field team, a sibling of the hotline: a manager of another team."""
    await seed(api)
    await upsert_teams(actor=ADMIN, teams=[TeamInput("field", "Field", "service", "F1")])
    await User.filter(email="f1@example.com").update(access="MANAGER")
    user = await User.get(email="f1@example.com")
    api.tokens["other_manager"] = (
        await issue_token(actor=actor_for(user), user=user, name="test")
    ).token


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("admin", True),
        ("manager", True),
        ("other_manager", False),
        ("employee", False),
        ("colleague", False),
    ],
)
async def test_a_teams_heatmap_and_trend_are_for_admins_and_its_managers(
    api: Api, who: str, sees: bool
) -> None:
    await seed_with_other_manager(api)
    body = await api.run(TEAM, {"cycle": CYCLE}, as_=who)
    if sees:
        assert "errors" not in body, body
        assert len(body["data"]["team"]["heatmap"]) == 5
        assert body["data"]["team"]["trend"]["points"]
    else:
        assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
        assert body["data"] is None or body["data"]["team"] is None


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("admin", True),
        ("manager", True),
        ("other_manager", False),
        ("employee", True),  # A1 themselves
        ("colleague", False),
    ],
)
async def test_a_persons_trend_is_seen_as_their_scores_are(api: Api, who: str, sees: bool) -> None:
    await seed_with_other_manager(api)
    body = await api.run(PERSON, {"cycle": CYCLE}, as_=who)
    if sees:
        assert "errors" not in body, body
        assert body["data"]["employee"]["trend"]["points"][0]["total"]
    else:
        assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
        assert "total" not in str(body["data"])
