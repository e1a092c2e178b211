"""The training catalogue (admins) and who attended what (docs/development.md).

Courses are seen by everyone signed in; an admin saves them. Attendance is recorded
by an admin or a manager of the employee, and seen as the development plan is (the
employee, their managers, admins). Every change writes its audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from service.errors import Issue, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from service.models import Course, CourseAttendance, CourseFormat, Employee, Kpi
from service.usecases.accounts.access import (
    require_admin_or_manager_of,
    require_may_see_personal_record,
)
from service.usecases.actor import Actor
from service.usecases.audit import write_audit
from service.usecases.retries import retry_when_busy

MAX_TITLE = 200
MAX_CODE = 64
# A course runs from minutes to a few weeks of full days.
MAX_LENGTH_MINUTES = 100_000
MAX_NOTE = 2_000


@dataclass(frozen=True, slots=True)
class CourseInput:
    code: str
    title: str
    title_zh: str
    kpi_codes: tuple[str, ...]
    length_minutes: int
    format: str


@dataclass(frozen=True, slots=True)
class CourseSaved:
    course: Course
    changed: bool


def _course_data(course: Course) -> dict[str, object]:
    return {
        "code": course.code,
        "title": course.title,
        "title_zh": course.title_zh,
        "kpi_codes": list(course.kpi_codes),
        "length_minutes": course.length_minutes,
        "format": str(course.format),
    }


async def _checked(conn: BaseDBAsyncClient, course: CourseInput) -> dict[str, object]:
    issues: list[Issue] = []
    code = course.code.strip()
    if not code or len(code) > MAX_CODE:
        issues.append(Issue.of("code", "1 to {most} characters", "INVALID", most=MAX_CODE))
    title, title_zh = course.title.strip(), course.title_zh.strip()
    for field, text in (("title", title), ("titleZh", title_zh)):
        if not text or len(text) > MAX_TITLE:
            issues.append(Issue.of(field, "1 to {most} characters", "INVALID", most=MAX_TITLE))
    codes = list(dict.fromkeys(c.strip() for c in course.kpi_codes if c.strip()))
    rows = await Kpi.filter(code__in=codes).using_db(conn).values_list("code", flat=True)
    known = {str(code) for code in rows}
    for missing in [c for c in codes if c not in known]:
        issues.append(Issue.of("kpiCodes", "there is no KPI {kpi}", "NOT_FOUND", kpi=repr(missing)))
    if not 1 <= course.length_minutes <= MAX_LENGTH_MINUTES:
        issues.append(
            Issue.of(
                "lengthMinutes",
                "a whole number from 1 to {most}",
                "INVALID",
                most=f"{MAX_LENGTH_MINUTES:,}",
            )
        )
    try:
        form = CourseFormat(course.format)
    except ValueError:
        names = ", ".join(f.value for f in CourseFormat)
        issues.append(Issue.of("format", "one of {names}", "INVALID", names=names))
        form = None
    if issues:
        raise ValidationFailed(issues)
    return {
        "code": code,
        "title": title,
        "title_zh": title_zh,
        "kpi_codes": codes,
        "length_minutes": course.length_minutes,
        "format": str(form),
    }


@retry_when_busy
async def save_course(
    *, actor: Actor, course: CourseInput, expected_version: int | None = None
) -> CourseSaved:
    """Create a course or change it (by code). Admins only; ``expected_version`` guards
    an edit against someone else's save."""
    if not actor.is_admin:
        raise PermissionDenied("Only an admin keeps the training catalogue.")
    async with in_transaction() as conn:
        data = await _checked(conn, course)
        row = await Course.select_for_update().using_db(conn).get_or_none(code=data["code"])
        if row is not None and expected_version is not None and expected_version != row.version:
            raise StaleVersion(
                "Course {course} is at version {version}, not {expected}: "
                "someone saved first. Reload it and try again.",
                course=row.code,
                version=row.version,
                expected=expected_version,
            )
        before = None if row is None else _course_data(row)
        if before == data:
            assert row is not None
            return CourseSaved(row, False)
        if row is None:
            row = await Course.create(using_db=conn, **data)
        else:
            for key, value in data.items():
                setattr(row, key, value)
            row.version += 1
            await row.save(using_db=conn)
        await write_audit(
            conn,
            actor=actor,
            action="save_course",
            entity="course",
            entity_key=row.code,
            before=before,
            after=data,
        )
        return CourseSaved(row, True)


@retry_when_busy
async def record_attendance(
    *,
    actor: Actor,
    course_code: str,
    employee_external_id: str,
    attended_on: date,
    note: str = "",
) -> CourseAttendance:
    """Record that an employee attended a course on a day (once per course and day)."""
    text = note.strip()
    if len(text) > MAX_NOTE:
        raise ValidationFailed(
            [Issue.of("note", "at most {most} characters", "TOO_LONG", most=f"{MAX_NOTE:,}")]
        )
    async with in_transaction() as conn:
        employee = await Employee.get_or_none(external_id=employee_external_id, using_db=conn)
        if employee is None:
            raise NotFound("There is no employee {id}.", id=repr(employee_external_id))
        await require_admin_or_manager_of(conn, actor, employee)
        course = await Course.get_or_none(code=course_code, using_db=conn)
        if course is None:
            raise NotFound("There is no course {course}.", course=repr(course_code))
        duplicate = ValidationFailed(
            [
                Issue.of(
                    "attendedOn",
                    "{employee} is already recorded at {course} on {day}",
                    "DUPLICATE",
                    employee=employee.external_id,
                    course=course.code,
                    day=attended_on.isoformat(),
                )
            ]
        )
        if await CourseAttendance.exists(
            course_id=course.id, employee_id=employee.id, attended_on=attended_on, using_db=conn
        ):
            raise duplicate
        try:
            row = await CourseAttendance.create(
                using_db=conn,
                course_id=course.id,
                employee_id=employee.id,
                attended_on=attended_on,
                note=text,
                recorded_by_label=actor.label,
            )
        except IntegrityError as error:  # a concurrent twin won the race
            raise duplicate from error
        await write_audit(
            conn,
            actor=actor,
            action="record_attendance",
            entity="development_plan",
            entity_key=employee.external_id,
            after={"course": course.code, "attended_on": attended_on.isoformat(), "note": text},
        )
        return row


async def attendance_of(
    conn: BaseDBAsyncClient, *, actor: Actor, employee: Employee
) -> list[CourseAttendance]:
    """The courses an employee took, latest first, for those who may see their plan."""
    await require_may_see_personal_record(conn, actor, employee)
    return list(
        await CourseAttendance.filter(employee_id=employee.id)
        .using_db(conn)
        .select_related("course")
        .order_by("-attended_on", "-id")
    )


async def courses_for_kpis(
    conn: BaseDBAsyncClient, kpi_codes: list[str]
) -> dict[str, list[Course]]:
    """The catalogue's courses tagged with each KPI, by code. The catalogue is small:
    read whole, once, and matched in memory (tags are a JSON list on both databases)."""
    if not kpi_codes:
        return {}
    wanted = set(kpi_codes)
    found: dict[str, list[Course]] = {code: [] for code in kpi_codes}
    for course in await Course.all().using_db(conn).order_by("code"):
        for code in course.kpi_codes:
            if code in wanted:
                found[code].append(course)
    return found
