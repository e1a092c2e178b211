"""The team heatmap page and the trend charts: who sees them, the heatmap's cells equal
to the API's `Team.heatmap`, sorting by a line without JavaScript, and the trend's
points and change as worked out by hand (tests/integration/trend_scenario.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from service.models import User
from service.usecases.accounts.auth import actor_for, issue_token
from service.usecases.accounts.users import create_user
from service.usecases.inputs import TeamInput
from service.usecases.setup.organisation import upsert_teams
from tests.admin.conftest import Browser
from tests.api.conftest import PASSWORD, USERS, make_settings
from tests.integration.scenario import ADMIN, CYCLE
from tests.integration.trend_scenario import MONTH, build_trend_organisation

HEATMAP = f"/admin/teams/hotline/{CYCLE}/heatmap"
ROW = re.compile(r'<tr data-employee="([^"]+)" data-status="([^"]+)"[^>]*>(.*?)</tr>', re.S)
CELL = re.compile(
    r'data-kpi="([^"]*)" data-scope="([^"]*)" data-normalized="([^"]*)" '
    r'data-status="([^"]*)" data-band="([^"]*)"'
)
QUERY = """
query Heatmap($cycle: String!, $sort: String, $descending: Boolean) {
  team(code: "hotline") {
    heatmap(cycleCode: $cycle, sort: $sort, descending: $descending) {
      employee { externalId } status
      lines { kpi scope normalized status band }
    }
  }
}
"""


def rows_on(text: str) -> list[tuple[str, str, list[tuple[str, ...]]]]:
    return [
        (employee, status, [tuple(c) for c in CELL.findall(body)])
        for employee, status, body in ROW.findall(text)
    ]


async def api_rows(browser: Browser, variables: dict[str, Any]) -> list[dict[str, Any]]:
    user = await User.get(email=USERS["manager"][0])
    issued = await issue_token(actor=actor_for(user), user=user, name="page test")
    response = await browser.client.post(
        "/graphql",
        json={"query": QUERY, "variables": {"cycle": CYCLE, **variables}},
        headers={"authorization": f"Bearer {issued.token}"},
    )
    body = response.json()
    assert "errors" not in body, body
    rows: list[dict[str, Any]] = body["data"]["team"]["heatmap"]
    return rows


async def make_f1_a_manager_of_another_team() -> None:
    await upsert_teams(actor=ADMIN, teams=[TeamInput("field", "Field", "service", "F1")])
    await User.filter(email=USERS["outsider"][0]).update(access="MANAGER")


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("manager", 200), ("outsider", 403), ("employee", 403), ("colleague", 403)],
)
async def test_the_heatmap_page_is_for_admins_and_the_teams_managers(
    seeded: Browser, who: str, status: int
) -> None:
    await make_f1_a_manager_of_another_team()  # "outsider" is now a manager of `field`
    await seeded.sign_in(who)
    page = await seeded.client.get(HEATMAP)
    assert page.status_code == status
    if status == 200:
        assert {e for e, _s, _c in rows_on(page.text)} == {"L1", "A1", "A2", "A3", "A4"}
    else:
        assert "data-employee" not in page.text
        assert "data-normalized" not in page.text


async def test_the_heatmap_pages_cells_equal_the_apis_in_every_order(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    for query, variables in (
        ("", {}),
        ("?sort=INDIVIDUAL:frt&order=asc", {"sort": "INDIVIDUAL:frt", "descending": False}),
        ("?sort=name&order=asc", {"sort": "name", "descending": False}),
    ):
        page = await seeded.client.get(HEATMAP + query)
        assert page.status_code == 200
        api = [
            (
                r["employee"]["externalId"],
                r["status"],
                [
                    (x["kpi"], x["scope"], x["normalized"] or "", x["status"], x["band"] or "")
                    for x in r["lines"]
                ],
            )
            for r in await api_rows(seeded, variables)
        ]
        assert rows_on(page.text) == api
        assert any(cells for _e, _s, cells in api)


async def test_sorting_by_a_line_orders_the_rows_by_its_points_without_javascript(
    seeded: Browser,
) -> None:
    await seeded.sign_in("admin")
    page = await seeded.client.get(HEATMAP)
    assert 'href="?sort=INDIVIDUAL%3Acsat&amp;order=desc"' in page.text
    ascending = await seeded.client.get(HEATMAP + "?sort=INDIVIDUAL:csat&order=asc")
    assert 'aria-sort="ascending"' in ascending.text
    points = [
        Decimal(cells[0][2])
        for _e, status, cells in rows_on(ascending.text)
        if status != "NOT_ELIGIBLE" and cells and cells[0][2]
    ]
    assert len(points) == 4
    assert points == sorted(points)


async def test_each_heatmap_row_links_to_the_persons_explanation(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    page = await seeded.client.get(HEATMAP)
    for employee in ("A1", "A2", "A3", "A4", "L1"):
        assert f'href="/admin/scores/{CYCLE}/{employee}"' in page.text
    team = await seeded.client.get(f"/admin/teams/hotline/{CYCLE}")
    assert f'href="/admin/teams/hotline/{CYCLE}/heatmap"' in team.text


# --- trends -----------------------------------------------------------------------------


async def trend_users() -> None:
    settings = make_settings()
    for who in ("admin", "employee"):
        email, access, employee = USERS[who]
        await create_user(
            actor=ADMIN,
            email=email,
            access=access,
            password=PASSWORD,
            employee_external_id=employee,
            settings=settings,
        )


DOT = re.compile(r'<circle class="dot" data-value="([^"]+)"')


async def test_the_score_page_shows_the_trend_and_the_change_since_the_previous_month(
    browser: Browser,
) -> None:
    await build_trend_organisation()
    await trend_users()
    await browser.sign_in("employee")
    page = await browser.client.get(f"/admin/scores/{MONTH}/me")
    assert page.status_code == 200
    assert 'data-change="-13.33" data-since="2025-12"' in page.text
    assert "-13.33 points since 2025-12" in page.text
    chart = re.search(r'<svg class="chart trend".*?</svg>', page.text, re.S)
    assert chart is not None
    assert DOT.findall(chart.group(0)) == ["75.00", "80.00", "66.67"]
    assert "<title" in chart.group(0)
    assert "<desc" in chart.group(0)
    assert ">Cycle<" in chart.group(0)
    assert ">Total points<" in chart.group(0)


async def test_the_trend_reads_in_chinese(browser: Browser) -> None:
    await build_trend_organisation()
    await trend_users()
    await browser.sign_in("employee")
    page = await browser.client.get(
        f"/admin/scores/{MONTH}/me", headers={"accept-language": "zh-CN"}
    )
    chart = re.search(r'<svg class="chart trend".*?</svg>', page.text, re.S)
    assert chart is not None
    assert ">周期<" in chart.group(0)
    assert ">总分<" in chart.group(0)
    assert "自 2025-12 以来 -13.33 分" in page.text


async def test_the_team_page_shows_the_mean_total_trend_to_an_admin(browser: Browser) -> None:
    await build_trend_organisation()
    await trend_users()
    await browser.sign_in("admin")
    page = await browser.client.get(f"/admin/teams/hotline/{MONTH}")
    assert page.status_code == 200
    chart = re.search(r'<svg class="chart trend" id="team-trend".*?</svg>', page.text, re.S)
    assert chart is not None
    assert DOT.findall(chart.group(0)) == ["87.50", "65.00", "83.33"]
    assert 'data-change="+18.33"' in page.text


async def test_the_lead_of_a_team_above_sees_the_heatmap_of_a_team_under_it(
    seeded: Browser,
) -> None:
    # F1 leads `service`, the parent of the hotline (and of their own `field`).
    await upsert_teams(actor=ADMIN, teams=[TeamInput("service", "Service", None, "F1")])
    await User.filter(email=USERS["outsider"][0]).update(access="MANAGER")
    await seeded.sign_in("outsider")
    page = await seeded.client.get(HEATMAP)
    assert page.status_code == 200
    assert {e for e, _s, _c in rows_on(page.text)} == {"L1", "A1", "A2", "A3", "A4"}
