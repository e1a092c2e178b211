"""A score's explanation page, and the team dashboard.

Everything shown comes from the stored explanation (the same data `fairscore explain`
and the API read); nothing is recomputed here. Who may see whom comes from
service.usecases.accounts.access; every action is one use case, and its refusal is shown next
to the form that asked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise.connection import get_connection

from admin.charts import Bar, Column, histogram, horizontal_bars
from admin.i18n import name_text
from admin.views.people.goals import clock as goal_clock
from admin.views.scoring.heatmap import person_trend, team_trend_context
from admin.web import (
    FormErrors,
    Refused,
    _,
    checked_form,
    form_errors,
    guarded,
    redirect,
    refusal_status,
    render,
    signed_in,
    state,
    typed,
)
from service.errors import (
    PermissionDenied,
    Refusal,
)
from service.models import (
    OPEN_CYCLE_STATES,
    AccessLevel,
    Adjustment,
    Appeal,
    Cycle,
    Employee,
    Kpi,
    Observation,
    Review,
    ReviewKind,
    Score,
    Team,
    User,
)
from service.scoring import cycle_window_utc, line_text, score_text, what_it_would_take_text
from service.scoring.stored import StoredLine, StoredScore, StoredSource
from service.usecases.accounts.access import (
    led_team_ids,
    may_see_team_summary,
    require_may_act_on,
    visible_employee_ids,
)
from service.usecases.actor import Actor
from service.usecases.inputs import ReviewInput
from service.usecases.parsing import (
    MAX_PAGE,
    epoch_microseconds,
    scaled_to_text,
    whole_or_none,
)
from service.usecases.people.best_practice import best_practice_for_kpis
from service.usecases.people.goals import employee_goals
from service.usecases.people.recognition import recognition_counts
from service.usecases.scoring.appeals import file_appeal
from service.usecases.scoring.corrections import adjust_score, void_observation
from service.usecases.scoring.ingest import submit_reviews
from service.usecases.scoring.ranking import ranking_key
from service.usecases.scoring.team_summary import summarise_team
from service.usecases.setup.policy import load_policy

OBSERVATIONS_ON_PAGE = 50  # the latest ones on the score page; the line page pages on

# How a channel reads in a sentence (the enum words stay on tags and in the API).
CHANNEL_NAMES = {
    "ONLINE_SURVEY": "online survey",
    "PHONE_CALLBACK": "phone call-back",
    "FACE_TO_FACE": "face-to-face",
}

DONE = {
    "void": "The observation was voided and the score recomputed.",
    "review": "Your rating was saved and the score recomputed.",
    "self": "Your self-review was saved. It is shown beside the line and does not count.",
    "adjust": "The adjustment was saved and the score recomputed.",
    "appeal": "Your appeal was filed; a manager or an admin will answer it.",
}


# --- errors next to the form that caused them -----------------------------------------


def field_error(
    request: Request, form_name: str, form: FormData, name: str, message: str
) -> FormErrors:
    """A field the view itself could not read (e.g. not a number): no use case ran."""
    return FormErrors(form_name, fields={name: _(request, message)}, values=typed(form))


def _int(value: object) -> int | None:
    # Ids, line numbers: anything past a 64-bit key is no choice of this page.
    return whole_or_none(value, low=0)


def _page(request: Request) -> int:
    return whole_or_none(request.query_params.get("page", "1"), high=MAX_PAGE) or 1


def explanation_of(value: Any) -> StoredScore:
    """The stored score of a row's ``explanation`` (the one shape every reader uses)."""
    return StoredScore.from_row(value)


# --- what the page shows -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObservationView:
    id: int
    value: str
    occurred_at: datetime
    source: str
    channel: str | None
    comment: str | None
    external_id: str | None = None  # as the source knows it: `fairscore void` takes either


@dataclass(frozen=True, slots=True)
class ReviewView:
    kind: str
    rating: str
    comment: str
    counts: bool
    updated_at: datetime
    mine: bool


@dataclass
class LineView:
    number: int  # 1-based, as appeals and the CLI count them
    data: StoredLine
    sources: tuple[StoredSource, ...]
    sentence: str
    what_it_would_take: str | None
    is_review: bool
    shows_observations: bool
    observations: list[ObservationView] = field(default_factory=list)
    observation_count: int = 0
    reviews: list[ReviewView] = field(default_factory=list)
    kpi_id: int | None = None

    @property
    def my_review(self) -> ReviewView | None:
        return next((r for r in self.reviews if r.mine), None)


@dataclass
class Target:
    """The score a page is about, once the viewer has been allowed to see it."""

    actor: Actor
    cycle: Cycle
    employee: Employee
    score: Score | None
    is_self: bool
    may_act: bool
    act_refusal: str | None


def _observation(row: Observation) -> ObservationView:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=row.occurred_at_us)
    return ObservationView(
        id=row.id,
        value=scaled_to_text(row.value) or "0",
        occurred_at=moment.astimezone(timezone(timedelta(minutes=row.utc_offset_minutes))),
        source=row.source,
        channel=None if row.channel is None else str(row.channel.value),
        comment=row.comment,
        external_id=row.external_id,
    )


async def _target(request: Request, cycle_code: str, external_id: str | None) -> Target:
    """The cycle, employee and score, or a refusal: 403 for anyone not allowed to see
    them (unknown ids included, so ids cannot be probed), 404 for an admin."""
    actor = signed_in(request)
    conn = get_connection("default")
    if external_id is None:
        employee = (
            None if actor.employee_id is None else await Employee.get_or_none(id=actor.employee_id)
        )
        if employee is None:
            raise Refused(404, "Your account is not linked to an employee, so it has no score.")
    else:
        employee = await Employee.get_or_none(external_id=external_id)
    visible = await visible_employee_ids(conn, actor)
    if employee is None or (visible is not None and employee.id not in visible):
        if visible is None:
            raise Refused(404, "No employee has this external id.")
        raise Refused(
            403,
            "You may not see this person's score: employees see their own, managers their teams'.",
        )
    cycle = await Cycle.get_or_none(code=cycle_code)
    if cycle is None:
        raise Refused(404, "No cycle has this code.")
    score = await Score.get_or_none(cycle_id=cycle.id, employee_id=employee.id)
    is_self = actor.employee_id is not None and actor.employee_id == employee.id
    may_act, refusal = False, None
    if actor.access in (AccessLevel.ADMIN, AccessLevel.MANAGER):
        try:
            await require_may_act_on(conn, actor, employee)
            may_act = True
        except PermissionDenied as denied:
            refusal = denied.message
    return Target(actor, cycle, employee, score, is_self, may_act, refusal)


async def _window(cycle: Cycle) -> tuple[int, int]:
    policy, _version = await load_policy(get_connection("default"))
    start, end = cycle_window_utc(
        starts_on=cycle.starts_on, ends_on=cycle.ends_on, timezone=policy.timezone
    )
    return epoch_microseconds(start), epoch_microseconds(end)


def _observations_of(employee_id: int, kpi_id: int, window: tuple[int, int]) -> Any:
    return Observation.filter(
        employee_id=employee_id,
        kpi_id=kpi_id,
        voided_at__isnull=True,
        occurred_at_us__gte=window[0],
        occurred_at_us__lt=window[1],
    )


async def _lines(request: Request, target: Target, explanation: StoredScore) -> list[LineView]:
    lang = state(request).lang
    data_lines = explanation.lines
    codes = {line.kpi.code for line in data_lines}
    kpi_ids = {k.code: k.id for k in await Kpi.filter(code__in=list(codes))}
    window = await _window(target.cycle) if data_lines else (0, 0)
    views = []
    for index, data in enumerate(data_lines):
        is_review = data.aggregation == "REVIEW_MEAN"
        view = LineView(
            number=index + 1,
            data=data,
            sources=data.sources,
            sentence=line_text(data, lang=lang, weighted=explanation.scored),
            what_it_would_take=what_it_would_take_text(data, lang=lang),
            is_review=is_review,
            shows_observations=data.scope == "INDIVIDUAL" and not is_review,
            kpi_id=kpi_ids.get(data.kpi.code),
        )
        if view.kpi_id is not None and view.shows_observations:
            query = _observations_of(target.employee.id, view.kpi_id, window)
            view.observation_count = await query.count()
            rows = await query.order_by("-occurred_at_us", "-id").limit(OBSERVATIONS_ON_PAGE)
            view.observations = [_observation(r) for r in rows]
        if view.kpi_id is not None and is_review:
            reviews = await Review.filter(
                cycle_id=target.cycle.id, employee_id=target.employee.id, kpi_id=view.kpi_id
            ).order_by("kind", "id")
            view.reviews = [
                ReviewView(
                    kind=r.kind.value,
                    rating=scaled_to_text(r.rating) or "0",
                    comment=r.comment,
                    counts=r.kind is ReviewKind.MANAGER,
                    updated_at=r.updated_at,
                    mine=r.reviewer_id == target.actor.user_id,
                )
                for r in reviews
            ]
        views.append(view)
    return views


def contribution_chart(request: Request, lines: list[LineView]) -> Any:
    bars = []
    for line in lines:
        data = line.data
        label = f"{line.number}. {name_text(data.kpi, state(request).lang)}"
        if data.scope == "TEAM":
            label += f" ({_(request, 'team')})"
        if data.contribution is None:
            bars.append(Bar(label, None, _(request, "insufficient data"), muted=True))
        else:
            bars.append(
                Bar(
                    label,
                    data.contribution,
                    _(
                        request,
                        "{points} points (weight {weight})",
                        points=data.contribution,
                        weight=data.effective_weight or data.weight,
                    ),
                )
            )
    desc = "; ".join(f"{bar.label}: {bar.text}" for bar in bars) or _(request, "No lines.")
    return horizontal_bars(
        bars,
        chart_id="contributions",
        title=_(request, "What each line contributes to the total"),
        desc=desc,
    )


async def _score_context(request: Request, target: Target) -> dict[str, Any]:
    score = target.score
    explanation = explanation_of(score.explanation if score is not None else None)
    lines = await _lines(request, target, explanation) if score is not None else []
    lang = state(request).lang
    adjustments = []
    rows = {
        a.id: a
        for a in await Adjustment.filter(cycle_id=target.cycle.id, employee_id=target.employee.id)
    }
    for item in explanation.adjustments:
        row = rows.get(item.id)
        adjustments.append(
            {
                "points": item.points,
                "reason": item.reason,
                "made_by": row.made_by_label if row else "",
                "at": row.created_at if row else None,
                "appeal_id": row.appeal_id if row else None,
            }
        )
    appeals = await Appeal.filter(
        cycle_id=target.cycle.id, employee_id=target.employee.id
    ).order_by("-created_at", "-id")
    team = None
    if score is not None and score.team_id is not None:
        team = await Team.get_or_none(id=score.team_id)
        if team is not None and not await _manages_team(target.actor, team.id):
            scored = await Score.filter(
                cycle_id=target.cycle.id, team_id=team.id, status="SCORED"
            ).count()
            if not await _sees_team_summary(target.actor, team.id, scored):
                team = None  # no link to a dashboard that would refuse them
    is_open = target.cycle.state in OPEN_CYCLE_STATES
    done = request.query_params.get("done")
    # The person's goals beside the score (SCORING §11): they steer, they never score.
    goals = await employee_goals(
        get_connection("default"),
        actor=target.actor,
        employee_id=target.employee.id,
        cycle_code=target.cycle.code,
        clock=goal_clock(request),
    )
    # The trend over the comparable previous cycles (SCORING §11) and the change since.
    trend = await person_trend(request, target.employee.id, target.cycle.code)
    # Role models' notes beside each individual quantitative line ("learn from").
    learn_from = await best_practice_for_kpis(
        get_connection("default"),
        actor=target.actor,
        kpi_ids=[
            line.kpi_id
            for line in lines
            if line.kpi_id is not None
            and line.data.scope == "INDIVIDUAL"
            and line.data.kpi.kind == "QUANTITATIVE"
        ],
    )
    return {
        **trend,
        "goals": goals,
        "learn_from": learn_from,
        "version": await _score_version(target),
        "version_url": f"/admin/scores/{target.cycle.code}/{target.employee.external_id}/version",
        "cycle": target.cycle,
        "employee": target.employee,
        "score": score,
        "explanation": explanation,
        "summary_sentence": score_text(explanation, lang=lang) if score is not None else "",
        "lines": lines,
        "chart": contribution_chart(request, lines) if lines else None,
        "adjustments": adjustments,
        "appeals": appeals,
        "team": team,
        "is_self": target.is_self,
        "may_act": target.may_act and is_open,
        "may_adjust": target.may_act
        and is_open
        and score is not None
        and score.status.value == "SCORED",
        "act_refusal": target.act_refusal,
        "may_review_self": target.is_self and is_open,
        "may_appeal": target.is_self and is_open,
        "is_open": is_open,
        "done": DONE.get(done or ""),
        "failed": None,
        "base_url": f"/admin/scores/{target.cycle.code}/{target.employee.external_id}",
        "observations_on_page": OBSERVATIONS_ON_PAGE,
        "channel_names": CHANNEL_NAMES,
    }


async def _render_score(
    request: Request, target: Target, failed: FormErrors | None = None, status: int = 200
) -> Response:
    context = await _score_context(request, target)
    if failed is not None and not _form_on_page(failed.form, context):
        # The form is not offered to this viewer (e.g. an employee posting a void):
        # the refusal goes above the page instead of beside a form that is not there.
        texts = [failed.message] if failed.message else []
        failed = FormErrors("page", message="; ".join(texts + list(failed.fields.values())))
    context["failed"] = failed
    if failed is not None:
        context["done"] = None
    return render(request, "scores/score.html", context, status=status)


def _form_on_page(form: str, context: dict[str, Any]) -> bool:
    if form == "adjust":
        return bool(context["may_adjust"])
    if form == "appeal":
        return bool(context["may_appeal"])
    if form.startswith("review-"):
        return bool(context["may_act"] or context["may_review_self"])
    if form.startswith("void-"):
        shown = {str(o.id) for line in context["lines"] for o in line.observations}
        return bool(context["may_act"]) and form.removeprefix("void-") in shown
    return False


# --- pages ---------------------------------------------------------------------------


@guarded
async def my_score_page(request: Request) -> Response:
    target = await _target(request, request.path_params["cycle_code"], None)
    return await _render_score(request, target)


@guarded
async def score_page(request: Request) -> Response:
    target = await _target(
        request, request.path_params["cycle_code"], request.path_params["external_id"]
    )
    return await _render_score(request, target)


async def _line_context(request: Request, target: Target, number: int) -> dict[str, Any]:
    if target.score is None:
        raise Refused(404, "There is no score for this person in this cycle.")
    explanation = explanation_of(target.score.explanation)
    data_lines = explanation.lines
    if not 1 <= number <= len(data_lines):
        raise Refused(404, "The score has no such line.")
    line = (await _lines(request, target, explanation))[number - 1]
    if not line.shows_observations or line.kpi_id is None:
        raise Refused(
            403,
            "A team line shows counts by source only, never colleagues' observations; "
            "a rated line shows its reviews on the score page.",
        )
    page = _page(request)
    window = await _window(target.cycle)
    query = _observations_of(target.employee.id, line.kpi_id, window)
    total = await query.count()
    rows = (
        await query.order_by("-occurred_at_us", "-id")
        .offset((page - 1) * OBSERVATIONS_ON_PAGE)
        .limit(OBSERVATIONS_ON_PAGE)
    )
    return {
        "cycle": target.cycle,
        "employee": target.employee,
        "line": line,
        "observations": [_observation(r) for r in rows],
        "total": total,
        "page": page,
        "pages": max(1, -(-total // OBSERVATIONS_ON_PAGE)),
        "may_act": target.may_act and target.cycle.state in OPEN_CYCLE_STATES,
        "failed": None,
        "done": DONE.get(request.query_params.get("done") or ""),
        "base_url": f"/admin/scores/{target.cycle.code}/{target.employee.external_id}",
        "channel_names": CHANNEL_NAMES,
    }


@guarded
async def line_page(request: Request) -> Response:
    target = await _target(
        request, request.path_params["cycle_code"], request.path_params["external_id"]
    )
    context = await _line_context(request, target, int(request.path_params["line"]))
    return render(request, "scores/line.html", context)


# --- actions -------------------------------------------------------------------------


async def _posted(request: Request) -> tuple[FormData, Target]:
    form = await checked_form(request)
    target = await _target(
        request, request.path_params["cycle_code"], request.path_params["external_id"]
    )
    return form, target


def _back(target: Target, done: str, anchor: str = "") -> Response:
    url = f"/admin/scores/{target.cycle.code}/{target.employee.external_id}?done={done}"
    return redirect(url + (f"#{anchor}" if anchor else ""))


@guarded
async def void_post(request: Request) -> Response:
    form, target = await _posted(request)
    observation_id = _int(form.get("observation_id", ""))
    back_to_line = _int(form.get("line_page", ""))
    form_name = f"void-{form.get('observation_id', '')}"
    failed: FormErrors | None = None
    status = 400
    if observation_id is None:
        failed = field_error(
            request, form_name, form, "observation_id", "choose an observation to void"
        )
    else:
        try:
            await void_observation(
                actor=target.actor,
                observation_id=observation_id,
                reason=str(form.get("reason", "")),
            )
        except Refusal as error:
            failed = form_errors(
                request, form_name, error, typed(form, ("reason", "observation_id"))
            )
            status = refusal_status(error)
    if failed is None:
        if back_to_line is not None:
            return redirect(
                f"/admin/scores/{target.cycle.code}/{target.employee.external_id}"
                f"/lines/{back_to_line}?done=void"
            )
        return _back(target, "void")
    if back_to_line is not None:
        context = await _line_context(request, target, back_to_line)
        context["failed"] = failed
        context["done"] = None
        return render(request, "scores/line.html", context, status=status)
    return await _render_score(request, target, failed, status)


@guarded
async def review_post(request: Request) -> Response:
    form, target = await _posted(request)
    number = _int(form.get("line", ""))
    form_name = f"review-{form.get('line', '')}"
    explanation = explanation_of(target.score.explanation if target.score is not None else None)
    data_lines = explanation.lines
    if number is None or not 1 <= number <= len(data_lines):
        failed = field_error(request, form_name, form, "rating", "choose a line of this score")
        return await _render_score(request, target, failed, 400)
    line = data_lines[number - 1]
    user = await User.get_or_none(id=target.actor.user_id) if target.actor.user_id else None
    kind = ReviewKind.SELF if target.is_self else ReviewKind.MANAGER
    report = await submit_reviews(
        actor=target.actor,
        reviews=[
            ReviewInput(
                cycle_code=target.cycle.code,
                employee_external_id=target.employee.external_id,
                kpi_code=line.kpi.code,
                reviewer_email=user.email if user is not None else target.actor.label,
                kind=kind.value,
                rating=str(form.get("rating", "")).strip(),
                comment=str(form.get("comment", "")).strip(),
            )
        ],
    )
    if report.rejected:
        failed = FormErrors(
            form_name,
            values={"rating": str(form.get("rating", "")), "comment": str(form.get("comment", ""))},
        )
        loose = []
        for row in report.rejected:
            if row.field == "rating":
                failed.fields["rating"] = _(request, row.message)
            else:
                loose.append(_(request, row.message))
        failed.message = "; ".join(loose) or None
        refused = {"NOT_YOU", "OWN_SCORE", "NOT_A_MANAGER", "NOT_SELF"}
        status = (
            403
            if any(row.code in refused for row in report.rejected)
            else 409
            if any(row.code == "CYCLE_CLOSED" for row in report.rejected)
            else 400
        )
        return await _render_score(request, target, failed, status)
    return _back(target, "self" if kind is ReviewKind.SELF else "review", f"line-{number}")


@guarded
async def adjust_post(request: Request) -> Response:
    form, target = await _posted(request)
    try:
        await adjust_score(
            actor=target.actor,
            cycle_code=target.cycle.code,
            employee_external_id=target.employee.external_id,
            points=str(form.get("points", "")).strip(),
            reason=str(form.get("reason", "")),
        )
    except Refusal as error:
        failed = form_errors(request, "adjust", error, typed(form, ("points", "reason")))
        return await _render_score(request, target, failed, refusal_status(error))
    return _back(target, "adjust", "adjustments")


@guarded
async def appeal_post(request: Request) -> Response:
    form, target = await _posted(request)
    raw_line = str(form.get("line", "")).strip()
    line = _int(raw_line) if raw_line else None
    if raw_line and line is None:
        failed = field_error(request, "appeal", form, "line", "choose a line or the whole score")
        return await _render_score(request, target, failed, 400)
    try:
        await file_appeal(
            actor=target.actor,
            cycle_code=target.cycle.code,
            employee_external_id=target.employee.external_id,
            reason=str(form.get("reason", "")),
            line=line,
        )
    except Refusal as error:
        failed = form_errors(request, "appeal", error, typed(form, ("line", "reason")))
        return await _render_score(request, target, failed, refusal_status(error))
    return _back(target, "appeal", "appeals")


# --- the team dashboard --------------------------------------------------------------


async def _manages_team(actor: Actor, team_id: int) -> bool:
    """Admins, and the leads of the team or of a team above it, see its members."""
    if actor.is_admin:
        return True
    return actor.access is AccessLevel.MANAGER and team_id in await led_team_ids(
        get_connection("default"), actor.employee_id
    )


async def _sees_team_summary(actor: Actor, team_id: int, scored: int) -> bool:
    """A non-manager's case of the rule in access.may_see_team_summary."""
    me = None if actor.employee_id is None else await Employee.get_or_none(id=actor.employee_id)
    return may_see_team_summary(
        actor,
        manages_team=False,
        team_id=team_id,
        scored=scored,
        own_team_id=None if me is None else me.team_id,
    )


async def _team_target(request: Request) -> tuple[Actor, Team, Cycle, list[Score], bool]:
    """The team, cycle and the team's scores, or a refusal (404, 403) as the page has it."""
    actor = signed_in(request)
    team = await Team.get_or_none(code=request.path_params["team_code"])
    cycle = await Cycle.get_or_none(code=request.path_params["cycle_code"])
    if team is None or cycle is None:
        raise Refused(404, "No such team or cycle.")
    manages = await _manages_team(actor, team.id)
    rows = await Score.filter(cycle_id=cycle.id, team_id=team.id).order_by("employee_id")
    if not manages:
        scored = sum(1 for r in rows if r.status.value == "SCORED")
        if not await _sees_team_summary(actor, team.id, scored):
            raise Refused(
                403,
                "You may see this team's summary only as its manager, or as a member once "
                "at least 5 members are scored.",
            )
    return actor, team, cycle, list(rows), manages


def _version_of(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


async def _score_version(target: Target) -> str:
    """Changes whenever what the score page shows does: the stored score (its values,
    state), and its appeals."""
    score = target.score
    appeals = await Appeal.filter(
        cycle_id=target.cycle.id, employee_id=target.employee.id
    ).values_list("id", "state")
    if score is None:
        return _version_of(None, sorted(appeals))
    return _version_of(score.id, score.content_hash, score.state.value, sorted(appeals))


def _team_version(rows: list[Score]) -> str:
    return _version_of([(r.employee_id, r.content_hash, r.state.value) for r in rows])


def _version_response(version: str) -> Response:
    return JSONResponse({"version": version}, headers={"Cache-Control": "no-store"})


@guarded
async def score_version(request: Request) -> Response:
    """What the score page polls (admin.js): a small answer that changes with the page."""
    target = await _target(
        request, request.path_params["cycle_code"], request.path_params["external_id"]
    )
    return _version_response(await _score_version(target))


@guarded
async def team_version(request: Request) -> Response:
    *_rest, rows, _manages = await _team_target(request)
    return _version_response(_team_version(rows))


@guarded
async def team_page(request: Request) -> Response:
    actor, team, cycle, rows, manages = await _team_target(request)
    conn = get_connection("default")
    policy, _version = await load_policy(conn)
    summary = summarise_team(rows, [band.code for band in policy.bands])
    members: list[dict[str, Any]] = []
    if manages:
        visible = await visible_employee_ids(conn, actor)
        shown = [r for r in rows if visible is None or r.employee_id in visible]
        people = {e.id: e for e in await Employee.filter(id__in=[r.employee_id for r in shown])}
        rank = 0
        for row in sorted(shown, key=lambda r: ranking_key(r.total_cents, r.employee_id)):
            data = explanation_of(row.explanation)
            if row.status.value == "SCORED":
                rank += 1
            members.append(
                {
                    "rank": rank if row.status.value == "SCORED" else None,
                    "employee": people[row.employee_id],
                    "status": row.status.value,
                    "total": data.total,
                    "band": row.band_code,
                    "multiplier": data.multiplier,
                }
            )
    # Recognition never changes a score: shown beside it, counted as the wall shows it.
    received = await recognition_counts(conn, actor=actor, team_id=team.id, cycle=cycle)
    recognised = sorted(
        ((person, received[person.id]) for person in await Employee.filter(id__in=list(received))),
        key=lambda pair: (-pair[1], pair[0].name, pair[0].id),
    )
    chart = histogram(
        [Column(code, count) for code, count in summary.band_counts],
        chart_id="bands",
        title=_(request, "Scored members per band"),
        desc="; ".join(f"{code}: {count}" for code, count in summary.band_counts)
        or _(request, "No scored members."),
    )
    trend = await team_trend_context(request, team.code, cycle.code) if manages else {}
    return render(
        request,
        "scores/team.html",
        {
            **trend,
            "team": team,
            "cycle": cycle,
            "summary": summary,
            "members": members,
            "manages": manages,
            "chart": chart,
            "recognised": recognised,
            "version": _team_version(rows),
            "version_url": f"/admin/teams/{team.code}/{cycle.code}/version",
        },
    )


routes = [
    Route("/scores/{cycle_code}/me", my_score_page, methods=["GET"]),
    Route("/scores/{cycle_code}/{external_id}", score_page, methods=["GET"]),
    Route("/scores/{cycle_code}/{external_id}/version", score_version, methods=["GET"]),
    Route("/scores/{cycle_code}/{external_id}/lines/{line:key}", line_page, methods=["GET"]),
    Route("/scores/{cycle_code}/{external_id}/void", void_post, methods=["POST"]),
    Route("/scores/{cycle_code}/{external_id}/review", review_post, methods=["POST"]),
    Route("/scores/{cycle_code}/{external_id}/adjust", adjust_post, methods=["POST"]),
    Route("/scores/{cycle_code}/{external_id}/appeal", appeal_post, methods=["POST"]),
    Route("/teams/{team_code}/{cycle_code}", team_page, methods=["GET"]),
    Route("/teams/{team_code}/{cycle_code}/version", team_version, methods=["GET"]),
]
