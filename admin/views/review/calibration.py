"""The calibration page of a cycle in REVIEW (SCORING.md §12), and its record.

Admins see every reviewer; a manager the reviewers who rated someone in their teams,
with only those people. Acting on what it shows goes through the score page's forms
(a new MANAGER rating, an adjustment with a reason), which call the existing use cases
and audit them; the record (who met, notes, decisions) is kept by admins here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise.connection import get_connection

from admin.charts import Bar, gap_bars
from admin.web import _, checked_form, guarded, redirect, refusal_line, render, require, say
from service.errors import Refusal, StaleVersion, ValidationFailed
from service.models import AccessLevel, CalibrationRecord, Cycle
from service.usecases.review.calibration import (
    calibration_document,
    calibration_for_cycle,
    save_calibration_record,
)

VIEWERS = (AccessLevel.ADMIN, AccessLevel.MANAGER)
RECORD_FIELDS = ("attendees", "notes", "decisions")


def _chart(request: Request, document: dict[str, Any]) -> Any:
    bars = [
        Bar(
            # The part before "@" fits the chart; the table beside it names them in full.
            label=r["reviewer"].split("@")[0],
            value=r["gap"],
            text=(
                "—"
                if r["gap"] is None
                else _(
                    request,
                    "{gap} points (n = {n}, {flag})",
                    gap=r["gap"],
                    n=r["n"],
                    flag=_(request, r["flag"]),
                )
            ),
            muted=r["flag"] == "TOO_FEW",
        )
        for r in document["reviewers"]
    ]
    return gap_bars(
        bars,
        chart_id="calibration-gaps",
        title=_(request, "Reviewers' gaps: qualitative minus quantitative points"),
        desc=_(
            request,
            "One bar per reviewer; the dashed line is the organisation's gap ({gap}).",
            gap=document["organisation_gap"] or "—",
        ),
        reference=document["organisation_gap"],
    )


async def _page(
    request: Request,
    cycle: Cycle,
    *,
    status: int = 200,
    record_form: dict[str, str] | None = None,
    record_error: str | None = None,
    record_errors: dict[str, str] | None = None,
) -> Response:
    actor = require(request, *VIEWERS)
    record = await CalibrationRecord.get_or_none(cycle_id=cycle.id)
    document: dict[str, Any] | None = None
    refusal = None
    try:
        view = await calibration_for_cycle(
            get_connection("default"), actor=actor, cycle_code=cycle.code
        )
        document = calibration_document(view)
    except Refusal as error:
        refusal = refusal_line(request, error, named=False)
    form = record_form or {
        name: "" if record is None else str(getattr(record, name)) for name in RECORD_FIELDS
    }
    return render(
        request,
        "cycles/calibration.html",
        {
            "cycle": cycle,
            "document": document,
            "refusal": refusal,
            "chart": None
            if document is None or not document["reviewers"]
            else _chart(request, document),
            "record": record,
            "record_form": form,
            "record_version": 0 if record is None else record.version,
            "record_error": record_error,
            "record_errors": record_errors or {},
            "saved": request.query_params.get("saved") == "1",
        },
        status=status,
    )


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


@guarded
async def calibration_page(request: Request) -> Response:
    require(request, *VIEWERS)
    cycle = await _cycle(request)
    if isinstance(cycle, Response):
        return cycle
    return await _page(request, cycle)


@guarded
async def calibration_record_post(request: Request) -> Response:
    actor = require(request, AccessLevel.ADMIN)
    cycle = await _cycle(request)
    if isinstance(cycle, Response):
        return cycle
    posted = await checked_form(request)
    form = {name: str(posted.get(name, "")) for name in RECORD_FIELDS}
    try:
        version = int(str(posted.get("expected_version", "")))
    except ValueError:
        return await _page(
            request,
            cycle,
            status=400,
            record_form=form,
            record_error=_(request, "The form lacks the version it was based on; reload the page."),
        )
    try:
        await save_calibration_record(
            actor=actor, cycle_code=cycle.code, expected_version=version, **form
        )
    except ValidationFailed as failed:
        errors = {i.field: say(request, i) for i in failed.issues if i.field in form}
        loose = [say(request, i) for i in failed.issues if i.field not in form]
        return await _page(
            request,
            cycle,
            status=400,
            record_form=form,
            record_error="; ".join(loose) or None,
            record_errors=errors,
        )
    except StaleVersion:
        return await _page(
            request,
            cycle,
            status=409,
            record_form=form,
            record_error=_(
                request,
                "Someone saved the record first. Your text is kept below; reload the page to "
                "see theirs, then save again.",
            ),
        )
    except Refusal as error:
        return await _page(
            request,
            cycle,
            status=400,
            record_form=form,
            record_error=refusal_line(request, error, named=False),
        )
    return redirect(f"/admin/cycles/{quote(cycle.code, safe='')}/calibration?saved=1#record")


routes = [
    Route("/cycles/{code}/calibration", calibration_page, methods=["GET"]),
    Route("/cycles/{code}/calibration/record", calibration_record_post, methods=["POST"]),
]
