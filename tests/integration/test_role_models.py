"""Role models, best-practice notes and knowledge-sharing sessions on both databases
(docs/role-models.md): ties, the opt-in, thanks once, hiding, and who sees what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from tortoise.connection import get_connection

from service.errors import InvalidTransition, PermissionDenied, ValidationFailed
from service.models import AccessLevel, AuditEntry, BestPracticeNote, DevelopmentItem
from service.usecases.accounts.access import RoleModelView
from service.usecases.inputs import TeamInput
from service.usecases.people.best_practice import (
    best_practice_for_kpi,
    best_practice_for_kpis,
    hide_best_practice,
    share_best_practice,
    thank_best_practice,
)
from service.usecases.people.development import ItemInput, add_development_item
from service.usecases.people.role_models import role_models_of_team, set_role_model_opt_in
from service.usecases.people.sessions import (
    SessionInput,
    attend_session,
    schedule_session,
    sessions_list,
)
from service.usecases.setup.organisation import upsert_teams
from tests.integration.role_model_scenario import (
    OPEN,
    admin,
    build_role_model_scenario,
    person,
)
from tests.integration.scenario import ADMIN


async def _board(actor_id: str, access: AccessLevel = AccessLevel.EMPLOYEE):  # type: ignore[no-untyped-def]
    actor = await person(actor_id, access)
    return await role_models_of_team(
        get_connection("default"), actor=actor, team_code="hotline", cycle_code=OPEN
    )


async def test_role_models_are_the_top_three_and_everyone_tied_with_the_third(db: str) -> None:
    await build_role_model_scenario()
    board = await _board("L1", AccessLevel.MANAGER)
    assert board.view is RoleModelView.FULL
    assert board.previous is not None
    assert board.previous.code == "2026-01"
    (line,) = board.lines
    assert line.kpi.code == "csat"
    assert [(e.employee.external_id, e.rank, e.points) for e in line.role_models] == [
        ("A1", 1, Fraction(100)),
        ("A2", 1, Fraction(100)),
        ("A3", 3, Fraction(70)),
        ("A4", 3, Fraction(70)),
    ]


async def test_a_colleague_sees_only_role_models_who_opted_in_by_name_without_numbers(
    db: str,
) -> None:
    await build_role_model_scenario()
    board = await _board("A5")
    assert board.view is RoleModelView.COLLEAGUE
    assert [e for line in board.lines for e in line.role_models] == []
    for who in ("A3", "A1"):
        assert await set_role_model_opt_in(actor=await person(who), opted_in=True) is True
    board = await _board("A5")
    (line,) = board.lines
    # By name, not by score: Agent 1 and Agent 3, though A1 scored higher.
    assert [e.employee.external_id for e in line.role_models] == ["A1", "A3"]
    assert all(e.points is None and e.rank is None for e in line.role_models)
    # A role model sees themselves among the named ones, still without a number.
    mine = await _board("A4")
    assert [e.employee.external_id for e in mine.lines[0].role_models] == ["A1", "A3", "A4"]
    assert all(e.points is None for e in mine.lines[0].role_models)


async def test_the_opt_in_is_off_by_default_the_employees_own_and_audited(db: str) -> None:
    await build_role_model_scenario()
    a3 = await person("A3")
    assert await set_role_model_opt_in(actor=a3, opted_in=False) is False
    assert await AuditEntry.filter(action="set_role_model_opt_in").count() == 0
    await set_role_model_opt_in(actor=a3, opted_in=True)
    await set_role_model_opt_in(actor=a3, opted_in=True)
    entries = await AuditEntry.filter(action="set_role_model_opt_in")
    assert [(e.entity_key, e.before, e.after) for e in entries] == [
        ("A3", {"opted_in": False}, {"opted_in": True})
    ]
    with pytest.raises(PermissionDenied):
        await set_role_model_opt_in(actor=ADMIN, opted_in=True)


async def test_who_may_see_a_teams_role_models(db: str) -> None:
    await build_role_model_scenario()
    await upsert_teams(actor=ADMIN, teams=[TeamInput("field", "Field", "service", "F1")])
    assert (await _board("A2")).view is RoleModelView.COLLEAGUE
    with pytest.raises(PermissionDenied):  # the manager of another team
        await _board("F1", AccessLevel.MANAGER)
    board = await role_models_of_team(
        get_connection("default"), actor=await admin(), team_code="hotline", cycle_code=OPEN
    )
    assert board.view is RoleModelView.FULL


async def test_a_role_model_shares_and_a_manager_writes_on_behalf_of_one(db: str) -> None:
    await build_role_model_scenario()
    note = await share_best_practice(actor=await person("A1"), kpi_code="csat", text=" Ask twice ")
    assert (note.text, note.written_by_label) == ("Ask twice", "a1@example.com")
    behalf = await share_best_practice(
        actor=await person("L1", AccessLevel.MANAGER),
        kpi_code="csat",
        text="A4 repeats the customer's words",
        author_external_id="A4",
    )
    assert behalf.written_by_label == "l1@example.com"
    with pytest.raises(ValidationFailed) as not_one:
        await share_best_practice(actor=await person("A5"), kpi_code="csat", text="Me too")
    assert not_one.value.issues[0].code == "NOT_A_ROLE_MODEL"
    with pytest.raises(PermissionDenied):  # a colleague may not write on someone's behalf
        await share_best_practice(
            actor=await person("A2"), kpi_code="csat", text="x", author_external_id="A1"
        )
    with pytest.raises(ValidationFailed):
        await share_best_practice(actor=await person("A1"), kpi_code="quality", text="x")
    assert await AuditEntry.filter(action="share_best_practice").count() == 2


async def test_a_note_names_its_author_only_to_who_may_see_their_score_or_if_they_opted_in(
    db: str,
) -> None:
    await build_role_model_scenario()
    await share_best_practice(actor=await person("A1"), kpi_code="csat", text="Ask twice")
    conn = get_connection("default")
    _kpi, seen = await best_practice_for_kpi(conn, actor=await person("A5"), kpi_code="csat")
    assert [v.author for v in seen] == [None]
    _kpi, managed = await best_practice_for_kpi(
        conn, actor=await person("L1", AccessLevel.MANAGER), kpi_code="csat"
    )
    assert managed[0].author is not None
    assert managed[0].author.external_id == "A1"
    await set_role_model_opt_in(actor=await person("A1"), opted_in=True)
    _kpi, seen = await best_practice_for_kpi(conn, actor=await person("F1"), kpi_code="csat")
    assert seen[0].author is not None
    assert seen[0].author.external_id == "A1"


async def test_a_reader_thanks_a_note_once_and_the_most_thanked_comes_first(db: str) -> None:
    await build_role_model_scenario()
    older = await share_best_practice(actor=await person("A1"), kpi_code="csat", text="Older")
    newer = await share_best_practice(actor=await person("A2"), kpi_code="csat", text="Newer")
    conn = get_connection("default")
    a5 = await person("A5")
    _kpi, views = await best_practice_for_kpi(conn, actor=a5, kpi_code="csat")
    assert [v.note.id for v in views] == [newer.id, older.id]  # newest first at equal thanks
    thanked = await thank_best_practice(actor=a5, note_id=older.id)
    assert thanked.thanks == 1
    with pytest.raises(InvalidTransition):
        await thank_best_practice(actor=a5, note_id=older.id)
    with pytest.raises(PermissionDenied):
        await thank_best_practice(actor=await person("A1"), note_id=older.id)
    _kpi, views = await best_practice_for_kpi(conn, actor=a5, kpi_code="csat")
    assert [(v.note.id, v.note.thanks, v.thanked, v.may_thank) for v in views] == [
        (older.id, 1, True, False),
        (newer.id, 0, False, True),
    ]
    assert (await BestPracticeNote.get(id=older.id)).thanks == 1


async def test_an_admin_hides_a_note_with_a_reason_and_readers_no_longer_see_it(
    db: str,
) -> None:
    await build_role_model_scenario()
    note = await share_best_practice(actor=await person("A1"), kpi_code="csat", text="Oops")
    with pytest.raises(PermissionDenied):
        await hide_best_practice(
            actor=await person("L1", AccessLevel.MANAGER), note_id=note.id, reason="x"
        )
    with pytest.raises(ValidationFailed):
        await hide_best_practice(actor=await admin(), note_id=note.id, reason=" ")
    await hide_best_practice(actor=await admin(), note_id=note.id, reason="names a customer")
    with pytest.raises(InvalidTransition):
        await hide_best_practice(actor=await admin(), note_id=note.id, reason="again")
    conn = get_connection("default")
    a5 = await person("A5")
    assert (await best_practice_for_kpi(conn, actor=a5, kpi_code="csat"))[1] == []
    assert await best_practice_for_kpis(conn, actor=a5, kpi_ids=[note.kpi_id]) == {}
    assert len((await best_practice_for_kpi(conn, actor=await admin(), kpi_code="csat"))[1]) == 1
    entry = await AuditEntry.get(action="hide_best_practice")
    assert entry.reason == "names a customer"


async def test_sessions_are_scheduled_by_managers_and_attended_once_after_they_start(
    db: str,
) -> None:
    await build_role_model_scenario()
    soon = datetime.now(UTC) + timedelta(days=7)
    plan = SessionInput(
        title="How A1 asks twice", starts_at=soon, presenter_external_ids=("A1",),
        kpi_codes=("csat",), place="Room 3",
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        await schedule_session(actor=await person("A2"), session=plan)
    with pytest.raises(ValidationFailed) as bad:
        await schedule_session(
            actor=await person("L1", AccessLevel.MANAGER),
            session=SessionInput(title=" ", starts_at=soon, presenter_external_ids=("ZZ",),
                                 kpi_codes=("nope",)),
        )  # fmt: skip
    assert {i.field for i in bad.value.issues} == {
        "title", "place", "presenterExternalIds", "kpiCodes"
    }  # fmt: skip
    l1 = await person("L1", AccessLevel.MANAGER)
    upcoming = await schedule_session(actor=l1, session=plan)
    past = await schedule_session(
        actor=l1,
        session=SessionInput(
            title="Calm calls", starts_at=datetime.now(UTC) - timedelta(days=3),
            presenter_external_ids=("A2", "A3"), link="https://meet.example.com/calm",
        ),
    )  # fmt: skip
    a5 = await person("A5")
    with pytest.raises(InvalidTransition):  # not started yet
        await attend_session(actor=a5, session_id=upcoming.id)
    await attend_session(actor=a5, session_id=past.id)
    with pytest.raises(InvalidTransition):
        await attend_session(actor=a5, session_id=past.id)
    with pytest.raises(PermissionDenied):  # a colleague records nobody else
        await attend_session(actor=a5, session_id=past.id, employee_external_id="A4")
    await attend_session(actor=l1, session_id=past.id, employee_external_id="A4")
    conn = get_connection("default")
    views = await sessions_list(conn, actor=a5)
    by_title = {v.session.title: v for v in views}
    assert by_title["Calm calls"].attended_count == 2
    assert [e.external_id for e in by_title["Calm calls"].attendees] == ["A5"]
    assert by_title["Calm calls"].attended_by_viewer
    assert [e.external_id for e in by_title["Calm calls"].presenters] == ["A2", "A3"]
    managed = {v.session.title: v for v in await sessions_list(conn, actor=l1)}
    assert {e.external_id for e in managed["Calm calls"].attendees} == {"A4", "A5"}
    assert [v.session.title for v in await sessions_list(conn, actor=a5, upcoming=True)] == [
        "How A1 asks twice"
    ]


async def test_an_attended_or_upcoming_session_can_be_an_item_of_a_development_plan(
    db: str,
) -> None:
    await build_role_model_scenario()
    l1 = await person("L1", AccessLevel.MANAGER)
    today = date.today()
    past = await schedule_session(
        actor=l1,
        session=SessionInput(title="Calm calls", presenter_external_ids=("A2",), place="Room 1",
                             starts_at=datetime.now(UTC) - timedelta(days=3)),
    )  # fmt: skip
    a5 = await person("A5")
    item = ItemInput(
        action="SESSION", due_on=today + timedelta(days=30), focus_kpi_code="csat",
        session_id=past.id,
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        await add_development_item(actor=a5, employee_external_id="A5", item=item, today=today)
    assert refused.value.issues[0].field == "sessionId"
    await attend_session(actor=a5, session_id=past.id)
    row = await add_development_item(actor=a5, employee_external_id="A5", item=item, today=today)
    assert (await DevelopmentItem.get(id=row.id)).session_id == past.id
    wrong = ItemInput(
        action="COACHING", due_on=today + timedelta(days=30), focus_kpi_code="csat",
        session_id=past.id,
    )  # fmt: skip
    with pytest.raises(ValidationFailed):
        await add_development_item(actor=a5, employee_external_id="A5", item=wrong, today=today)
