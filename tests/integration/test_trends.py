"""Trends over the chain of comparable previous cycles (SCORING §11), on both databases,
against the totals worked out by hand in tests/integration/trend_scenario.py."""

from __future__ import annotations

import pytest
from tortoise.connection import get_connection

from service.errors import PermissionDenied
from service.models import AccessLevel
from service.usecases.actor import Actor
from service.usecases.scoring.trends import employee_trend, employee_trends, team_trend
from tests.integration.scenario import ADMIN, employee_id
from tests.integration.trend_scenario import MONTH, build_trend_organisation


async def test_a_persons_trend_runs_over_the_finalised_months_before_and_skips_the_quarter(
    db: str,
) -> None:
    await build_trend_organisation()
    trend = await employee_trend(
        get_connection("default"), employee_id=await employee_id("A1"), cycle_code=MONTH
    )
    assert [(p.cycle.code, p.status, p.total, p.band) for p in trend.points] == [
        ("2025-11", "SCORED", "75.00", "B"),
        ("2025-12", "SCORED", "80.00", "B"),
        ("2026-01", "SCORED", "66.67", "C"),
    ]
    assert [p.cycle.finalized for p in trend.points] == [True, True, False]
    (csat,) = trend.series
    assert (csat.kpi.code, csat.scope) == ("csat", "INDIVIDUAL")
    assert [(v.raw_value, v.n) for v in csat.values if v] == [
        ("75.0000", 4),
        ("80.0000", 5),
        ("66.6667", 3),
    ]
    assert trend.change is not None
    assert (trend.change.points, trend.change.since) == ("-13.33", "2025-12")


async def test_a_trend_reaches_back_only_as_far_as_asked(db: str) -> None:
    await build_trend_organisation()
    conn = get_connection("default")
    a1 = await employee_id("A1")
    one = await employee_trend(conn, employee_id=a1, cycle_code=MONTH, last=1)
    assert [p.cycle.code for p in one.points] == ["2025-12", MONTH]
    none = await employee_trend(conn, employee_id=a1, cycle_code="2025-11")
    assert [p.cycle.code for p in none.points] == ["2025-11"]
    assert none.change is None


async def test_people_without_a_total_have_points_without_one_and_no_change(db: str) -> None:
    await build_trend_organisation()
    ids = [await employee_id(x) for x in ("A2", "A3", "L1")]
    trends = await employee_trends(
        get_connection("default"), employee_ids=ids, cycle_code=MONTH, last=None
    )
    a2, a3, l1 = (trends[i] for i in ids)
    assert [(p.total, p.band) for p in a2.points] == [
        ("100.00", "S"),
        ("50.00", "D"),
        ("100.00", "S"),
    ]
    assert a2.change is not None
    assert a2.change.points == "+50.00"
    assert {p.status for p in a3.points} == {"NO_DATA"}
    assert all(p.total is None and p.band is None for p in a3.points)
    assert a3.change is None
    assert {p.status for p in l1.points} == {"NOT_ELIGIBLE"}
    assert l1.series == ()


async def test_a_teams_trend_is_the_mean_of_its_scored_members_with_band_counts(db: str) -> None:
    await build_trend_organisation()
    trend = await team_trend(
        get_connection("default"), actor=ADMIN, team_code="hotline", cycle_code=MONTH
    )
    assert [(p.cycle.code, p.scored, p.total) for p in trend.points] == [
        ("2025-11", 2, "87.50"),
        ("2025-12", 2, "65.00"),
        ("2026-01", 2, "83.33"),
    ]
    counts = [dict(p.band_counts) for p in trend.points]
    assert counts == [
        {"S": 1, "A": 0, "B": 1, "C": 0, "D": 0},
        {"S": 0, "A": 0, "B": 1, "C": 0, "D": 1},
        {"S": 1, "A": 0, "B": 0, "C": 1, "D": 0},
    ]
    assert trend.change is not None
    assert (trend.change.points, trend.change.since) == ("+18.33", "2025-12")
    assert trend.series == ()  # no TEAM-scope line on this scorecard


@pytest.mark.parametrize(
    ("who", "access"),
    [("A1", AccessLevel.EMPLOYEE), ("F1", AccessLevel.MANAGER)],
)
async def test_a_teams_trend_is_refused_to_members_and_to_managers_of_other_teams(
    db: str, who: str, access: AccessLevel
) -> None:
    await build_trend_organisation()
    actor = Actor(label=who, access=access, employee_id=await employee_id(who))
    with pytest.raises(PermissionDenied):
        await team_trend(
            get_connection("default"), actor=actor, team_code="hotline", cycle_code=MONTH
        )


async def test_the_lead_of_a_team_above_sees_its_trend(db: str) -> None:
    from service.usecases.inputs import TeamInput
    from service.usecases.setup.organisation import upsert_teams

    await build_trend_organisation()
    # F1 leads `service`, the parent of the hotline.
    await upsert_teams(actor=ADMIN, teams=[TeamInput("service", "Service", None, "F1")])
    actor = Actor(label="F1", access=AccessLevel.MANAGER, employee_id=await employee_id("F1"))
    trend = await team_trend(
        get_connection("default"), actor=actor, team_code="hotline", cycle_code=MONTH
    )
    assert trend.points[-1].total == "83.33"
