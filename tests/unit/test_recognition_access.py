"""Who sees a recognition (service/usecases/accounts/access.py), as a matrix of viewers
against a public and a private one, and how much of a team's wall each viewer gets."""

from __future__ import annotations

import pytest

from service.models import AccessLevel
from service.usecases.accounts.access import WallView, may_see_recognition, wall_view
from service.usecases.actor import Actor

RECEIVER, GIVER, MANAGER, COLLEAGUE, OTHER_MANAGER, OUTSIDER = 1, 2, 3, 4, 5, 6
TEAM, OTHER_TEAM = 10, 20
VIEWERS = {
    "admin": (Actor("admin", AccessLevel.ADMIN), None),
    "receiver": (Actor("r", AccessLevel.EMPLOYEE, employee_id=RECEIVER), TEAM),
    "giver": (Actor("g", AccessLevel.EMPLOYEE, employee_id=GIVER), OTHER_TEAM),
    "manager": (Actor("m", AccessLevel.MANAGER, employee_id=MANAGER), None),
    "colleague": (Actor("c", AccessLevel.EMPLOYEE, employee_id=COLLEAGUE), TEAM),
    "other manager": (Actor("o", AccessLevel.MANAGER, employee_id=OTHER_MANAGER), OTHER_TEAM),
    "outsider": (Actor("x", AccessLevel.EMPLOYEE, employee_id=OUTSIDER), OTHER_TEAM),
    "integration": (Actor("i", AccessLevel.INTEGRATION), None),
}
SEES_PUBLIC = {"admin", "receiver", "giver", "manager", "colleague"}
SEES_PRIVATE = {"admin", "receiver", "giver", "manager"}


@pytest.mark.parametrize("public", [True, False])
@pytest.mark.parametrize("hidden", [False, True])
def test_who_sees_a_recognition(public: bool, hidden: bool) -> None:
    seen = {
        name
        for name, (actor, team) in VIEWERS.items()
        if may_see_recognition(
            actor,
            receiver_id=RECEIVER,
            receiver_team_id=TEAM,
            giver_employee_id=GIVER,
            manager_ids={MANAGER},
            public=public,
            hidden=hidden,
            viewer_team_id=team,
        )
    }
    if hidden:
        assert seen == {"admin"}
    else:
        assert seen == (SEES_PUBLIC if public else SEES_PRIVATE)


def test_how_much_of_a_teams_wall_each_viewer_gets() -> None:
    views = {
        name: wall_view(
            actor,
            team_id=TEAM,
            led_team_ids={TEAM} if actor.employee_id == MANAGER else {OTHER_TEAM},
            viewer_team_id=team,
        )
        for name, (actor, team) in VIEWERS.items()
    }
    assert views == {
        "admin": WallView.ADMIN,
        "receiver": WallView.MEMBER,
        "giver": WallView.NONE,  # from another team: the wall is the team's
        "manager": WallView.MANAGER,
        "colleague": WallView.MEMBER,
        "other manager": WallView.NONE,
        "outsider": WallView.NONE,
        "integration": WallView.NONE,
    }
