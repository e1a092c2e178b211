"""Goals in the admin (SCORING.md §11): a person's or a team's goals with progress and
status at the request's one clock, the SMART letters of each, and the forms to set a
goal (the five letters shown; the server decides), accept or return a proposal, report
a manual value and delete. Each form calls one use case; refusals are shown in place.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.connection import get_connection

from admin.web import (
    _,
    checked_form,
    guarded,
    issues_beside_fields,
    person_from_url,
    redirect,
    render,
    require,
    say,
    signed_in,
    state,
)
from service.errors import GoalNotSmart, Refusal
from service.models import AccessLevel, Cycle, CycleState, Employee, Goal, Kpi, Team
from service.scoring import format_compact
from service.scoring.goals import GoalClock, SmartFinding, smart_message
from service.usecases.accounts.access import led_team_ids
from service.usecases.actor import Actor
from service.usecases.parsing import from_scaled
from service.usecases.people import goals as usecase
from service.usecases.people.goals import GoalInput, GoalView, MeasureInput

READERS = (AccessLevel.ADMIN, AccessLevel.MANAGER, AccessLevel.EMPLOYEE)
FORM_FIELDS = (
    "title",
    "description",
    "kpi_code",
    "scope",
    "unit",
    "direction",
    "range_min",
    "range_max",
    "related_kpi_code",
    "target",
    "baseline",
    "weight",
    "due_on",
    "parent_goal_id",
    "reason",
)
# The use case names fields as the API does; the form's inputs have these names.
FIELD_OF_ISSUE = {
    "measure.kpiCode": "kpi_code",
    "measure.kpi": "kpi_code",
    "measure": "kpi_code",
    "measure.scope": "scope",
    "measure.unit": "unit",
    "measure.direction": "direction",
    "measure.rangeMin": "range_min",
    "measure.rangeMax": "range_max",
    "measure.relatedKpiCode": "related_kpi_code",
    "measure.relatedKpi": "related_kpi_code",
    "dueOn": "due_on",
    "parentGoalId": "parent_goal_id",
}


def clock(request: Request) -> GoalClock:
    """One clock per request; FAIRSCORE_TODAY pins "today" (demos, tests)."""
    return GoalClock(now=datetime.now(UTC), pinned_today=state(request).settings.today)


def _messages(request: Request, findings: Any) -> list[dict[str, str]]:
    lang = state(request).lang
    return [
        {
            "letter": f.letter.value,
            "result": f.result.value,
            "message": smart_message(f, lang),
            "field": FIELD_OF_ISSUE.get(f.field, f.field),
        }
        for f in findings
    ]


def _card(request: Request, view: GoalView) -> dict[str, Any]:
    goal = view.goal
    return {
        "view": view,
        "goal": goal,
        "smart": _messages(request, view.findings),
        "warnings": [f for f in view.findings if f.result.value == "WARNING"],
        "progress": None if view.progress is None else view.progress.reported,
        "status": None if view.progress is None else view.progress.status.value,
        "current": None if view.current_value is None else _number(view.current_value),
        "target": _number(from_scaled(goal.target)),
        "baseline": None if goal.baseline is None else _number(from_scaled(goal.baseline)),
        "measure": view.kpi.code if view.kpi is not None else goal.unit,
        "kpi": view.kpi,
        "manual": goal.kpi_id is None,
    }


def _number(value: Any) -> str:
    return format_compact(value)


async def _default_cycle(request: Request) -> Cycle | None:
    code = request.query_params.get("cycle")
    if code:
        return await Cycle.get_or_none(code=code)
    active = await Cycle.filter(state=CycleState.ACTIVE).order_by("-starts_on").first()
    return active or await Cycle.all().order_by("-starts_on").first()


def _not_found(request: Request, message: str) -> Response:
    return render(request, "error.html", {"message": message}, status=404)


@guarded
async def goals_home(request: Request) -> Response:
    """My goals for an employee; for a manager or an admin the people and teams they
    manage, and the goals at risk."""
    actor = require(request, *READERS)
    cycle = await _default_cycle(request)
    if cycle is None:
        return _not_found(request, _(request, "There is no cycle yet."))
    conn = get_connection("default")
    if actor.access is AccessLevel.EMPLOYEE:
        if actor.employee_id is None:
            return _not_found(request, _(request, "Your account is not linked to an employee."))
        me = await Employee.get(id=actor.employee_id)
        return redirect(_employee_url(cycle.code, me.external_id))
    if actor.is_admin:
        teams = await Team.all().order_by("code")
        people = await Employee.all().order_by("external_id")
    else:
        led = await led_team_ids(conn, actor.employee_id)
        teams = await Team.filter(id__in=sorted(led)).order_by("code")
        people = await Employee.filter(team_id__in=sorted(led)).order_by("external_id")
    at_risk = await usecase.at_risk_goals(
        conn, actor=actor, cycle_code=cycle.code, clock=clock(request)
    )
    owners = {e.id: e for e in people}
    team_names = {t.id: t for t in await Team.all()}
    return render(
        request,
        "goals/home.html",
        {
            "cycle": cycle,
            "cycles": await Cycle.all().order_by("-starts_on"),
            "teams": teams,
            "people": people,
            "me": actor.employee_id,
            "at_risk": [
                {
                    **_card(request, v),
                    "owner": owners.get(v.goal.employee_id or 0),
                    "team": team_names.get(v.goal.team_id or 0),
                }
                for v in at_risk
            ],
        },
    )


def _employee_url(cycle_code: str, external_id: str) -> str:
    return f"/admin/goals/{quote(cycle_code, safe='')}/employee/{quote(external_id, safe='')}"


def _team_url(cycle_code: str, team_code: str) -> str:
    return f"/admin/goals/{quote(cycle_code, safe='')}/team/{quote(team_code, safe='')}"


async def _owner_page(
    request: Request,
    *,
    cycle: Cycle,
    employee: Employee | None = None,
    team: Team | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
    form_errors: dict[str, str] | None = None,
    form_error: str | None = None,
    form_smart: list[dict[str, str]] | None = None,
    notice: str | None = None,
) -> Response:
    actor = signed_in(request)
    conn = get_connection("default")
    try:
        if employee is not None:
            views = await usecase.employee_goals(
                conn,
                actor=actor,
                employee_id=employee.id,
                cycle_code=cycle.code,
                clock=clock(request),
            )
        else:
            assert team is not None
            views = await usecase.team_goals(
                conn, actor=actor, team_id=team.id, cycle_code=cycle.code, clock=clock(request)
            )
    except Refusal as error:
        return render(request, "error.html", {"message": say(request, error)}, status=403)
    serving: dict[int, list[GoalView]] = {}
    if team is not None:
        serving = await usecase.serving_goals(
            conn, actor=actor, team_goal_ids=[v.goal.id for v in views], clock=clock(request)
        )
    serving_ids = {g.goal.employee_id or 0 for found in serving.values() for g in found}
    people = {e.id: e for e in await Employee.filter(id__in=sorted(serving_ids))}
    team_goals: list[Goal] = []
    if (
        employee is not None
        and employee.team_id is not None
        and actor.access is not AccessLevel.EMPLOYEE
    ):
        # The team goal an individual goal may serve: those of the person's team.
        team_goals = await Goal.filter(cycle_id=cycle.id, team_id=employee.team_id).order_by("id")
    may_set = (
        actor.is_admin
        or actor.access is AccessLevel.MANAGER
        or (employee is not None and actor.employee_id == employee.id)
    )
    return render(
        request,
        "goals/owner.html",
        {
            "cycle": cycle,
            "employee": employee,
            "team": team,
            "cards": [
                {
                    **_card(request, v),
                    "serving": [
                        {**_card(request, s), "owner": people.get(s.goal.employee_id or 0)}
                        for s in serving.get(v.goal.id, [])
                    ],
                }
                for v in views
            ],
            "kpis": await Kpi.all().order_by("code"),
            "team_goals": team_goals,
            "form": form or {"weight": "1", "scope": "TEAM" if team is not None else "INDIVIDUAL"},
            "form_errors": form_errors or {},
            "form_error": form_error,
            "form_smart": form_smart,
            "may_set": may_set and cycle.state is not CycleState.FINALIZED,
            "is_self": employee is not None and actor.employee_id == employee.id,
            "notice": notice or request.query_params.get("done"),
            "self_url": request.url.path,
        },
        status=status,
    )


async def _cycle_or_404(request: Request) -> Cycle | Response:
    cycle = await Cycle.get_or_none(code=request.path_params["cycle"])
    if cycle is None:
        return _not_found(
            request, _(request, "No cycle has the code {code}.", code=request.path_params["cycle"])
        )
    return cycle


@guarded
async def employee_goals_page(request: Request) -> Response:
    require(request, *READERS)
    cycle = await _cycle_or_404(request)
    if isinstance(cycle, Response):
        return cycle
    return await _owner_page(request, cycle=cycle, employee=await person_from_url(request))


@guarded
async def team_goals_page(request: Request) -> Response:
    require(request, *READERS)
    cycle = await _cycle_or_404(request)
    if isinstance(cycle, Response):
        return cycle
    team = await Team.get_or_none(code=request.path_params["code"])
    if team is None:
        return _not_found(request, _(request, "No such team."))
    return await _owner_page(request, cycle=cycle, team=team)


def _optional(form: dict[str, str], name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None


def _goal_input(cycle: Cycle, form: dict[str, str], posted: FormData) -> GoalInput:
    parent = _optional(form, "parent_goal_id")
    goal_id = str(posted.get("goal_id", "")).strip()
    version = str(posted.get("expected_version", "")).strip()
    return GoalInput(
        cycle_code=cycle.code,
        title=form.get("title", ""),
        description=form.get("description", ""),
        measure=MeasureInput(
            kpi_code=_optional(form, "kpi_code"),
            scope=_optional(form, "scope"),
            unit=form.get("unit", ""),
            direction=_optional(form, "direction"),
            range_min=_optional(form, "range_min"),
            range_max=_optional(form, "range_max"),
            related_kpi_code=_optional(form, "related_kpi_code"),
        ),
        target=_optional(form, "target"),
        baseline=_optional(form, "baseline"),
        weight=_optional(form, "weight"),
        due_on=_optional(form, "due_on"),
        employee_external_id=None if goal_id else _optional(form, "employee"),
        team_code=None if goal_id else _optional(form, "team"),
        goal_id=int(goal_id) if goal_id.isdigit() else None,
        parent_goal_id=int(parent) if parent is not None and parent.isdigit() else None,
        expected_version=int(version) if version.isdigit() else None,
        reason=_optional(form, "reason"),
    )


def _form_field(name: str) -> str:
    return FIELD_OF_ISSUE.get(name, name)


@guarded
async def save_goal(request: Request) -> Response:
    actor = require(request, *READERS)
    cycle = await _cycle_or_404(request)
    if isinstance(cycle, Response):
        return cycle
    posted = await checked_form(request)
    form = {name: str(posted.get(name, "")) for name in (*FORM_FIELDS, "employee", "team")}
    employee = team = None
    if form["employee"]:
        employee = await Employee.get_or_none(external_id=form["employee"])
    if form["team"]:
        team = await Team.get_or_none(code=form["team"])
    if employee is None and team is None:
        return _not_found(request, _(request, "No such employee."))
    try:
        await usecase.set_goal(
            actor=actor, goal=_goal_input(cycle, form, posted), clock=clock(request)
        )
    except GoalNotSmart as refused:
        errors, loose = issues_beside_fields(request, refused.issues, FORM_FIELDS, _form_field)
        return await _owner_page(
            request,
            cycle=cycle,
            employee=employee,
            team=team,
            status=400,
            form=form,
            form_errors=errors,
            form_error=loose,
            form_smart=_messages(request, [SmartFinding.from_data(f) for f in refused.findings]),
        )
    except Refusal as error:
        issues = getattr(error, "issues", [])
        errors, loose = issues_beside_fields(request, issues, FORM_FIELDS, _form_field)
        return await _owner_page(
            request,
            cycle=cycle,
            employee=employee,
            team=team,
            status=403 if error.code == "PERMISSION_DENIED" else 400,
            form=form,
            form_errors=errors,
            form_error=loose if issues else say(request, error),
        )
    url = (
        _employee_url(cycle.code, employee.external_id)
        if employee is not None
        else _team_url(cycle.code, team.code)  # type: ignore[union-attr]
    )
    return redirect(url + "?done=saved")


async def _goal_action(request: Request, act: Any, done: str) -> Response:
    actor = require(request, *READERS)
    goal = await Goal.get_or_none(id=int(request.path_params["goal_id"]))
    if goal is None:
        return _not_found(request, _(request, "No such goal."))
    cycle = await Cycle.get(id=goal.cycle_id)
    employee = await Employee.get_or_none(id=goal.employee_id) if goal.employee_id else None
    team = await Team.get_or_none(id=goal.team_id) if goal.team_id else None
    posted = await checked_form(request)
    try:
        await act(actor, goal, posted)
    except Refusal as error:
        issues = getattr(error, "issues", [])
        message = "; ".join(say(request, i) for i in issues) or say(request, error)
        return await _owner_page(
            request,
            cycle=cycle,
            employee=employee,
            team=team,
            status=403 if error.code == "PERMISSION_DENIED" else 400,
            form_error=message,
        )
    url = (
        _employee_url(cycle.code, employee.external_id)
        if employee is not None
        else _team_url(cycle.code, team.code)  # type: ignore[union-attr]
    )
    return redirect(f"{url}?done={done}")


@guarded
async def decide_goal_post(request: Request) -> Response:
    async def act(actor: Actor, goal: Goal, posted: FormData) -> None:
        await usecase.decide_goal(
            actor=actor,
            goal_id=goal.id,
            decision=str(posted.get("decision", "")),
            note=str(posted.get("note", "")),
            clock=clock(request),
        )

    return await _goal_action(request, act, "decided")


@guarded
async def report_value_post(request: Request) -> Response:
    async def act(actor: Actor, goal: Goal, posted: FormData) -> None:
        await usecase.report_goal_value(
            actor=actor,
            goal_id=goal.id,
            value=str(posted.get("value", "")),
            note=str(posted.get("note", "")),
            clock=clock(request),
        )

    return await _goal_action(request, act, "reported")


@guarded
async def delete_goal_post(request: Request) -> Response:
    async def act(actor: Actor, goal: Goal, posted: FormData) -> None:
        await usecase.delete_goal(
            actor=actor, goal_id=goal.id, reason=str(posted.get("reason", "")) or None
        )

    return await _goal_action(request, act, "deleted")


routes = [
    Route("/goals", goals_home, methods=["GET"]),
    Route("/goals/{cycle}/employee/{external_id}", employee_goals_page, methods=["GET"]),
    Route("/goals/{cycle}/team/{code}", team_goals_page, methods=["GET"]),
    Route("/goals/{cycle}/save", save_goal, methods=["POST"]),
    Route("/goals/{goal_id:int}/decide", decide_goal_post, methods=["POST"]),
    Route("/goals/{goal_id:int}/report", report_value_post, methods=["POST"]),
    Route("/goals/{goal_id:int}/delete", delete_goal_post, methods=["POST"]),
]
