"""The appeals queue and the audit log of the admin."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from service.models import (
    Appeal,
    AppealState,
    AuditEntry,
    Employee,
    Kpi,
    Observation,
    Score,
    User,
)
from service.usecases.accounts.auth import actor_for
from service.usecases.scoring.appeals import file_appeal
from service.usecases.scoring.corrections import adjust_score
from tests.admin.conftest import Browser
from tests.api.conftest import USERS
from tests.integration.scenario import ADMIN, CYCLE

QUEUE = "/admin/appeals"
AUDIT = "/admin/audit"
TOTAL = re.compile(r'data-total="([^"]*)"')


async def appeal_by(who: str, external_id: str, reason: str, line: int | None = None) -> Appeal:
    user = await User.get(email=USERS[who][0])
    return await file_appeal(
        actor=actor_for(user),
        cycle_code=CYCLE,
        employee_external_id=external_id,
        reason=reason,
        line=line,
    )


async def total_of(external_id: str) -> str:
    employee = await Employee.get(external_id=external_id)
    score = await Score.get(employee_id=employee.id, cycle__code=CYCLE)
    total: str = score.explanation["total"]
    return total


async def switch_to(browser: Browser, who: str) -> None:
    """Another person at the same browser: a fresh cookie jar, then the sign-in form."""
    browser.client.cookies.clear()
    response = await browser.sign_in(who)
    assert response.status_code == 303


def page_total(page: httpx.Response) -> str:
    found = TOTAL.search(page.text)
    assert found
    return found.group(1)


def open_section(page: httpx.Response) -> str:
    return page.text.split('id="open-heading"')[1].split('id="resolved-heading"')[0]


def answered_section(page: httpx.Response) -> str:
    return page.text.split('id="resolved-heading"')[1]


# --- the queue ------------------------------------------------------------------------


async def test_an_appeal_reaches_the_managers_queue_and_accepting_it_moves_the_total(
    seeded: Browser,
) -> None:
    await seeded.sign_in("employee")
    filed = await seeded.post(
        f"/admin/scores/{CYCLE}/A1/appeal",
        {"line": "5", "reason": "my calls were reviewed on a bad day"},
        form_page=f"/admin/scores/{CYCLE}/me",
    )
    assert filed.status_code == 303
    appeal = await Appeal.get()
    before = await total_of("A1")

    await switch_to(seeded, "manager")
    queue = await seeded.client.get(QUEUE)
    assert queue.status_code == 200
    assert "my calls were reviewed on a bad day" in open_section(queue)
    assert f'action="/admin/appeals/{appeal.id}/resolve"' in queue.text
    done = await seeded.post(
        f"/admin/appeals/{appeal.id}/resolve",
        {"outcome": "ACCEPTED", "points": "2", "note": "second review agreed"},
        form_page=QUEUE,
    )
    assert done.status_code == 303
    after = await seeded.client.get(done.headers["location"])
    assert "my calls were reviewed on a bad day" not in open_section(after)
    assert "second review agreed" in answered_section(after)
    assert Decimal(await total_of("A1")) == Decimal(before) + 2

    await switch_to(seeded, "employee")
    own = await seeded.client.get(f"/admin/scores/{CYCLE}/me")
    assert page_total(own) == await total_of("A1")
    assert "second review agreed" in own.text
    await appeal.refresh_from_db()
    assert appeal.state is AppealState.ACCEPTED


async def test_accepting_an_appeal_by_voiding_an_observation_voids_it(seeded: Browser) -> None:
    appeal = await appeal_by("employee", "A1", "ticket 7 was not mine", line=3)
    employee = await Employee.get(external_id="A1")
    observation = await Observation.filter(
        employee_id=employee.id, kpi_id=(await Kpi.get(code="frt")).id
    ).first()
    assert observation is not None
    await seeded.sign_in("manager")
    done = await seeded.post(
        f"/admin/appeals/{appeal.id}/resolve",
        {"outcome": "ACCEPTED", "voidObservationId": str(observation.id), "note": "agreed"},
        form_page=QUEUE,
    )
    assert done.status_code == 303
    await observation.refresh_from_db()
    assert observation.voided_at is not None


async def test_the_queue_puts_open_appeals_before_answered_ones(seeded: Browser) -> None:
    first = await appeal_by("employee", "A1", "first question")
    await appeal_by("colleague", "A2", "second question")
    await seeded.sign_in("manager")
    await seeded.post(
        f"/admin/appeals/{first.id}/resolve",
        {"outcome": "REJECTED", "note": "the data is right"},
        form_page=QUEUE,
    )
    page = await seeded.client.get(QUEUE)
    assert "second question" in open_section(page)
    assert "first question" in answered_section(page)
    assert page.text.index("second question") < page.text.index("first question")


async def test_a_manager_sees_only_their_teams_appeals_and_an_admin_all(seeded: Browser) -> None:
    await appeal_by("employee", "A1", "hotline question")
    await appeal_by("outsider", "F1", "field question")
    await seeded.sign_in("manager")
    manager = await seeded.client.get(QUEUE)
    assert "hotline question" in manager.text
    assert "field question" not in manager.text
    await switch_to(seeded, "admin")
    admin = await seeded.client.get(QUEUE)
    assert "hotline question" in admin.text
    assert "field question" in admin.text


async def test_employees_and_visitors_have_no_queue(seeded: Browser) -> None:
    anonymous = await seeded.client.get(QUEUE)
    assert anonymous.status_code == 303
    await seeded.sign_in("employee")
    assert (await seeded.client.get(QUEUE)).status_code == 403


async def test_a_manager_may_not_resolve_an_outsiders_appeal(seeded: Browser) -> None:
    appeal = await appeal_by("outsider", "F1", "field question")
    await seeded.sign_in("manager")
    refused = await seeded.post(
        f"/admin/appeals/{appeal.id}/resolve",
        {"outcome": "REJECTED", "note": "no"},
        form_page=QUEUE,
    )
    assert refused.status_code == 403
    await appeal.refresh_from_db()
    assert appeal.state is AppealState.OPEN


async def test_an_employee_may_not_resolve_their_own_appeal(seeded: Browser) -> None:
    appeal = await appeal_by("employee", "A1", "mine")
    await seeded.sign_in("employee")
    refused = await seeded.post(
        f"/admin/appeals/{appeal.id}/resolve",
        {"outcome": "ACCEPTED", "points": "5", "note": "granted"},
        form_page=f"/admin/scores/{CYCLE}/me",
    )
    assert refused.status_code == 403
    await appeal.refresh_from_db()
    assert appeal.state is AppealState.OPEN


async def test_resolving_without_a_note_or_a_remedy_shows_the_error_and_changes_nothing(
    seeded: Browser,
) -> None:
    appeal = await appeal_by("employee", "A1", "question")
    before = await total_of("A1")
    await seeded.sign_in("manager")
    path = f"/admin/appeals/{appeal.id}/resolve"
    no_note = await seeded.post(path, {"outcome": "ACCEPTED", "points": "2"}, form_page=QUEUE)
    assert no_note.status_code == 400
    assert f'id="appeal-{appeal.id}-note-error"' in no_note.text
    no_remedy = await seeded.post(path, {"outcome": "ACCEPTED", "note": "ok"}, form_page=QUEUE)
    assert no_remedy.status_code == 400
    assert "exactly one remedy" in no_remedy.text
    bad_void = await seeded.post(
        path, {"outcome": "ACCEPTED", "voidObservationId": "seven", "note": "ok"}, form_page=QUEUE
    )
    assert bad_void.status_code == 400
    assert f'id="appeal-{appeal.id}-voidObservationId-error"' in bad_void.text
    await appeal.refresh_from_db()
    assert appeal.state is AppealState.OPEN
    assert await total_of("A1") == before


async def test_resolving_without_the_csrf_token_is_refused_and_changes_nothing(
    seeded: Browser,
) -> None:
    appeal = await appeal_by("employee", "A1", "question")
    await seeded.sign_in("manager")
    refused = await seeded.client.post(
        f"/admin/appeals/{appeal.id}/resolve",
        data={"outcome": "REJECTED", "note": "no"},
    )
    assert refused.status_code == 403
    await appeal.refresh_from_db()
    assert appeal.state is AppealState.OPEN


# --- the audit log --------------------------------------------------------------------


async def test_only_admins_read_the_audit_log(seeded: Browser) -> None:
    assert (await seeded.client.get(AUDIT)).status_code == 303
    for who in ("manager", "employee"):
        await switch_to(seeded, who)
        assert (await seeded.client.get(AUDIT)).status_code == 403, who
    await switch_to(seeded, "admin")
    assert (await seeded.client.get(AUDIT)).status_code == 200


async def test_the_audit_log_shows_who_what_when_before_after_and_why_newest_first(
    seeded: Browser,
) -> None:
    await adjust_score(
        actor=ADMIN,
        cycle_code=CYCLE,
        employee_external_id="A1",
        points="1",
        reason="<b>covered</b> a shift",
    )
    await seeded.sign_in("admin")
    page = await seeded.client.get(AUDIT)
    ids = [int(found) for found in re.findall(r'<tr id="entry-(\d+)"', page.text)]
    newest = await AuditEntry.all().order_by("-id").first()
    assert newest is not None
    assert ids[0] == newest.id
    assert ids == sorted(ids, reverse=True)
    row = page.text.split(f'id="entry-{newest.id}"')[1].split("</tr>")[0]
    assert "test-admin" in row
    assert "Score adjusted" in row
    assert f"{CYCLE}/A1" in row
    assert re.search(r"<dt><code>points</code></dt><dd>(<[^>]+>)?1\.00", row)
    assert "&lt;b&gt;covered&lt;/b&gt; a shift" in row
    assert "<b>covered</b>" not in page.text


async def test_the_audit_log_filters_by_who_action_entity_and_days(seeded: Browser) -> None:
    await adjust_score(
        actor=ADMIN, cycle_code=CYCLE, employee_external_id="A1", points="1", reason="shift"
    )
    await seeded.sign_in("admin")
    everything = (await seeded.client.get(AUDIT)).text
    adjusted = (await seeded.client.get(f"{AUDIT}?action=adjust_score")).text
    by_entity = (await seeded.client.get(f"{AUDIT}?entity=score&who=test-admin")).text
    nobody = (await seeded.client.get(f"{AUDIT}?who=nobody-at-all")).text
    today = datetime.now(UTC).date()
    later = (await seeded.client.get(f"{AUDIT}?since={today + timedelta(days=1)}")).text
    within = (await seeded.client.get(f"{AUDIT}?since={today}&until={today}")).text

    rows = everything.count('<tr id="entry-')
    assert rows > adjusted.count('<tr id="entry-') == 1
    assert "Score adjusted" in adjusted
    assert by_entity.count('<tr id="entry-') == 1
    assert nobody.count('<tr id="entry-') == 0
    assert "No entry matches these filters." in nobody
    assert later.count('<tr id="entry-') == 0
    assert within.count('<tr id="entry-') == rows
    # The filters are kept when paging; an unknown action filters nothing out.
    assert 'value="adjust_score" selected' in adjusted
    unknown = (await seeded.client.get(f"{AUDIT}?action=drop_tables")).text
    assert unknown.count('<tr id="entry-') == rows


async def test_the_audit_log_pages_back_in_time(seeded: Browser) -> None:
    for i in range(55):
        await adjust_score(
            actor=ADMIN, cycle_code=CYCLE, employee_external_id="A2", points="0.01", reason=f"n{i}"
        )
    await seeded.sign_in("admin")
    first = await seeded.client.get(AUDIT)
    assert first.text.count('<tr id="entry-') == 50
    assert f"{AUDIT}?page=2" in first.text
    second = await seeded.client.get(f"{AUDIT}?page=2")
    first_ids = {int(i) for i in re.findall(r'<tr id="entry-(\d+)"', first.text)}
    second_ids = [int(i) for i in re.findall(r'<tr id="entry-(\d+)"', second.text)]
    assert second_ids
    assert max(second_ids) < min(first_ids)
