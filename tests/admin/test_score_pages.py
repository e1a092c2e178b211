"""The score explanation page and the team dashboard of the admin."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

import httpx
import pytest

from service.models import Adjustment, Appeal, Employee, Kpi, Observation, Review, Score, User
from service.scoring import format_fixed, line_text, score_text
from service.scoring.stored import StoredScore
from service.usecases.accounts.auth import actor_for, issue_token
from service.usecases.inputs import ObservationInput
from service.usecases.scoring.ingest import record_observations
from tests.admin.conftest import Browser
from tests.api.conftest import USERS, Api, seed
from tests.integration.scenario import ADMIN, CYCLE

A1_PAGE = f"/admin/scores/{CYCLE}/A1"
TOTAL = re.compile(r'data-total="([^"]*)"')
BAR = re.compile(r'<rect class="bar[^"]*"(?: data-value="([^"]*)")?')
CONTRIBUTION = re.compile(r'data-contribution="([^"]*)"')


async def stored(external_id: str) -> dict[str, Any]:
    employee = await Employee.get(external_id=external_id)
    score = await Score.get(employee_id=employee.id, cycle__code=CYCLE)
    data: dict[str, Any] = score.explanation
    return data


def total_on(page: httpx.Response) -> str:
    found = TOTAL.search(page.text)
    assert found, "no total on the page"
    return found.group(1)


def chart_of(page: httpx.Response) -> str:
    found = re.search(r'<svg class="chart bars".*?</svg>', page.text, re.S)
    assert found, "no contribution chart on the page"
    return found.group(0)


def line_section(page: httpx.Response, number: int) -> str:
    found = re.search(
        rf'<section class="line[^"]*" id="line-{number}".*?</section>', page.text, re.S
    )
    assert found, f"no line {number} on the page"
    return found.group(0)


async def graphql(
    browser: Browser, who: str, query: str, variables: dict[str, Any], lang: str = "en"
) -> dict[str, Any]:
    user = await User.get(email=USERS[who][0])
    issued = await issue_token(actor=actor_for(user), user=user, name="page test")
    response = await browser.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {issued.token}", "accept-language": lang},
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def a1_slowest_response() -> Observation:
    """A1's slowest first response: voiding it moves the 90th percentile, and the total."""
    employee = await Employee.get(external_id="A1")
    kpi = await Kpi.get(code="frt")
    found = (
        await Observation.filter(employee_id=employee.id, kpi_id=kpi.id)
        .order_by("-value", "id")
        .first()
    )
    assert found is not None
    return found


# --- who sees the score page ------------------------------------------------------------


async def test_an_employee_sees_their_own_score_at_me_and_by_id(seeded: Browser) -> None:
    await seeded.sign_in("employee")
    data = await stored("A1")
    for path in (f"/admin/scores/{CYCLE}/me", A1_PAGE):
        page = await seeded.client.get(path)
        assert page.status_code == 200, path
        assert total_on(page) == data["total"]
        assert html.escape(score_text(StoredScore.from_row(data), lang="en")) in page.text


async def test_an_employee_may_not_see_a_colleagues_score(seeded: Browser) -> None:
    await seeded.sign_in("employee")
    colleague = await seeded.client.get(f"/admin/scores/{CYCLE}/A2")
    assert colleague.status_code == 403
    assert "Agent 2" not in colleague.text
    unknown = await seeded.client.get(f"/admin/scores/{CYCLE}/NOBODY")
    assert unknown.status_code == 403  # unknown ids cannot be told from hidden ones
    lines = await seeded.client.get(f"/admin/scores/{CYCLE}/A2/lines/1")
    assert lines.status_code == 403


async def test_a_manager_sees_their_teams_scores_but_not_an_outsiders(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    assert (await seeded.client.get(A1_PAGE)).status_code == 200
    assert (await seeded.client.get(f"/admin/scores/{CYCLE}/A3")).status_code == 200
    outsider = await seeded.client.get(f"/admin/scores/{CYCLE}/F1")
    assert outsider.status_code == 403
    assert "Fang Field" not in outsider.text


async def test_an_admin_sees_anyones_score(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    for who in ("A1", "F1", "L1"):
        assert (await seeded.client.get(f"/admin/scores/{CYCLE}/{who}")).status_code == 200
    assert (await seeded.client.get(f"/admin/scores/{CYCLE}/NOBODY")).status_code == 404


async def test_an_anonymous_visitor_is_sent_to_sign_in(seeded: Browser) -> None:
    for path in (A1_PAGE, f"{A1_PAGE}/lines/1", f"/admin/teams/hotline/{CYCLE}"):
        response = await seeded.client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/admin/sign-in?next="), path


# --- what the page shows -----------------------------------------------------------------


async def test_the_page_shows_every_lines_numbers_and_sentence(seeded: Browser) -> None:
    await seeded.sign_in("employee")
    page = await seeded.client.get(A1_PAGE)
    data = await stored("A1")
    assert CONTRIBUTION.findall(page.text) == [line["contribution"] or "" for line in data["lines"]]
    typed = StoredScore.from_row(data)
    for number, line in enumerate(data["lines"], start=1):
        section = line_section(page, number)
        sentence = line_text(typed.lines[number - 1], lang="en", weighted=typed.scored)
        assert html.escape(sentence) in section
        assert f"{Decimal(line['weight']):.2f}" in section
        if line["raw_value"] is not None:
            assert f"{Decimal(line['raw_value']):,.4f}" in section
        for source in line["sources"]:
            assert f"{source['count']}" in section


async def test_the_chart_has_one_bar_per_line_with_the_stored_contributions(
    seeded: Browser,
) -> None:
    await seeded.sign_in("employee")
    page = await seeded.client.get(A1_PAGE)
    chart = chart_of(page)
    data = await stored("A1")
    assert [value or None for value in BAR.findall(chart)] == [
        line["contribution"] for line in data["lines"]
    ]
    assert "<title" in chart
    assert "<desc" in chart
    assert " style=" not in page.text  # the CSP forbids inline styles


async def test_the_page_shows_the_same_numbers_as_the_api(seeded: Browser) -> None:
    query = """query($id: String!, $cycle: String!) { employee(externalId: $id) {
        score(cycleCode: $cycle) { total band { code multiplier } nextBand { code pointsNeeded }
        lines { contribution normalized effectiveWeight rawValue } } } }"""
    api = await graphql(seeded, "employee", query, {"id": "A1", "cycle": CYCLE})
    score = api["employee"]["score"]
    await seeded.sign_in("employee")
    page = await seeded.client.get(A1_PAGE)
    assert Decimal(total_on(page)) == Decimal(score["total"])
    assert [Decimal(v) for v in CONTRIBUTION.findall(page.text) if v] == [
        Decimal(line["contribution"]) for line in score["lines"] if line["contribution"]
    ]
    if score["band"]:
        assert f"{Decimal(score['band']['multiplier']):.2f}" in page.text


async def test_a_team_line_shows_counts_and_never_colleagues_observations(
    seeded: Browser,
) -> None:
    await seeded.sign_in("employee")
    page = await seeded.client.get(A1_PAGE)
    team_line = line_section(page, 2)
    assert "observation-" not in team_line
    assert "never colleagues&#39; observations" in team_line
    data = await stored("A1")
    assert sum(s["count"] for s in data["lines"][1]["sources"]) > 0
    # A1's own ratings ("visit 0", "visit 5", ...) are listed; A2's ("visit 1") nowhere.
    assert ">visit 0</span></td>" in page.text
    assert ">visit 1</span></td>" not in page.text
    team_page = await seeded.client.get(f"{A1_PAGE}/lines/2")
    assert team_page.status_code == 403


async def test_the_score_page_lists_the_latest_observations_and_pages_the_rest(
    seeded: Browser,
) -> None:
    await record_observations(
        actor=ADMIN,
        observations=[
            ObservationInput(
                kpi_code="frt",
                value=str(100 + i),
                source="bulk",
                occurred_at=f"2026-02-{1 + i % 27:02d}T10:{i % 60:02d}:00Z",
                employee_external_id="A1",
                external_id=f"bulk{i}",
            )
            for i in range(60)
        ],
    )
    await seeded.sign_in("manager")
    page = await seeded.client.get(A1_PAGE)
    frt = line_section(page, 3)
    count = (await stored("A1"))["lines"][2]["n"]
    assert count > 50
    assert frt.count('id="observation-') == 50
    assert f"{A1_PAGE}/lines/3?page=2" in frt
    second = await seeded.client.get(f"{A1_PAGE}/lines/3?page=2")
    assert second.status_code == 200
    assert second.text.count('id="observation-') == count - 50


async def test_a_rated_line_lists_its_reviews_with_self_shown_as_not_counting(
    seeded: Browser,
) -> None:
    await seeded.sign_in("employee")
    quality = line_section(await seeded.client.get(A1_PAGE), 5)
    assert "shown, does not count" in quality  # A1's own SELF rating of 5
    assert "counts" in quality


async def test_the_chinese_page_shows_the_chinese_sentences(seeded: Browser) -> None:
    await seeded.sign_in("employee")
    page = await seeded.client.get(A1_PAGE, headers={"accept-language": "zh-CN"})
    data = await stored("A1")
    main = page.text.split('<main id="main" tabindex="-1">')[1]
    typed = StoredScore.from_row(data)
    assert html.escape(score_text(typed, lang="zh-CN")) in main
    assert html.escape(line_text(typed.lines[0], lang="zh-CN")) in main
    assert html.escape(line_text(typed.lines[0], lang="en")) not in main
    assert "总分" in main


# --- actions ------------------------------------------------------------------------------


async def test_voiding_an_observation_moves_the_total_on_the_page(seeded: Browser) -> None:
    observation = await a1_slowest_response()
    await seeded.sign_in("manager")
    before = total_on(await seeded.client.get(A1_PAGE))
    done = await seeded.post(
        f"{A1_PAGE}/void",
        {"observation_id": str(observation.id), "reason": "rating sent twice"},
        form_page=A1_PAGE,
    )
    assert done.status_code == 303
    page = await seeded.client.get(done.headers["location"])
    assert "The observation was voided" in page.text
    assert total_on(page) != before
    assert total_on(page) == (await stored("A1"))["total"]
    assert f'id="observation-{observation.id}"' not in page.text
    await observation.refresh_from_db()
    assert observation.void_reason == "rating sent twice"


async def test_voiding_without_a_reason_shows_the_error_and_changes_nothing(
    seeded: Browser,
) -> None:
    observation = await a1_slowest_response()
    await seeded.sign_in("manager")
    before = total_on(await seeded.client.get(A1_PAGE))
    refused = await seeded.post(
        f"{A1_PAGE}/void", {"observation_id": str(observation.id), "reason": " "}, form_page=A1_PAGE
    )
    assert refused.status_code == 400
    assert "say why; the reason is shown to the employee" in refused.text
    assert total_on(refused) == before
    await observation.refresh_from_db()
    assert observation.voided_at is None


async def test_posts_without_the_csrf_token_are_refused_and_change_nothing(
    seeded: Browser,
) -> None:
    observation = await a1_slowest_response()
    await seeded.sign_in("manager")
    before = (await stored("A1"))["total"]
    posts = {
        "void": {"observation_id": str(observation.id), "reason": "x"},
        "adjust": {"points": "2", "reason": "x"},
        "review": {"line": "5", "rating": "1"},
        "appeal": {"reason": "x"},
    }
    for action, data in posts.items():
        forged = await seeded.client.post(
            f"{A1_PAGE}/{action}", data={"csrf_token": "forged", **data}
        )
        assert forged.status_code == 403, action
        missing = await seeded.client.post(f"{A1_PAGE}/{action}", data=data)
        assert missing.status_code == 403, action
    await observation.refresh_from_db()
    assert observation.voided_at is None
    assert not await Adjustment.exists()
    assert not await Appeal.exists()
    assert await Review.filter(rating=10_000).count() == 0
    assert (await stored("A1"))["total"] == before


async def test_a_manager_rates_a_qualitative_line_and_the_total_moves(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    before = total_on(await seeded.client.get(A1_PAGE))
    done = await seeded.post(
        f"{A1_PAGE}/review",
        {"line": "5", "rating": "2", "comment": "rushed calls"},
        form_page=A1_PAGE,
    )
    assert done.status_code == 303
    page = await seeded.client.get(done.headers["location"])
    assert total_on(page) != before
    assert total_on(page) == (await stored("A1"))["total"]
    assert "rushed calls" in line_section(page, 5)


async def test_a_rating_outside_the_scale_shows_the_error_and_changes_nothing(
    seeded: Browser,
) -> None:
    await seeded.sign_in("manager")
    before = (await stored("A1"))["total"]
    refused = await seeded.post(
        f"{A1_PAGE}/review", {"line": "5", "rating": "nine"}, form_page=A1_PAGE
    )
    assert refused.status_code == 400
    assert 'aria-invalid="true"' in line_section(refused, 5)
    assert (await stored("A1"))["total"] == before


async def test_an_employee_writes_a_self_review_that_does_not_count(seeded: Browser) -> None:
    await seeded.sign_in("employee")
    before = (await stored("A1"))["total"]
    done = await seeded.post(
        f"{A1_PAGE}/review",
        {"line": "5", "rating": "3", "comment": "I did my best"},
        form_page=A1_PAGE,
    )
    assert done.status_code == 303
    page = await seeded.client.get(done.headers["location"])
    assert "does not count" in page.text
    assert "I did my best" in line_section(page, 5)
    assert (await stored("A1"))["total"] == before


async def test_an_employee_may_not_void_or_adjust_their_own_score(seeded: Browser) -> None:
    observation = await a1_slowest_response()
    await seeded.sign_in("employee")
    page = await seeded.client.get(A1_PAGE)
    assert f"{A1_PAGE}/void" not in page.text
    assert f"{A1_PAGE}/adjust" not in page.text
    void = await seeded.post(
        f"{A1_PAGE}/void",
        {"observation_id": str(observation.id), "reason": "no"},
        form_page=A1_PAGE,
    )
    assert void.status_code == 403
    assert "Nobody rates, adjusts, voids or resolves appeals on their own score" in void.text
    adjust = await seeded.post(
        f"{A1_PAGE}/adjust", {"points": "5", "reason": "me"}, form_page=A1_PAGE
    )
    assert adjust.status_code == 403
    await observation.refresh_from_db()
    assert observation.voided_at is None
    assert not await Adjustment.exists()


async def test_a_manager_may_not_adjust_their_own_score(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    own = f"/admin/scores/{CYCLE}/L1"
    refused = await seeded.post(f"{own}/adjust", {"points": "5", "reason": "mine"}, form_page=own)
    assert refused.status_code == 403
    assert "Nobody rates, adjusts, voids or resolves appeals on their own score" in refused.text
    assert not await Adjustment.exists()


async def test_a_manager_may_not_act_on_an_outsider(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    refused = await seeded.post(
        f"/admin/scores/{CYCLE}/F1/adjust", {"points": "1", "reason": "x"}, form_page="/admin/"
    )
    assert refused.status_code == 403
    assert "Fang Field" not in refused.text
    assert not await Adjustment.exists()


async def test_adjusting_with_a_reason_changes_the_total_and_lists_the_reason(
    seeded: Browser,
) -> None:
    await seeded.sign_in("manager")
    before = Decimal(total_on(await seeded.client.get(A1_PAGE)))
    done = await seeded.post(
        f"{A1_PAGE}/adjust",
        {"points": "1.5", "reason": "covered the night shift"},
        form_page=A1_PAGE,
    )
    assert done.status_code == 303
    page = await seeded.client.get(done.headers["location"])
    assert Decimal(total_on(page)) == before + Decimal("1.5")
    assert "covered the night shift" in page.text


async def test_an_adjustment_past_the_cap_or_without_a_reason_changes_nothing(
    seeded: Browser,
) -> None:
    await seeded.sign_in("manager")
    over = await seeded.post(
        f"{A1_PAGE}/adjust", {"points": "50", "reason": "generous"}, form_page=A1_PAGE
    )
    assert over.status_code == 400
    assert "past the cap" in over.text
    assert 'id="adjust-points-error"' in over.text
    bare = await seeded.post(f"{A1_PAGE}/adjust", {"points": "1", "reason": ""}, form_page=A1_PAGE)
    assert bare.status_code == 400
    assert 'id="adjust-reason-error"' in bare.text
    assert not await Adjustment.exists()


async def test_an_employee_files_an_appeal_on_a_line_and_sees_it(seeded: Browser) -> None:
    await seeded.sign_in("employee")
    done = await seeded.post(
        f"{A1_PAGE}/appeal", {"line": "1", "reason": "two ratings were for Anna"}, form_page=A1_PAGE
    )
    assert done.status_code == 303
    page = await seeded.client.get(done.headers["location"])
    assert "two ratings were for Anna" in page.text
    appeal = await Appeal.get()
    assert appeal.line_ordinal == 0


async def test_an_appeal_without_a_reason_shows_the_error_and_files_nothing(
    seeded: Browser,
) -> None:
    await seeded.sign_in("employee")
    refused = await seeded.post(f"{A1_PAGE}/appeal", {"line": "", "reason": ""}, form_page=A1_PAGE)
    assert refused.status_code == 400
    assert 'id="appeal-reason-error"' in refused.text
    assert not await Appeal.exists()


async def test_a_colleague_may_not_appeal_someone_elses_score(seeded: Browser) -> None:
    await seeded.sign_in("colleague")
    refused = await seeded.post(
        f"{A1_PAGE}/appeal", {"reason": "not mine"}, form_page=f"/admin/scores/{CYCLE}/me"
    )
    assert refused.status_code == 403
    assert not await Appeal.exists()


# --- the team dashboard ---------------------------------------------------------------------


@pytest.fixture
async def five_agents(browser: Browser) -> Browser:
    """Hotline with five scored agents: enough for its members to see the summary."""
    await seed(Api(browser.client), members=5)
    return browser


HOTLINE = f"/admin/teams/hotline/{CYCLE}"


def ranked(page: httpx.Response) -> list[str]:
    return re.findall(r'<tr data-employee="([^"]+)"', page.text)


async def test_a_manager_sees_their_team_ranked_with_bands_and_the_histogram(
    seeded: Browser,
) -> None:
    await seeded.sign_in("manager")
    page = await seeded.client.get(HOTLINE)
    assert page.status_code == 200
    rows = await Score.filter(cycle__code=CYCLE, team__code="hotline").prefetch_related("employee")
    scored = sorted(
        (r for r in rows if r.status.value == "SCORED"),
        key=lambda r: (-(r.total_cents or 0), r.employee_id),  # SCORING.md §5
    )
    assert ranked(page)[: len(scored)] == [r.employee.external_id for r in scored]
    assert set(ranked(page)) == {r.employee.external_id for r in rows}
    assert '<svg class="chart histogram"' in page.text
    for band, count in re.findall(
        r'<g class="column" data-label="([^"]+)"><rect class="bar" data-count="(\d+)"', page.text
    ):
        assert int(count) == sum(1 for r in scored if r.band_code == band)


async def test_equal_totals_rank_by_employee_id_on_the_team_page_and_in_the_api(
    seeded: Browser,
) -> None:
    """SCORING.md §5: total, then employee (its id), in every list. The external ids are
    swapped so that their order runs against the ids' and a wrong tie-break shows."""
    rows = await Score.filter(cycle__code=CYCLE, team__code="hotline").order_by("employee_id")
    first, last = rows[0].employee_id, rows[-1].employee_id
    a, b = await Employee.get(id=first), await Employee.get(id=last)
    names = a.external_id, b.external_id
    await Employee.filter(id=first).update(external_id="swap")
    await Employee.filter(id=last).update(external_id=names[0])
    await Employee.filter(id=first).update(external_id=names[1])
    await Score.filter(id__in=[r.id for r in rows]).update(total_cents=8000)
    by_id = [
        e.external_id
        for e in await Employee.filter(id__in=[r.employee_id for r in rows]).order_by("id")
    ]
    assert by_id != sorted(by_id)

    await seeded.sign_in("manager")
    page = await seeded.client.get(HOTLINE)
    api = await graphql(
        seeded,
        "manager",
        """query($cycle: String!) { cycle(code: $cycle) {
            scores(first: 50, teamCode: "hotline") { edges { node { employee { externalId } } } }
        } }""",
        {"cycle": CYCLE},
    )

    assert ranked(page) == by_id
    assert [e["node"]["employee"]["externalId"] for e in api["cycle"]["scores"]["edges"]] == by_id


async def test_the_team_summary_equals_the_api_summary(seeded: Browser) -> None:
    query = """query($code: String!, $cycle: String!) { team(code: $code) {
        summary(cycleCode: $cycle) { inScope scored noData notEligible average
        bandCounts { band count } lines { kpi rawValue } } } }"""
    api = (await graphql(seeded, "manager", query, {"code": "hotline", "cycle": CYCLE}))["team"][
        "summary"
    ]
    await seeded.sign_in("manager")
    page = await seeded.client.get(HOTLINE)

    def shown(name: str) -> str:
        found = re.search(rf'data-summary="{name}">([^<]*)<', page.text)
        assert found, name
        return found.group(1)

    assert int(shown("in-scope")) == api["inScope"]
    assert int(shown("scored")) == api["scored"]
    assert int(shown("no-data")) == api["noData"]
    assert int(shown("not-eligible")) == api["notEligible"]
    assert Decimal(shown("average")) == Decimal(api["average"])
    rows = await Score.filter(cycle__code=CYCLE, team__code="hotline", status="SCORED")
    mean = sum((Fraction(r.total_exact or "") for r in rows), Fraction(0)) / len(rows)
    assert shown("average") == format_fixed(mean, 2)
    for line in api["lines"]:
        assert f"{Decimal(line['rawValue']):,.4f}" in page.text


async def test_a_manager_may_not_see_another_teams_dashboard(seeded: Browser) -> None:
    await seeded.sign_in("manager")
    assert (await seeded.client.get(f"/admin/teams/field/{CYCLE}")).status_code == 403


async def test_an_admin_sees_every_teams_dashboard(seeded: Browser) -> None:
    await seeded.sign_in("admin")
    page = await seeded.client.get(f"/admin/teams/field/{CYCLE}")
    assert page.status_code == 200
    assert ranked(page) == ["F1"]


async def test_an_employee_sees_no_summary_of_a_team_with_fewer_than_five_scored(
    seeded: Browser,
) -> None:
    await seeded.sign_in("employee")
    page = await seeded.client.get(HOTLINE)
    assert page.status_code == 403
    assert "at least 5 members are scored" in page.text
    assert f'href="{HOTLINE}"' not in (await seeded.client.get(A1_PAGE)).text


async def test_an_employee_sees_only_the_summary_of_their_team_of_five(
    five_agents: Browser,
) -> None:
    await five_agents.sign_in("employee")
    assert f'href="{HOTLINE}"' in (await five_agents.client.get(A1_PAGE)).text
    page = await five_agents.client.get(HOTLINE)
    assert page.status_code == 200
    assert 'data-summary="scored">5<' in page.text
    assert ranked(page) == []
    for colleague in ("Agent 2", "Agent 3", "A2", "A5"):
        assert colleague not in page.text.split('<main id="main" tabindex="-1">')[1]


async def test_an_employee_may_not_see_another_teams_summary(five_agents: Browser) -> None:
    await five_agents.sign_in("outsider")
    assert (await five_agents.client.get(HOTLINE)).status_code == 403
    assert (await five_agents.client.get(f"/admin/teams/field/{CYCLE}")).status_code == 403
