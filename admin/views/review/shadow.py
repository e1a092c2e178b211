"""Shadow scorecards and the pilot report (SCORING.md §13).

The shadow report of a position (admins, and managers for their teams): live and
shadow side by side, those who would move first and marked, the band shift matrix
drawn as SVG, the mean change and the bonus budget both ways, a team filter and a CSV
export. Its scorecard is edited with the live editor (admin.views.setup.cycles).
The pilot report (admins and managers, group figures only) with a chart per KPI and a
CSV export. Promote and roll out (admins) create a new DRAFT cycle. Every figure comes
from one use case, computed when asked.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.connection import get_connection

from admin.charts import Bar, gap_bars, horizontal_bars, shift_matrix
from admin.views.setup.cycles import scorecard_editor, scorecard_editor_post
from admin.web import _, checked_form, guarded, redirect, refusal_line, render, require, state
from service.errors import Refusal
from service.labels import label
from service.models import AccessLevel, Cycle, ShadowScorecard, Team
from service.usecases.csv_export import csv_text
from service.usecases.review import pilot, shadow

VIEWERS = (AccessLevel.ADMIN, AccessLevel.MANAGER)
NEW_CYCLE_FIELDS = ("new_cycle_code", "name", "starts_on", "ends_on")


async def _cycle(request: Request) -> Cycle | Response:
    code = request.path_params["code"]
    cycle = await Cycle.get_or_none(code=code)
    if cycle is None:
        return render(
            request,
            "error.html",
            {"message": _(request, "No cycle has the code {code}.", code=code)},
            status=404,
        )
    return cycle


def _cycle_url(cycle: Cycle, *parts: str) -> str:
    return "/admin/cycles/" + "/".join(quote(p, safe="") for p in (cycle.code, *parts))


def _chart(request: Request, document: dict[str, Any]) -> Any:
    counts = {(c["from"], c["to"]): c["count"] for c in document["shift_matrix"]}
    lang = state(request).lang

    def shown(code: str) -> str:  # a band as it is, a status by its label
        return label(code, lang, group="ScoreStatus")

    labels = [shown(code) for code in document["categories"]]
    by_label = {(shown(live), shown(to)): count for (live, to), count in counts.items()}
    return shift_matrix(
        labels,
        by_label,
        chart_id="shift-matrix",
        title=_(request, "Band shift matrix: live band or status to shadow band or status"),
        desc=_(
            request,
            "{moving} of {total} people would move; the outlined diagonal is those who stay.",
            moving=document["moving"],
            total=len(document["rows"]),
        ),
        row_axis=_(request, "Live"),
        column_axis=_(request, "Shadow"),
    )


def _report_query(position: str, team: str | None) -> str:
    query = {"position": position}
    if team:
        query["team"] = team
    return urlencode(query)


async def _shadow_page(
    request: Request,
    cycle: Cycle,
    *,
    status: int = 200,
    new_cycle_form: dict[str, str] | None = None,
    new_cycle_error: str | None = None,
) -> Response:
    actor = require(request, *VIEWERS)
    cards = (
        await ShadowScorecard.filter(cycle_id=cycle.id)
        .prefetch_related("position")
        .order_by("position_id")
    )
    position_options = sorted((c.position for c in cards), key=lambda p: p.code)
    positions = [p.code for p in position_options]
    position = request.query_params.get("position") or (positions[0] if positions else "")
    team = request.query_params.get("team") or None
    only_moving = request.query_params.get("moving") == "1"
    document: dict[str, Any] | None = None
    refusal = None
    if position:
        try:
            report = await shadow.shadow_report(
                get_connection("default"),
                actor=actor,
                cycle_code=cycle.code,
                position_code=position,
                team_code=team,
            )
            document = shadow.shadow_document(report)
        except Refusal as error:
            refusal = refusal_line(request, error)
    else:
        refusal = _(request, "This cycle has no shadow scorecard yet.")
    rows = [] if document is None else document["rows"]
    return render(
        request,
        "cycles/shadow.html",
        {
            "cycle": cycle,
            "positions": positions,
            "position_options": position_options,
            "position": position,
            "teams": await Team.all().order_by("code"),
            "team": team or "",
            "only_moving": only_moving,
            "document": document,
            "rows": [r for r in rows if r["moves"]] if only_moving else rows,
            "refusal": refusal,
            "chart": None if document is None else _chart(request, document),
            "csv_url": _cycle_url(cycle, "shadow.csv") + "?" + _report_query(position, team),
            "promote_form": new_cycle_form or dict.fromkeys(NEW_CYCLE_FIELDS, ""),
            "promote_error": new_cycle_error,
            "promoted": request.query_params.get("promoted"),
        },
        status=status,
    )


@guarded
async def shadow_page(request: Request) -> Response:
    require(request, *VIEWERS)
    cycle = await _cycle(request)
    if isinstance(cycle, Response):
        return cycle
    return await _shadow_page(request, cycle)


def _csv_response(text: str, filename: str) -> Response:
    return Response(
        # With a byte-order mark so spreadsheets read Chinese names as UTF-8.
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)


@guarded
async def shadow_csv(request: Request) -> Response:
    actor = require(request, *VIEWERS)
    cycle = await _cycle(request)
    if isinstance(cycle, Response):
        return cycle
    position = request.query_params.get("position", "")
    try:
        report = await shadow.shadow_report(
            get_connection("default"),
            actor=actor,
            cycle_code=cycle.code,
            position_code=position,
            team_code=request.query_params.get("team") or None,
        )
    except Refusal as error:
        return render(request, "error.html", {"message": refusal_line(request, error)}, status=400)
    document = shadow.shadow_document(report)
    text = csv_text(
        shadow.CSV_COLUMNS, shadow.shadow_csv_rows(document), numeric=shadow.CSV_NUMERIC
    )
    return _csv_response(text, f"{_file_part(cycle.code)}-{_file_part(position)}-shadow.csv")


def _new_cycle(posted: FormData) -> tuple[dict[str, str], date | None, date | None]:
    form = {name: str(posted.get(name, "")).strip() for name in NEW_CYCLE_FIELDS}
    days: list[date | None] = []
    for name in ("starts_on", "ends_on"):
        try:
            days.append(date.fromisoformat(form[name]))
        except ValueError:
            days.append(None)
    return form, days[0], days[1]


async def _new_cycle_post(
    request: Request,
    create: Callable[..., Awaitable[Cycle]],
    page: Callable[..., Awaitable[Response]],
    moved: str,
) -> Response:
    """Promote or roll out: read the new cycle's fields, `create` it (a use case that
    makes a DRAFT cycle from this one) and go to it (`?moved=`); or show the report `page`
    again with the form as typed and the refusal in the page's language."""
    actor = require(request, AccessLevel.ADMIN)
    cycle = await _cycle(request)
    if isinstance(cycle, Response):
        return cycle
    form, starts_on, ends_on = _new_cycle(await checked_form(request))
    if starts_on is None or ends_on is None:
        error = _(request, "Give both dates as YYYY-MM-DD.")
    else:
        try:
            created = await create(
                actor=actor,
                cycle_code=cycle.code,
                new_cycle_code=form["new_cycle_code"],
                name=form["name"] or form["new_cycle_code"],
                starts_on=starts_on,
                ends_on=ends_on,
            )
        except Refusal as refused:
            error = refusal_line(request, refused)
        else:
            return redirect(f"/admin/cycles/{quote(created.code, safe='')}?moved={moved}")
    return await page(request, cycle, status=400, new_cycle_form=form, new_cycle_error=error)


@guarded
async def promote_post(request: Request) -> Response:
    return await _new_cycle_post(
        request, shadow.promote_shadow_scorecards, _shadow_page, "promoted"
    )


@guarded
async def shadow_delete_post(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    cycle = await _cycle(request)
    if isinstance(cycle, Response):
        return cycle
    position = request.path_params["position"]
    posted = await checked_form(request)
    version = str(posted.get("expected_version", "")).strip()
    try:
        await shadow.delete_shadow_scorecard(
            actor=actor,
            cycle_code=cycle.code,
            position_code=position,
            expected_version=int(version) if version.isdigit() else None,
        )
    except Refusal as error:
        return render(request, "error.html", {"message": refusal_line(request, error)}, status=400)
    return redirect(_cycle_url(cycle, "shadow", position, "scorecard") + "?deleted=1")


@guarded
async def shadow_scorecard_page(request: Request) -> Response:
    return await scorecard_editor(request, shadow=True)


@guarded
async def shadow_scorecard_post(request: Request) -> Response:
    return await scorecard_editor_post(request, shadow=True)


# --- the pilot report -----------------------------------------------------------------


def _pilot_charts(request: Request, document: dict[str, Any]) -> list[Any]:
    """Per KPI: each group's change since the previous cycle (or, without one, each
    group's value now), so that KPIs of different units never share a scale."""
    charts = []
    previous = document["previous_cycle"] is not None
    for index, line in enumerate(document["lines"]):
        name = (
            line["name_zh"] if state(request).lang == "zh-CN" and line["name_zh"] else line["name"]
        )
        pilot_label, outside_label = _(request, "Pilot"), _(request, "Others")
        if previous:
            bars = [
                Bar(pilot_label, line["pilot_change"], line["pilot_change"] or "—"),
                Bar(outside_label, line["outside_change"], line["outside_change"] or "—"),
            ]
            charts.append(
                gap_bars(
                    bars,
                    chart_id=f"pilot-{index + 1}",
                    title=_(request, "{kpi}: change since the previous cycle", kpi=name),
                    desc=_(
                        request,
                        "Pilot change {pilot}, others {others}, gap {gap}.",
                        pilot=line["pilot_change"] or "—",
                        others=line["outside_change"] or "—",
                        gap=line["gap"] or "—",
                    ),
                )
            )
        else:
            bars = [
                Bar(pilot_label, line["pilot_value"], line["pilot_value"] or "—"),
                Bar(outside_label, line["outside_value"], line["outside_value"] or "—"),
            ]
            charts.append(
                horizontal_bars(
                    bars,
                    chart_id=f"pilot-{index + 1}",
                    title=_(request, "{kpi}: pilot and others this cycle", kpi=name),
                    desc=_(
                        request,
                        "Pilot {pilot}, others {others}; no previous cycle to compare with.",
                        pilot=line["pilot_value"] or "—",
                        others=line["outside_value"] or "—",
                    ),
                )
            )
    return charts


async def _pilot_page(
    request: Request,
    cycle: Cycle,
    *,
    status: int = 200,
    new_cycle_form: dict[str, str] | None = None,
    new_cycle_error: str | None = None,
) -> Response:
    actor = require(request, *VIEWERS)
    document: dict[str, Any] | None = None
    refusal = None
    try:
        report = await pilot.pilot_report(
            get_connection("default"), actor=actor, cycle_code=cycle.code
        )
        document = pilot.pilot_document(report)
    except Refusal as error:
        refusal = refusal_line(request, error)
    return render(
        request,
        "cycles/pilot.html",
        {
            "cycle": cycle,
            "document": document,
            "refusal": refusal,
            "charts": [] if document is None else _pilot_charts(request, document),
            "roll_out_form": new_cycle_form or dict.fromkeys(NEW_CYCLE_FIELDS, ""),
            "roll_out_error": new_cycle_error,
        },
        status=status,
    )


@guarded
async def pilot_page(request: Request) -> Response:
    require(request, *VIEWERS)
    cycle = await _cycle(request)
    if isinstance(cycle, Response):
        return cycle
    return await _pilot_page(request, cycle)


@guarded
async def pilot_csv(request: Request) -> Response:
    actor = require(request, *VIEWERS)
    cycle = await _cycle(request)
    if isinstance(cycle, Response):
        return cycle
    try:
        report = await pilot.pilot_report(
            get_connection("default"), actor=actor, cycle_code=cycle.code
        )
    except Refusal as error:
        return render(request, "error.html", {"message": refusal_line(request, error)}, status=400)
    document = pilot.pilot_document(report)
    text = csv_text(pilot.CSV_COLUMNS, pilot.pilot_csv_rows(document), numeric=pilot.CSV_NUMERIC)
    return _csv_response(text, f"{_file_part(cycle.code)}-pilot.csv")


@guarded
async def roll_out_post(request: Request) -> Response:
    return await _new_cycle_post(request, pilot.roll_out_pilot, _pilot_page, "rolled-out")


routes = [
    Route("/cycles/{code}/shadow", shadow_page, methods=["GET"]),
    Route("/cycles/{code}/shadow.csv", shadow_csv, methods=["GET"]),
    Route("/cycles/{code}/shadow/promote", promote_post, methods=["POST"]),
    Route("/cycles/{code}/shadow/{position}/scorecard", shadow_scorecard_page, methods=["GET"]),
    Route("/cycles/{code}/shadow/{position}/scorecard", shadow_scorecard_post, methods=["POST"]),
    Route("/cycles/{code}/shadow/{position}/delete", shadow_delete_post, methods=["POST"]),
    Route("/cycles/{code}/pilot", pilot_page, methods=["GET"]),
    Route("/cycles/{code}/pilot.csv", pilot_csv, methods=["GET"]),
    Route("/cycles/{code}/pilot/roll-out", roll_out_post, methods=["POST"]),
]
