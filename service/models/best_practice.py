"""People: role models' opt-in, best-practice notes and their thanks, knowledge-sharing
sessions, their presenters and who attended (docs/role-models.md).

Role models themselves are not stored: they are read from the finalised scores when
asked (DESIGN.md rule 5, derived reports). Nothing here changes a score.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # relations are named by string at run time ("models.X")
    from service.models.accounts import User
    from service.models.setup import Employee, Kpi


class RoleModelSetting(Model):
    # An employee's own choice to be named to colleagues as a role model (and as the
    # author of their best-practice notes). No row: not opted in.

    id = fields.IntField(primary_key=True)
    employee: fields.OneToOneRelation[Employee] = fields.OneToOneField(
        "models.Employee", related_name="role_model_setting", on_delete=fields.CASCADE
    )
    opted_in = fields.BooleanField(default=False, db_default=False)
    changed_by_label = fields.CharField(max_length=254)
    updated_at = fields.DatetimeField(auto_now=True)

    employee_id: int

    class Meta:
        table = "role_model_setting"


class BestPracticeNote(Model):
    # How a role model works on one KPI, in their words (or a manager's on their behalf).

    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="best_practice_notes", on_delete=fields.RESTRICT
    )
    kpi: fields.ForeignKeyRelation[Kpi] = fields.ForeignKeyField(
        "models.Kpi", related_name="best_practice_notes", on_delete=fields.RESTRICT
    )
    text = fields.TextField()
    # Who wrote it down: the author, or a manager or admin on their behalf.
    written_by_employee: fields.ForeignKeyNullableRelation[Employee] = fields.ForeignKeyField(
        "models.Employee",
        related_name="best_practice_notes_written",
        null=True,
        on_delete=fields.RESTRICT,
    )
    written_by_label = fields.CharField(max_length=254)
    thanks = fields.IntField(default=0, db_default=0)
    hidden_at = fields.DatetimeField(null=True)
    hidden_reason = fields.TextField(null=True)
    hidden_by_label = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    author_id: int
    kpi_id: int
    written_by_employee_id: int | None

    class Meta:
        table = "best_practice_note"
        indexes = (("kpi_id", "thanks"), ("author_id",), ("written_by_employee_id",))


class BestPracticeThanks(Model):
    # One reader thanked one note, once.

    id = fields.IntField(primary_key=True)
    note: fields.ForeignKeyRelation[BestPracticeNote] = fields.ForeignKeyField(
        "models.BestPracticeNote", related_name="thanked_by", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="best_practice_thanks", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    note_id: int
    user_id: int

    class Meta:
        table = "best_practice_thanks"
        unique_together = (("note", "user"),)
        indexes = (("user_id",),)


class KnowledgeSession(Model):
    # A knowledge-sharing session: presenters show how they work on some KPIs.

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    kpi_codes: Any = fields.JSONField(default=list)
    starts_at = fields.DatetimeField()
    length_minutes = fields.IntField(default=60, db_default=60)
    place = fields.CharField(max_length=200, default="", db_default="")
    link = fields.CharField(max_length=500, default="", db_default="")
    scheduled_by_label = fields.CharField(max_length=254)
    created_at = fields.DatetimeField(auto_now_add=True)

    presenters: fields.ReverseRelation[SessionPresenter]
    attendances: fields.ReverseRelation[SessionAttendance]

    class Meta:
        table = "knowledge_session"
        indexes = (("starts_at",),)


class SessionPresenter(Model):
    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[KnowledgeSession] = fields.ForeignKeyField(
        "models.KnowledgeSession", related_name="presenters", on_delete=fields.CASCADE
    )
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="sessions_presented", on_delete=fields.RESTRICT
    )

    session_id: int
    employee_id: int

    class Meta:
        table = "session_presenter"
        unique_together = (("session", "employee"),)
        indexes = (("employee_id",),)


class SessionAttendance(Model):
    # One employee attended one session; recorded by a manager, an admin or themselves.

    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[KnowledgeSession] = fields.ForeignKeyField(
        "models.KnowledgeSession", related_name="attendances", on_delete=fields.CASCADE
    )
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="sessions_attended", on_delete=fields.RESTRICT
    )
    recorded_by_label = fields.CharField(max_length=254)
    created_at = fields.DatetimeField(auto_now_add=True)

    session_id: int
    employee_id: int

    class Meta:
        table = "session_attendance"
        unique_together = (("session", "employee"),)
        indexes = (("employee_id",),)
