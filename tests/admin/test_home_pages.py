"""The home page by role: what each sees and does not see. A manager sees the people of
the teams they lead and nobody else; an employee only themselves; an admin the
organisation (cycles, freshness, failed imports, bands). The lists cost the same number
of queries for a team of 4 as for a team of 12."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

from service.models import AccessLevel, Employee, ImportChannel, ImportFailure, ScorecardLine
from service.scoring.goals import GoalClock
from service.usecases.actor import Actor
from service.usecases.inputs import (
    CycleInput,
    EmployeeInput,
    FeedbackInput,
    PositionInput,
    TeamInput,
)
from service.usecases.scoring.home import manager_home
from service.usecases.scoring.ingest import record_feedback
from service.usecases.setup.cycles import create_cycle, save_scorecard
from service.usecases.setup.organisation import upsert_employees, upsert_positions, upsert_teams
from tests.admin.conftest import Browser
from tests.admin.test_import_pages import run_import, upload
from tests.api.conftest import PASSWORD, make_settings
from tests.counting import counted_queries
from tests.integration.scenario import ADMIN, CYCLE, LINES

NOW = datetime(2026, 3, 20, 4, 0, tzinfo=UTC)


async def _sign_out(browser: Browser) -> None:
    await browser.client.post("/admin/sign-out", data={"csrf_token": await browser.csrf("/admin/")})


async def _sign_in_as(browser: Browser, email: str) -> None:
    token = await browser.csrf()
    response = await browser.client.post(
        "/admin/sign-in",
        data={"csrf_token": token, "email": email, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 303, response.text


async def _lead_of_field(access: str, email: str) -> None:
    """F9 leads the field team (F1's), with an account of the given access."""
    from service.usecases.accounts.users import create_user

    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput("F9", "Frank Fieldlead", date(2020, 1, 1), team_code="field"),
        ],
    )
    await upsert_teams(actor=ADMIN, teams=[TeamInput("field", "Field", "service", "F9")])
    await create_user(
        actor=ADMIN,
        email=email,
        access=access,
        password=PASSWORD,
        employee_external_id="F9",
        settings=make_settings(),
    )


async def test_a_manager_sees_their_team_and_nobody_elses(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    page = await seeded.client.get("/admin/")
    assert page.status_code == 200
    text = page.text
    assert 'data-home="manager"' in text
    for section in ("attention", "missing-ratings", "appeals", "check-ins", "goals", "low-ratings"):
        assert f'data-section="{section}"' in text
    # Low customer ratings (2 of 5) with their comments, about the hotline only.
    assert 'data-low-rating="A' in text
    assert "F1" not in text
    assert "Fang Field" not in text
    assert 'id="team-bands-now"' in text
    assert "<svg" in text


async def test_an_employee_sees_only_their_own_score_and_comments(seeded: Browser) -> None:
    await seeded.sign_in("employee")
    text = (await seeded.client.get("/admin/")).text
    assert 'data-home="employee"' in text
    assert "Agent 1" in text
    assert 'data-section="my-score"' in text
    assert "data-comment" in text
    for colleague in ("Agent 2", "Agent 3", "Fang Field", "Lena Lead"):
        assert colleague not in text
    # No organisation or team lists.
    assert 'data-section="freshness"' not in text
    assert 'data-section="attention"' not in text


async def test_a_colleague_and_an_outsider_see_their_own_home_only(seeded: Browser) -> None:
    await seeded.sign_in("outsider")
    text = (await seeded.client.get("/admin/")).text
    assert 'data-home="employee"' in text
    assert "Fang Field" in text
    assert "Agent 1" not in text
    team = await seeded.client.get("/admin/home/team")
    assert team.status_code == 403


async def test_a_manager_of_another_team_sees_only_that_team(seeded: Browser) -> None:
    await _lead_of_field("MANAGER", "f9@example.com")
    await _sign_in_as(seeded, "f9@example.com")
    text = (await seeded.client.get("/admin/")).text
    assert 'data-home="manager"' in text
    for hotline in ("Agent 1", "Agent 2", "Lena Lead", 'data-low-rating="A'):
        assert hotline not in text
    assert 'data-low-rating="F1"' in text


async def test_an_admin_sees_the_organisation_and_no_team_lists(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    text = (await seeded.client.get("/admin/")).text
    assert 'data-home="admin"' in text
    assert f'data-cycle="{CYCLE}"' in text
    assert 'data-source="survey" data-kpi="csat"' in text
    assert 'data-source="tickets" data-kpi="frt"' in text
    assert 'id="organisation-bands-now"' in text
    assert "No import has failed." in text
    # An admin who leads no team gets no team link.
    assert "data-team-home" not in text


async def test_an_admin_who_leads_a_team_gets_a_link_to_their_teams_home(
    seeded: Browser,
) -> None:
    await _lead_of_field("ADMIN", "f9-admin@example.com")
    await _sign_in_as(seeded, "f9-admin@example.com")
    text = (await seeded.client.get("/admin/")).text
    assert 'data-home="admin"' in text
    assert "data-team-home" in text
    team = (await seeded.client.get("/admin/home/team")).text
    assert 'data-home="manager"' in team
    assert 'data-low-rating="F1"' in team
    assert "Agent 1" not in team


async def test_the_admin_home_names_the_position_of_each_activation_blocker(
    seeded: Browser,
) -> None:
    """A draft cycle's blockers say whose scorecard they are in: the position's name, in
    Chinese on a Chinese page when it has one."""
    await upsert_positions(actor=ADMIN, positions=[PositionInput("agent", "Agent", "坐席")])
    await create_cycle(
        actor=ADMIN, cycle=CycleInput("2026-Q2", "Q2 2026", date(2026, 4, 1), date(2026, 6, 30))
    )
    await save_scorecard(actor=ADMIN, cycle_code="2026-Q2", position_code="agent", lines=LINES)
    first = await ScorecardLine.get(scorecard__cycle__code="2026-Q2", ordinal=0)
    first.weight = first.weight * 2 // 7  # 35 -> 10: the weights add up to 75
    await first.save()
    await seeded.sign_in("admin")
    text = (await seeded.client.get("/admin/")).text
    assert (
        '<span data-position="agent"><span translate="no">Agent</span></span> · '
        "The weights add up to 75; make them add up to exactly 100." in text
    )
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    chinese = (await seeded.client.get("/admin/")).text
    assert '<span data-position="agent">坐席</span> · 权重合计为 75；' in chinese
    assert "The weights add up to 75" not in chinese


async def test_a_failed_csv_import_in_the_admin_is_on_the_admin_home(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    response = await run_import(
        seeded,
        b"kpi_code,value,occurred_at,source,employee_external_id\n"
        b"frt,12,2026-03-02T09:00:00Z,tickets,A1\n"
        b"frt,twelve,2026-03-02T09:00:00Z,tickets,A1\n",
        kind="observations",
    )
    assert response.status_code == 400
    failure = await ImportFailure.get()
    assert failure.rejected_rows == 1
    assert not failure.written
    text = (await seeded.client.get("/admin/")).text
    assert f'data-import-failure="{failure.id}"' in text
    assert "file line 3" in text
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    chinese = (await seeded.client.get("/admin/")).text
    assert "文件第 3 行" in chinese


async def test_a_refused_csv_file_reads_in_chinese_on_the_admin_home(seeded: Browser) -> None:
    """The problems of a failed import are stored with their templates and values, so
    the admin home says them in the reader's language."""
    await seeded.sign_in("admin")
    refused = await upload(
        seeded, b"kpi_code,value,colour\nfrt,12,blue\n", kind="observations", name="obs.csv"
    )
    assert refused.status_code == 400
    failure = await ImportFailure.get()
    stored = failure.problems[0]
    assert stored["template"] == "is not a column of a {kind} file; the columns are {columns}"
    assert stored["values"]["kind"] == "observations"
    text = _spoken((await seeded.client.get("/admin/")).text)
    assert "is not a column of a observations file; the columns are" in text
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    page = (await seeded.client.get("/admin/")).text
    # The values are what was sent: kept as sent, marked so that no translation touches them.
    assert '<span translate="no">observations</span>' in page
    chinese = _spoken(page)
    assert "不是 observations 文件的列；可用的列为 kpi_code" in chinese
    assert "表头中缺少此列；请添加" in chinese  # a template without values
    assert "is not a column of" not in chinese


def _spoken(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


async def test_a_failed_import_stored_before_templates_shows_as_stored(seeded: Browser) -> None:
    """Records written before problems kept their templates: English text as stored,
    and the oldest form, a plain string, too."""
    await ImportFailure.create(
        channel=ImportChannel.CLI_CSV,
        kind="observations",
        name="old.csv",
        actor_label="admin@example.com",
        problems=[
            {"place": "LINE", "number": 3, "field": "value", "message": "'x' is not a number"},
            "the file is empty; the first line must name the columns",
        ],
    )
    await seeded.sign_in("admin")
    seeded.client.cookies.set("fairscore_lang", "zh-CN")
    text = (await seeded.client.get("/admin/")).text
    assert "文件第 3 行" in text
    assert "&#39;x&#39; is not a number" in text
    assert "the file is empty; the first line must name the columns" in text


async def test_the_manager_home_costs_the_same_queries_for_4_or_12_people(
    seeded: Browser,
) -> None:
    lead = Actor(
        label="lead",
        access=AccessLevel.MANAGER,
        employee_id=(await Employee.get(external_id="L1")).id,
    )
    clock = GoalClock(now=NOW)
    with counted_queries() as small:
        before = await manager_home(actor=lead, clock=clock)
    await upsert_employees(
        actor=ADMIN,
        employees=[
            EmployeeInput(
                f"A{i}", f"Agent {i}", date(2021, 1, 1), team_code="hotline", position_code="agent"
            )
            for i in range(5, 13)
        ],
    )
    await record_feedback(
        actor=ADMIN,
        feedback=[
            FeedbackInput(
                rating="2",
                channel="ONLINE_SURVEY",
                occurred_at="2026-02-10T09:00:00+08:00",
                source="survey",
                employee_external_id=f"A{i}",
                external_id=f"more-{i}",
                comment="slow",
            )
            for i in range(5, 13)
        ],
    )
    with counted_queries() as large:
        after = await manager_home(actor=lead, clock=clock)
    assert len(after.people) == 12
    assert len(before.people) == 4
    assert len(large) == len(small), (len(small), len(large))
