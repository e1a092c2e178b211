"""The team heatmap page, and the trend charts of the score and team pages.

The heatmap is the use case's object (service/usecases/scoring/heatmap.py), the same that
`Team.heatmap` returns; the trends are service/usecases/scoring/trends.py's. Sorting is a
query parameter, so the page works without JavaScript.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.connection import get_connection

from admin.charts import LinePoint, Reference, line_chart
from admin.web import Refused, _, guarded, render, say, signed_in
from service.errors import NotFound, PermissionDenied
from service.scoring.rounding import format_compact
from service.scoring.types import IncentiveBand
from service.usecases.scoring.heatmap import SORT_NAME, SORT_TOTAL, TeamHeatmap, team_heatmap
from service.usecases.scoring.trends import EmployeeTrend, TeamTrend, employee_trend, team_trend
from service.usecases.setup.policy import load_policy

# How many shades the cells have: the top band is level 0; bands past the fifth share it.
HEAT_LEVELS = 5


def heat_levels(bands: tuple[IncentiveBand, ...]) -> dict[str, int]:
    """Each band's shade, best first."""
    return {band.code: min(index, HEAT_LEVELS - 1) for index, band in enumerate(bands)}


def sort_link(view: TeamHeatmap, key: str) -> str:
    """The link a column heading carries: sort by it, largest first; again, the other way."""
    descending = not (view.sort == key and view.descending)
    if key == SORT_NAME and view.sort != SORT_NAME:
        descending = False  # names read A to Z first
    return "?" + urlencode({"sort": key, "order": "desc" if descending else "asc"})


def aria_sort(view: TeamHeatmap, key: str) -> str | None:
    if view.sort != key:
        return None
    return "descending" if view.descending else "ascending"


@guarded
async def heatmap_page(request: Request) -> Response:
    actor = signed_in(request)
    order = request.query_params.get("order", "")
    try:
        view = await team_heatmap(
            get_connection("default"),
            actor=actor,
            team_code=request.path_params["team_code"],
            cycle_code=request.path_params["cycle_code"],
            sort=request.query_params.get("sort") or SORT_TOTAL,
            descending=order != "asc",
        )
    except PermissionDenied as denied:
        raise Refused(403, say(request, denied)) from denied
    except NotFound as missing:
        raise Refused(404, say(request, missing)) from missing
    return render(
        request,
        "scores/heatmap.html",
        {
            "view": view,
            "team": view.team,
            "cycle": view.cycle,
            "levels": heat_levels(view.bands),
            "legend": [
                (band.code, format_compact(band.floor), heat_levels(view.bands)[band.code])
                for band in view.bands
            ],
            "sort_link": lambda key: sort_link(view, key),
            "aria_sort": lambda key: aria_sort(view, key),
            "SORT_TOTAL": SORT_TOTAL,
            "SORT_NAME": SORT_NAME,
        },
    )


# --- trends on the score page and the team page ---------------------------------------


async def _band_references() -> list[Reference]:
    policy, _version = await load_policy(get_connection("default"))
    return [
        Reference(band.code, str(band.floor))
        for band in sorted(policy.bands, key=lambda b: b.floor, reverse=True)
        if band.floor > 0
    ]


def _chart(
    request: Request, points: list[LinePoint], chart_id: str, title: str, refs: list[Reference]
) -> Markup:
    desc = "; ".join(f"{p.label}: {p.text}" for p in points)
    return line_chart(
        points,
        chart_id=chart_id,
        title=title,
        desc=desc,
        x_title=_(request, "Cycle"),
        y_title=_(request, "Total points"),
        references=refs,
    )


async def person_trend(request: Request, employee_id: int, cycle_code: str) -> dict[str, Any]:
    """The score page's trend: the person's totals over the cycle's chain of comparable
    previous cycles (the caller has checked that the viewer may see the score)."""
    trend: EmployeeTrend = await employee_trend(
        get_connection("default"), employee_id=employee_id, cycle_code=cycle_code
    )
    if len(trend.points) < 2:
        return {"trend": trend, "trend_chart": None}
    points = [
        LinePoint(
            p.cycle.code,
            p.total if p.status == "SCORED" else None,
            f"{p.total} ({p.band})" if p.status == "SCORED" else _(request, "no total"),
        )
        for p in trend.points
    ]
    chart = _chart(
        request,
        points,
        "trend",
        _(request, "Total in this cycle and the comparable cycles before it"),
        await _band_references(),
    )
    return {"trend": trend, "trend_chart": chart}


async def team_trend_context(request: Request, team_code: str, cycle_code: str) -> dict[str, Any]:
    """The team page's trend (for its managers and admins: the caller has checked)."""
    trend: TeamTrend = await team_trend(
        get_connection("default"),
        actor=signed_in(request),
        team_code=team_code,
        cycle_code=cycle_code,
    )
    if len(trend.points) < 2:
        return {"team_trend": trend, "team_trend_chart": None}
    points = [
        LinePoint(
            p.cycle.code,
            p.total,
            p.total if p.total is not None else _(request, "nobody scored"),
        )
        for p in trend.points
    ]
    chart = _chart(
        request,
        points,
        "team-trend",
        _(
            request,
            "Mean total of the scored members, this cycle and the comparable cycles before it",
        ),
        await _band_references(),
    )
    codes = [code for code, _count in trend.points[-1].band_counts]
    band_rows = [(code, [dict(p.band_counts).get(code, 0) for p in trend.points]) for code in codes]
    return {"team_trend": trend, "team_trend_chart": chart, "team_band_rows": band_rows}


routes = [
    Route("/teams/{team_code}/{cycle_code}/heatmap", heatmap_page, methods=["GET"]),
]
