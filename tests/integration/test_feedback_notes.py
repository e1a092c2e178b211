"""Feedback notes on both databases: who may give them, what they may be tied to,
hiding by an admin, and that no score moves."""

from __future__ import annotations

import pytest

from service.errors import InvalidTransition, PermissionDenied, ValidationFailed
from service.models import AccessLevel, AuditEntry, FeedbackNote, Observation, Score
from service.usecases.accounts.access import may_see_feedback_note
from service.usecases.actor import Actor
from service.usecases.people.feedback_notes import give_feedback_note, hide_feedback_note
from service.usecases.setup.policy_change import update_policy
from tests.integration.scenario import ADMIN, CYCLE, build_organisation, employee_id
from tests.integration.test_check_ins import person, ratings


async def allow_colleagues(allowed: bool) -> None:
    await update_policy(
        actor=ADMIN,
        settings={
            "timezone": "Asia/Shanghai",
            "csat_kpi_code": "csat",
            "colleague_feedback_notes": allowed,
        },
        expected_version=None,
    )


async def test_colleagues_of_the_same_team_give_notes_only_where_the_policy_allows(
    db: str,
) -> None:
    await build_organisation()
    a2 = await person("A2", AccessLevel.EMPLOYEE)
    f1 = await person("F1", AccessLevel.EMPLOYEE)
    with pytest.raises(PermissionDenied) as refused:
        await give_feedback_note(actor=a2, employee_external_id="A1", kind="PRAISE", text="Thanks")
    assert "policy" in refused.value.message
    await allow_colleagues(True)
    note = await give_feedback_note(
        actor=a2, employee_external_id="A1", kind="PRAISE", text="Thanks for covering"
    )
    assert (note.giver_employee_id, note.kind.value) == (await employee_id("A2"), "PRAISE")
    with pytest.raises(PermissionDenied):  # another team, policy or not
        await give_feedback_note(actor=f1, employee_external_id="A1", kind="PRAISE", text="Hi")
    with pytest.raises(PermissionDenied):  # never on oneself
        await give_feedback_note(actor=a2, employee_external_id="A2", kind="PRAISE", text="Me")


async def test_a_colleague_never_ties_a_note_to_a_line_or_comment_of_someone_else(
    db: str,
) -> None:
    await build_organisation()
    await ratings("A1", [5, 4], tag="c")
    await allow_colleagues(True)
    a2 = await person("A2", AccessLevel.EMPLOYEE)
    comment = await Observation.filter(employee__external_id="A1").first()
    assert comment is not None
    with pytest.raises(PermissionDenied):
        await give_feedback_note(
            actor=a2, employee_external_id="A1", kind="PRAISE", text="x", cycle_code=CYCLE, line=1
        )
    with pytest.raises(PermissionDenied):
        await give_feedback_note(
            actor=a2, employee_external_id="A1", kind="PRAISE", text="x", observation_id=comment.id
        )
    assert await FeedbackNote.all().count() == 0


async def test_a_manager_ties_a_note_to_a_line_or_a_customer_comment_and_no_score_moves(
    db: str,
) -> None:
    await build_organisation()
    await ratings("A1", [5, 4], tag="c")
    lead = await person("L1", AccessLevel.MANAGER)
    before = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    comment = await Observation.filter(employee__external_id="A1").first()
    assert comment is not None
    on_line = await give_feedback_note(
        actor=lead,
        employee_external_id="A1",
        kind="SUGGESTION",
        text="Close the ticket on the first call",
        cycle_code=CYCLE,
        line=3,
    )
    assert (on_line.line_ordinal, on_line.kpi_id is not None) == (2, True)
    on_comment = await give_feedback_note(
        actor=lead,
        employee_external_id="A1",
        kind="PRAISE",
        text="Lovely",
        observation_id=comment.id,
    )
    assert on_comment.observation_id == comment.id
    after = await Score.get(cycle__code=CYCLE, employee__external_id="A1")
    assert (after.content_hash, after.computed_at) == (before.content_hash, before.computed_at)
    with pytest.raises(ValidationFailed) as no_such_line:
        await give_feedback_note(
            actor=lead, employee_external_id="A1", kind="PRAISE", text="x", cycle_code=CYCLE, line=9
        )
    assert no_such_line.value.issues[0].code == "UNKNOWN_LINE"
    await ratings("F1", [3], tag="f")
    f1_comment = await Observation.get(employee__external_id="F1")
    with pytest.raises(PermissionDenied):
        await give_feedback_note(
            actor=lead,
            employee_external_id="A1",
            kind="PRAISE",
            text="x",
            observation_id=f1_comment.id,
        )


async def test_a_bad_kind_or_empty_text_is_refused_naming_the_field(db: str) -> None:
    await build_organisation()
    lead = await person("L1", AccessLevel.MANAGER)
    with pytest.raises(ValidationFailed) as failed:
        await give_feedback_note(actor=lead, employee_external_id="A1", kind="NICE", text=" ")
    assert [issue.field for issue in failed.value.issues] == ["kind", "text"]


async def test_an_admin_hides_an_abusive_note_with_a_reason_in_the_audit_log(db: str) -> None:
    await build_organisation()
    lead = await person("L1", AccessLevel.MANAGER)
    a1 = await person("A1", AccessLevel.EMPLOYEE)
    note = await give_feedback_note(
        actor=lead, employee_external_id="A1", kind="SUGGESTION", text="Rude words"
    )
    with pytest.raises(PermissionDenied):
        await hide_feedback_note(actor=lead, note_id=note.id, reason="mine")
    with pytest.raises(ValidationFailed):
        await hide_feedback_note(actor=ADMIN, note_id=note.id, reason=" ")
    hidden = await hide_feedback_note(actor=ADMIN, note_id=note.id, reason="Abusive language")
    assert hidden.hidden_at is not None
    assert hidden.hidden_reason == "Abusive language"
    with pytest.raises(InvalidTransition):
        await hide_feedback_note(actor=ADMIN, note_id=note.id, reason="again")
    entry = await AuditEntry.get(action="hide_feedback_note")
    assert (entry.entity_key, entry.reason) == (str(note.id), "Abusive language")
    a1_id = await employee_id("A1")
    seen = {
        name: may_see_feedback_note(
            actor,
            employee_id=a1_id,
            giver_employee_id=lead.employee_id,
            manager_ids={lead.employee_id or 0},
            hidden=True,
        )
        for name, actor in (("admin", ADMIN), ("lead", lead), ("a1", a1))
    }
    assert seen == {"admin": True, "lead": False, "a1": False}


def test_a_feedback_note_is_seen_by_the_person_the_giver_their_managers_and_admins() -> None:
    def actor(employee: int | None, access: AccessLevel) -> Actor:
        return Actor(label="x", access=access, employee_id=employee)

    person_id, giver, manager, colleague = 1, 2, 3, 4
    cases = {
        "person": (actor(person_id, AccessLevel.EMPLOYEE), True),
        "giver": (actor(giver, AccessLevel.EMPLOYEE), True),
        "manager": (actor(manager, AccessLevel.MANAGER), True),
        "manager without the access level": (actor(manager, AccessLevel.EMPLOYEE), False),
        "colleague": (actor(colleague, AccessLevel.EMPLOYEE), False),
        "another manager": (actor(colleague, AccessLevel.MANAGER), False),
        "admin": (actor(None, AccessLevel.ADMIN), True),
        "integration": (actor(None, AccessLevel.INTEGRATION), False),
    }
    for name, (who, expected) in cases.items():
        assert (
            may_see_feedback_note(
                who,
                employee_id=person_id,
                giver_employee_id=giver,
                manager_ids={manager},
                hidden=False,
            )
            is expected
        ), name
