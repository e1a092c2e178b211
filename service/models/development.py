"""People: development plans, their items, the training catalogue and who attended.

A plan belongs to one employee and is seen and edited by the employee, their managers
and admins (DESIGN.md Access); every change is audited by its use case. Nothing here
changes a score: a KPI focus only names a line the person wants to move.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # relations are named by string at run time ("models.X")
    from service.models.best_practice import KnowledgeSession
    from service.models.people import Goal
    from service.models.setup import Employee, Kpi


class DevelopmentStatus(StrEnum):
    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    DROPPED = "DROPPED"


class FocusKind(StrEnum):
    KPI = "KPI"
    SKILL = "SKILL"


class DevelopmentAction(StrEnum):
    COURSE = "COURSE"  # a course of the catalogue
    COACHING = "COACHING"
    SHADOWING = "SHADOWING"  # shadowing a colleague
    SESSION = "SESSION"  # a knowledge-sharing session, named in the detail
    CUSTOM = "CUSTOM"


class CourseFormat(StrEnum):
    CLASSROOM = "CLASSROOM"
    ONLINE = "ONLINE"
    WORKSHOP = "WORKSHOP"
    SELF_PACED = "SELF_PACED"


class Course(Model):
    # A course of the training catalogue; `kpi_codes` are the KPIs it is tagged with.
    # (Not a docstring: Tortoise turns docstrings into SQL comments.)

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    title = fields.CharField(max_length=200)
    title_zh = fields.CharField(max_length=200)
    kpi_codes: Any = fields.JSONField(default=list)
    length_minutes = fields.IntField()
    format = fields.CharEnumField(CourseFormat, max_length=16)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "course"


class CourseAttendance(Model):
    # One employee attended one course on one day.

    id = fields.IntField(primary_key=True)
    course: fields.ForeignKeyRelation[Course] = fields.ForeignKeyField(
        "models.Course", related_name="attendances", on_delete=fields.RESTRICT
    )
    employee: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="course_attendances", on_delete=fields.RESTRICT
    )
    attended_on = fields.DateField()
    note = fields.TextField(default="")
    recorded_by_label = fields.CharField(max_length=254)
    created_at = fields.DatetimeField(auto_now_add=True)

    course_id: int
    employee_id: int

    class Meta:
        table = "course_attendance"
        unique_together = (("course", "employee", "attended_on"),)
        indexes = (("employee_id",),)


class DevelopmentPlan(Model):
    # One employee's plan: an aim in their words, and its items.

    id = fields.IntField(primary_key=True)
    employee: fields.OneToOneRelation[Employee] = fields.OneToOneField(
        "models.Employee", related_name="development_plan", on_delete=fields.RESTRICT
    )
    aim = fields.TextField(default="")
    version = fields.IntField(default=1)
    updated_by_label = fields.CharField(max_length=254)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    employee_id: int
    items: fields.ReverseRelation[DevelopmentItem]

    class Meta:
        table = "development_plan"


class DevelopmentItem(Model):
    # One step of a plan: a focus (a KPI or a named skill), an action, an owner, a due
    # date, a status and notes. `started_on`/`done_on` are set by the status changes.

    id = fields.IntField(primary_key=True)
    plan: fields.ForeignKeyRelation[DevelopmentPlan] = fields.ForeignKeyField(
        "models.DevelopmentPlan", related_name="items", on_delete=fields.CASCADE
    )
    focus_kind = fields.CharEnumField(FocusKind, max_length=8)
    focus_kpi: fields.ForeignKeyNullableRelation[Kpi] = fields.ForeignKeyField(
        "models.Kpi", related_name="development_items", null=True, on_delete=fields.RESTRICT
    )
    focus_skill = fields.CharField(max_length=200, default="")
    action = fields.CharEnumField(DevelopmentAction, max_length=16)
    course: fields.ForeignKeyNullableRelation[Course] = fields.ForeignKeyField(
        "models.Course", related_name="development_items", null=True, on_delete=fields.RESTRICT
    )
    shadowing: fields.ForeignKeyNullableRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="shadowed_in", null=True, on_delete=fields.RESTRICT
    )
    action_detail = fields.TextField(default="")
    # A SESSION item may name the knowledge-sharing session (docs/role-models.md).
    session: fields.ForeignKeyNullableRelation[KnowledgeSession] = fields.ForeignKeyField(
        "models.KnowledgeSession",
        related_name="development_items",
        null=True,
        on_delete=fields.RESTRICT,
    )
    owner: fields.ForeignKeyRelation[Employee] = fields.ForeignKeyField(
        "models.Employee", related_name="development_items_owned", on_delete=fields.RESTRICT
    )
    due_on = fields.DateField()
    status = fields.CharEnumField(
        DevelopmentStatus, max_length=16, default=DevelopmentStatus.PLANNED
    )
    notes = fields.TextField(default="")
    # The goal the item serves, where goals exist: one of the plan's employee's goals
    # or their team's, in any cycle (service/usecases/people/development.py); deleting
    # the goal unlinks it.
    goal: fields.ForeignKeyNullableRelation[Goal] = fields.ForeignKeyField(
        "models.Goal", related_name="development_items", null=True, on_delete=fields.SET_NULL
    )
    started_on = fields.DateField(null=True)
    done_on = fields.DateField(null=True)
    version = fields.IntField(default=1)
    created_by_label = fields.CharField(max_length=254)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    plan_id: int
    focus_kpi_id: int | None
    course_id: int | None
    shadowing_id: int | None
    session_id: int | None
    owner_id: int
    goal_id: int | None

    class Meta:
        table = "development_item"
        indexes = (("plan_id",), ("session_id",), ("goal_id",))
